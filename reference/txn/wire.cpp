#include "reference/txn/wire.hpp"

#include "reference/sip/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace trunklab::txn {
namespace {

using sip::text::iequals;
using sip::text::lower_ascii;

std::string_view trim(std::string_view s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  const auto end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

bool is_via_name(std::string_view name) { return iequals(name, "Via") || iequals(name, "v"); }

// Splits "a;b=c;d" at semicolons outside quotes.
std::vector<std::string_view> split_params(std::string_view value) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '"') quoted = !quoted;
    if (value[i] == ';' && !quoted) {
      parts.push_back(value.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(value.substr(start));
  return parts;
}

std::string_view param_name(std::string_view param) {
  return trim(param.substr(0, param.find('=')));
}

// The long name of a header for the five a stateless response copies, "" for any other.
std::string_view response_header_name(std::string_view name) {
  if (iequals(name, "Via") || iequals(name, "v")) return "Via";
  if (iequals(name, "From") || iequals(name, "f")) return "From";
  if (iequals(name, "To") || iequals(name, "t")) return "To";
  if (iequals(name, "Call-ID") || iequals(name, "i")) return "Call-ID";
  if (iequals(name, "CSeq")) return "CSeq";
  return {};
}

// A value the 400 must not copy: it would carry the bad octet back out (a bare CR, a NUL).
bool has_control_octet(std::string_view value) {
  return std::any_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7F;
  });
}

bool has_tag(std::string_view to_value) {
  const std::string lowered = sip::text::to_lower(to_value);
  const auto close = lowered.rfind('>');
  const auto params = close == std::string::npos ? lowered : lowered.substr(close);
  return params.find(";tag=") != std::string::npos;
}

}  // namespace

// Rewrites the first Via of a (possibly comma-separated) Via header value.
static std::string stamp_via_header(std::string_view header_value, const rt::Address& source) {
  const auto vias = split_top_level(header_value);
  std::string value = via_with_received_rport(vias.front(), source);
  for (std::size_t i = 1; i < vias.size(); ++i) value.append(", ").append(vias[i]);
  return value;
}

std::vector<std::string_view> split_top_level(std::string_view value) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  int angle = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '<') ++angle;
    if (c == '>' && angle > 0) --angle;
    if (c == ',' && angle == 0) {
      parts.push_back(trim(value.substr(start, i - start)));
      start = i + 1;
    }
  }
  parts.push_back(trim(value.substr(start)));
  return parts;
}

std::optional<std::string_view> first_via(const sip::OutgoingMessage& message) {
  for (const auto& header : message.headers()) {
    if (is_via_name(header.name)) return split_top_level(header.value).front();
  }
  return std::nullopt;
}

std::optional<std::string_view> via_param(std::string_view via_value, std::string_view name) {
  const auto params = split_params(via_value);
  for (auto it = params.begin() + 1; it != params.end(); ++it) {
    if (!iequals(param_name(*it), name)) continue;
    const auto eq = it->find('=');
    return eq == std::string_view::npos ? std::string_view{} : trim(it->substr(eq + 1));
  }
  return std::nullopt;
}

std::string client_key(std::string_view branch, std::string_view method) {
  std::string key;
  key.reserve(branch.size() + method.size() + 1);
  key.append(branch).append(1, '\n').append(method);
  return key;
}

std::string server_key(std::string_view branch, std::string_view sent_by,
                       std::string_view method) {
  std::string key;
  key.reserve(branch.size() + sent_by.size() + method.size() + 2);
  key.append(branch).append(1, '\n').append(sent_by).append(1, '\n');
  // sent-by hosts compare case-insensitively; branch and method are case-sensitive.
  std::transform(key.begin() + static_cast<std::ptrdiff_t>(branch.size()), key.end(),
                 key.begin() + static_cast<std::ptrdiff_t>(branch.size()), lower_ascii);
  key.append(method);
  return key;
}

bool has_rfc3261_branch(const sip::Via& via) {
  return via.branch.size() > kMagicCookie.size() && via.branch.starts_with(kMagicCookie);
}

std::string legacy_server_key(const sip::Message& request, std::string_view method) {
  const sip::Via& via = request.top_via();
  std::string key = "2543\n";
  key.append(request.request_uri()).append(1, '\n');
  key.append(request.from().tag()).append(1, '\n');
  if (method != "INVITE") key.append(request.to().tag());
  key.append(1, '\n').append(request.call_id()).append(1, '\n');
  key.append(std::to_string(request.cseq().number)).append(1, '\n');
  std::string sent_by = via.sent_by();
  std::transform(sent_by.begin(), sent_by.end(), sent_by.begin(), lower_ascii);
  key.append(sent_by).append(1, '\n').append(via.branch).append(1, '\n').append(method);
  return key;
}

std::string via_with_received_rport(std::string_view via_value, const rt::Address& source) {
  const auto params = split_params(via_value);
  const bool wants_rport = std::any_of(params.begin() + 1, params.end(), [](auto p) {
    return iequals(param_name(p), "rport");
  });
  if (!wants_rport) return std::string(via_value);
  std::string out(trim(params.front()));
  for (auto it = params.begin() + 1; it != params.end(); ++it) {
    const auto name = param_name(*it);
    if (iequals(name, "received")) continue;  // replaced next to rport
    if (iequals(name, "rport")) {
      out += ";received=" + source.ip_string() + ";rport=" + std::to_string(source.port());
      continue;
    }
    out += ';';
    out += trim(*it);
  }
  return out;
}

void stamp_received_rport(sip::OutgoingMessage& response, const rt::Address& source) {
  for (const auto& header : response.headers()) {
    if (!is_via_name(header.name)) continue;
    std::string value = stamp_via_header(header.value, source);
    if (value != header.value) {
      const std::string name = header.name;  // `set` may invalidate `header`
      response.set(name, std::move(value));
    }
    return;
  }
}

std::optional<sip::OutgoingMessage> stateless_400_for(std::string_view raw,
                                                      const sip::ParseError& error,
                                                      std::string_view to_tag,
                                                      const rt::Address& source) {
  return stateless_answer_for(raw, error.status(), error.reason_phrase(), to_tag, source);
}

std::optional<sip::OutgoingMessage> stateless_answer_for(std::string_view raw, int status,
                                                         std::string reason, std::string_view to_tag,
                                                         const rt::Address& source) {
  const auto start_line = raw.substr(0, raw.find('\n'));
  const auto method = start_line.substr(0, start_line.find(' '));
  // A response, a start line with no method, or an ACK (never answered): drop.
  if (method.empty() || method.starts_with("SIP/") || method == start_line || method == "ACK") {
    return std::nullopt;
  }
  const auto headers = sip::text::scan_lenient(raw).headers;
  auto response = sip::OutgoingMessage::response(status, std::move(reason));
  bool seen_via = false;
  for (const auto& header : headers) {
    const auto name = response_header_name(header.name);
    if (name.empty() || has_control_octet(header.value)) continue;  // never echo a bare CR
    if (name == "Via") {
      response.add("Via", seen_via ? header.value : stamp_via_header(header.value, source));
      seen_via = true;
      continue;
    }
    if (response.header(name)) continue;  // a duplicate single-value header: keep the first
    std::string value = header.value;
    if (name == "To" && !to_tag.empty() && !has_tag(value)) value.append(";tag=").append(to_tag);
    response.add(std::string(name), std::move(value));
  }
  if (!seen_via) return std::nullopt;
  return response;
}

sip::OutgoingMessage too_large_response(const sip::OutgoingMessage& response, std::size_t bytes,
                                        std::size_t limit) {
  const std::string why = fmt::format("Message Too Large (the {} response would be {} bytes, over the {}-byte limit)",
                                      response.status(), bytes, limit);
  auto answer_with = [&](std::string reason) {
    auto answer = sip::OutgoingMessage::response(513, std::move(reason));
    for (const auto& header : response.headers()) {
      if (is_via_name(header.name)) answer.add(header.name, header.value);
    }
    for (const std::string_view name : {"From", "To", "Call-ID", "CSeq"}) {
      answer.add(std::string(name), std::string(response.header(name).value_or("")));
    }
    return answer;
  };
  auto explained = answer_with(why);
  if (explained.to_string().size() <= limit) return explained;
  return answer_with("Message Too Large");
}

}  // namespace trunklab::txn
