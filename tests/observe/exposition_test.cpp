// The text exposition format: escaping of label values and HELP text, sample values, and
// histograms written with cumulative buckets, _sum and _count.
#include "reference/observe/exposition.hpp"
#include "tests/observe/exposition_parse.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace trunklab::observe {
namespace {

TEST(Exposition, LabelValuesEscapeBackslashQuoteAndLineFeed) {
  EXPECT_EQ(escape_label_value(R"(a"b\c)" "\nd"), R"(a\"b\\c\nd)");
  Exposition out;
  out.family("x_total", "counter", "help with \\ and\na line feed, \"quotes\" kept");
  out.sample("x_total", {{"provider", "evil\"}\n"}, {"status", "200"}}, 3);
  EXPECT_EQ(out.text(),
            "# HELP x_total help with \\\\ and\\na line feed, \"quotes\" kept\n"
            "# TYPE x_total counter\n"
            "x_total{provider=\"evil\\\"}\\n\",status=\"200\"} 3\n");
}

TEST(Exposition, ValuesAreIntegersOrShortestDecimals) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(12345), "12345");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
}

TEST(Exposition, HistogramBucketsAreCumulative) {
  static constexpr double bounds[] = {0.125, 0.5, 1};  // binary fractions: the sum is exact
  Histogram h(bounds);
  for (double v : {0.0625, 0.125, 0.25, 0.75, 0.875, 4.0}) h.observe(v);
  Exposition out;
  out.family("d_seconds", "histogram", "delay");
  out.histogram("d_seconds", {{"provider", "telnyx"}}, h);
  EXPECT_EQ(out.text(),
            "# HELP d_seconds delay\n# TYPE d_seconds histogram\n"
            "d_seconds_bucket{provider=\"telnyx\",le=\"0.125\"} 2\n"  // 0.125 is at or below 0.125
            "d_seconds_bucket{provider=\"telnyx\",le=\"0.5\"} 3\n"
            "d_seconds_bucket{provider=\"telnyx\",le=\"1\"} 5\n"
            "d_seconds_bucket{provider=\"telnyx\",le=\"+Inf\"} 6\n"
            "d_seconds_sum{provider=\"telnyx\"} 6.0625\n"
            "d_seconds_count{provider=\"telnyx\"} 6\n");
  auto parsed = testing::parse_exposition(out.text());
  EXPECT_EQ(parsed.types.at("d_seconds"), "histogram");
  EXPECT_EQ(parsed.at("d_seconds_count{provider=\"telnyx\"}"), 6);
}

}  // namespace
}  // namespace trunklab::observe
