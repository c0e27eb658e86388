#include "reports/ladder/start_line.hpp"

#include <algorithm>
#include <cstddef>

namespace trunklab::reports {
namespace {

bool alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool digit(char c) { return c >= '0' && c <= '9'; }

// RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
bool token_char(char c) {
  return alpha(c) || digit(c) || std::string_view("-.!%*_+`'~").find(c) != std::string_view::npos;
}

// Request-URI = SIP-URI / SIPS-URI / absoluteURI: each starts with a scheme and a colon
// (scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), RFC 3261 §25.1); nothing in it is a SP.
bool request_uri(std::string_view uri) {
  const auto colon = uri.find(':');
  if (colon == 0 || colon == std::string_view::npos || !alpha(uri.front())) return false;
  const bool scheme = std::all_of(uri.begin(), uri.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
    return alpha(c) || digit(c) || c == '+' || c == '-' || c == '.';
  });
  return scheme && uri.find(' ') == std::string_view::npos;
}

// Request-Line = Method SP Request-URI SP SIP-Version CRLF (§7.1); Method is a token.
bool request_line(std::string_view line) {
  const auto space = line.find(' ');
  if (space == 0 || space == std::string_view::npos || !line.ends_with(" SIP/2.0")) return false;
  const std::string_view method = line.substr(0, space);
  if (!std::all_of(method.begin(), method.end(), token_char)) return false;
  const std::size_t uri_at = space + 1;
  const std::size_t version_at = line.size() - std::string_view(" SIP/2.0").size();
  return uri_at < version_at && request_uri(line.substr(uri_at, version_at - uri_at));
}

// Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF (§7.2): a Status-Code is
// 3DIGIT, and the SP after it is there even when the reason phrase is empty. The reason
// phrase itself is left to the label's escaping (tshark, too, takes any bytes there).
bool status_line(std::string_view line) {
  return line.size() >= 12 && line.starts_with("SIP/2.0 ") && digit(line[8]) && digit(line[9]) &&
         digit(line[10]) && line[11] == ' ';
}

}  // namespace

// One pass for CR or LF: find_first_of("\r\n") runs a memchr over the two-byte set per byte
// of the payload, which was a quarter of a media run's CPU (every RTP packet is tested).
std::string_view first_line(std::string_view payload) {
  const auto end = std::find_if(payload.begin(), payload.end(), [](char c) { return c == '\r' || c == '\n'; });
  return payload.substr(0, static_cast<std::size_t>(end - payload.begin()));
}

bool looks_like_sip(std::string_view payload) {
  // A status line starts with 'S', a request with its method's token character: RTP (first
  // byte 0x80 and up) and STUN (0x00, 0x01) are refused without looking for a line end.
  if (payload.empty() || !token_char(payload.front())) return false;
  const std::string_view line = first_line(payload);
  return status_line(line) || request_line(line);
}

}  // namespace trunklab::reports
