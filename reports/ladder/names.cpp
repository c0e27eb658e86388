#include "reports/ladder/names.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

namespace trunklab::reports {
namespace {

std::string_view trim(std::string_view s) {
  auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) {
    return {};
  }
  return s.substr(begin, s.find_last_not_of(" \t\r") - begin + 1);
}

std::string add_name(NameMap& names, std::string_view address, std::string_view name) {
  auto parsed = rt::Address::parse(trim(address));
  if (!parsed) {
    return fmt::format("\"{}\" is not an address (expected 10.0.0.5:5060 or [2001:db8::1]:5060)",
                       address);
  }
  if (trim(name).empty()) {
    return fmt::format("no name for {}", address);
  }
  names[*parsed] = std::string(trim(name));
  return {};
}

std::variant<NameMap, std::string> parse_json_names(std::string_view text,
                                                    std::string_view source) {
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return fmt::format("{}: expected a JSON object {{\"10.0.0.5:5060\": \"PBX\"}}", source);
  }
  NameMap names;
  for (const auto& [address, name] : json.items()) {
    if (!name.is_string()) {
      return fmt::format("{}: $.\"{}\": expected a name (string)", source, address);
    }
    if (auto error = add_name(names, address, name.get<std::string>()); !error.empty()) {
      return fmt::format("{}: {}", source, error);
    }
  }
  return names;
}

}  // namespace

std::variant<NameMap, std::string> parse_names(std::string_view text, std::string_view source) {
  if (trim(text).starts_with('{')) {
    return parse_json_names(text, source);
  }
  NameMap names;
  std::size_t line_number = 0;
  while (!text.empty()) {
    auto end = text.find('\n');
    std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++line_number;
    if (line.empty() || line.starts_with('#')) {
      continue;
    }
    auto space = line.find_first_of(" \t");
    if (space == std::string_view::npos) {
      return fmt::format("{}:{}: expected \"ADDRESS NAME\"", source, line_number);
    }
    if (auto error = add_name(names, line.substr(0, space), line.substr(space + 1));
        !error.empty()) {
      return fmt::format("{}:{}: {}", source, line_number, error);
    }
  }
  return names;
}

std::string add_name_option(NameMap& names, std::string_view option) {
  auto equals = option.rfind('=');
  if (equals == std::string_view::npos) {
    return fmt::format("--name {}: expected ADDRESS=NAME", option);
  }
  if (auto error = add_name(names, option.substr(0, equals), option.substr(equals + 1));
      !error.empty()) {
    return fmt::format("--name {}: {}", option, error);
  }
  return {};
}

}  // namespace trunklab::reports
