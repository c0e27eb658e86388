#include "reference/sip/convert.hpp"
#include "reference/sip/text.hpp"

#include <fmt/format.h>

#include <mutex>

namespace trunklab::sip {
namespace osip {

namespace {
void discard_trace(const char*, int, osip_trace_level_t, const char*, va_list) {}
}  // namespace

void ensure_initialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    parser_init();
    // Route every trace level to a sink that drops it, then switch the levels off, so a
    // libosip2 built with tracing never writes to stdout.
    osip_trace_initialize_func(END_TRACE_LEVEL, &discard_trace);
    for (int level = 0; level < static_cast<int>(END_TRACE_LEVEL); ++level) {
      osip_trace_disable_level(static_cast<osip_trace_level_t>(level));
    }
  });
}

}  // namespace osip

namespace convert {
namespace {

std::vector<std::pair<std::string, std::string>> to_params(const osip_list_t& list) {
  std::vector<std::pair<std::string, std::string>> params;
  params.reserve(static_cast<std::size_t>(list.nb_elt > 0 ? list.nb_elt : 0));
  for_each<osip_generic_param_t>(list, [&](const osip_generic_param_t& p) {
    params.emplace_back(str(p.gname), str(p.gvalue));
  });
  return params;
}

std::uint16_t to_port(const char* port) {
  if (port == nullptr) return 0;
  const auto value = text::parse_decimal(text::trim(port));
  return (value && *value <= 65535) ? static_cast<std::uint16_t>(*value) : 0;
}

std::string unquote(const char* s) {
  std::string_view v = text::trim(s == nullptr ? "" : s);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return std::string(v);
}

}  // namespace

std::string str(const char* s) { return s == nullptr ? std::string() : std::string(s); }

Uri to_uri(const osip_uri_t& uri) {
  Uri out;
  out.scheme = str(uri.scheme);
  out.user = str(uri.username);
  out.password = str(uri.password);
  out.host = str(uri.host);
  out.port = to_port(uri.port);
  out.params = to_params(uri.url_params);
  return out;
}

NameAddr to_name_addr(const osip_from_t& from) {
  NameAddr out;
  out.display_name = unquote(from.displayname);
  if (from.url != nullptr) out.uri = to_uri(*from.url);
  out.params = to_params(from.gen_params);
  return out;
}

Via to_via(const osip_via_t& via) {
  Via out;
  out.transport = str(via.protocol);
  out.protocol.reserve(16);
  out.protocol.append("SIP/").append(via.version == nullptr ? "2.0" : via.version);
  out.protocol.append("/").append(out.transport);
  out.host = str(via.host);
  out.port = to_port(via.port);
  out.params = to_params(via.via_params);
  for (const auto& [name, value] : out.params) {
    if (text::iequals(name, "branch")) {
      out.branch = value;
    } else if (text::iequals(name, "received")) {
      out.received = value;
    } else if (text::iequals(name, "rport")) {
      out.has_rport = true;
      if (!value.empty()) {
        const auto port = to_port(value.c_str());
        if (port != 0) out.rport = port;
      }
    }
  }
  return out;
}

}  // namespace convert

namespace {
std::optional<std::string> find_param(const std::vector<std::pair<std::string, std::string>>& ps,
                                      std::string_view name) {
  for (const auto& [key, value] : ps) {
    if (text::iequals(key, name)) return value;
  }
  return std::nullopt;
}
}  // namespace

std::optional<std::string> Uri::param(std::string_view name) const {
  return find_param(params, name);
}

std::optional<std::string> NameAddr::param(std::string_view name) const {
  return find_param(params, name);
}

std::string Uri::to_string() const {
  std::string out = scheme.empty() ? std::string("sip") : scheme;
  out += ':';
  if (!user.empty()) {
    out += user;
    if (!password.empty()) out += ':' + password;
    out += '@';
  }
  const bool ipv6 = host.find(':') != std::string::npos && host.front() != '[';
  out += ipv6 ? "[" + host + "]" : host;
  if (port != 0) out += fmt::format(":{}", port);
  for (const auto& [name, value] : params) {
    out += ';' + name;
    if (!value.empty()) out += '=' + value;
  }
  return out;
}

std::optional<Uri> Uri::parse(std::string_view text) {
  osip::ensure_initialized();
  osip_uri_t* raw = nullptr;
  if (osip_uri_init(&raw) != 0) return std::nullopt;
  osip::UriPtr uri(raw);
  const std::string nul_terminated(text::trim(text));  // libosip2 wants a C string
  if (nul_terminated.empty() || osip_uri_parse(uri.get(), nul_terminated.c_str()) != 0) {
    return std::nullopt;
  }
  if (uri->scheme == nullptr) return std::nullopt;
  return convert::to_uri(*uri);
}

std::string Via::sent_by() const {
  const bool ipv6 = host.find(':') != std::string::npos && host.front() != '[';
  const std::string shown = ipv6 ? "[" + host + "]" : host;
  return port == 0 ? shown : fmt::format("{}:{}", shown, port);
}

std::optional<std::uint32_t> Contact::expires() const {
  const auto value = address.param("expires");
  if (!value) return std::nullopt;
  const auto number = text::parse_decimal(text::trim(*value));
  if (!number) return std::nullopt;
  // RFC 3261 §20.19 bounds expires at 2^32-1; larger values saturate rather than wrap.
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(*number, 0xFFFFFFFFULL));
}

}  // namespace trunklab::sip
