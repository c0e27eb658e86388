// Reading JSON input (configuration, scenarios) with errors that name the file, the JSON path
// and what was expected: "scenarios/x.json: $.parties.alice.phone.extension: expected a string".
// nlohmann-json parses; this layer only tracks the path, which nlohmann's own exceptions lack.
#pragma once

#include "reference/rt/time.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace trunklab::config {

class InputError : public std::runtime_error {
public:
  InputError(std::string file, std::string json_path, std::string expected);
  const std::string& file() const { return file_; }
  const std::string& json_path() const { return json_path_; }
  const std::string& expected() const { return expected_; }

private:
  std::string file_;
  std::string json_path_;
  std::string expected_;
};

// Parses text as JSON; // and /* */ comments are allowed (scenario files are written by people).
nlohmann::json parse_json_text(std::string_view text, const std::string& file);
nlohmann::json load_json_file(const std::string& path);

// A cursor into a JSON document that knows its path. Accessors throw InputError.
class Node {
public:
  Node(const nlohmann::json& value, std::string file, std::string path = "$");

  const nlohmann::json& json() const { return *value_; }
  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }

  bool is_object() const { return value_->is_object(); }
  bool is_array() const { return value_->is_array(); }
  bool is_string() const { return value_->is_string(); }
  bool has(std::string_view key) const;

  Node at(std::string_view key) const;  // required member
  std::optional<Node> get(std::string_view key) const;  // optional member
  Node at(std::size_t index) const;
  std::vector<Node> items() const;  // array elements (throws unless an array)
  std::vector<std::pair<std::string, Node>> members() const;  // object members, file order

  std::string as_string() const;
  std::int64_t as_int(std::int64_t min, std::int64_t max) const;
  bool as_bool() const;
  rt::Duration as_duration() const;  // "250ms", "2s", "1.5s", "5m", "1h"; a bare number is refused

  std::string string_or(std::string_view key, std::string fallback) const;
  std::int64_t int_or(std::string_view key, std::int64_t fallback, std::int64_t min,
                      std::int64_t max) const;
  bool bool_or(std::string_view key, bool fallback) const;
  rt::Duration duration_or(std::string_view key, rt::Duration fallback) const;

  // Refuses members not in `known`, so a typo ("priorty") is an error, not a silent default.
  void expect_only(std::initializer_list<std::string_view> known) const;
  [[noreturn]] void fail(const std::string& expected) const;

private:
  const nlohmann::json* value_;
  std::string file_;
  std::string path_;
};

// "250ms" -> 250 ms; nullopt when the text is not a duration.
std::optional<rt::Duration> parse_duration(std::string_view text);
std::string format_duration(rt::Duration d);  // "250ms", "2s", "1.5s"

}  // namespace trunklab::config
