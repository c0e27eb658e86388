// The media of a ladder: RTP streams found in a capture's non-SIP datagrams, drawn as RFC 3665
// draws "RTP Media": one line per stream and direction, not per packet
// ("RTP PCMU 20 ms, 1,500 pkts, 0.0% loss"), at the stream's first packet.
//
// A stream is the packets of one SSRC from one address to another. Its ends are the parties
// whose SDP (c= and m=audio in the SIP messages' bodies) advertised those addresses, so media
// lines sit between the same columns as the calls that set them up, with the call's letter;
// its encoding comes from that SDP's a=rtpmap, else from the static payload types (RFC 3551).
// Where the SDP is not in the capture, a datagram is RTP by heuristics (media::looks_like_rtp)
// and a stream needs at least two packets in sequence, so a stray datagram that happens to
// look like an RTP header is not drawn as media.
#pragma once

#include "reports/ladder/ladder.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace trunklab::reports {

// Where a media address belongs: the first SIP message whose SDP advertised it.
struct MediaOwner {
  std::size_t column = 0;
  std::size_t call = 0;
  std::map<int, std::string> encodings;  // payload type -> "PCMU", "telephone-event"
};

class MediaBook {
public:
  // Learns the addresses the message's SDP advertises (its sender's column and call).
  void learn(const LadderMessage& message);
  const MediaOwner* find(const rt::Address& address) const;

private:
  std::map<rt::Address, MediaOwner> owners_;
};

// `column` gives the column of an address no SDP names (a new one, as for SIP). Returns the
// media lines, each with `media` set, offsets from `origin`; counts what was not RTP.
std::vector<LadderMessage> media_lines(const std::vector<const Datagram*>& datagrams, const MediaBook& book,
                                       rt::Instant origin,
                                       const std::function<std::size_t(const Datagram&, bool src)>& column,
                                       std::size_t no_call, std::size_t& not_media);

// "1,500": packet counts as the ladders write them.
std::string with_thousands(std::uint64_t n);

}  // namespace trunklab::reports
