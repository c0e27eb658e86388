// Reads a scenario's "swarm" section (swarm_bounds.hpp) and refuses, at load time, bounds its
// expectations cannot survive: a swarm that is bound to produce false failures finds nothing.
#include "scenario/reader.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace trunklab::scenario::detail {

using config::Node;

namespace {

void expect_pair(const Node& n, std::string_view example) {
  if (!n.is_array() || n.json().size() != 2) n.fail(fmt::format("expected [low, high], such as {}", example));
}

Range<double> read_probability_range(const Node& n) {
  expect_pair(n, "[0, 0.1]");
  Range<double> r;
  for (std::size_t i = 0; i < 2; ++i) {
    const auto end = n.at(i);
    if (!end.json().is_number() || end.json().get<double>() < 0.0 || end.json().get<double>() > 1.0) {
      end.fail("expected a probability between 0 and 1");
    }
    (i == 0 ? r.lo : r.hi) = end.json().get<double>();
  }
  if (r.lo > r.hi) n.fail("expected [low, high] with low <= high");
  return r;
}

Range<rt::Duration> read_duration_range(const Node& n) {
  expect_pair(n, "[\"0ms\", \"200ms\"]");
  Range<rt::Duration> r{n.at(std::size_t{0}).as_duration(), n.at(std::size_t{1}).as_duration()};
  if (r.lo < rt::Duration::zero()) n.at(std::size_t{0}).fail("expected a duration of 0 or more");
  if (r.lo > r.hi) n.fail("expected [low, high] with low <= high");
  return r;
}

bool perturbs(const SwarmBounds& b, const std::string& party) {
  if (b.between.empty()) return true;
  return std::any_of(b.between.begin(), b.between.end(), [&](const auto& p) { return p.first == party || p.second == party; });
}

// A raw party sends each message once (no transaction, no retransmission): a lost or duplicated
// datagram changes how many responses it gets, so counting them cannot hold under loss.
void check_raw_counts(const Node& n, const SwarmBounds& b, const Scenario& s) {
  const bool changes_counts = (b.loss && b.loss->hi > 0.0) || (b.duplicate && b.duplicate->hi > 0.0);
  if (!changes_counts) return;
  for (const auto& [party, count] : s.expect.finally.raw_responses) {
    if (!perturbs(b, party)) continue;
    const auto* key = b.loss && b.loss->hi > 0.0 ? "loss" : "duplicate";
    n.at(key).fail(fmt::format(
        "expected no {} on the paths of raw party \"{}\": $.expect.finally.raw_responses.{} counts the responses it "
        "gets, and a raw message is sent once (a lost or duplicated datagram changes the count); leave it out with "
        "\"between\"",
        key, party, party));
  }
}

}  // namespace

SwarmBounds read_swarm(const Node& n, const Scenario& s) {
  if (!n.is_object()) n.fail("expected an object of bounds, such as {\"loss\": [0, 0.1], \"latency\": [\"5ms\", \"80ms\"]}");
  n.expect_only({"loss", "duplicate", "delay", "delayed", "latency", "jitter", "between"});
  SwarmBounds b;
  if (auto r = n.get("loss")) b.loss = read_probability_range(*r);
  if (auto r = n.get("duplicate")) b.duplicate = read_probability_range(*r);
  if (auto r = n.get("delay")) b.delay = read_duration_range(*r);
  if (auto r = n.get("delayed")) {
    if (!b.delay) r->fail("expected \"delay\" too: \"delayed\" is the probability a datagram gets the drawn delay");
    b.delayed = read_probability_range(*r);
  }
  if (b.delay && !b.delayed) b.delayed = Range<double>{0.0, 0.5};
  if (auto r = n.get("latency")) b.latency = read_duration_range(*r);
  if (auto r = n.get("jitter")) b.jitter = read_duration_range(*r);
  if (!b.loss && !b.duplicate && !b.delay && !b.latency && !b.jitter) {
    n.fail("expected at least one of \"loss\", \"duplicate\", \"delay\", \"latency\", \"jitter\"");
  }
  if (auto between = n.get("between")) {
    auto hosts = wire_names(s);
    for (const auto& nat : s.nats) hosts.push_back(nat.name);
    if (!between->is_array() || between->json().empty()) between->fail("expected a list of pairs, such as [[\"alice\", \"trunk\"]]");
    for (const auto& pair : between->items()) {
      if (!pair.is_array() || pair.json().size() != 2) pair.fail("expected two party names, such as [\"alice\", \"trunk\"]");
      for (const auto& end : pair.items()) require_name(end, end.as_string(), "party", hosts);
      b.between.emplace_back(pair.at(std::size_t{0}).as_string(), pair.at(std::size_t{1}).as_string());
    }
  }
  check_raw_counts(n, b, s);
  return b;
}

}  // namespace trunklab::scenario::detail
