// SIP message model (RFC 3261 §7). Two types:
//  - Message: a received message, parsed by libosip2 and then checked for what libosip2
//    lets through (RFC 4475 §3.1.2). Immutable; keeps the headers exactly as they arrived.
//  - OutgoingMessage: a message being built; serializes headers in the order, case and
//    spelling given (libosip2's osip_message_to_str reorders and re-cases, which breaks
//    relayed reason phrases and raw scenario messages).
#pragma once

#include "reference/rt/random.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace trunklab::sip {

// Why a message was refused. `rule` is a stable identifier:
//   syntax, request-line, request-uri, status-line, bad-version, status-code-range,
//   control-character, bare-lf, name-addr-required,
//   missing-via, missing-from, missing-to, missing-call-id, missing-cseq, duplicate-header,
//   content-length-invalid, content-length-negative, content-length-larger-than-body,
//   cseq-number-invalid, cseq-number-range, cseq-method-mismatch, max-forwards-invalid.
// A control octet (CR, LF, NUL, DEL, ...) where RFC 3261 §25.1 allows none is refused with the
// header it was in ("Bad Request (bare CR in the Request-URI)"): such a message is never
// handed on, so nothing downstream can read an injected header out of it.
// `detail` is a short phrase for people. status() and reason_phrase() are what a server
// answers to a refused request: 400 "Bad Request (CSeq method does not match)", or 505
// "Version Not Supported (SIP/7.0)" for a bad version (RFC 3261 §21.5.6, RFC 4475 "badvers").
struct ParseError {
  std::string rule;
  std::string detail;
  int status() const;                 // 400, or 505 for rule "bad-version"
  std::string reason_phrase() const;  // e.g. "Bad Request (Content-Length larger than body)"
};

struct Header {
  std::string name;   // as received / as given (case kept, compact form kept)
  std::string value;  // as received, folding (CRLF + WSP) replaced by one space
};

struct Uri {
  std::string scheme;  // "sip", "sips", "tel"
  std::string user;
  std::string password;
  std::string host;
  std::uint16_t port = 0;  // 0 = absent
  std::vector<std::pair<std::string, std::string>> params;  // value "" for flag params
  std::optional<std::string> param(std::string_view name) const;
  std::string to_string() const;
  static std::optional<Uri> parse(std::string_view text);  // libosip2 osip_uri_parse
};

struct NameAddr {  // From, To, Contact, Route, Record-Route
  std::string display_name;
  Uri uri;
  std::vector<std::pair<std::string, std::string>> params;  // header params (tag, expires, q)
  std::optional<std::string> param(std::string_view name) const;
  std::string tag() const { return param("tag").value_or(""); }
};

struct Via {
  std::string protocol;  // "SIP/2.0/UDP"
  std::string transport; // "UDP"
  std::string host;      // sent-by host
  std::uint16_t port = 0;  // sent-by port, 0 = absent
  std::string branch;
  bool has_rport = false;
  std::optional<std::uint16_t> rport;  // value, when present with one
  std::optional<std::string> received;
  std::vector<std::pair<std::string, std::string>> params;
  std::string sent_by() const;  // "host:port" or "host"
};

struct CSeq {
  std::uint32_t number = 0;
  std::string method;
};

struct Contact {
  bool star = false;  // "Contact: *"
  NameAddr address;
  std::optional<std::uint32_t> expires() const;  // the expires param
};

class Message;
using ParseResult = std::variant<Message, ParseError>;

class Message {
public:
  // Parses one complete message (a datagram, or a frame cut by frame_length()). A body
  // longer than Content-Length is cut to it (RFC 3261 §18.3); without Content-Length the
  // body is the rest of the bytes. Never throws on any input; refusals are ParseError.
  static ParseResult parse(std::string_view bytes);

  Message(Message&&) noexcept;
  Message& operator=(Message&&) noexcept;
  ~Message();

  bool is_request() const;
  bool is_response() const { return !is_request(); }
  const std::string& method() const;       // request: its method; response: the CSeq method
  const std::string& request_uri() const;  // request only, as received
  int status() const;                      // response only
  const std::string& reason() const;       // response only, exactly as received

  // Wire order. Built on the first call (parse() keeps only views, to stay on budget);
  // thread-safe, like every const accessor.
  const std::vector<Header>& headers() const;
  // First value of a header, by case-insensitive name; compact forms match their long names
  // (v/Via, f/From, t/To, i/Call-ID, m/Contact, l/Content-Length, c/Content-Type, ...).
  std::optional<std::string_view> header(std::string_view name) const;
  // Every value, in order, with comma-separated lists split (outside quotes and <>). Headers
  // whose grammar is not a list (Date, WWW-/Proxy-Authenticate, (Proxy-)Authorization,
  // Authentication-Info) are returned whole.
  std::vector<std::string> header_values(std::string_view name) const;

  const std::string& call_id() const;
  const CSeq& cseq() const;
  const NameAddr& from() const;
  const NameAddr& to() const;
  const std::vector<Via>& vias() const;  // top first
  const Via& top_via() const;
  std::vector<Contact> contacts() const;  // every Contact value; one `star` entry for "*"
  std::optional<std::uint32_t> expires() const;      // Expires header (saturates at 2^32-1)
  std::optional<std::uint32_t> min_expires() const;  // Min-Expires header
  std::optional<int> max_forwards() const;
  std::vector<NameAddr> routes() const;
  std::vector<NameAddr> record_routes() const;
  std::optional<std::string_view> content_type() const;
  const std::string& body() const;
  std::string_view raw() const;  // the bytes parsed

  struct Impl;  // opaque; named here so the parser's helpers can fill it

private:
  explicit Message(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Fresh identifiers from an injected random source (deterministic in the simulator).
std::string new_branch(rt::Random& random);  // "z9hG4bK" + 16 hex digits
std::string new_tag(rt::Random& random);     // 12 hex digits
std::string new_call_id(rt::Random& random, std::string_view host);

// The standard reason phrase of a status code ("Not Found"), "" when unknown.
std::string_view default_reason(int status);

class OutgoingMessage {
public:
  static OutgoingMessage request(std::string method, std::string request_uri);
  static OutgoingMessage response(int status, std::string reason);
  // RFC 3261 §8.2.6: copies every Via (in order), From, To, Call-ID and CSeq of the request;
  // adds `to_tag` to To when given and To has no tag yet. Reason "" = default_reason(status).
  static OutgoingMessage response_to(const Message& request, int status,
                                     std::string_view reason = {},
                                     std::string_view to_tag = {});

  bool is_request() const { return status_ == 0; }
  const std::string& method() const { return method_; }
  const std::string& request_uri() const { return request_uri_; }
  int status() const { return status_; }
  const std::string& reason() const { return reason_; }

  OutgoingMessage& add(std::string name, std::string value);      // appends
  OutgoingMessage& add_front(std::string name, std::string value);  // e.g. a proxy's Via
  OutgoingMessage& set(std::string_view name, std::string value);  // replaces first or appends
  OutgoingMessage& remove(std::string_view name);                  // every occurrence
  std::optional<std::string_view> header(std::string_view name) const;  // case-insensitive
  const std::vector<Header>& headers() const { return headers_; }
  // Sets the body and Content-Type (removed when `content_type` is ""); Content-Length is
  // written from the body size unless a Content-Length header was added explicitly.
  OutgoingMessage& set_body(std::string content_type, std::string body);
  const std::string& body() const { return body_; }

  // Exact serialization: start line, headers as given, Content-Length (unless given
  // explicitly with `add`, which raw scenario messages may do on purpose), blank line, body.
  std::string to_string() const;

private:
  std::string method_;
  std::string request_uri_;
  int status_ = 0;
  std::string reason_;
  std::vector<Header> headers_;
  std::string body_;
};

// Stream framing (TCP, RFC 3261 §18.3): length of the first complete message at the start of
// `stream` (headers + Content-Length body), 0 if more bytes are needed, nullopt if the stream
// is broken (no Content-Length, or a bad one). Leading CRLF keep-alives are counted as a
// frame of their own.
std::optional<std::size_t> frame_length(std::string_view stream);

// The limits frame_length enforces on a stream message: its header section and its body.
inline constexpr std::size_t kMaxStreamHeaderBytes = 64 * 1024;
inline constexpr std::uint64_t kMaxStreamBodyBytes = 16 * 1024 * 1024;

// When frame_length refused `stream` because its first message is over those limits rather
// than malformed: the start line and the complete header lines read (all of them for a body
// over the limit, those within the first kMaxStreamHeaderBytes for a header section over it),
// enough to answer 513 Message Too Large (RFC 3261 §21.5.14). nullopt otherwise.
std::optional<std::string_view> oversized_frame_head(std::string_view stream);

}  // namespace trunklab::sip
