// The result of parsing bytes that came off the wire: a value, or why the bytes were refused.
// (std::expected is C++23; the project builds as C++20.)
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace trunklab::media {

template <class T>
class Parsed {
public:
  Parsed(T value) : value_(std::move(value)) {}  // NOLINT: implicit, as `return value;` reads
  static Parsed failure(std::string why) {
    Parsed p;
    p.error_ = std::move(why);
    return p;
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  // Asking a failure for its value is a programming error: it throws with the reason.
  const T& value() const {
    if (!value_) throw std::logic_error("media: no value: " + error_);
    return *value_;
  }
  const T& operator*() const { return value(); }
  const T* operator->() const { return &value(); }
  const std::string& error() const { return error_; }

private:
  Parsed() = default;
  std::optional<T> value_;
  std::string error_;
};

}  // namespace trunklab::media
