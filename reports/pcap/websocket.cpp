#include "reports/pcap/websocket.hpp"

#include <algorithm>
#include <cctype>

namespace trunklab::reports {
namespace {

constexpr std::size_t kMaxHandshake = 16 * 1024;  // a longer HTTP head is not a handshake we read

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The value of header `name` (lower case) in an HTTP head, lower-cased; "" when absent.
std::string header_value(std::string_view head, std::string_view name) {
  for (std::size_t at = head.find("\r\n"); at != std::string_view::npos && at + 2 < head.size();) {
    const std::size_t start = at + 2;
    const std::size_t end = std::min(head.find("\r\n", start), head.size());
    const std::string_view line = head.substr(start, end - start);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && lower(line.substr(0, colon)) == name) {
      std::string value = lower(line.substr(colon + 1));
      value.erase(0, value.find_first_not_of(" \t"));
      return value;
    }
    at = end;
  }
  return {};
}

// A comma-separated header value holding `token`.
bool has_token(const std::string& value, std::string_view token) {
  std::size_t at = 0;
  while (at <= value.size()) {
    const std::size_t comma = std::min(value.find(',', at), value.size());
    std::string_view item = std::string_view(value).substr(at, comma - at);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item == token) return true;
    at = comma + 1;
  }
  return false;
}

}  // namespace

bool starts_like_handshake(std::string_view stream) {
  for (std::string_view start : {std::string_view("GET "), std::string_view("HTTP/")}) {
    const std::size_t n = std::min(stream.size(), start.size());
    if (stream.substr(0, n) == start.substr(0, n)) return true;
  }
  return false;
}

HandshakeRead read_handshake(std::string_view stream) {
  const std::size_t end = stream.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    return {stream.size() > kMaxHandshake ? Handshake::other : Handshake::incomplete, 0};
  }
  const std::string_view head = stream.substr(0, end + 2);
  const bool request = head.starts_with("GET ");
  const bool switching = head.starts_with("HTTP/1.1 101");
  const bool upgrade = has_token(header_value(head, "upgrade"), "websocket");
  const bool sip = has_token(header_value(head, "sec-websocket-protocol"), "sip");
  return {(request || switching) && upgrade && sip ? Handshake::sip_websocket : Handshake::other, end + 4};
}

std::optional<WsFrame> read_ws_frame(std::string_view stream) {
  if (stream.size() < 2) return std::nullopt;
  const auto byte = [&stream](std::size_t at) { return static_cast<std::uint8_t>(stream[at]); };
  WsFrame f;
  f.fin = (byte(0) & 0x80) != 0;
  f.opcode = byte(0) & 0x0F;
  f.masked = (byte(1) & 0x80) != 0;
  const std::uint8_t length7 = byte(1) & 0x7F;
  std::size_t at = 2;
  const std::size_t extended = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
  if (stream.size() < at + extended + (f.masked ? 4 : 0)) return std::nullopt;
  f.length = length7;
  if (extended > 0) {
    f.length = 0;
    for (std::size_t i = 0; i < extended; ++i) f.length = (f.length << 8) | byte(at + i);
  }
  at += extended;
  if (f.masked) {
    for (std::size_t i = 0; i < 4; ++i) f.mask[i] = byte(at + i);
    at += 4;
  }
  f.header = at;
  return f;
}

std::string ws_payload(const WsFrame& frame, std::string_view stream) {
  std::string payload(stream.substr(frame.header, static_cast<std::size_t>(frame.length)));
  if (frame.masked) {
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ frame.mask[i % 4]);
  }
  return payload;
}

}  // namespace trunklab::reports
