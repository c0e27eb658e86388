#include "sim/net/fault_chain.hpp"

namespace trunklab::sim {
namespace {

bool same_endpoint(const rt::Address& wanted, const rt::Address& actual) {
  return wanted.with_port(0) == actual.with_port(0) &&
         (wanted.port() == 0 || wanted.port() == actual.port());
}

// A host behind a NAT is matched by its own name and its NAT's, by private or public address.
bool matches(const Match& m, const Endpoint& e) {
  if (!m.host.empty() && m.host != e.host && m.host != e.nat) return false;
  return !m.address || same_endpoint(*m.address, e.inner) || same_endpoint(*m.address, e.outer);
}

}  // namespace

void FaultChain::add(FaultRule rule, RandomStreams& random) {
  const std::string stream =
      "net.fault." + (rule.name.empty() ? "#" + std::to_string(faults_.size()) : rule.name);
  faults_.push_back(Entry{std::move(rule), &random.stream(stream)});
}

bool FaultChain::remove(std::string_view name) {
  return std::erase_if(faults_, [&](const Entry& f) { return f.rule.name == name; }) > 0;
}

const FaultRule* FaultChain::first_match(const Endpoint& src, const Endpoint& dst, rt::Instant now) {
  for (const Entry& f : faults_) {
    const FaultRule& r = f.rule;
    if (now < r.active_from || now >= r.active_until) continue;
    const bool hit = (matches(r.src, src) && matches(r.dst, dst)) ||
                     (r.both_directions && matches(r.src, dst) && matches(r.dst, src));
    if (hit && chance(*f.dice, r.probability)) return &f.rule;
  }
  return nullptr;
}

rt::Duration link_transit(rt::Duration latency, rt::Duration jitter, rt::Random& jitter_dice) {
  if (jitter.count() <= 0) return latency;
  const auto span = static_cast<std::uint64_t>(jitter.count()) + 1;
  return latency + rt::Duration{static_cast<std::int64_t>(uniform_below(jitter_dice, span))};
}

}  // namespace trunklab::sim
