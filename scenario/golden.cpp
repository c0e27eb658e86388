// Golden ladders: the verdict's ladder compared with, or written to, <dir>/golden/<name>.ladder.txt.
#include "scenario/runner.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace trunklab::scenario {

std::filesystem::path golden_path(const Scenario& scenario) {
  return std::filesystem::path(scenario.file).parent_path() / "golden" / (scenario.name + ".ladder.txt");
}

std::optional<std::string> check_golden(const Scenario& scenario, Verdict& verdict, bool update, bool required) {
  auto path = golden_path(scenario);
  auto text = verdict.ladder_text();
  if (update) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) return fmt::format("cannot write {}", path.string());
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!required && !std::filesystem::is_directory(path.parent_path(), ec)) return std::nullopt;  // no goldens here
    verdict.failures.push_back(fmt::format(
        "golden ladder {} is missing: write it with `trunklab run {} --update`, review it and commit it",
        path.string(), scenario.file));
    verdict.passed = false;
    return std::nullopt;
  }
  std::ostringstream golden;
  golden << in.rdbuf();
  if (golden.str() == text) return std::nullopt;
  // Show the first differing line of each: the full ladders are in the output folder.
  std::istringstream a(golden.str());
  std::istringstream b(text);
  std::string la;
  std::string lb;
  std::size_t n = 0;
  while (true) {
    bool ga = static_cast<bool>(std::getline(a, la));
    bool gb = static_cast<bool>(std::getline(b, lb));
    ++n;
    if (!ga && !gb) break;
    if (!ga) la = "(end)";
    if (!gb) lb = "(end)";
    if (la != lb || !ga || !gb) break;
  }
  verdict.failures.push_back(fmt::format(
      "golden ladder {} differs at line {}:\n  golden: {}\n  actual: {}\n  (rerun with --update if the change is intended)",
      path.string(), n, la, lb));
  verdict.passed = false;
  return std::nullopt;
}

}  // namespace trunklab::scenario
