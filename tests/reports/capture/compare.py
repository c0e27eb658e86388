#!/usr/bin/env python3
"""`trunklab ladder` on a crafted capture has exactly the SIP messages tshark decodes, in order.

Usage: compare.py TRUNKLAB CASE. Crafts the case's capture (craft.py), lists its ladder with
`trunklab ladder --format tsv` and tshark's SIP messages (-T json: a frame with several SIP
messages keeps their order), and compares (request method or status code, Call-ID) one by
one. Each case also checks what the case is about on stderr and in the exit code.
"""
import json
import os
import subprocess
import sys
import tempfile

import craft

TSHARK = ["tshark", "-o", "tcp.desegment_tcp_streams:TRUE", "-o", "tcp.reassemble_out_of_order:TRUE",
          "-o", "ip.defragment:TRUE", "-o", "ipv6.defragment:TRUE", "-d", "tcp.port==5060,sip"]


def tshark_messages(path):
    out = subprocess.run(TSHARK + ["-r", path, "-Y", "sip", "-T", "json", "--no-duplicate-keys", "-J", "frame sip"],
                         check=True, capture_output=True, text=True).stdout
    messages = []
    for packet in json.loads(out or "[]"):
        layers = packet["_source"]["layers"]
        pdus = layers["sip"] if isinstance(layers["sip"], list) else [layers["sip"]]
        for pdu in pdus:
            method = pdu.get("sip.Request-Line_tree", {}).get("sip.Method")
            code = pdu.get("sip.Status-Line_tree", {}).get("sip.Status-Code")
            call_id = pdu.get("sip.msg_hdr_tree", {}).get("sip.Call-ID", "-")
            messages.append(("request", method) if method else ("response", code))
            messages[-1] += (call_id,)
    return messages


def ladder(trunklab, path):
    run = subprocess.run([trunklab, "ladder", path, "--format", "tsv"], capture_output=True, text=True)
    rows = [line.split("\t") for line in run.stdout.splitlines() if line and not line.startswith("#")]
    return run, [r for r in rows if r[1] in ("request", "response")]


def main():
    trunklab, case = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, case + (".pcapng" if "pcapng" in case else ".pcap"))
        with open(path, "wb") as f:
            f.write(craft.CASES[case]())
        wire = tshark_messages(path)
        run, rows = ladder(trunklab, path)
        ours = [(r[1], r[2], r[3]) for r in rows]
        failures = []
        if ours != wire:
            failures.append("the ladder differs from tshark:\n  tshark: %s\n  ladder: %s" % (wire, ours))
        failures += CHECKS.get(case, lambda run, rows: [])(run, rows)
        if case != "no-sip" and run.returncode != 0:
            failures.append("exit code %d" % run.returncode)
        sys.stderr.write(run.stderr)
        for failure in failures:
            print("FAIL %s: %s" % (case, failure))
        if not failures:
            print("%s: %d SIP messages, as tshark decodes them" % (case, len(wire)))
        return 1 if failures else 0


def expect(condition, message):
    return [] if condition else [message]


def check_fragments(run, rows):
    return (expect(len(rows) >= 3, "the fragmented INVITEs are missing") +
            expect("never completed" in run.stderr, "no report of the fragments that never completed: " + run.stderr))


def check_snaplen(run, rows):
    flags = [r[6] for r in rows]
    return (expect(all("truncated" in f for f in flags), "not every message is marked truncated: %s" % flags) +
            expect(not any("retransmission" in f for f in flags), "truncated messages marked retransmissions") +
            expect("snaplen 100" in run.stderr, "no warning with the snaplen: " + run.stderr))


def check_no_sip(run, rows):
    return (expect(run.returncode == 1, "exit code %d, not 1, for a capture without SIP" % run.returncode) +
            expect("no SIP messages" in run.stderr and "6 UDP not SIP" in run.stderr and
                   "1 not IP" in run.stderr and "1 IPv4 fragment" in run.stderr,
                   "the reasons are not counted: " + run.stderr))


def check_start_lines(run, rows):
    return expect("UDP not SIP" in run.stderr, "the refused payloads are not counted: " + run.stderr)


CHECKS = {
    "ipv4-fragments": check_fragments,
    "snaplen-100": check_snaplen,
    "no-sip": check_no_sip,
    "start-lines": check_start_lines,
}

if __name__ == "__main__":
    sys.exit(main())
