#include "reference/element/header_inspection.hpp"

#include "reference/sip/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>

namespace trunklab::element {
namespace {

// The schemes whose Request-URIs the registrar and the trunk serve.
constexpr std::array<std::string_view, 2> kSchemes{"sip", "sips"};

// The option tags this element implements: none (no 100rel, timer, path, outbound, ...).
constexpr std::array<std::string_view, 0> kSupported{};

using sip::text::is_token;

std::string scheme_of(std::string_view uri) { return sip::text::to_lower(uri.substr(0, uri.find(':'))); }

bool supported(std::string_view tag) {  // option tags compare case-insensitively (§19.2)
  return std::any_of(kSupported.begin(), kSupported.end(),
                     [&](std::string_view s) { return sip::text::iequals(s, tag); });
}

void collect_unsupported(const sip::Message& request, std::string_view header,
                         std::vector<std::string>& out) {
  for (auto& tag : request.header_values(header)) {
    if (tag.empty() || supported(tag)) continue;
    if (std::find(out.begin(), out.end(), tag) == out.end()) out.push_back(std::move(tag));
  }
}

// "nothingSupportsThis, nothingSupportsThisEither"; a tag that is not a token (and so may not
// belong in a Reason-Phrase) is only listed in Unsupported.
std::string joined(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& tag : tags) {
    if (!is_token(tag)) return "see Unsupported";
    out += out.empty() ? tag : ", " + tag;
  }
  return out;
}

}  // namespace

std::optional<Refusal> inspect_headers(const sip::Message& request, bool as_proxy) {
  const auto& method = request.method();
  if (method == "ACK" || method == "CANCEL") return std::nullopt;
  const auto scheme = scheme_of(request.request_uri());
  if (std::find(kSchemes.begin(), kSchemes.end(), scheme) == kSchemes.end()) {
    return Refusal{416, fmt::format("Unsupported URI Scheme ({})", scheme), {}};
  }
  std::vector<std::string> unsupported;
  collect_unsupported(request, "Require", unsupported);
  if (as_proxy) collect_unsupported(request, "Proxy-Require", unsupported);
  if (unsupported.empty()) return std::nullopt;
  auto reason = fmt::format("Bad Extension ({})", joined(unsupported));
  return Refusal{420, std::move(reason), std::move(unsupported)};
}

}  // namespace trunklab::element
