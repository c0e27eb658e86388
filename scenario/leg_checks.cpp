// A ghost answer is judged twice, since either side may see what the other misses: from the
// parties (each connected call through a B2BUA is one answered outgoing call and one answered
// incoming call, so incoming answers beyond the outgoing ones are ghosts; this is all there is
// against a target), and from the reference's own legs (an answered leg that did not win,
// which names the call). The larger count is the verdict.
#include "scenario/leg_checks.hpp"

#include "reference/element/reference_server.hpp"

#include <fmt/format.h>

#include <map>

namespace trunklab::scenario::detail {

namespace {

// The party a leg's target names: a provider party, or the phone whose address the contact
// URI carries.
std::string party_of_target(const Scenario& scenario, const std::string& target) {
  if (scenario.find_party(target)) return target;
  for (const auto& p : scenario.parties) {
    if (p.address && target.find(p.address->ip_string()) != std::string::npos) return p.name;
  }
  return target;
}

std::string counts_text(const std::map<std::string, std::int64_t>& counts) {
  std::string out;
  for (const auto& [name, n] : counts) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", name, n);
  return out.empty() ? "none" : out;
}

struct PartyAnswers {
  std::map<std::string, std::int64_t> incoming, outgoing;
  std::int64_t incoming_total = 0, outgoing_total = 0;
};

PartyAnswers party_answers(const Scenario& scenario, const RunState& state) {
  PartyAnswers a;
  for (const auto& p : scenario.parties) {
    const auto* agent = state.agent(p.name);
    if (!agent) continue;
    for (const auto& c : agent->calls()) {
      if (!c.answered) continue;
      ++(c.outgoing ? a.outgoing : a.incoming)[p.name];
      ++(c.outgoing ? a.outgoing_total : a.incoming_total);
    }
  }
  return a;
}

// The reference's answered legs that lost: one text each, naming the party and the call.
std::vector<std::string> reference_ghosts(const Scenario& scenario, const element::ReferenceServer& server) {
  std::vector<std::string> ghosts;
  auto outcomes = server.trunk().outcomes();
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const auto& o = outcomes[i];
    for (const auto& leg : o.legs) {
      if (!leg.answered || leg.won) continue;
      auto winner = o.answered_by.empty() ? fmt::format("the caller got {}", o.final_status)
                                          : party_of_target(scenario, o.answered_by) + " won it";
      ghosts.push_back(fmt::format("{} answered call {} ({} {} from {}) after {}{}", party_of_target(scenario, leg.target),
                                   i + 1, o.direction, o.destination, o.caller,
                                   leg.cancel_sent ? "the trunk's CANCEL, " : "", winner));
    }
  }
  return ghosts;
}

}  // namespace

std::vector<std::string> check_ghost_answers(const Scenario& scenario, const RunState& state, std::int64_t expected) {
  auto parties = party_answers(scenario, state);
  const auto from_parties = std::max<std::int64_t>(0, parties.incoming_total - parties.outgoing_total);
  std::vector<std::string> named;
  if (const auto* server = state.server()) named = reference_ghosts(scenario, *server);
  const auto got = std::max(from_parties, static_cast<std::int64_t>(named.size()));
  if (got == expected) return {};
  auto text = fmt::format("finally.ghost_answers: expected {}, got {}", expected, got);
  for (const auto& g : named) text += "; " + g;
  text += fmt::format(" (the parties answered {} incoming call(s): {}; for {} answered outgoing call(s): {})",
                      parties.incoming_total, counts_text(parties.incoming), parties.outgoing_total,
                      counts_text(parties.outgoing));
  return {text};
}

std::vector<std::string> check_left_ringing(const Scenario& scenario, const RunState& state, std::int64_t expected) {
  std::vector<std::string> ringing;
  for (const auto& p : scenario.parties) {
    const auto* agent = state.agent(p.name);
    if (!agent) continue;
    for (const auto& c : agent->calls()) {
      if (!c.outgoing && c.final_status == 0 && !c.ended) ringing.push_back(fmt::format("{} (call to {})", p.name, c.number));
    }
  }
  if (static_cast<std::int64_t>(ringing.size()) == expected) return {};
  auto text = fmt::format("finally.left_ringing: expected {} incoming call(s) still ringing at the end, got {}",
                          expected, ringing.size());
  if (!ringing.empty()) {
    text += ": no final response and no CANCEL for";
    for (std::size_t i = 0; i < ringing.size(); ++i) text += (i ? ", " : " ") + ringing[i];
  }
  return {text};
}

}  // namespace trunklab::scenario::detail
