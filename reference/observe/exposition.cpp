#include "reference/observe/exposition.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace trunklab::observe {

namespace {

std::string escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string label_text(const Labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += fmt::format("{}=\"{}\"", labels[i].first, escape_label_value(labels[i].second));
  }
  return out + "}";
}

}  // namespace

std::string escape_label_value(std::string_view value) { return escape(value, true); }
std::string escape_help(std::string_view text) { return escape(text, false); }

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{}", static_cast<std::int64_t>(value));
  return fmt::format("{}", value);
}

Histogram::Histogram(std::span<const double> upper_bounds)
    : upper_bounds_(upper_bounds), in_bucket_(upper_bounds.size() + 1, 0) {}

void Histogram::observe(double value) {
  std::size_t i = 0;
  while (i < upper_bounds_.size() && value > upper_bounds_[i]) ++i;
  ++in_bucket_[i];
  sum_ += value;
  ++count_;
}

std::uint64_t Histogram::cumulative(std::size_t i) const {
  std::uint64_t total = 0;
  for (std::size_t b = 0; b <= i && b < in_bucket_.size(); ++b) total += in_bucket_[b];
  return total;
}

void Exposition::family(std::string_view name, std::string_view type, std::string_view help) {
  text_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name, type);
}

void Exposition::sample(std::string_view name, const Labels& labels, double value) {
  text_ += fmt::format("{}{} {}\n", name, label_text(labels), format_value(value));
}

void Exposition::histogram(std::string_view name, const Labels& labels, const Histogram& h) {
  const auto bounds = h.upper_bounds();
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    auto with_le = labels;
    with_le.emplace_back("le", i < bounds.size() ? format_value(bounds[i]) : "+Inf");
    sample(fmt::format("{}_bucket", name), with_le, static_cast<double>(h.cumulative(i)));
  }
  sample(fmt::format("{}_sum", name), labels, h.sum());
  sample(fmt::format("{}_count", name), labels, static_cast<double>(h.count()));
}

}  // namespace trunklab::observe
