// SIP over WebSocket in a capture (RFC 7118): a TCP connection opened by an HTTP GET with
// "Upgrade: websocket" and "Sec-WebSocket-Protocol: sip", answered by "101 Switching
// Protocols"; after that each direction carries WebSocket frames (RFC 6455 §5), masked from the
// client, and every text or binary message (one frame, or a first frame and continuations) is
// one SIP message. Control frames (close, ping, pong) carry no SIP and are skipped.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trunklab::reports {

enum class Handshake { incomplete, sip_websocket, other };

// What the HTTP request or response at the start of `stream` is, and its length (headers and
// the empty line) when complete. Only called on a stream starting with "GET " or "HTTP/".
struct HandshakeRead {
  Handshake kind = Handshake::incomplete;
  std::size_t length = 0;
};
HandshakeRead read_handshake(std::string_view stream);

// True when `stream` may be the start of a WebSocket handshake (so far).
bool starts_like_handshake(std::string_view stream);

struct WsFrame {
  bool fin = false;
  std::uint8_t opcode = 0;  // 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong
  std::size_t header = 0;   // bytes before the payload
  std::uint64_t length = 0;  // of the payload
  bool masked = false;
  std::array<std::uint8_t, 4> mask{};
  bool control() const { return (opcode & 0x8) != 0; }
};

// The frame header at the start of `stream`; nullopt until all of it is there.
std::optional<WsFrame> read_ws_frame(std::string_view stream);

// The payload of a frame whose header is at the start of `stream` (all of it there), unmasked.
std::string ws_payload(const WsFrame& frame, std::string_view stream);

}  // namespace trunklab::reports
