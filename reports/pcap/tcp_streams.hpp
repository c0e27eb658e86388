// SIP over TCP in a capture: each direction of each TCP flow is reassembled by sequence number
// (retransmitted and duplicate bytes are ignored, segments that arrive ahead of a gap wait for
// it) and SIP messages are cut out of the stream with sip::frame_length, as the receiving
// transport cuts them; or, on a connection that starts with a WebSocket handshake for SIP
// (websocket.hpp), out of the WebSocket messages. Every limit is counted in TcpStreamStats, never silent: the bytes a
// direction may hold while waiting for the rest of a message or for a gap, and the number of
// directions followed at once.
#pragma once

#include "reports/ladder/ladder.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trunklab::reports {

struct TcpSegment {
  rt::Instant time{};
  rt::Address src;  // with ports
  rt::Address dst;
  std::uint32_t seq = 0;
  bool syn = false;
  bool fin = false;
  bool rst = false;
  bool truncated = false;  // the capture holds less of the payload than the wire carried
  std::string_view payload;
};

struct TcpStreamLimits {
  std::size_t max_flows = 32768;  // directions followed at once (two per connection)
  // Buffered per direction: an unfinished message plus segments beyond a gap. frame_length
  // refuses a message over its own limits (64 kB of headers, 16 MB of body) first.
  std::size_t max_buffered_bytes = 17 * 1024 * 1024;
  std::size_t max_pending_segments = 1024;  // segments beyond a gap, per direction
};

struct TcpStreamStats {
  std::uint64_t segments = 0;
  std::uint64_t messages = 0;
  std::uint64_t websocket_messages = 0;     // of `messages`: SIP over WebSocket (RFC 7118)
  std::uint64_t duplicate_bytes = 0;        // retransmitted bytes already seen: ignored
  std::uint64_t flows_over_limit = 0;       // segments of directions not followed: max_flows reached
  std::uint64_t buffer_overflows = 0;       // directions given up: max_buffered/pending reached
  std::uint64_t unframeable = 0;            // directions given up: the stream is not SIP (no framing)
  std::uint64_t unfinished = 0;             // directions whose last message never completed
  std::uint64_t truncated_holes = 0;        // directions given up at a segment the snaplen cut
  bool limited() const { return flows_over_limit > 0 || buffer_overflows > 0; }
};

class TcpStreams {
public:
  explicit TcpStreams(TcpStreamLimits limits = {}) : limits_(limits) {}
  // The SIP messages this segment completes, in stream order (time: this segment's).
  std::vector<Datagram> feed(const TcpSegment& segment);
  // The stats, with `unfinished` counted over the directions still open.
  TcpStreamStats finish() const;
  const TcpStreamStats& stats() const { return stats_; }

private:
  // How a direction's bytes are framed: found out from its first bytes.
  enum class Framing { unknown, sip, handshake, websocket };
  struct Direction {
    Framing framing = Framing::unknown;
    std::string ws_message;   // the fragments of the WebSocket message being read
    bool ws_in_message = false;
    bool synced = false;  // next_seq is known
    bool given_up = false;  // until the next SYN: nothing after damage can be framed
    std::uint32_t next_seq = 0;
    std::string stream;  // in-order bytes not yet cut into messages
    std::map<std::uint32_t, std::string> pending;  // ahead of a gap, by offset from next_seq
    std::size_t pending_bytes = 0;
  };
  using Key = std::pair<rt::Address, rt::Address>;

  void accept(Direction& d, std::uint32_t seq, std::string_view payload);
  void take_pending(Direction& d);
  void cut(Direction& d, const TcpSegment& segment, std::vector<Datagram>& out);
  bool find_framing(Direction& d);
  void cut_websocket(Direction& d, const TcpSegment& segment, std::vector<Datagram>& out);
  void emit(const TcpSegment& segment, std::string bytes, std::vector<Datagram>& out);
  void give_up(Direction& d, std::uint64_t& counter);

  TcpStreamLimits limits_;
  std::map<Key, Direction> directions_;
  TcpStreamStats stats_;
};

}  // namespace trunklab::reports
