#include "reference/trunk/call_record.hpp"

#include <cmath>

namespace trunklab::trunk {

namespace {

double milliseconds(rt::Duration d) { return static_cast<double>(d.count()) / 1000.0; }

}  // namespace

nlohmann::json virtual_seconds(rt::Instant at) {
  return static_cast<double>(at.time_since_epoch().count()) / 1e6;
}

nlohmann::json to_json(const CallRecord& r, const TimeWriter& time) {
  nlohmann::json legs = nlohmann::json::array();
  for (const auto& leg : r.legs) {
    legs.push_back({{"target", leg.target}, {"status", leg.status}, {"reason", leg.reason}, {"won", leg.won}});
  }
  nlohmann::json j = {
      {"id", r.id},
      {"call_id", r.call_id},
      {"direction", r.direction},
      {"customer", r.customer},
      {"trunk", r.trunk},
      {"caller", r.caller},
      {"callee", r.callee},
      {"legs", std::move(legs)},
      {"start", time(r.start)},
      {"ringing", r.ringing ? time(*r.ringing) : nlohmann::json()},
      {"answer", r.answer ? time(*r.answer) : nlohmann::json()},
      {"end", time(r.end)},
      {"final_status", r.final_status},
      {"final_reason", r.final_reason},
      {"hangup_side", r.hangup_side},
      {"hangup_cause", r.hangup_cause},
  };
  // Post-dial delay (to the first ringing), setup time (to the answer, or to the failure) and
  // talk time, in milliseconds.
  j["pdd_ms"] = r.ringing ? nlohmann::json(milliseconds(*r.ringing - r.start)) : nlohmann::json();
  j["setup_ms"] = milliseconds((r.answer ? *r.answer : r.end) - r.start);
  j["duration_ms"] = r.answer ? milliseconds(r.end - *r.answer) : 0.0;
  return j;
}

}  // namespace trunklab::trunk
