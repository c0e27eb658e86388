#!/usr/bin/env python3
"""Crafts one capture per case `trunklab ladder` must read as tshark does (issue 17 item 1).

Usage: craft.py CASE OUT_FILE. Every capture is built here byte by byte (pcap or pcapng, with
the link layers, IP fragments, TCP segments and WebSocket frames each case is about), so the
test depends on no capture taken elsewhere. Times increase by 10 ms per packet.
"""
import struct
import sys

A4, B4, C4 = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), bytes([10, 0, 0, 3])
A6 = bytes.fromhex("20010db8000000000000000000000001")
B6 = bytes.fromhex("20010db8000000000000000000000002")

# --- SIP messages -----------------------------------------------------------------------


def sip(start, call_id, cseq, body=b"", extra=b""):
    head = (start + b"\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK" + call_id +
            b"\r\nFrom: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>\r\nCall-ID: " +
            call_id + b"\r\nCSeq: " + cseq + b"\r\nMax-Forwards: 70\r\n" + extra +
            b"Content-Length: %d\r\n\r\n" % len(body))
    return head + body


def invite(call_id, body=b""):
    return sip(b"INVITE sip:bob@example.com SIP/2.0", call_id, b"1 INVITE", body,
               b"Content-Type: application/sdp\r\n" if body else b"")


def response(code, call_id, cseq=b"1 INVITE"):
    return sip(b"SIP/2.0 " + code, call_id, cseq)


def request(method, call_id, n):
    return sip(method + b" sip:bob@example.com SIP/2.0", call_id, b"%d " % n + method)


def big_sdp(size):
    lines = [b"v=0", b"o=- 1 1 IN IP4 10.0.0.1", b"s=-", b"c=IN IP4 10.0.0.1", b"t=0 0",
             b"m=audio 4000 RTP/AVP 0 8 101", b"a=rtpmap:0 PCMU/8000"]
    n = 0
    while sum(len(l) + 2 for l in lines) < size:
        lines.append(b"a=x-filler:%04d padding padding padding padding padding" % n)
        n += 1
    return b"\r\n".join(lines) + b"\r\n"


def rtp(seq):
    return struct.pack("!BBHII", 0x80, 0, seq, seq * 160, 0x1234) + bytes(160)

# --- IP, UDP, TCP -----------------------------------------------------------------------


def ipv4(src, dst, proto, payload, ident=1, frag_offset=0, more=False, total=None):
    flags = (0x2000 if more else 0) | (frag_offset // 8)
    length = total if total is not None else 20 + len(payload)
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, length, ident, flags, 64, proto, 0, src, dst) + payload


def ipv6(src, dst, next_header, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), next_header, 64, src, dst) + payload


def ipv6_fragment(src, dst, proto, chunk, ident, offset, more):
    header = struct.pack("!BBHI", proto, 0, offset | (1 if more else 0), ident)
    return ipv6(src, dst, 44, header + chunk)


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport, dport, seq, payload=b"", flags=0x18, ack=1):
    return struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack, 5 << 4, flags, 65535, 0, 0) + payload


def ether(ip, ether_type=0x0800):
    return bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + struct.pack("!H", ether_type) + ip


def v4udp(payload, src=A4, dst=B4, sport=5060, dport=5060):
    return ether(ipv4(src, dst, 17, udp(sport, dport, payload)))


def fragments_v4(datagram, ident, mtu_payload, src=A4, dst=B4):
    """The IP payload (a UDP datagram) cut into fragments of mtu_payload bytes (multiple of 8)."""
    out = []
    for at in range(0, len(datagram), mtu_payload):
        chunk = datagram[at:at + mtu_payload]
        out.append(ether(ipv4(src, dst, 17, chunk, ident, at, at + mtu_payload < len(datagram))))
    return out


def fragments_v6(datagram, ident, mtu_payload, src=A6, dst=B6):
    out = []
    for at in range(0, len(datagram), mtu_payload):
        chunk = datagram[at:at + mtu_payload]
        out.append(ether(ipv6_fragment(src, dst, 17, chunk, ident, at, at + mtu_payload < len(datagram)),
                         0x86DD))
    return out

# --- files ------------------------------------------------------------------------------


def pcap(frames, link=1, snaplen=65535):
    """frames: bytes, or (bytes, original_length) for a frame the snaplen cut."""
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, link)
    for i, f in enumerate(frames):
        data, wire = f if isinstance(f, tuple) else (f, len(f))
        data = data[:snaplen]
        usec = 10_000 * i
        out += struct.pack("<IIII", 1_700_000_000 + usec // 1_000_000, usec % 1_000_000, len(data), wire) + data
    return out


def pad4(b):
    return b + bytes(-len(b) % 4)


def block(endian, kind, body):
    return struct.pack(endian + "II", kind, 12 + len(body)) + body + struct.pack(endian + "I", 12 + len(body))


def shb(endian):
    return block(endian, 0x0A0D0D0A, struct.pack(endian + "IHHq", 0x1A2B3C4D, 1, 0, -1))


def idb(endian, link, tsresol=None, snaplen=0):
    options = b""
    if tsresol is not None:
        options += struct.pack(endian + "HH", 9, 1) + pad4(bytes([tsresol]))
    if options:
        options += struct.pack(endian + "HH", 0, 0)
    return block(endian, 1, struct.pack(endian + "HHI", link, 0, snaplen) + options)


def epb(endian, interface, ticks, data):
    body = struct.pack(endian + "IIIII", interface, ticks >> 32, ticks & 0xFFFFFFFF, len(data), len(data))
    return block(endian, 6, body + pad4(data))


def spb(endian, data):
    return block(endian, 3, struct.pack(endian + "I", len(data)) + pad4(data))

# --- the cases --------------------------------------------------------------------------


def case_udp():
    return pcap([v4udp(invite(b"c1")), v4udp(response(b"100 Trying", b"c1"), B4, A4),
                 v4udp(rtp(1), A4, B4, 4000, 4002),
                 v4udp(response(b"200 OK", b"c1"), B4, A4), v4udp(request(b"ACK", b"c1", 1)),
                 v4udp(request(b"BYE", b"c1", 2)), v4udp(response(b"200 OK", b"c1", b"2 BYE"), B4, A4)])


def case_start_lines():
    # Only the lines RFC 3261 §7.1/§7.2 allow (and tshark decodes) are SIP.
    return pcap([v4udp(b"SIP/2.0 garbage here\r\n\r\n"),
                 v4udp(request(b"OPTIONS", b"s1", 1)),
                 v4udp(response(b"200", b"s2")),                      # no SP after the code
                 v4udp(sip(b"INVITE foo SIP/2.0", b"s3", b"1 INVITE")),  # no scheme
                 v4udp(sip(b"INVITE sip:bob@example.com SIP/2.1", b"s4", b"1 INVITE")),
                 v4udp(sip(b"SIP/2.0 20 OK", b"s5", b"1 INVITE")),
                 v4udp(response(b"200 ", b"s6"), B4, A4),  # an empty reason phrase is allowed
                 v4udp(sip(b"INFO  sip:bob@example.com SIP/2.0", b"s7", b"1 INFO")),
                 v4udp(sip(b"x-custom.ext sip:bob@example.com SIP/2.0", b"s8", b"1 x-custom.ext")),
                 v4udp(response(b"200 OK", b"s1", b"1 OPTIONS"), B4, A4)])


def case_ipv4_fragments():
    big = udp(5060, 5060, invite(b"frag4", big_sdp(4300)))  # a 4.4 kB INVITE: 4 fragments
    frames = fragments_v4(big, 0x100, 1480)
    assert len(frames) == 4, len(frames)
    second = fragments_v4(udp(5060, 5060, invite(b"frag4b", big_sdp(2500))), 0x101, 1480)
    lost = fragments_v4(udp(5060, 5060, invite(b"frag4-lost", big_sdp(2500))), 0x102, 1480)
    return pcap(frames + [v4udp(response(b"100 Trying", b"frag4"), B4, A4)] +
                # out of order, with the first fragment sent twice
                [second[1], second[0], second[0]] + second[2:] +
                lost[:-1] +  # its last fragment never comes
                [v4udp(response(b"200 OK", b"frag4"), B4, A4)])


def case_ipv6_fragments():
    big = udp(5060, 5060, invite(b"frag6", big_sdp(4300)))
    frames = fragments_v6(big, 0x200, 1448)
    second = fragments_v6(udp(5060, 5060, invite(b"frag6b", big_sdp(3500))), 0x201, 1448)
    plain = ether(ipv6(B6, A6, 17, udp(5060, 5060, response(b"200 OK", b"frag6"))), 0x86DD)
    return pcap(frames + [second[2], second[1], second[0]] + [plain])


def case_tcp():
    a, b = 40000, 5060
    inv, ok, ack = invite(b"t1", big_sdp(400)), response(b"200 OK", b"t1"), request(b"ACK", b"t1", 1)
    opt1, opt2 = request(b"OPTIONS", b"t2", 1), request(b"OPTIONS", b"t3", 1)
    bye = request(b"BYE", b"t1", 2)
    s = 1000
    frames = [
        ether(ipv4(A4, B4, 6, tcp(a, b, s - 1, flags=0x02))),  # SYN
        ether(ipv4(B4, A4, 6, tcp(b, a, 4999, flags=0x12))),   # SYN ACK
    ]
    # one message over three segments
    p1, p2, p3 = inv[:100], inv[100:250], inv[250:]
    frames += [ether(ipv4(A4, B4, 6, tcp(a, b, s, p1))), ether(ipv4(A4, B4, 6, tcp(a, b, s + 100, p2))),
               ether(ipv4(A4, B4, 6, tcp(a, b, s + 250, p3)))]
    s += len(inv)
    frames += [ether(ipv4(B4, A4, 6, tcp(b, a, 5000, ok)))]
    # several messages in one segment
    both = ack + opt1
    frames += [ether(ipv4(A4, B4, 6, tcp(a, b, s, both)))]
    # ... and that segment retransmitted
    frames += [ether(ipv4(A4, B4, 6, tcp(a, b, s, both)))]
    s += len(both)
    # out of order: the second half first
    tail = opt2 + bye
    half = len(tail) // 2
    frames += [ether(ipv4(A4, B4, 6, tcp(a, b, s + half, tail[half:]))),
               ether(ipv4(A4, B4, 6, tcp(a, b, s, tail[:half])))]
    return pcap(frames)


def ws_frame(payload, opcode=1, fin=True, mask=None):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 65536:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    if mask:
        head += mask
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
    return head + payload


def case_websocket():
    a, b = 40001, 8080
    get = (b"GET /sip HTTP/1.1\r\nHost: 10.0.0.2:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
           b"Sec-WebSocket-Protocol: sip\r\n\r\n")
    switching = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n")
    mask = bytes([0x37, 0xFA, 0x21, 0x3D])
    reg = request(b"REGISTER", b"w1", 1)
    c2s = [get, ws_frame(reg, mask=mask),
           ws_frame(b"", opcode=9, mask=mask),  # a ping: a control frame, not SIP
           # a message in two fragments (text frame, then a continuation)
           ws_frame(invite(b"w2")[:120], opcode=1, fin=False, mask=mask) +
           ws_frame(invite(b"w2")[120:], opcode=0, mask=mask)]
    s2c = [switching, ws_frame(response(b"200 OK", b"w1", b"1 REGISTER")),
           ws_frame(response(b"100 Trying", b"w2"), opcode=2)]
    frames = [ether(ipv4(A4, B4, 6, tcp(a, b, 99, flags=0x02))), ether(ipv4(B4, A4, 6, tcp(b, a, 499, flags=0x12)))]
    cs, ss = 100, 500
    order = [(0, c2s[0]), (1, s2c[0]), (0, c2s[1]), (1, s2c[1]), (0, c2s[2]), (0, c2s[3]), (1, s2c[2])]
    for side, data in order:
        if side == 0:
            frames.append(ether(ipv4(A4, B4, 6, tcp(a, b, cs, data))))
            cs += len(data)
        else:
            frames.append(ether(ipv4(B4, A4, 6, tcp(b, a, ss, data))))
            ss += len(data)
    return pcap(frames)


def case_pcapng_mixed():
    # Section 1, little endian: Ethernet (µs) and raw IP (ns); section 2, big endian: SLL2.
    raw_ip = ipv4(A4, B4, 17, udp(5060, 5060, request(b"OPTIONS", b"n2", 1)))
    sll2 = struct.pack("!HHIHBB8s", 0x0800, 0, 1, 1, 0, 6, bytes(8))
    t_us = 1_700_000_000_000_000
    out = shb("<") + idb("<", 1) + idb("<", 101, tsresol=9)
    out += epb("<", 0, t_us + 10_000, v4udp(request(b"OPTIONS", b"n1", 1)))
    out += spb("<", v4udp(request(b"OPTIONS", b"n0", 1)))  # no timestamp: the last one read
    out += epb("<", 1, (t_us + 20_000) * 1000, raw_ip)
    out += epb("<", 0, t_us + 30_000, v4udp(response(b"200 OK", b"n1", b"1 OPTIONS"), B4, A4))
    out += shb(">") + idb(">", 276, tsresol=6)
    out += epb(">", 0, t_us + 40_000, sll2 + ipv4(B4, A4, 17, udp(5060, 5060, response(b"200 OK", b"n2", b"1 OPTIONS"))))
    return out


def case_snaplen():
    # 30 REGISTERs alike in their first 100 bytes, and the answers; none is a retransmission.
    frames = []
    for n in range(1, 31):
        reg = sip(b"REGISTER sip:example.com SIP/2.0", b"reg-%02d" % n, b"%d REGISTER" % n)
        frames.append((v4udp(reg), len(v4udp(reg))))
        ok = response(b"200 OK", b"reg-%02d" % n, b"%d REGISTER" % n)
        frames.append((v4udp(ok, B4, A4), len(v4udp(ok, B4, A4))))
    return pcap(frames, snaplen=100)


def case_no_sip():
    frames = [v4udp(rtp(n), A4, B4, 4000, 4002) for n in range(5)]
    frames += [ether(b"\x00" * 40, 0x0806)]  # ARP: not IP
    frames += fragments_v4(udp(5060, 5060, invite(b"never", big_sdp(2500))), 0x300, 1480)[:1]
    frames += [v4udp(b"SIP/2.0 garbage here\r\n\r\n")]
    return pcap(frames)


CASES = {
    "udp": case_udp,
    "start-lines": case_start_lines,
    "ipv4-fragments": case_ipv4_fragments,
    "ipv6-fragments": case_ipv6_fragments,
    "tcp": case_tcp,
    "websocket": case_websocket,
    "pcapng-mixed": case_pcapng_mixed,
    "snaplen-100": case_snaplen,
    "no-sip": case_no_sip,
}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in CASES:
        sys.exit("usage: craft.py {%s} OUT_FILE" % ",".join(CASES))
    with open(sys.argv[2], "wb") as f:
        f.write(CASES[sys.argv[1]]())
