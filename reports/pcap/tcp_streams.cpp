#include "reports/pcap/tcp_streams.hpp"

#include "reference/sip/message.hpp"
#include "reports/pcap/websocket.hpp"

namespace trunklab::reports {
namespace {

// How far `seq` is past `next` in sequence space (RFC 9293 §3.4: comparisons modulo 2^32).
std::int64_t ahead(std::uint32_t seq, std::uint32_t next) {
  return static_cast<std::int32_t>(seq - next);
}

}  // namespace

std::vector<Datagram> TcpStreams::feed(const TcpSegment& segment) {
  ++stats_.segments;
  std::vector<Datagram> out;
  const Key key{segment.src, segment.dst};
  auto it = directions_.find(key);
  if (it == directions_.end()) {
    if (segment.payload.empty() && !segment.syn) return out;  // a bare ACK of a flow not followed
    if (directions_.size() >= limits_.max_flows) {
      ++stats_.flows_over_limit;
      return out;
    }
    it = directions_.emplace(key, Direction{}).first;
  }
  Direction& d = it->second;
  if (segment.syn) {
    if (!d.stream.empty() || !d.pending.empty()) ++stats_.unfinished;
    d = Direction{};
    d.synced = true;
    d.next_seq = segment.seq + 1;  // the SYN takes one sequence number
  }
  if (!d.given_up && segment.truncated) {
    // The bytes past the snaplen are a hole no later segment fills: what follows in this
    // direction cannot be framed until the next connection.
    give_up(d, stats_.truncated_holes);
  }
  if (!d.given_up && !segment.payload.empty()) {
    if (!d.synced) {  // the capture began mid-stream: follow from here
      d.synced = true;
      d.next_seq = segment.seq;
    }
    accept(d, segment.syn ? segment.seq + 1 : segment.seq, segment.payload);
    if (!d.given_up) cut(d, segment, out);
  }
  if (segment.fin || segment.rst) {  // this direction ends; a new connection starts with a SYN
    if (!d.given_up && (!d.stream.empty() || !d.pending.empty())) ++stats_.unfinished;
    directions_.erase(it);
  }
  return out;
}

void TcpStreams::accept(Direction& d, std::uint32_t seq, std::string_view payload) {
  const std::int64_t offset = ahead(seq, d.next_seq);
  if (offset < 0) {  // starts with bytes already taken: a retransmission or an overlap
    const auto seen = static_cast<std::size_t>(-offset);
    if (seen >= payload.size()) {
      stats_.duplicate_bytes += payload.size();
      return;
    }
    stats_.duplicate_bytes += seen;
    payload.remove_prefix(seen);
  } else if (offset > 0) {  // beyond a gap: waits for the missing bytes
    if (d.pending.contains(seq)) {
      stats_.duplicate_bytes += payload.size();
      return;
    }
    d.pending.emplace(seq, std::string(payload));
    d.pending_bytes += payload.size();
    if (d.pending.size() > limits_.max_pending_segments ||
        d.pending_bytes + d.stream.size() > limits_.max_buffered_bytes) {
      give_up(d, stats_.buffer_overflows);
    }
    return;
  }
  d.stream.append(payload);
  d.next_seq += static_cast<std::uint32_t>(payload.size());
  take_pending(d);
}

// Segments that waited for a gap the latest bytes filled.
void TcpStreams::take_pending(Direction& d) {
  for (bool took = true; took;) {
    took = false;
    for (auto it = d.pending.begin(); it != d.pending.end(); ++it) {
      if (ahead(it->first, d.next_seq) > 0) continue;
      const std::uint32_t seq = it->first;
      const std::string payload = std::move(it->second);
      d.pending_bytes -= payload.size();
      d.pending.erase(it);
      accept(d, seq, payload);
      took = true;
      break;
    }
  }
}

void TcpStreams::emit(const TcpSegment& segment, std::string bytes, std::vector<Datagram>& out) {
  Datagram message;
  message.time = segment.time;
  message.src = segment.src;
  message.dst = segment.dst;
  message.wire_length = bytes.size();
  message.bytes = std::move(bytes);
  ++stats_.messages;
  out.push_back(std::move(message));
}

// From the first bytes: SIP, or a WebSocket handshake (read and dropped here). False while
// they do not tell yet.
bool TcpStreams::find_framing(Direction& d) {
  if (d.framing == Framing::unknown) {
    if (d.stream.empty()) return false;
    if (!starts_like_handshake(d.stream)) {
      d.framing = Framing::sip;
      return true;
    }
    if (d.stream.size() < 5) return false;
    d.framing = d.stream.starts_with("GET ") || d.stream.starts_with("HTTP/") ? Framing::handshake : Framing::sip;
  }
  if (d.framing == Framing::handshake) {
    const auto handshake = read_handshake(d.stream);
    if (handshake.kind == Handshake::incomplete) return false;
    if (handshake.kind == Handshake::other) {
      give_up(d, stats_.unframeable);  // HTTP, but not SIP over WebSocket
      return false;
    }
    d.stream.erase(0, handshake.length);
    d.framing = Framing::websocket;
  }
  return true;
}

void TcpStreams::cut(Direction& d, const TcpSegment& segment, std::vector<Datagram>& out) {
  if (!find_framing(d)) return;
  if (d.framing == Framing::websocket) return cut_websocket(d, segment, out);
  for (;;) {
    const auto length = sip::frame_length(d.stream);
    if (!length) return give_up(d, stats_.unframeable);
    if (*length == 0) {
      if (d.stream.size() + d.pending_bytes > limits_.max_buffered_bytes) give_up(d, stats_.buffer_overflows);
      return;
    }
    emit(segment, d.stream.substr(0, *length), out);
    d.stream.erase(0, *length);
  }
}

// RFC 6455 §5.4: a message is a text or binary frame and the continuation frames up to the
// one with FIN; control frames may come between them. Bounded by max_buffered_bytes.
void TcpStreams::cut_websocket(Direction& d, const TcpSegment& segment, std::vector<Datagram>& out) {
  for (;;) {
    const auto frame = read_ws_frame(d.stream);
    if (frame && frame->length + d.ws_message.size() > limits_.max_buffered_bytes) {
      return give_up(d, stats_.buffer_overflows);
    }
    if (!frame || d.stream.size() < frame->header + frame->length) return;  // the rest is to come
    std::string payload = ws_payload(*frame, d.stream);
    d.stream.erase(0, frame->header + static_cast<std::size_t>(frame->length));
    if (frame->control()) continue;
    if (frame->opcode == 1 || frame->opcode == 2) {
      d.ws_message = std::move(payload);
      d.ws_in_message = true;
    } else if (frame->opcode == 0 && d.ws_in_message) {
      d.ws_message += payload;
    } else {
      return give_up(d, stats_.unframeable);  // a continuation of nothing, or a reserved opcode
    }
    if (frame->fin) {
      d.ws_in_message = false;
      ++stats_.websocket_messages;
      emit(segment, std::move(d.ws_message), out);
      d.ws_message.clear();
    }
  }
}

void TcpStreams::give_up(Direction& d, std::uint64_t& counter) {
  ++counter;
  d.given_up = true;
  d.stream.clear();
  d.ws_message.clear();
  d.pending.clear();
  d.pending_bytes = 0;
}

TcpStreamStats TcpStreams::finish() const {
  TcpStreamStats stats = stats_;
  for (const auto& [key, d] : directions_) {
    if (!d.given_up && (!d.stream.empty() || !d.pending.empty())) ++stats.unfinished;
  }
  return stats;
}

}  // namespace trunklab::reports
