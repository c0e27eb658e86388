#include "reference/sip/uri_syntax.hpp"

#include "reference/sip/osip.hpp"
#include "reference/sip/text.hpp"

namespace trunklab::sip::uri_syntax {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// hostname / IPv4address: alphanumerics, "-" and ".".
bool is_host_name(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.') return false;
  }
  return true;
}

// The inside of an IPv6reference: hex digits, ":" and "." (an embedded IPv4 address), at least
// two colons. RFC 5118 §4.10 asks that the three-colon form RFC 3261's ABNF allowed
// ("2001:db8:::192.0.2.1") be tolerated, so this is no stricter than that.
bool is_ipv6_text(std::string_view s) {
  int colons = 0;
  for (const char c : s) {
    if (c == ':') {
      ++colons;
    } else if (!is_hex(c) && c != '.') {
      return false;
    }
  }
  return colons >= 2;
}

// hostport = host [ ":" port ], host = hostname / IPv4address / IPv6reference.
std::optional<std::string> hostport_problem(std::string_view hostport) {
  if (!hostport.empty() && hostport.front() == '[') {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos || !is_ipv6_text(hostport.substr(1, close - 1))) {
      return "Malformed IPv6 reference in Request-URI";
    }
    const auto rest = hostport.substr(close + 1);
    if (rest.empty() || (rest.front() == ':' && all_digits(rest.substr(1)))) return std::nullopt;
    return "Malformed port in Request-URI";
  }
  const auto colon = hostport.find(':');
  const auto host = hostport.substr(0, colon);
  if (!is_host_name(host)) return "Malformed host in Request-URI";
  if (colon == std::string_view::npos || all_digits(hostport.substr(colon + 1))) return std::nullopt;
  if (hostport.find(':', colon + 1) != std::string_view::npos) {
    return "IPv6 address in Request-URI not enclosed in []";
  }
  return "Malformed port in Request-URI";
}

bool osip_parses(std::string_view uri) {
  osip_uri_t* parsed = nullptr;
  if (osip_uri_init(&parsed) != 0) return false;
  const std::string text(uri);  // libosip2 wants a C string (no NUL here: checked before)
  const bool ok = osip_uri_parse(parsed, text.c_str()) == 0;
  osip_uri_free(parsed);
  return ok;
}

}  // namespace

std::optional<std::string> scheme(std::string_view uri) {
  const auto colon = uri.find(':');
  if (colon == 0 || colon == std::string_view::npos || !is_alpha(uri.front())) return std::nullopt;
  std::string out;
  for (const char c : uri.substr(0, colon)) {
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return std::nullopt;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

std::optional<std::string> request_uri_problem(std::string_view uri) {
  const auto name = scheme(uri);
  if (!name || uri.size() == name->size() + 1) return "Malformed Request-URI";
  if (*name != "sip" && *name != "sips") return std::nullopt;
  if (!osip_parses(uri)) return "Malformed Request-URI";
  // userinfo ends at the first "@" (user and password cannot hold one unescaped); hostport
  // ends at the parameters or headers.
  auto rest = uri.substr(name->size() + 1);
  if (const auto at = rest.find('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  return hostport_problem(rest.substr(0, rest.find_first_of(";?")));
}

}  // namespace trunklab::sip::uri_syntax
