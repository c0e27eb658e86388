// Algorithms, hash helpers and the Challenge / Credentials header values.
#include "reference/auth/digest.hpp"

#include "reference/auth/auth_params.hpp"
#include "reference/auth/hasher.hpp"

#include <algorithm>
#include <charconv>

namespace trunklab::auth {
namespace {

using detail::AuthParam;
using detail::find_param;

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), detail::is_hex_digit);
}

bool fail(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
  return false;
}

// "true"/"false" in any case (RFC 7616 §3.3 stale, userhash).
bool parse_flag(const std::vector<AuthParam>& params, std::string_view name, bool& out,
                std::string* error) {
  const std::string* value = find_param(params, name);
  if (value == nullptr) return true;
  if (detail::iequals(*value, "true")) {
    out = true;
    return true;
  }
  if (detail::iequals(*value, "false")) {
    out = false;
    return true;
  }
  return fail(error, std::string{name} + " must be true or false, got '" + *value + "'");
}

bool parse_algorithm_param(const std::vector<AuthParam>& params, Algorithm& out, std::string* error) {
  const std::string* value = find_param(params, "algorithm");
  if (value == nullptr) return true;  // RFC 7616 §3.3: absent means MD5
  auto algorithm = parse_algorithm(*value);
  if (!algorithm) return fail(error, "unsupported algorithm '" + *value + "'");
  out = *algorithm;
  return true;
}

// Moves the value of a required parameter out of `params`.
bool require(std::vector<AuthParam>& params, std::string_view name, std::string& out,
             std::string* error) {
  std::string* value = find_param(params, name);
  if (value == nullptr) return fail(error, "missing " + std::string{name});
  out = std::move(*value);
  return true;
}

void optional_param(std::vector<AuthParam>& params, std::string_view name, std::string& out) {
  if (std::string* value = find_param(params, name)) out = std::move(*value);
}

// `qop="auth, auth-int"` -> {"auth", "auth-int"}.
std::vector<std::string> split_qop_options(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) out.push_back(detail::to_lower(item));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

std::optional<std::vector<AuthParam>> lex(std::string_view header_value, std::string* error) {
  std::string why;
  auto params = detail::parse_digest_params(header_value, why);
  if (!params) fail(error, std::move(why));
  return params;
}

bool parse_nc(std::string_view text, std::uint32_t& out, std::string* error) {
  if (text.size() != 8 || !is_hex(text))
    return fail(error, "nc must be 8 hex digits, got '" + std::string{text} + "'");
  std::from_chars(text.data(), text.data() + text.size(), out, 16);
  return true;
}

// The qop-dependent fields of credentials.
bool parse_message_qop(std::vector<AuthParam>& params, Credentials& c, std::string* error) {
  const std::string* qop = find_param(params, "qop");
  if (qop == nullptr) return true;  // RFC 2069 compatibility: no cnonce, no nc
  c.qop = detail::to_lower(*qop);
  if (c.qop != "auth") return fail(error, "unsupported qop '" + *qop + "'");
  if (!require(params, "cnonce", c.cnonce, error)) return false;
  std::string nc;
  if (!require(params, "nc", nc, error)) return false;
  return parse_nc(nc, c.nc, error);
}

}  // namespace

std::string_view algorithm_name(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::md5: return "MD5";
    case Algorithm::sha256: return "SHA-256";
    case Algorithm::sha512_256: return "SHA-512-256";
  }
  return "";
}

std::optional<Algorithm> parse_algorithm(std::string_view token) {
  for (Algorithm a : kAllAlgorithms)
    if (detail::iequals(token, algorithm_name(a))) return a;
  return std::nullopt;
}

std::string hash_hex(Algorithm algorithm, std::string_view data) {
  detail::Hasher hasher;
  return hasher.joined(algorithm, {data}).str();
}

std::string compute_ha1(Algorithm algorithm, std::string_view username, std::string_view realm,
                        std::string_view password) {
  detail::Hasher hasher;
  return hasher.joined(algorithm, {username, realm, password}).str();
}

std::string compute_userhash(Algorithm algorithm, std::string_view username, std::string_view realm) {
  detail::Hasher hasher;
  return hasher.joined(algorithm, {username, realm}).str();
}

std::string compute_response(Algorithm algorithm, std::string_view ha1_hex, const ResponseInput& in) {
  detail::Hasher hasher;
  auto ha2 = hasher.joined(algorithm, {in.method, in.uri});
  if (in.qop.empty()) return hasher.joined(algorithm, {ha1_hex, in.nonce, ha2.view()}).str();
  return hasher.joined(algorithm, {ha1_hex, in.nonce, in.nc, in.cnonce, in.qop, ha2.view()}).str();
}

// ---------------------------------------------------------------------------------------------

bool Challenge::offers_qop_auth() const {
  return std::find(qop.begin(), qop.end(), "auth") != qop.end();
}

std::string Challenge::to_header_value() const {
  std::string out = "Digest realm=";
  detail::append_quoted(out, realm);
  out += ", nonce=";
  detail::append_quoted(out, nonce);
  if (!opaque.empty()) {
    out += ", opaque=";
    detail::append_quoted(out, opaque);
  }
  out += ", algorithm=";
  out += algorithm_name(algorithm);
  if (!qop.empty()) {
    std::string joined;
    for (const auto& option : qop) joined += (joined.empty() ? "" : ",") + option;
    out += ", qop=";
    detail::append_quoted(out, joined);
  }
  if (stale) out += ", stale=TRUE";
  if (userhash) out += ", userhash=true";
  return out;
}

std::optional<Challenge> Challenge::parse(std::string_view header_value, std::string* error) {
  auto params = lex(header_value, error);
  if (!params) return std::nullopt;
  Challenge c;
  if (!require(*params, "realm", c.realm, error) || !require(*params, "nonce", c.nonce, error) ||
      !parse_algorithm_param(*params, c.algorithm, error) ||
      !parse_flag(*params, "stale", c.stale, error) ||
      !parse_flag(*params, "userhash", c.userhash, error))
    return std::nullopt;
  optional_param(*params, "opaque", c.opaque);
  if (const std::string* qop = find_param(*params, "qop")) c.qop = split_qop_options(*qop);
  return c;
}

// ---------------------------------------------------------------------------------------------

std::string Credentials::nc_hex() const {
  std::array<char, 8> digits{};
  std::uint32_t value = nc;
  for (std::size_t i = digits.size(); i-- > 0; value >>= 4) digits[i] = "0123456789abcdef"[value & 0xf];
  return std::string{digits.data(), digits.size()};
}

std::string Credentials::to_header_value() const {
  std::string out = "Digest username=";
  detail::append_quoted(out, username);
  out += ", realm=";
  detail::append_quoted(out, realm);
  out += ", nonce=";
  detail::append_quoted(out, nonce);
  out += ", uri=";
  detail::append_quoted(out, uri);
  out += ", response=";
  detail::append_quoted(out, response);
  out += ", algorithm=";
  out += algorithm_name(algorithm);
  if (!cnonce.empty()) {
    out += ", cnonce=";
    detail::append_quoted(out, cnonce);
  }
  if (!opaque.empty()) {
    out += ", opaque=";
    detail::append_quoted(out, opaque);
  }
  if (!qop.empty()) out += ", qop=" + qop + ", nc=" + nc_hex();
  if (userhash) out += ", userhash=true";
  return out;
}

std::optional<Credentials> Credentials::parse(std::string_view header_value, std::string* error) {
  auto params = lex(header_value, error);
  if (!params) return std::nullopt;
  if (find_param(*params, "username*") != nullptr) {
    fail(error, "username* (RFC 7616 extended notation) is not supported");
    return std::nullopt;
  }
  Credentials c;
  if (!require(*params, "username", c.username, error) || !require(*params, "realm", c.realm, error) ||
      !require(*params, "nonce", c.nonce, error) || !require(*params, "uri", c.uri, error) ||
      !require(*params, "response", c.response, error) ||
      !parse_algorithm_param(*params, c.algorithm, error) ||
      !parse_flag(*params, "userhash", c.userhash, error) || !parse_message_qop(*params, c, error))
    return std::nullopt;
  if (!is_hex(c.response)) {
    fail(error, "response is not hex: '" + c.response + "'");
    return std::nullopt;
  }
  for (char& ch : c.response) ch = detail::ascii_lower(ch);
  optional_param(*params, "opaque", c.opaque);
  return c;
}

}  // namespace trunklab::auth
