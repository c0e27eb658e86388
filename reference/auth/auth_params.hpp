// Internal to trunklab_auth: the lexer for `Digest` header values.
//
// Why our own and not libosip2's osip_www_authenticate / osip_authorization parsers: those keep
// a fixed set of fields (no userhash, no way to tell a duplicated parameter), keep the quotes
// in the values, and need an osip allocation per header; the grammar here is small
// (RFC 7235 §2.1 / RFC 3261 §25.1 auth-param lists), so a careful parser of our own is
// simpler and stricter.
#pragma once

#include "reference/sip/text.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trunklab::auth::detail {

struct AuthParam {
  std::string name;   // lower-cased
  std::string value;  // unquoted, escapes resolved
};

// Parses `Digest name=value, name="quoted \" value", ...`. Scheme and names are
// case-insensitive. Returns nullopt with `error` set on any syntax error, on a scheme other
// than Digest, or on a duplicated parameter name.
std::optional<std::vector<AuthParam>> parse_digest_params(std::string_view header_value,
                                                          std::string& error);

// The value of `name` (lower case), or nullptr.
const std::string* find_param(const std::vector<AuthParam>& params, std::string_view name);
std::string* find_param(std::vector<AuthParam>& params, std::string_view name);

// Appends `"text"` with `"` and `\` escaped.
void append_quoted(std::string& out, std::string_view text);

// ASCII-only character classes: the header grammar is ASCII, and the <cctype> functions are
// locale-dependent and (here) measurably slow.
using sip::text::iequals;
using sip::text::to_lower;
constexpr char ascii_lower(char c) { return sip::text::lower_ascii(c); }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alnum(char c) { return is_digit(c) || (ascii_lower(c) >= 'a' && ascii_lower(c) <= 'z'); }
constexpr bool is_hex_digit(char c) { return is_digit(c) || (ascii_lower(c) >= 'a' && ascii_lower(c) <= 'f'); }

}  // namespace trunklab::auth::detail
