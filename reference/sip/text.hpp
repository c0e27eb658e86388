// The small text routines of SIP (RFC 3261 §7.3, §25): the parser and writer share them, and
// every other place that compares header names or reads raw header text uses these (one
// case-insensitive compare, one lenient header scanner), not a copy of its own.
#pragma once

#include "reference/sip/message.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trunklab::sip::text {

// ASCII case-insensitive: SIP's names, tokens and hosts are ASCII, and <cctype> is locale-bound.
constexpr char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view s);  // ASCII letters only
std::string_view trim(std::string_view s);  // SP / HTAB / CR / LF at both ends
// Position of the first SP or HTAB, or npos. (string_view::find_first_of calls memchr per
// character, which showed up in the parse profile.)
std::size_t find_lws(std::string_view s);

// Long name for a compact form (RFC 3261 §7.3.3 and extensions: "v" -> "Via"); other names
// are returned unchanged.
std::string_view long_name(std::string_view name);
// Same header, ignoring case and compact forms.
bool same_header(std::string_view a, std::string_view b);

// Decimal digits only (no sign, no space). Saturates at UINT64_MAX so callers can range-check
// overflowing values (RFC 4475 scalar tests) without wrapping.
std::optional<std::uint64_t> parse_decimal(std::string_view s);

// Splits a header value at commas outside quoted strings and <...>; items are trimmed.
// Headers whose grammar is not a comma list (Date, the authentication headers) are not split.
std::vector<std::string> split_list(std::string_view header_name, std::string_view value);

// One header as a view into the scanned text (or into HeaderSection::unfolded).
struct HeaderView {
  std::string_view name;
  std::string_view value;
};

// The header section of a message, cut into lines without copying: parsing is on the
// per-message budget, so Header strings are only built when someone asks for them.
struct HeaderSection {
  std::string_view start_line;
  std::vector<HeaderView> headers;  // wire order
  // Storage for folded values (RFC 3261 §7.3.1: the fold becomes one SP). Reserved once to
  // the header section's size, so views into it stay valid while it grows. Do not move or
  // copy a HeaderSection that has views into it.
  std::string unfolded;
  std::size_t body_offset = 0;  // offset of the first body byte in the scanned text
};

// Offset just past the empty line that ends the headers ("\r\n\r\n" or "\n\n"), or npos.
std::size_t find_body_offset(std::string_view bytes);

// RFC 3261 §25.1 token (method, header name, option tag).
bool is_token(std::string_view s);

// RFC 3261 §25.1: a control octet (%x00-1F, %x7F) may appear in a header only as the escaped
// octet of a quoted-pair inside a quoted string (never CR or LF), HTAB only as white space.
// Returns the offset of the first octet `line` may not hold, or npos. `in_quotes` carries the
// quoting state across a folded header's lines.
std::size_t find_bad_octet(std::string_view line, bool& in_quotes);
// "bare CR", "control character 0x01": what the octet at `line[at]` is, for a reason phrase.
std::string describe_octet(char c);

// Cuts `bytes` (leading CRLFs already skipped) into start line and headers. Refuses a header
// line without a colon or with a malformed name, an octet §25.1 does not allow in a header
// (rule "control-character", naming the header: header injection through a bare CR), and a
// line ended by a bare LF among CRLF-ended ones (rule "bare-lf": the LF would start a header
// of its own for the next parser that reads the message).
std::optional<ParseError> scan_headers(std::string_view bytes, std::size_t body_offset,
                                       HeaderSection& out);

// A lenient scan of a message's text for bytes that need not parse: a message the parser
// refused (to answer it statelessly), or a message as it was on the wire (to check what was
// sent, not the parser's normal form). Lines end in CRLF or LF; a continuation line joins its
// header with one SP; a line without a colon is skipped; names and values are trimmed of SP
// and HTAB; the headers end at the first empty line, the body follows it.
struct RawHeader {
  std::string name;   // as written (compact forms are not expanded: use same_header)
  std::string value;
};
struct RawMessage {
  std::string start_line;
  std::vector<RawHeader> headers;  // wire order
  std::string body;                // "" when there is no empty line
  // The values of the headers named `name` (ignoring case and compact forms), in order.
  std::vector<std::string> values(std::string_view name) const;
};
RawMessage scan_lenient(std::string_view bytes);

}  // namespace trunklab::sip::text
