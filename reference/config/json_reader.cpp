#include "reference/config/json_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace trunklab::config {

InputError::InputError(std::string file, std::string json_path, std::string expected)
    : std::runtime_error(fmt::format("{}: {}: {}", file, json_path, expected)),
      file_(std::move(file)),
      json_path_(std::move(json_path)),
      expected_(std::move(expected)) {}

nlohmann::json parse_json_text(std::string_view text, const std::string& file) {
  try {
    return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/true,
                                 /*ignore_comments=*/true);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann reports a byte offset; people want a line and column.
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw InputError(file, fmt::format("line {} column {}", line, column),
                     fmt::format("expected valid JSON ({})", e.what()));
  }
}

nlohmann::json load_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "$", "expected a readable file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_json_text(text.str(), path);
}

Node::Node(const nlohmann::json& value, std::string file, std::string path)
    : value_(&value), file_(std::move(file)), path_(std::move(path)) {}

void Node::fail(const std::string& expected) const { throw InputError(file_, path_, expected); }

bool Node::has(std::string_view key) const {
  return value_->is_object() && value_->contains(key);
}

static std::string member_path(const std::string& base, std::string_view key) {
  bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  return plain ? fmt::format("{}.{}", base, key) : fmt::format("{}[\"{}\"]", base, key);
}

Node Node::at(std::string_view key) const {
  if (!value_->is_object()) fail("expected an object");
  auto it = value_->find(key);
  if (it == value_->end()) {
    Node(*value_, file_, member_path(path_, key)).fail("expected this member (it is required)");
  }
  return Node(*it, file_, member_path(path_, key));
}

std::optional<Node> Node::get(std::string_view key) const {
  if (!value_->is_object()) fail("expected an object");
  auto it = value_->find(key);
  if (it == value_->end() || it->is_null()) return std::nullopt;
  return Node(*it, file_, member_path(path_, key));
}

Node Node::at(std::size_t index) const {
  if (!value_->is_array() || index >= value_->size()) fail("expected an array element");
  return Node((*value_)[index], file_, fmt::format("{}[{}]", path_, index));
}

std::vector<Node> Node::items() const {
  if (!value_->is_array()) fail("expected an array");
  std::vector<Node> out;
  out.reserve(value_->size());
  for (std::size_t i = 0; i < value_->size(); ++i) out.push_back(at(i));
  return out;
}

std::vector<std::pair<std::string, Node>> Node::members() const {
  if (!value_->is_object()) fail("expected an object");
  std::vector<std::pair<std::string, Node>> out;
  for (auto it = value_->begin(); it != value_->end(); ++it) {
    out.emplace_back(it.key(), Node(it.value(), file_, member_path(path_, it.key())));
  }
  return out;
}

std::string Node::as_string() const {
  if (!value_->is_string()) fail("expected a string");
  return value_->get<std::string>();
}

std::int64_t Node::as_int(std::int64_t min, std::int64_t max) const {
  if (!value_->is_number_integer()) fail(fmt::format("expected an integer in {}..{}", min, max));
  auto v = value_->get<std::int64_t>();
  if (v < min || v > max) fail(fmt::format("expected an integer in {}..{}, got {}", min, max, v));
  return v;
}

bool Node::as_bool() const {
  if (!value_->is_boolean()) fail("expected true or false");
  return value_->get<bool>();
}

rt::Duration Node::as_duration() const {
  if (value_->is_number()) {
    // A bare number has no unit: 4 read as 4 ms (or 4 s) silently is a wrong configuration.
    fail(fmt::format("expected a duration with its unit, such as \"{0}s\" or \"{0}ms\"; a bare number has none",
                     value_->dump()));
  }
  if (value_->is_string()) {
    if (auto d = parse_duration(value_->get<std::string>())) return *d;
  }
  fail("expected a duration such as \"250ms\", \"2s\", \"5m\" or \"1h\"");
}

std::string Node::string_or(std::string_view key, std::string fallback) const {
  auto n = get(key);
  return n ? n->as_string() : std::move(fallback);
}

std::int64_t Node::int_or(std::string_view key, std::int64_t fallback, std::int64_t min,
                          std::int64_t max) const {
  auto n = get(key);
  return n ? n->as_int(min, max) : fallback;
}

bool Node::bool_or(std::string_view key, bool fallback) const {
  auto n = get(key);
  return n ? n->as_bool() : fallback;
}

rt::Duration Node::duration_or(std::string_view key, rt::Duration fallback) const {
  auto n = get(key);
  return n ? n->as_duration() : fallback;
}

void Node::expect_only(std::initializer_list<std::string_view> known) const {
  if (!value_->is_object()) fail("expected an object");
  for (auto it = value_->begin(); it != value_->end(); ++it) {
    bool ok = std::find(known.begin(), known.end(), it.key()) != known.end();
    if (!ok) {
      std::string list;
      for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      Node(it.value(), file_, member_path(path_, it.key()))
          .fail(fmt::format("unknown member; expected one of: {}", list));
    }
  }
}

std::optional<rt::Duration> parse_duration(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || value < 0 || !std::isfinite(value)) return std::nullopt;
  std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  double us_per_unit = 0;
  if (unit == "us") us_per_unit = 1;
  else if (unit == "ms") us_per_unit = 1e3;
  else if (unit == "s") us_per_unit = 1e6;
  else if (unit == "m" || unit == "min") us_per_unit = 60e6;
  else if (unit == "h") us_per_unit = 3600e6;
  else return std::nullopt;
  const double us = value * us_per_unit;
  if (us > 1e17) return std::nullopt;  // beyond ~3000 years: no scenario or timer means it
  return rt::Duration{static_cast<std::int64_t>(std::llround(us))};
}

std::string format_duration(rt::Duration d) {
  auto us = d.count();
  if (us % 1'000'000 == 0) return fmt::format("{}s", us / 1'000'000);
  if (us % 1000 == 0) {
    auto ms = us / 1000;
    if (ms >= 1000) return fmt::format("{}s", static_cast<double>(ms) / 1000.0);
    return fmt::format("{}ms", ms);
  }
  return fmt::format("{}us", us);
}

}  // namespace trunklab::config
