// A ladder that is hard to draw, for the SVG/HTML tests: ten parties with long host names (one
// with two addresses, some IPv6, one unnamed), twelve calls between near and far columns, long
// reason phrases, a retransmission, markup in a header, SDP and RTP streams.
#pragma once

#include "media/rtp.hpp"
#include "reports/ladder/ladder.hpp"
#include "tests/reports/fixtures.hpp"

#include <array>
#include <string>
#include <vector>

namespace trunklab::reports::testing {

struct HardParty {
  const char* address;
  const char* name;  // "" = known only by its address
};

inline constexpr std::array<HardParty, 11> kHardParties{{
    {"[2001:db8:17::10]:5060", "alice-softphone.branch-office-17.example.com"},
    {"10.20.30.40:5060", "pbx-cluster-node-a.headquarters.internal.example.org"},
    {"192.0.2.1:5060", "sbc-edge-01.eu-west-1.carrier-interconnect.example.net"},
    {"192.0.2.1:5080", "sbc-edge-01.eu-west-1.carrier-interconnect.example.net"},
    {"10.0.0.2:5060", "trunk"},
    {"[2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff]:5061", "telnyx"},
    {"198.51.100.77:5060", "twilio-sip-termination.us-east-1.example.com"},
    {"10.0.0.9:5060", "bob"},
    {"[fd00::c]:5060", "carol"},
    {"10.0.0.50:5070", "voicemail"},
    {"203.0.113.200:65535", ""},
}};

inline NameMap hard_names() {
  NameMap names;
  for (const auto& p : kHardParties) {
    if (*p.name != '\0') names[addr(p.address)] = p.name;
  }
  return names;
}

inline std::string hard_sdp(std::string message, const std::string& ip, int port) {
  const std::string sdp = "v=0\r\no=- 1 1 IN IP4 " + ip + "\r\ns=-\r\nc=IN IP4 " + ip + "\r\nt=0 0\r\nm=audio " +
                          std::to_string(port) + " RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n"
                          "a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n";
  message.replace(message.find("Content-Length: 0"), 17,
                  "Content-Type: application/sdp\r\nContent-Length: " + std::to_string(sdp.size()));
  return message + sdp;
}

inline std::string hard_rtp(std::uint16_t seq, std::uint32_t ssrc) {
  media::RtpHeader h;
  h.payload_type = 0;
  h.sequence = seq;
  h.timestamp = static_cast<std::uint32_t>(seq) * 160;
  h.ssrc = ssrc;
  return media::write_rtp(h, std::string(160, '\xff'));
}

// One call from party `a` to party `b` (indexes into kHardParties) at `t` ms.
inline void hard_call(std::vector<Datagram>& out, int t, std::size_t a, std::size_t b, int call,
                      int status, const std::string& reason) {
  const char* from = kHardParties[a].address;
  const char* to = kHardParties[b].address;
  const std::string id = "call-" + std::to_string(call) + "-4f1e9a7c2b@" + std::string(kHardParties[a].address);
  out.push_back(datagram(t, from, to, request("INVITE", id, 1)));
  out.push_back(datagram(t + 5, to, from, response(100, "Trying", id, 1, "INVITE")));
  out.push_back(datagram(t + 40, to, from, response(180, "Ringing", id, 1, "INVITE")));
  out.push_back(datagram(t + 900, to, from, response(status, reason, id, 1, "INVITE")));
  out.push_back(datagram(t + 910, from, to, request("ACK", id, 1)));
  if (status == 200) {
    out.push_back(datagram(t + 5000, from, to, request("BYE", id, 2)));
    out.push_back(datagram(t + 5010, to, from, response(200, "OK", id, 2, "BYE")));
  }
}

inline std::vector<Datagram> hard_datagrams() {
  std::vector<Datagram> out;
  // A call with SDP both ways and RTP each way (20 packets), between far columns.
  const std::string media_call = "media-7d3e@10.20.30.40";
  out.push_back(datagram(0, "10.20.30.40:5060", "198.51.100.77:5060",
                         hard_sdp(request("INVITE", media_call, 1), "10.20.30.40", 40000)));
  out.push_back(datagram(30, "198.51.100.77:5060", "10.20.30.40:5060",
                         hard_sdp(response(200, "OK", media_call, 1, "INVITE"), "198.51.100.77", 30000)));
  out.push_back(datagram(40, "10.20.30.40:5060", "198.51.100.77:5060", request("ACK", media_call, 1)));
  for (std::uint16_t i = 0; i < 20; ++i) {
    out.push_back(datagram(50 + 20 * i, "10.20.30.40:40000", "198.51.100.77:30000", hard_rtp(i, 0xabc)));
    out.push_back(datagram(55 + 20 * i, "198.51.100.77:30000", "10.20.30.40:40000", hard_rtp(i, 0xdef)));
  }
  const std::array<std::array<std::size_t, 2>, 12> pairs{{
      {0, 1}, {1, 2}, {2, 4}, {4, 5}, {4, 6}, {0, 9}, {7, 8}, {8, 10}, {3, 4}, {9, 0}, {6, 7}, {5, 10}}};
  for (std::size_t c = 0; c < pairs.size(); ++c) {
    int status = c % 4 == 1 ? 488 : c % 4 == 3 ? 407 : 200;
    std::string reason = status == 488 ? "Not Acceptable Here: none of the offered codecs (PCMU, PCMA, G722, opus) is allowed"
                         : status == 407 ? "Proxy Authentication Required"
                                         : "OK";
    hard_call(out, 1000 + static_cast<int>(c) * 700, pairs[c][0], pairs[c][1], static_cast<int>(c), status, reason);
  }
  // A retransmitted INVITE (same bytes and direction) and markup in a header and reason phrase.
  out.push_back(datagram(20000, "10.0.0.9:5060", "10.0.0.2:5060", request("OPTIONS", "</script><!--x", 1)));
  out.push_back(datagram(20500, "10.0.0.9:5060", "10.0.0.2:5060", request("OPTIONS", "</script><!--x", 1)));
  out.push_back(datagram(20600, "10.0.0.2:5060", "10.0.0.9:5060",
                         response(606, "Not Acceptable <b>&amp; refused</b> by policy", "</script><!--x", 1, "OPTIONS")));
  return out;
}

// With a NAT rebinding note on the first party's column, after the tenth message.
inline Ladder hard_ladder() {
  Ladder ladder = build_ladder(hard_datagrams(), {hard_names(), std::nullopt, false});
  LadderMessage note;
  note.note = true;
  note.label = "NAT rebinding: alice-softphone.branch-office-17.example.com 198.51.100.1:40001 -> 198.51.100.1:40002";
  note.offset = ladder.messages[9].offset;
  note.call = ladder.calls.size();
  ladder.messages.insert(ladder.messages.begin() + 10, note);
  return ladder;
}

}  // namespace trunklab::reports::testing
