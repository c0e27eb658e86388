// Message::parse: libosip2 does the grammar; this file adds what libosip2 lets through
// (RFC 4475 §3.1.2) and keeps the header list exactly as received, which libosip2 does not.
#include "reference/sip/convert.hpp"
#include "reference/sip/printable.hpp"
#include "reference/sip/text.hpp"
#include "reference/sip/uri_syntax.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <mutex>

namespace trunklab::sip {

struct Message::Impl {
  std::string raw;  // the section's views point into it: an Impl never moves (unique_ptr)
  text::HeaderSection section;
  // Built from `section` on the first headers() call. Double-checked with a mutex rather than
  // std::call_once: glibc's call_once ends with a futex wake system call, once per message,
  // which strace showed as one syscall per datagram in `trunklab serve`.
  std::atomic<bool> headers_built{false};
  std::mutex headers_mutex;
  std::vector<Header> headers;
  bool request = true;
  std::string method;
  std::string request_uri;
  int status = 0;
  std::string reason;
  std::string call_id;
  CSeq cseq;
  std::string body;
  // Copied out eagerly: every request needs them (transaction and dialog keys), and a lazy
  // std::call_once copy measured slower than the copy itself.
  NameAddr from;
  NameAddr to;
  std::vector<Via> vias;
};

namespace {

using text::iequals;
using text::trim;

constexpr std::uint64_t kMaxCSeq = 0x7FFFFFFFULL;  // RFC 3261 §8.1.1.5: below 2^31
constexpr std::uint64_t kMaxForwardsLimit = 255;     // RFC 3261 §20.22: 0-255

ParseError fail(std::string rule, std::string detail) {
  return ParseError{std::move(rule), std::move(detail)};
}

using text::is_token;

bool is_sip_version(std::string_view s) {
  return s.size() > 4 && iequals(s.substr(0, 4), "SIP/");
}

// Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (the phrase may hold spaces).
std::optional<ParseError> parse_status_line(std::string_view version, std::string_view code_text,
                                            std::string_view reason, Message::Impl& m) {
  m.request = false;
  // Escaped: the version text is not checked for control octets on this path.
  if (!iequals(version, "SIP/2.0")) return fail("bad-version", printable(version));
  const auto code = text::parse_decimal(code_text);
  if (!code) return fail("status-line", "Malformed status code");
  if (code_text.size() != 3 || *code < 100 || *code > 699) {
    return fail("status-code-range", "Status code outside 100-699");
  }
  m.status = static_cast<int>(*code);
  // Reason-Phrase: text, SP and HTAB; no control octet (a bare CR would end the line early
  // for whoever the phrase is relayed to).
  for (const char c : reason) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7F) {
      return fail("control-character", text::describe_octet(c) + " in the Reason-Phrase");
    }
  }
  m.reason.assign(reason);
  return std::nullopt;
}

// Request-Line = Method SP Request-URI SP SIP-Version: single spaces, no LWS in the URI
// (RFC 4475 "lwsstart", "lwsruri").
// The first control octet or HTAB of a Request-Line field (none may hold any, §25.1).
std::optional<ParseError> check_request_line_octets(std::string_view field, const char* what) {
  for (const char c : field) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      return fail("control-character", fmt::format("{} in the {}", text::describe_octet(c), what));
    }
  }
  return std::nullopt;
}

std::optional<ParseError> parse_request_line(std::string_view method, std::string_view uri,
                                             std::string_view version, Message::Impl& m) {
  m.request = true;
  if (auto error = check_request_line_octets(method, "method")) return error;
  if (auto error = check_request_line_octets(uri, "Request-URI")) return error;
  if (auto error = check_request_line_octets(version, "SIP version")) return error;
  if (!is_token(method)) return fail("request-line", "Malformed method");
  if (uri.empty() || version.empty() || text::find_lws(version) != std::string_view::npos ||
      !is_sip_version(version)) {
    return fail("request-line", "Malformed Request-Line");
  }
  if (!iequals(version, "SIP/2.0")) return fail("bad-version", std::string(version));
  m.method.assign(method);
  m.request_uri.assign(uri);
  return std::nullopt;
}

std::optional<ParseError> parse_start_line(std::string_view line, Message::Impl& m) {
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return fail("syntax", "Malformed start line");
  const std::string_view first = line.substr(0, sp1);
  const std::string_view after = line.substr(sp1 + 1);
  const std::size_t sp2 = after.find(' ');
  const std::string_view second = after.substr(0, sp2);
  const std::string_view third =
      sp2 == std::string_view::npos ? std::string_view() : after.substr(sp2 + 1);
  if (is_sip_version(first)) return parse_status_line(first, second, third, m);
  return parse_request_line(first, second, third, m);
}

// The first occurrence of each header the checks need, found in one pass.
struct KeyHeaders {
  const text::HeaderView* via = nullptr;
  const text::HeaderView* from = nullptr;
  const text::HeaderView* to = nullptr;
  const text::HeaderView* call_id = nullptr;
  const text::HeaderView* cseq = nullptr;
  const text::HeaderView* content_length = nullptr;
  const text::HeaderView* max_forwards = nullptr;
  const char* duplicate = nullptr;  // a single-valued header seen twice
};

void note(const text::HeaderView*& slot, const text::HeaderView& h, const char* name,
          KeyHeaders& keys) {
  if (slot != nullptr && keys.duplicate == nullptr) keys.duplicate = name;
  if (slot == nullptr) slot = &h;
}

KeyHeaders find_key_headers(const std::vector<text::HeaderView>& headers) {
  KeyHeaders keys;
  for (const text::HeaderView& h : headers) {
    const std::string_view name = text::long_name(h.name);
    switch (name.front() | 0x20) {  // lower-case first letter: skip most comparisons
      case 'v':
        if (keys.via == nullptr && iequals(name, "Via")) keys.via = &h;
        break;
      case 'f':
        if (iequals(name, "From")) note(keys.from, h, "From", keys);
        break;
      case 't':
        if (iequals(name, "To")) note(keys.to, h, "To", keys);
        break;
      case 'c':
        if (iequals(name, "Call-ID")) {
          note(keys.call_id, h, "Call-ID", keys);
        } else if (iequals(name, "CSeq")) {
          note(keys.cseq, h, "CSeq", keys);
        } else if (iequals(name, "Content-Length")) {
          note(keys.content_length, h, "Content-Length", keys);  // RFC 4475 "mcl01"
        }
        break;
      case 'm':
        if (iequals(name, "Max-Forwards")) note(keys.max_forwards, h, "Max-Forwards", keys);
        break;
      default:
        break;
    }
  }
  return keys;
}

// RFC 3261 §8.1.1: Via, From, To, Call-ID and CSeq are mandatory; the detail names every one
// that is missing (RFC 4475 "insuf" lacks three). The rule is the first one's.
std::optional<ParseError> check_required(const KeyHeaders& keys) {
  const std::pair<const text::HeaderView*, const char*> mandatory[] = {
      {keys.via, "Via"}, {keys.from, "From"}, {keys.to, "To"}, {keys.call_id, "Call-ID"},
      {keys.cseq, "CSeq"}};
  std::string rule;
  std::string missing;
  for (const auto& [header, name] : mandatory) {
    if (header != nullptr) continue;
    if (rule.empty()) rule = fmt::format("missing-{}", name);
    missing += missing.empty() ? name : fmt::format(", {}", name);
  }
  if (!rule.empty()) {
    std::transform(rule.begin(), rule.end(), rule.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    return fail(std::move(rule), "Missing " + missing);
  }
  if (keys.duplicate != nullptr) {
    return fail("duplicate-header", fmt::format("More than one {} header", keys.duplicate));
  }
  return std::nullopt;
}

// RFC 3261 §18.3 / §20.14: the body is Content-Length bytes; a datagram's extra bytes are
// dropped, a shortfall is an error. Without Content-Length a datagram's body is the rest.
std::optional<ParseError> cut_body(const text::HeaderView* content_length, std::string_view rest,
                                   std::string_view& body) {
  body = rest;
  if (content_length == nullptr) return std::nullopt;
  const std::string_view value = content_length->value;
  if (!value.empty() && value.front() == '-') {
    return fail("content-length-negative", "Negative Content-Length");
  }
  const auto length = text::parse_decimal(value);
  if (!length) return fail("content-length-invalid", "Malformed Content-Length");
  if (*length > rest.size()) {
    return fail("content-length-larger-than-body", "Content-Length larger than body");
  }
  body = rest.substr(0, static_cast<std::size_t>(*length));
  return std::nullopt;
}

std::optional<ParseError> parse_cseq(const Message::Impl& m, std::string_view value, CSeq& out) {
  const std::size_t sep = text::find_lws(value);
  const std::string_view number = value.substr(0, sep);
  const std::string_view method =
      sep == std::string_view::npos ? std::string_view() : trim(value.substr(sep));
  const auto parsed = text::parse_decimal(number);
  if (!parsed || !is_token(method)) return fail("cseq-number-invalid", "Malformed CSeq");
  if (*parsed > kMaxCSeq) return fail("cseq-number-range", "CSeq number too large");
  if (m.request && method != m.method) {
    return fail("cseq-method-mismatch", "CSeq method does not match");
  }
  out.number = static_cast<std::uint32_t>(*parsed);
  out.method.assign(method);
  return std::nullopt;
}

std::optional<ParseError> check_max_forwards(const text::HeaderView* max_forwards) {
  if (max_forwards == nullptr) return std::nullopt;
  const auto value = text::parse_decimal(max_forwards->value);
  if (!value || *value > kMaxForwardsLimit) {
    return fail("max-forwards-invalid", "Max-Forwards not 0-255");
  }
  return std::nullopt;
}

// libosip2 checks the grammar of what the elements read at once: the Request-URI, From, To and
// every Via. Only these go through its parsers: osip_message_parse on the whole message also
// parses and copies every other header and the body, which cost as much again (bench/sip).
// Contact, Route and Record-Route are parsed by libosip2 when first asked for.
// A display-name: a quoted string (without its quotes, quoted-pairs kept) or the tokens
// before "<"; "" for an addr-spec.
std::string display_name_of(std::string_view value) {
  value = trim(value);
  if (!value.empty() && value.front() == '"') {
    for (std::size_t i = 1; i < value.size(); ++i) {
      if (value[i] == '\\') {
        ++i;
      } else if (value[i] == '"') {
        return std::string(value.substr(1, i - 1));
      }
    }
    return {};
  }
  const auto angle = value.find('<');
  return angle == std::string_view::npos ? std::string() : std::string(trim(value.substr(0, angle)));
}

std::optional<NameAddr> parse_name_addr(std::string_view value) {
  // libosip2 reads a C string, and a quoted-pair may escape a NUL (RFC 4475 "intmeth"): it is
  // given a copy with the NULs replaced, and the display name is then read from the original.
  std::string text(value);
  const bool had_nul = text.find('\0') != std::string::npos;
  if (had_nul) std::replace(text.begin(), text.end(), '\0', '?');
  osip_from_t* parsed = nullptr;
  if (osip_from_init(&parsed) != 0) return std::nullopt;
  std::optional<NameAddr> out;
  if (osip_from_parse(parsed, text.c_str()) == 0) out = convert::to_name_addr(*parsed);
  osip_from_free(parsed);
  if (out && had_nul) out->display_name = display_name_of(value);
  return out;
}

// RFC 3261 §20.10: a URI with a comma, question mark or semicolon must be in <> (name-addr).
// A "?" (headers) outside <> cannot be read right (RFC 4475 "regbadct"); a ";" outside <> is a
// header parameter by definition, and a comma separates list items.
bool headers_outside_angle_brackets(std::string_view value) {
  return value.find('<') == std::string_view::npos && value.find('?') != std::string_view::npos;
}

std::optional<ParseError> check_name_addr_form(const Message::Impl& m) {
  for (const text::HeaderView& h : m.section.headers) {
    const auto name = text::long_name(h.name);
    const bool from_or_to = iequals(name, "From") || iequals(name, "To");
    if (!from_or_to && !iequals(name, "Contact")) continue;
    for (const auto& item : text::split_list(name, h.value)) {
      if (headers_outside_angle_brackets(item)) {
        return fail("name-addr-required",
                    fmt::format("{} URI with headers not enclosed in <>", name));
      }
    }
  }
  return std::nullopt;
}

std::optional<Via> parse_via(std::string_view value) {
  const std::string text(value);
  osip_via_t* parsed = nullptr;
  if (osip_via_init(&parsed) != 0) return std::nullopt;
  std::optional<Via> out;
  if (osip_via_parse(parsed, text.c_str()) == 0) out = convert::to_via(*parsed);
  osip_via_free(parsed);
  return out;
}

std::optional<ParseError> parse_with_osip(const KeyHeaders& keys, Message::Impl& m) {
  if (m.request) {
    if (auto problem = uri_syntax::request_uri_problem(m.request_uri)) {
      return fail("request-uri", std::move(*problem));
    }
  }
  auto from = parse_name_addr(keys.from->value);
  if (!from) return fail("syntax", "Malformed From");
  auto to = parse_name_addr(keys.to->value);
  if (!to) return fail("syntax", "Malformed To");
  m.from = std::move(*from);
  m.to = std::move(*to);
  for (const text::HeaderView& h : m.section.headers) {
    if (!iequals(text::long_name(h.name), "Via")) continue;
    for (const auto& item : text::split_list("Via", h.value)) {
      auto via = parse_via(item);
      if (!via) return fail("syntax", "Malformed Via");
      m.vias.push_back(std::move(*via));
    }
  }
  if (m.vias.empty()) return fail("syntax", "Malformed Via");
  return check_name_addr_form(m);
}

std::optional<ParseError> parse_into(std::string_view bytes, Message::Impl& m) {
  // RFC 3261 §7.5: CRLFs before the start line are ignored.
  while (!bytes.empty() && (bytes.front() == '\r' || bytes.front() == '\n')) {
    bytes.remove_prefix(1);
  }
  const std::size_t body_offset = text::find_body_offset(bytes);
  if (body_offset == std::string_view::npos) {
    return fail("syntax", "Headers not terminated by an empty line");
  }
  if (auto error = text::scan_headers(bytes, body_offset, m.section)) return error;
  if (auto error = parse_start_line(m.section.start_line, m)) return error;

  const KeyHeaders keys = find_key_headers(m.section.headers);
  if (auto error = check_required(keys)) return error;
  std::string_view body;
  if (auto error = cut_body(keys.content_length, bytes.substr(body_offset), body)) return error;
  if (auto error = parse_cseq(m, keys.cseq->value, m.cseq)) return error;
  if (auto error = check_max_forwards(keys.max_forwards)) return error;
  if (m.call_id = keys.call_id->value; m.call_id.empty()) return fail("syntax", "Empty Call-ID");
  if (!m.request) m.method = m.cseq.method;
  m.body.assign(body);

  return parse_with_osip(keys, m);
}

}  // namespace

int ParseError::status() const { return rule == "bad-version" ? 505 : 400; }

std::string ParseError::reason_phrase() const {
  return fmt::format("{} ({})", default_reason(status()), detail);
}

ParseResult Message::parse(std::string_view bytes) {
  osip::ensure_initialized();
  auto impl = std::make_unique<Impl>();
  impl->raw.assign(bytes);
  if (auto error = parse_into(impl->raw, *impl)) return std::move(*error);
  return Message(std::move(impl));
}

Message::Message(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Message::Message(Message&&) noexcept = default;
Message& Message::operator=(Message&&) noexcept = default;
Message::~Message() = default;

bool Message::is_request() const { return impl_->request; }
const std::string& Message::method() const { return impl_->method; }
const std::string& Message::request_uri() const { return impl_->request_uri; }
int Message::status() const { return impl_->status; }
const std::string& Message::reason() const { return impl_->reason; }
const std::vector<Header>& Message::headers() const {
  Impl& impl = *impl_;
  if (!impl.headers_built.load(std::memory_order_acquire)) {
    const std::lock_guard lock(impl.headers_mutex);
    if (!impl.headers_built.load(std::memory_order_relaxed)) {
      impl.headers.reserve(impl.section.headers.size());
      for (const text::HeaderView& h : impl.section.headers) {
        impl.headers.push_back(Header{std::string(h.name), std::string(h.value)});
      }
      impl.headers_built.store(true, std::memory_order_release);
    }
  }
  return impl.headers;
}
const std::string& Message::call_id() const { return impl_->call_id; }
const CSeq& Message::cseq() const { return impl_->cseq; }
const NameAddr& Message::from() const { return impl_->from; }
const NameAddr& Message::to() const { return impl_->to; }
const std::vector<Via>& Message::vias() const { return impl_->vias; }
const std::string& Message::body() const { return impl_->body; }
std::string_view Message::raw() const { return impl_->raw; }

const Via& Message::top_via() const {
  assert(!impl_->vias.empty());  // parse() refuses a message without Via
  return impl_->vias.front();
}

std::optional<std::string_view> Message::header(std::string_view name) const {
  for (const text::HeaderView& h : impl_->section.headers) {
    if (text::same_header(h.name, name)) return h.value;
  }
  return std::nullopt;
}

std::vector<std::string> Message::header_values(std::string_view name) const {
  std::vector<std::string> values;
  for (const text::HeaderView& h : impl_->section.headers) {
    if (!text::same_header(h.name, name)) continue;
    auto items = text::split_list(name, h.value);
    values.insert(values.end(), std::make_move_iterator(items.begin()),
                  std::make_move_iterator(items.end()));
  }
  return values;
}

std::vector<Contact> Message::contacts() const {
  std::vector<Contact> contacts;
  for (const std::string& value : header_values("Contact")) {
    if (value == "*") contacts.push_back(Contact{true, {}});
  }
  if (!contacts.empty()) return contacts;  // RFC 3261 §10.2.2: "*" stands alone
  for (const std::string& value : header_values("Contact")) {
    if (auto address = parse_name_addr(value)) contacts.push_back(Contact{false, std::move(*address)});
  }
  return contacts;
}

namespace {
std::optional<std::uint32_t> header_seconds(const Message& m, std::string_view name) {
  const auto value = m.header(name);
  if (!value) return std::nullopt;
  const auto number = text::parse_decimal(*value);
  if (!number) return std::nullopt;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(*number, 0xFFFFFFFFULL));
}
}  // namespace

std::optional<std::uint32_t> Message::expires() const { return header_seconds(*this, "Expires"); }

std::optional<std::uint32_t> Message::min_expires() const {
  return header_seconds(*this, "Min-Expires");
}

std::optional<int> Message::max_forwards() const {
  const auto value = header_seconds(*this, "Max-Forwards");  // checked 0-255 by parse()
  if (!value) return std::nullopt;
  return static_cast<int>(*value);
}

namespace {
std::vector<NameAddr> name_addrs(const Message& m, std::string_view header) {
  std::vector<NameAddr> out;
  for (const std::string& value : m.header_values(header)) {
    if (auto address = parse_name_addr(value)) out.push_back(std::move(*address));
  }
  return out;
}
}  // namespace

std::vector<NameAddr> Message::routes() const { return name_addrs(*this, "Route"); }
std::vector<NameAddr> Message::record_routes() const { return name_addrs(*this, "Record-Route"); }

std::optional<std::string_view> Message::content_type() const { return header("Content-Type"); }

}  // namespace trunklab::sip
