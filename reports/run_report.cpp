// What the run report's files share: verdict names, unusable files, writing files and ladders.
#include "reports/run_report.hpp"

#include <fmt/core.h>

#include <fstream>
#include <system_error>

namespace trunklab::reports {

std::string report_seconds(std::chrono::microseconds d) {
  return fmt::format("{:.3f}", static_cast<double>(d.count()) / 1e6);
}

std::optional<std::string> write_report_file(const std::filesystem::path& path, const std::string& text) {
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

std::string_view verdict_name(const ScenarioReport& report) {
  if (report.error) return "error";
  if (report.passed) return "passed";
  return report.limit.empty() ? "failed" : "limit";
}

ScenarioReport unusable_report(const std::string& file, const std::string& message,
                               const std::string& json_path, const std::string& reason) {
  ScenarioReport r;
  r.name = std::filesystem::path(file).filename().string();
  r.file = file;
  r.error = true;
  r.failure_text = message;
  r.json_path = json_path;
  r.reason = reason.empty() ? message : reason;
  return r;
}

std::optional<std::string> write_index_html(const std::filesystem::path& dir,
                                            const std::vector<ScenarioReport>& reports) {
  return write_report_file(dir / "index.html", index_html(reports));
}

std::optional<std::string> write_junit_xml(const std::filesystem::path& dir,
                                           const std::vector<ScenarioReport>& reports) {
  return write_report_file(dir / "junit.xml", junit_xml(reports));
}

std::optional<std::string> write_summary_json(const std::filesystem::path& dir,
                                              const std::vector<ScenarioReport>& reports) {
  // A target's bytes in a failure need not be UTF-8: replaced, never a throw.
  return write_report_file(dir / "summary.json",
                           summary_json(reports).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

std::optional<std::string> write_run_report(const std::filesystem::path& dir,
                                            const std::vector<ScenarioReport>& reports) {
  // Each file on its own: CI may read one when another cannot be written.
  auto junit = write_junit_xml(dir, reports);
  auto summary = write_summary_json(dir, reports);
  auto index = write_index_html(dir, reports);
  return junit ? junit : summary ? summary : index;
}

std::optional<std::string> write_ladders(const std::filesystem::path& dir, const Ladder& ladder,
                                         const RenderOptions& options) {
  const std::pair<const char*, Format> files[] = {{"ladder.txt", Format::text},
                                                  {"ladder.mmd", Format::mermaid},
                                                  {"ladder.svg", Format::svg},
                                                  {"ladder.html", Format::html}};
  for (const auto& [name, format] : files) {
    if (auto error = write_report_file(dir / name, render(format, ladder, options))) {
      return error;
    }
  }
  return std::nullopt;
}

}  // namespace trunklab::reports
