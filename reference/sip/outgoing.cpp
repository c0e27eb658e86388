// OutgoingMessage (exact writer), response_to, identifiers, reason phrases, stream framing.
#include "reference/sip/message.hpp"
#include "reference/sip/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

namespace trunklab::sip {
namespace {

constexpr std::size_t kMaxHeaderBytes = kMaxStreamHeaderBytes;  // a stream without CRLFCRLF by then is broken
constexpr std::uint64_t kMaxStreamBody = kMaxStreamBodyBytes;    // refuse absurd Content-Length

// RFC 3261 §21 plus the codes a trunk meets daily (RFC 3262, 3265, 3329, 4028, 4412, 5393,
// 6086, 8197, 8688).
constexpr auto kReasons = std::to_array<std::pair<int, std::string_view>>({
    {100, "Trying"}, {180, "Ringing"}, {181, "Call Is Being Forwarded"}, {182, "Queued"},
    {183, "Session Progress"}, {199, "Early Dialog Terminated"},
    {200, "OK"}, {202, "Accepted"}, {204, "No Notification"},
    {300, "Multiple Choices"}, {301, "Moved Permanently"}, {302, "Moved Temporarily"},
    {305, "Use Proxy"}, {380, "Alternative Service"},
    {400, "Bad Request"}, {401, "Unauthorized"}, {402, "Payment Required"}, {403, "Forbidden"},
    {404, "Not Found"}, {405, "Method Not Allowed"}, {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"}, {408, "Request Timeout"}, {410, "Gone"},
    {412, "Conditional Request Failed"}, {413, "Request Entity Too Large"},
    {414, "Request-URI Too Long"}, {415, "Unsupported Media Type"},
    {416, "Unsupported URI Scheme"}, {417, "Unknown Resource-Priority"},
    {420, "Bad Extension"}, {421, "Extension Required"},
    {422, "Session Interval Too Small"}, {423, "Interval Too Brief"},
    {424, "Bad Location Information"}, {428, "Use Identity Header"},
    {429, "Provide Referrer Identity"}, {430, "Flow Failed"}, {433, "Anonymity Disallowed"},
    {436, "Bad Identity-Info"}, {437, "Unsupported Certificate"},
    {438, "Invalid Identity Header"}, {439, "First Hop Lacks Outbound Support"},
    {440, "Max-Breadth Exceeded"}, {469, "Bad Info Package"}, {470, "Consent Needed"},
    {480, "Temporarily Unavailable"}, {481, "Call/Transaction Does Not Exist"},
    {482, "Loop Detected"}, {483, "Too Many Hops"}, {484, "Address Incomplete"},
    {485, "Ambiguous"}, {486, "Busy Here"}, {487, "Request Terminated"},
    {488, "Not Acceptable Here"}, {489, "Bad Event"}, {491, "Request Pending"},
    {493, "Undecipherable"}, {494, "Security Agreement Required"},
    {500, "Server Internal Error"}, {501, "Not Implemented"}, {502, "Bad Gateway"},
    {503, "Service Unavailable"}, {504, "Server Time-out"}, {505, "Version Not Supported"},
    {513, "Message Too Large"}, {555, "Push Notification Service Not Supported"},
    {580, "Precondition Failure"},
    {600, "Busy Everywhere"}, {603, "Decline"}, {604, "Does Not Exist Anywhere"},
    {606, "Not Acceptable"}, {607, "Unwanted"},
});

std::string hex(std::uint64_t value, int digits) {
  return fmt::format("{:0{}x}", value & (digits >= 16 ? ~0ULL : ((1ULL << (4 * digits)) - 1)),
                     digits);
}

bool has_param(std::string_view value, std::string_view name) {
  // Header params follow the closing '>' when there is one (RFC 3261 §20.10).
  const std::size_t angle = value.rfind('>');
  std::string_view params = angle == std::string_view::npos ? value : value.substr(angle + 1);
  for (std::size_t semi = params.find(';'); semi != std::string_view::npos;
       semi = params.find(';', semi + 1)) {
    const std::string_view rest = text::trim(params.substr(semi + 1));
    const std::string_view key = text::trim(rest.substr(0, rest.find_first_of("=;")));
    if (text::iequals(key, name)) return true;
  }
  return false;
}

}  // namespace

std::string new_branch(rt::Random& random) { return "z9hG4bK" + hex(random.next_u64(), 16); }

std::string new_tag(rt::Random& random) { return hex(random.next_u64(), 12); }

std::string new_call_id(rt::Random& random, std::string_view host) {
  std::string id = hex(random.next_u64(), 16);
  if (!host.empty()) fmt::format_to(std::back_inserter(id), "@{}", host);
  return id;
}

std::string_view default_reason(int status) {
  const auto it = std::lower_bound(kReasons.begin(), kReasons.end(), status,
                                   [](const auto& entry, int code) { return entry.first < code; });
  return (it != kReasons.end() && it->first == status) ? it->second : std::string_view();
}

OutgoingMessage OutgoingMessage::request(std::string method, std::string request_uri) {
  OutgoingMessage m;
  m.method_ = std::move(method);
  m.request_uri_ = std::move(request_uri);
  return m;
}

OutgoingMessage OutgoingMessage::response(int status, std::string reason) {
  OutgoingMessage m;
  m.status_ = status;
  m.reason_ = std::move(reason);
  return m;
}

OutgoingMessage OutgoingMessage::response_to(const Message& request, int status,
                                             std::string_view reason, std::string_view to_tag) {
  OutgoingMessage m =
      response(status, std::string(reason.empty() ? default_reason(status) : reason));
  m.headers_.reserve(8);
  for (const Header& h : request.headers()) {  // Via lines as received, in order
    if (text::same_header(h.name, "Via")) m.headers_.push_back(Header{"Via", h.value});
  }
  for (const std::string_view name : {"From", "To", "Call-ID", "CSeq"}) {
    std::string value(request.header(name).value_or(""));
    if (name == "To" && !to_tag.empty() && !has_param(value, "tag")) {
      value += fmt::format(";tag={}", to_tag);
    }
    m.headers_.push_back(Header{std::string(name), std::move(value)});
  }
  // RFC 3261 §12.1.1: a response that may create a dialog carries the request's Record-Route,
  // so the proxies that asked stay on the path for the caller too.
  if (status > 100 && status < 300 && request.method() == "INVITE") {
    for (const Header& h : request.headers()) {
      if (text::same_header(h.name, "Record-Route")) m.headers_.push_back(Header{"Record-Route", h.value});
    }
  }
  // RFC 3261 §8.2.6.1: a 100 echoes the request's Timestamp.
  if (status == 100) {
    if (const auto timestamp = request.header("Timestamp")) m.add("Timestamp", std::string(*timestamp));
  }
  return m;
}

OutgoingMessage& OutgoingMessage::add(std::string name, std::string value) {
  headers_.push_back(Header{std::move(name), std::move(value)});
  return *this;
}

OutgoingMessage& OutgoingMessage::add_front(std::string name, std::string value) {
  headers_.insert(headers_.begin(), Header{std::move(name), std::move(value)});
  return *this;
}

OutgoingMessage& OutgoingMessage::set(std::string_view name, std::string value) {
  for (Header& h : headers_) {
    if (text::same_header(h.name, name)) {
      h.value = std::move(value);
      return *this;
    }
  }
  return add(std::string(name), std::move(value));
}

OutgoingMessage& OutgoingMessage::remove(std::string_view name) {
  std::erase_if(headers_, [&](const Header& h) { return text::same_header(h.name, name); });
  return *this;
}

std::optional<std::string_view> OutgoingMessage::header(std::string_view name) const {
  for (const Header& h : headers_) {
    if (text::same_header(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

OutgoingMessage& OutgoingMessage::set_body(std::string content_type, std::string body) {
  if (content_type.empty()) {
    remove("Content-Type");
  } else {
    set("Content-Type", std::move(content_type));
  }
  body_ = std::move(body);
  return *this;
}

std::string OutgoingMessage::to_string() const {
  std::size_t size = 64 + request_uri_.size() + reason_.size() + body_.size();
  for (const Header& h : headers_) size += h.name.size() + h.value.size() + 4;
  std::string out;
  out.reserve(size);
  if (is_request()) {
    out.append(method_).append(" ").append(request_uri_).append(" SIP/2.0\r\n");
  } else {
    fmt::format_to(std::back_inserter(out), "SIP/2.0 {} ", status_);
    out.append(reason_).append("\r\n");
  }
  bool explicit_length = false;
  for (const Header& h : headers_) {
    out.append(h.name).append(": ").append(h.value).append("\r\n");
    explicit_length = explicit_length || text::same_header(h.name, "Content-Length");
  }
  if (!explicit_length) fmt::format_to(std::back_inserter(out), "Content-Length: {}\r\n", body_.size());
  out.append("\r\n").append(body_);
  return out;
}

std::optional<std::size_t> frame_length(std::string_view stream) {
  // Keep-alives (RFC 5626 §3.5.1 CRLFCRLF, or a lone CRLF): a frame of their own.
  std::size_t crlf = 0;
  while (crlf < stream.size() && (stream[crlf] == '\r' || stream[crlf] == '\n')) ++crlf;
  if (crlf > 0) {
    if (crlf == stream.size() && stream.back() == '\r') --crlf;  // its LF may still come
    return crlf;
  }
  const std::size_t body_offset = text::find_body_offset(stream);
  if (body_offset == std::string_view::npos) {
    if (stream.size() > kMaxHeaderBytes) return std::nullopt;
    return 0;
  }
  if (body_offset > kMaxHeaderBytes) return std::nullopt;  // however the bytes were segmented
  text::HeaderSection section;
  if (text::scan_headers(stream, body_offset, section)) return std::nullopt;
  for (const text::HeaderView& h : section.headers) {
    if (!text::same_header(h.name, "Content-Length")) continue;
    const auto length = text::parse_decimal(h.value);
    if (!length || *length > kMaxStreamBody) return std::nullopt;
    const std::size_t total = body_offset + static_cast<std::size_t>(*length);
    return stream.size() >= total ? total : 0;
  }
  return std::nullopt;  // RFC 3261 §18.3: Content-Length is mandatory on streams
}

std::optional<std::string_view> oversized_frame_head(std::string_view stream) {
  if (!stream.empty() && (stream.front() == '\r' || stream.front() == '\n')) return std::nullopt;
  const std::size_t body_offset = text::find_body_offset(stream);
  if (body_offset == std::string_view::npos || body_offset > kMaxHeaderBytes) {
    if (stream.size() <= kMaxHeaderBytes) return std::nullopt;
    const auto last_line = stream.substr(0, kMaxHeaderBytes).rfind("\r\n");
    if (last_line == std::string_view::npos) return std::nullopt;
    return stream.substr(0, last_line + 2);
  }
  text::HeaderSection section;
  if (text::scan_headers(stream, body_offset, section)) return std::nullopt;
  for (const text::HeaderView& h : section.headers) {
    if (!text::same_header(h.name, "Content-Length")) continue;
    const auto length = text::parse_decimal(h.value);
    if (length && *length > kMaxStreamBody) return stream.substr(0, body_offset);
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace trunklab::sip
