// A verdict as text and JSON (golden.cpp compares it with the golden ladder).
#include "scenario/runner.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace trunklab::scenario {

std::string Verdict::ladder_text() const {
  std::string out;
  for (const auto& line : lines) out += line.annotated() + "\n";
  return out;
}

std::string Verdict::failure_text() const {
  std::string out;
  for (const auto& f : failures) out += f + (f.ends_with('\n') ? "" : "\n");
  if (real_time) {
    out += fmt::format("real time against {}: timing and interleaving may differ from run to run\n", target);
  } else if (!reproduce.empty()) {
    out += fmt::format("seed {}, swarm draw: {}\nreproduce with `{}`\n", seed, swarm_draw, reproduce);
  } else {
    out += fmt::format("seed {}: reproduce with `trunklab run {} --seed {}`\n", seed, file, seed);
  }
  return out;
}

nlohmann::json Verdict::to_json() const {
  nlohmann::json j;
  j["name"] = name;
  j["file"] = file;
  j["seed"] = seed;
  j["passed"] = passed;
  j["failures"] = failures;
  if (!reproduce.empty()) {
    j["swarm_draw"] = swarm_draw;
    j["reproduce"] = reproduce;
  }
  if (!limit.empty()) j["limit"] = limit;  // the cap the run reached: a FAIL, never a pass
  j["virtual_duration_ms"] = rt::to_ms(virtual_duration);
  j["messages"] = lines.size();
  nlohmann::json wire = nlohmann::json::array();
  for (const auto& line : lines) wire.push_back(line.annotated());
  j["ladder"] = wire;
  return j;
}

}  // namespace trunklab::scenario
