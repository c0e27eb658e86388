#include "scenario/swarm.hpp"

#include "reference/config/json_reader.hpp"
#include "reference/rt/random.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace trunklab::scenario {

namespace {

constexpr std::uint64_t kSeedMask = (std::uint64_t{1} << 40) - 1;
constexpr std::uint64_t kDrawStream = 0x5357'4152'4d00'0001ULL;  // "SWARM": apart from the world's streams

// One uniform draw in [0, 1) per bound, taken whether or not the bound is given, so that adding
// a bound to a scenario does not change what the others draw.
class Dice {
public:
  explicit Dice(std::uint64_t seed) : random_(seed ^ kDrawStream) {}
  double unit() { return static_cast<double>(random_.next_u64() >> 11) * 0x1.0p-53; }

  double probability(const std::optional<Range<double>>& r) {
    const double u = unit();
    if (!r) return 0.0;
    const double value = std::round((r->lo + u * (r->hi - r->lo)) * 1000.0) / 1000.0;
    return std::clamp(value, r->lo, r->hi);
  }

  std::optional<rt::Duration> duration(const std::optional<Range<rt::Duration>>& r) {
    const double u = unit();
    if (!r) return std::nullopt;
    const double us = static_cast<double>(r->lo.count()) + u * static_cast<double>((r->hi - r->lo).count());
    const auto ms = std::llround(us / 1000.0);
    return std::clamp(rt::Duration{ms * 1000}, r->lo, r->hi);
  }

private:
  rt::SplitMix64 random_;
};

std::vector<std::pair<std::string, std::string>> perturbed_paths(const Scenario& s) {
  if (!s.swarm->between.empty()) return s.swarm->between;
  std::vector<std::pair<std::string, std::string>> paths = {{"", ""}};  // the default link
  for (const auto& link : s.links) paths.emplace_back(link.a, link.b);
  return paths;
}

bool same_path(const LinkSpec& link, const std::string& a, const std::string& b) {
  return (link.a == a && link.b == b) || (link.a == b && link.b == a);
}

void apply_link(Scenario& s, const PathDraw& path) {
  auto set = [&](sim::Link& link) {
    if (path.latency) link.latency = *path.latency;
    if (path.jitter) link.jitter = *path.jitter;
  };
  if (path.a.empty()) {
    set(s.default_link);
    return;
  }
  auto it = std::find_if(s.links.begin(), s.links.end(), [&](const LinkSpec& l) { return same_path(l, path.a, path.b); });
  if (it == s.links.end()) it = s.links.insert(s.links.end(), LinkSpec{path.a, path.b, s.default_link});
  set(it->link);
}

// The draw's fault rules on one path (both directions; "" ends: every datagram).
void add_faults(Scenario& s, const SwarmDraw& d, const std::string& a, const std::string& b) {
  const auto suffix = a.empty() ? std::string() : fmt::format("-{}-{}", a, b);
  auto scoped = [&](sim::FaultRule rule, double probability) {
    if (!a.empty()) rule.with_src_host(a).with_dst_host(b).in_both_directions();
    s.faults.push_back(rule.with_probability(probability));
  };
  if (d.loss > 0.0) scoped(sim::FaultRule::drop("swarm-loss" + suffix), d.loss);
  if (d.duplicate > 0.0) scoped(sim::FaultRule::duplicate("swarm-duplicate" + suffix), d.duplicate);
  if (d.delayed > 0.0 && d.delay > rt::Duration::zero()) {
    scoped(sim::FaultRule::delay_by("swarm-delay" + suffix, d.delay), d.delayed);
  }
}

}  // namespace

std::uint64_t swarm_seed(std::uint64_t base, std::uint64_t index) {
  // SplitMix64's output function on (base, index): neighbouring indexes give unrelated seeds.
  rt::SplitMix64 mix(base * 0x9e3779b97f4a7c15ULL + index);
  return mix.next_u64() & kSeedMask;
}

SwarmDraw draw_swarm(const Scenario& scenario, std::uint64_t seed) {
  SwarmDraw d;
  d.seed = seed;
  if (!scenario.swarm) return d;
  const auto& b = *scenario.swarm;
  d.bounded = true;
  Dice dice(seed);
  d.loss = dice.probability(b.loss);
  d.duplicate = dice.probability(b.duplicate);
  d.delay = dice.duration(b.delay).value_or(rt::Duration{0});
  d.delayed = dice.probability(b.delayed);
  for (const auto& [a, end] : perturbed_paths(scenario)) {
    PathDraw path{a, end, dice.duration(b.latency), dice.duration(b.jitter)};
    if (path.latency || path.jitter) d.paths.push_back(path);
  }
  return d;
}

std::string SwarmDraw::text() const {
  if (!bounded) return "no swarm bounds: the scenario's own network";
  std::vector<std::string> parts;
  if (loss > 0.0) parts.push_back(fmt::format("loss {:.3f}", loss));
  if (duplicate > 0.0) parts.push_back(fmt::format("duplicate {:.3f}", duplicate));
  if (delay > rt::Duration::zero() && delayed > 0.0) {
    parts.push_back(fmt::format("delay {} for {:.3f} of datagrams", config::format_duration(delay), delayed));
  }
  for (const auto& p : paths) {
    const auto where = p.a.empty() ? std::string() : fmt::format(" {}-{}", p.a, p.b);
    if (p.latency) parts.push_back(fmt::format("latency{} {}", where, config::format_duration(*p.latency)));
    if (p.jitter) parts.push_back(fmt::format("jitter{} {}", where, config::format_duration(*p.jitter)));
  }
  if (parts.empty()) return "nothing (every drawn value 0)";
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

std::string bounds_text(const SwarmBounds& b) {
  std::vector<std::string> parts;
  auto probability = [&](const char* name, const std::optional<Range<double>>& r) {
    if (r) parts.push_back(fmt::format("{} [{}, {}]", name, r->lo, r->hi));
  };
  auto duration = [&](const char* name, const std::optional<Range<rt::Duration>>& r) {
    if (r) parts.push_back(fmt::format("{} [{}, {}]", name, config::format_duration(r->lo), config::format_duration(r->hi)));
  };
  probability("loss", b.loss);
  probability("duplicate", b.duplicate);
  duration("delay", b.delay);
  if (b.delay) probability("delayed", b.delayed);
  duration("latency", b.latency);
  duration("jitter", b.jitter);
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : ", ") + part;
  if (!b.between.empty()) {
    out += " between";
    for (std::size_t i = 0; i < b.between.size(); ++i) {
      out += fmt::format("{} {}-{}", i == 0 ? "" : ",", b.between[i].first, b.between[i].second);
    }
  }
  return out;
}

Scenario apply_swarm(const Scenario& scenario, const SwarmDraw& draw) {
  Scenario s = scenario;
  s.seed = draw.seed;
  if (s.expect.ladder_mode == LadderMode::exact) s.expect.ladder_mode = LadderMode::exact_per_pair;
  if (!draw.bounded) return s;
  for (const auto& path : draw.paths) apply_link(s, path);
  if (s.swarm->between.empty()) {
    add_faults(s, draw, "", "");
  } else {
    for (const auto& [a, b] : s.swarm->between) add_faults(s, draw, a, b);
  }
  return s;
}

Verdict run_swarm_seed(const Scenario& scenario, std::uint64_t seed, RunOptions options, const std::string& extra_args) {
  const auto draw = draw_swarm(scenario, seed);
  options.seed = seed;
  options.live.reset();
  auto verdict = run_scenario(apply_swarm(scenario, draw), options);
  verdict.swarm_draw = draw.text();
  verdict.reproduce = fmt::format("trunklab run {} --swarm-seed {}{}{}", scenario.file, seed,
                                  extra_args.empty() ? "" : " ", extra_args);
  verdict.passed = verdict.failures.empty();
  return verdict;
}

}  // namespace trunklab::scenario
