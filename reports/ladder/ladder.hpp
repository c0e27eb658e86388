// A call ladder: the SIP datagrams of a capture, in order, with the party (column) each one
// goes from and to. Built from a pcap (reports/pcap/pcap_reader.hpp) or from the simulator's
// capture records; drawn by reports/render/render.hpp as text, Mermaid, SVG or HTML.
#pragma once

#include "reference/rt/address.hpp"
#include "reference/rt/time.hpp"
#include "reports/ladder/start_line.hpp"  // looks_like_sip, for the ladder's users

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace trunklab::wiretap {
struct CaptureRecord;
}

namespace trunklab::reports {

// Whether the network delivered a datagram: known for the simulator's captures, unknown for a
// pcap taken on a real network (a capture point cannot see what is lost after it).
enum class DropState { delivered, dropped, unknown };

// One UDP datagram as captured, before it is known to be SIP.
struct Datagram {
  rt::Instant time{};  // pcap: microseconds since the Unix epoch; simulator: virtual time
  rt::Address src;
  rt::Address dst;
  std::string bytes;  // the UDP payload
  std::string src_name;  // party names known from the source ("" = unknown)
  std::string dst_name;
  DropState drop = DropState::unknown;
  std::string drop_reason;
  bool duplicate = false;  // a copy made by the network (simulator fault rule)
  // The capture holds less than the wire carried (a snaplen): `bytes` is the captured start.
  bool truncated = false;
  std::size_t wire_length = 0;  // the payload's length on the wire; 0 = not known (simulator)
};

// Address -> party name ("10.0.0.5:5060" -> "PBX"). Wins over names carried by datagrams.
using NameMap = std::map<rt::Address, std::string>;

struct LadderOptions {
  NameMap names;
  std::optional<std::string> call_id;  // keep only this Call-ID's messages
  bool group_calls = false;            // order messages call by call (first appearance order)
  // Datagram times are microseconds since the Unix epoch (a pcap), not virtual time: absolute
  // times are then drawn as UTC wall time.
  bool wall_clock = false;
};

struct LadderMessage {
  std::size_t party_from = 0;  // index into Ladder::parties
  std::size_t party_to = 0;
  rt::Duration offset{};  // since the first message of the ladder
  std::string label;      // "INVITE", "407 Proxy Authentication Required"; a note's text
  bool is_request = false;
  std::string call_id;  // "" when the message has none (or is not parseable)
  std::size_t call = 0;  // index into Ladder::calls; calls.size() when call_id is ""
  std::string cseq;       // "1 INVITE", "" when unknown
  bool retransmission = false;  // same bytes, source and destination as an earlier message
  // An RTP stream (media_streams.hpp): one line for all its packets, at the first one; its
  // label says codec, packetisation, packets and loss. `bytes` is empty.
  bool media = false;
  bool duplicate = false;
  DropState drop = DropState::unknown;
  std::string drop_reason;
  rt::Address src;
  rt::Address dst;
  std::string bytes;
  // The SDP body's media, as display_label() shows it: "SDP PCMU PCMA", "SDP PCMU sendonly",
  // "SDP T38"; "" when the message carries none.
  std::string sdp;
  // A marker line, not a message (a NAT rebinding): `label` is its text, party_from ==
  // party_to == the party concerned; no bytes, not counted as a message.
  bool note = false;
  bool truncated = false;  // the capture holds less than the wire carried (snaplen)
  rt::Instant time{};      // as captured (origin + offset): what --time absolute shows
};

struct Party {
  std::string name;                 // the column title
  std::vector<rt::Address> addresses;  // every address seen for it, ordered (inside and public)
  // Its addresses inside a NAT (parties.hpp): in `addresses` when the capture saw that side,
  // else known from its Via only.
  std::vector<rt::Address> behind_nat;
};

struct Ladder {
  std::vector<Party> parties;          // columns, in order of first appearance
  std::vector<LadderMessage> messages;  // in display order (time; per call with group_calls)
  std::vector<std::string> calls;       // Call-IDs in order of first appearance
  // One per entry of `calls`: the call (0, 1, ... in order of first appearance) a Call-ID
  // belongs to. The two legs of one B2BUA call share a group.
  std::vector<std::size_t> call_groups;
  rt::Instant origin{};                 // time of the first message (offsets count from it)
  bool grouped = false;                 // messages are ordered call by call
  std::size_t not_sip = 0;              // datagrams skipped because they are neither SIP nor RTP
  bool wall_clock = false;              // times are Unix epoch microseconds (LadderOptions)
};

// "A".."Z", "AA".. : the short letter naming call `index` in ladders.
std::string call_letter(std::size_t index);

// What every renderer prints for a message: its label with the method of a response to a
// non-INVITE request and the SDP summary ("200 OK (CANCEL)", "INVITE (SDP PCMU PCMA)",
// "200 OK (SDP PCMU)"), and a mark when the capture truncated it. A note's or media line's
// label as it is.
std::string display_label(const LadderMessage& message);

// The tag renderers print for call `call` (an index into Ladder::calls): its group's letter,
// with the leg's number when the group links several Call-IDs ("A", "B1", "B2"); "-" for
// messages without a Call-ID (call == calls.size()).
std::string call_tag(const Ladder& ladder, std::size_t call);

// The time renderers print for a message: the offset since the ladder's first message
// ("+1.234s"), or with `absolute` the capture's time: UTC wall time for a pcap
// ("2026-01-01T00:01:10.010Z"), the virtual instant for a simulator capture ("70.010s").
std::string display_time(const Ladder& ladder, const LadderMessage& message, bool absolute);

// Builds the ladder of `datagrams` (in capture order; sorted by time, stable): the SIP
// messages, and a line per RTP stream and direction (media_streams.hpp). Datagrams that are
// neither are counted in Ladder::not_sip.
Ladder build_ladder(const std::vector<Datagram>& datagrams, const LadderOptions& options = {});

// The simulator's capture records as datagrams (party names from the records). NAT-translated
// copies are kept unless asked not to: build_ladder shows each message once, as sent, and
// learns the party's public addresses from them.
std::vector<Datagram> datagrams_from_capture(const std::vector<wiretap::CaptureRecord>& records,
                                             bool include_nat_translated = true);

}  // namespace trunklab::reports
