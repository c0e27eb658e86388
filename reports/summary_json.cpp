// DIR/summary.json of a run: what index.html shows, for machines (CI dashboards, jq). Its shape
// is documented in README.md ("Scenarios: trunklab run"); the per-scenario failures are
// Verdict::failures, one entry per failed expectation, as verdict.json has them.
#include "reports/run_report.hpp"

namespace trunklab::reports {
namespace {

using json = nlohmann::ordered_json;

json counts_json(const ScenarioCounts& c) {
  return {{"messages", c.messages},       {"requests", c.requests},       {"responses", c.responses},
          {"retransmissions", c.retransmissions}, {"dropped", c.dropped}, {"calls", c.calls},
          {"rtp_streams", c.rtp_streams}, {"rtp_packets", c.rtp_packets}};
}

void add_counts(ScenarioCounts& total, const ScenarioCounts& c) {
  total.messages += c.messages;
  total.requests += c.requests;
  total.responses += c.responses;
  total.retransmissions += c.retransmissions;
  total.dropped += c.dropped;
  total.calls += c.calls;
  total.rtp_streams += c.rtp_streams;
  total.rtp_packets += c.rtp_packets;
}

double wall_ms(std::chrono::microseconds d) {
  return static_cast<double>(d.count()) / 1000.0;
}

json or_null(const std::string& text) {
  return text.empty() ? json(nullptr) : json(text);
}

json scenario_json(const ScenarioReport& r) {
  json j = {{"name", r.name}, {"file", r.file}, {"verdict", verdict_name(r)}};
  if (r.error) {
    // Never ran: no seed, times, counts or links; where the file is wrong instead.
    j["error"] = {{"json_path", or_null(r.json_path)}, {"reason", r.reason}, {"message", r.failure_text}};
    return j;
  }
  j["description"] = r.description;
  j["seed"] = r.seed;
  j["virtual_duration_ms"] = rt::to_ms(r.virtual_duration);
  j["wall_duration_ms"] = wall_ms(r.wall_duration);
  j["counts"] = counts_json(r.counts);
  j["failures"] = r.failures;
  j["limit"] = or_null(r.limit);
  if (!r.notes.empty()) j["notes"] = r.notes;
  if (!r.swarm_draw.empty()) j["swarm_draw"] = r.swarm_draw;
  if (!r.reproduce.empty()) j["reproduce"] = r.reproduce;  // none against a target
  j["links"] = {{"ladder_dir", or_null(r.ladder_dir)}, {"pcap", or_null(r.pcap)}};
  return j;
}

}  // namespace

json summary_json(const std::vector<ScenarioReport>& reports) {
  json totals = {{"scenarios", reports.size()}, {"passed", 0}, {"failed", 0}, {"limit", 0}, {"error", 0}};
  ScenarioCounts counts;
  rt::Duration virtual_total{};
  std::chrono::microseconds wall_total{};
  json scenarios = json::array();
  for (const auto& r : reports) {
    auto& n = totals[std::string(verdict_name(r))];
    n = n.get<std::size_t>() + 1;
    add_counts(counts, r.counts);
    virtual_total += r.virtual_duration;
    wall_total += r.wall_duration;
    scenarios.push_back(scenario_json(r));
  }
  totals["virtual_duration_ms"] = rt::to_ms(virtual_total);
  totals["wall_duration_ms"] = wall_ms(wall_total);
  totals["counts"] = counts_json(counts);
  return {{"totals", totals}, {"scenarios", scenarios}};
}

}  // namespace trunklab::reports
