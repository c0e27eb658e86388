// DIR/junit.xml of a run: the shape Jenkins, GitLab and GitHub test reporters read.
#include "reports/render/escape.hpp"
#include "reports/run_report.hpp"

#include <fmt/core.h>

namespace trunklab::reports {
namespace {

// The first line of a failure, for the `message` attribute CI tools show in their summaries.
std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

void append_testcase(std::string& out, std::string_view suite, const ScenarioReport& r) {
  out += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{}\">\n", xml_escape(r.name),
                     xml_escape(fmt::format("{}.{}", suite, r.name)), report_seconds(r.wall_duration));
  if (r.error) {
    out += fmt::format("      <error message=\"{}\" type=\"unusable\">{}</error>\n",
                       xml_escape(first_line(r.failure_text)), xml_escape(r.failure_text));
  } else if (!r.passed) {
    std::string text = r.failure_text.empty() ? std::string("failed") : r.failure_text;
    out += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                       xml_escape(first_line(text)),
                       r.limit.empty() ? std::string("verdict") : xml_escape("limit:" + r.limit),
                       xml_escape(text));
  }
  const std::string details =
      r.error ? fmt::format("file: {}\n", r.file)
              : fmt::format("file: {}\nseed: {}\nvirtual duration: {}s\nladder: {}\npcap: {}\n", r.file,
                            r.seed, report_seconds(r.virtual_duration), r.ladder_dir, r.pcap);
  out += fmt::format("      <system-out>{}</system-out>\n", xml_escape(details));
  out += "    </testcase>\n";
}

}  // namespace

std::string junit_xml(const std::vector<ScenarioReport>& reports, std::string_view suite_name) {
  std::size_t failures = 0;
  std::size_t errors = 0;
  std::chrono::microseconds total{};
  for (const auto& r : reports) {
    errors += r.error ? 1 : 0;
    failures += r.passed || r.error ? 0 : 1;
    total += r.wall_duration;
  }
  std::string suite = xml_escape(suite_name);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"{0}\" tests=\"{1}\" failures=\"{2}\" errors=\"{4}\" "
                     "time=\"{3}\">\n  <testsuite name=\"{0}\" tests=\"{1}\" failures=\"{2}\" "
                     "errors=\"{4}\" skipped=\"0\" time=\"{3}\">\n",
                     suite, reports.size(), failures, report_seconds(total), errors);
  for (const auto& r : reports) {
    append_testcase(out, suite_name, r);
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace trunklab::reports
