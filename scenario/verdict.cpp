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
  nlohmann::json streams = nlohmann::json::array();
  for (const auto& m : media) {
    nlohmann::json s = {{"from", m.from}, {"to", m.to}, {"call", m.call}, {"ssrc", m.ssrc},
                        {"payload_type", m.payload_type}, {"codec", m.codec}, {"packets", m.packets},
                        {"expected", m.expected}, {"lost", m.lost}, {"duplicates", m.duplicates},
                        {"jitter_ms", static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(m.jitter).count()) / 1000.0},
                        {"first_ms", rt::to_ms(m.first_at.time_since_epoch())},
                        {"r_factor", m.r_factor}, {"mos", m.mos}};
    if (m.mean_delay) s["delay_ms"] = static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(*m.mean_delay).count()) / 1000.0;
    s["src"] = m.src;
    s["dst"] = m.dst;
    if (m.sent) s["sent"] = *m.sent;
    s["delivered"] = m.delivered;
    // The arrivals of the first and last packet heard, to the microsecond: the window of a
    // receiver-side capture (delivered.pcap) that the party heard.
    s["first_us"] = std::chrono::duration_cast<std::chrono::microseconds>(m.first_at.time_since_epoch()).count();
    s["last_us"] = std::chrono::duration_cast<std::chrono::microseconds>(m.last_at.time_since_epoch()).count();
    if (!m.digits_rfc4733.empty()) s["digits_rfc4733"] = m.digits_rfc4733;
    if (!m.digits_inband.empty()) s["digits_inband"] = m.digits_inband;
    streams.push_back(std::move(s));
  }
  j["media"] = streams;
  nlohmann::json sent = nlohmann::json::array();
  for (const auto& m : media_sent) {
    sent.push_back({{"from", m.from}, {"call", m.call}, {"ssrc", m.ssrc}, {"src", m.src},
                    {"last_destination", m.last_destination}, {"packets", m.packets},
                    {"event_packets", m.event_packets}});
  }
  j["media_sent"] = sent;
  return j;
}

}  // namespace trunklab::scenario
