// The Prometheus text exposition format, version 0.0.4: `# HELP` and `# TYPE` once per family,
// then one line per sample, `name{label="value",...} value`. Written here rather than with a
// client library: Debian's prometheus-cpp brings its own HTTP server and registry threads, and
// what the reference needs is a string built from numbers it already keeps.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trunklab::observe {

using Labels = std::vector<std::pair<std::string, std::string>>;

// A label value as the format writes it: backslash, double quote and line feed escaped.
std::string escape_label_value(std::string_view value);
// HELP text: backslash and line feed escaped.
std::string escape_help(std::string_view text);
// A sample value: integers without a fraction, others in the shortest form that reads back
// exactly, and +Inf / -Inf / NaN as the format spells them.
std::string format_value(double value);

// Counts of observations per upper bound (seconds, or whatever the family measures), kept per
// bucket and written cumulatively as the format wants.
class Histogram {
public:
  explicit Histogram(std::span<const double> upper_bounds);
  void observe(double value);
  std::span<const double> upper_bounds() const { return upper_bounds_; }
  // Observations at or below upper_bounds()[i]; i == upper_bounds().size() is +Inf (all).
  std::uint64_t cumulative(std::size_t i) const;
  double sum() const { return sum_; }
  std::uint64_t count() const { return count_; }

private:
  std::span<const double> upper_bounds_;
  std::vector<std::uint64_t> in_bucket_;  // one per bound, then the +Inf bucket
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

class Exposition {
public:
  // Starts a family: its HELP and TYPE ("counter", "gauge" or "histogram").
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, const Labels& labels, double value);
  // name_bucket{...,le="..."} per bound and +Inf, then name_sum and name_count.
  void histogram(std::string_view name, const Labels& labels, const Histogram& histogram);
  const std::string& text() const { return text_; }

private:
  std::string text_;
};

}  // namespace trunklab::observe
