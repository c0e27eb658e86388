#include "reports/run_report.hpp"

#include "reports/render/escape.hpp"

#include <fmt/core.h>

#include <fstream>
#include <system_error>

namespace trunklab::reports {
namespace {

std::string seconds(std::chrono::microseconds d) {
  return fmt::format("{:.3f}", static_cast<double>(d.count()) / 1e6);
}

std::optional<std::string> write_file(const std::filesystem::path& path, const std::string& text) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    return fmt::format("{}: cannot create the directory: {}", path.parent_path().string(),
                       ec.message());
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) {
    return fmt::format("{}: cannot write the file", path.string());
  }
  return std::nullopt;
}

// The first line of a failure, for the `message` attribute CI tools show in their summaries.
std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

void append_testcase(std::string& out, std::string_view suite, const ScenarioReport& r) {
  out += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{}\">\n", xml_escape(r.name),
                     xml_escape(fmt::format("{}.{}", suite, r.name)), seconds(r.wall_duration));
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
                            r.seed, seconds(r.virtual_duration), r.ladder_dir, r.pcap);
  out += fmt::format("      <system-out>{}</system-out>\n", xml_escape(details));
  out += "    </testcase>\n";
}

std::string link(const std::string& href, std::string_view text) {
  return href.empty() ? std::string("")
                      : fmt::format("<a href=\"{}\">{}</a>", xml_escape(href), xml_escape(text));
}

std::string ladder_link(const ScenarioReport& r, std::string_view file) {
  return r.ladder_dir.empty() ? std::string("") : link(r.ladder_dir + "/" + std::string(file), file);
}

std::string verdict_text(const ScenarioReport& r) {
  if (r.error) return "ERROR (unusable file)";
  if (r.passed) return "passed";
  return r.limit.empty() ? std::string("FAILED") : xml_escape("FAILED (limit: " + r.limit + ")");
}

}  // namespace

ScenarioReport unusable_report(const std::string& file, const std::string& reason) {
  ScenarioReport r;
  r.name = std::filesystem::path(file).filename().string();
  r.file = file;
  r.error = true;
  r.failure_text = reason;
  return r;
}

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
                     suite, reports.size(), failures, seconds(total), errors);
  for (const auto& r : reports) {
    append_testcase(out, suite_name, r);
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

std::string index_html(const std::vector<ScenarioReport>& reports, std::string_view title) {
  std::size_t failed = 0;
  std::size_t errors = 0;
  for (const auto& r : reports) {
    errors += r.error ? 1 : 0;
    failed += r.passed || r.error ? 0 : 1;
  }
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{0}</title>\n"
      "<style>body{{font-family:sans-serif}}table{{border-collapse:collapse}}"
      "td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}"
      ".pass{{color:#1b5e20}}.fail{{color:#c62828;font-weight:bold}}"
      "pre{{margin:0;white-space:pre-wrap}}</style>\n</head>\n<body>\n<h1>{0}</h1>\n"
      "<p>{1} scenarios, {2} passed, {3} failed{4}.</p>\n<table>\n<tr><th>Scenario</th><th>Verdict"
      "</th><th>Virtual time</th><th>Wall time</th><th>Seed</th><th>Ladder</th><th>Capture</th>"
      "</tr>\n",
      xml_escape(title), reports.size(), reports.size() - failed - errors, failed,
      errors > 0 ? fmt::format(", {} unusable", errors) : std::string());
  for (const auto& r : reports) {
    out += fmt::format(
        "<tr id=\"{0}\"><td>{0}<br><small>{1}</small></td><td class=\"{2}\">{3}</td><td>{4}</td>"
        "<td>{5}</td><td>{6}</td><td>{7} {8} {9} {10}</td><td>{11}</td></tr>\n",
        xml_escape(r.name), xml_escape(r.file), r.passed ? "pass" : "fail",
        verdict_text(r),
        // An unusable file never ran: no times, no seed.
        r.error ? std::string("-") : seconds(r.virtual_duration) + "s",
        r.error ? std::string("-") : seconds(r.wall_duration) + "s",
        r.error ? std::string("-") : std::to_string(r.seed), ladder_link(r, "ladder.html"), ladder_link(r, "ladder.txt"),
        ladder_link(r, "ladder.mmd"), ladder_link(r, "ladder.svg"), link(r.pcap, "pcap"));
    if (!r.passed && !r.failure_text.empty()) {
      out += fmt::format("<tr><td colspan=\"7\"><pre>{}</pre></td></tr>\n",
                         xml_escape(r.failure_text));
    }
  }
  out += "</table>\n</body>\n</html>\n";
  return out;
}

std::optional<std::string> write_index_html(const std::filesystem::path& dir,
                                            const std::vector<ScenarioReport>& reports) {
  return write_file(dir / "index.html", index_html(reports));
}

std::optional<std::string> write_junit_xml(const std::filesystem::path& dir,
                                           const std::vector<ScenarioReport>& reports) {
  return write_file(dir / "junit.xml", junit_xml(reports));
}

std::optional<std::string> write_ladders(const std::filesystem::path& dir, const Ladder& ladder,
                                         const RenderOptions& options) {
  const std::pair<const char*, Format> files[] = {{"ladder.txt", Format::text},
                                                  {"ladder.mmd", Format::mermaid},
                                                  {"ladder.svg", Format::svg},
                                                  {"ladder.html", Format::html}};
  for (const auto& [name, format] : files) {
    if (auto error = write_file(dir / name, render(format, ladder, options))) {
      return error;
    }
  }
  return std::nullopt;
}

}  // namespace trunklab::reports
