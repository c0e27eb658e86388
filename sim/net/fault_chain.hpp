// The fault chain: FaultRules in order, each with its own seeded stream, matched against the
// two ends of a datagram. The simulated network consults it for every datagram it carries; the
// real stage (scenario/real_stage) for every datagram an emulated party sends or is sent, so
// one rule means the same on both stages.
#pragma once

#include "reference/rt/address.hpp"
#include "reference/rt/random.hpp"
#include "reference/rt/time.hpp"
#include "sim/kernel/random_streams.hpp"
#include "sim/net/fault.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace trunklab::sim {

// One end of a datagram as the rules see it: the host, the NAT it sits behind, and its
// address inside and outside that NAT (the same without a NAT).
struct Endpoint {
  std::string_view host;  // "" = no host known at this address
  std::string_view nat;   // "" = not behind a NAT
  rt::Address inner;
  rt::Address outer;
};

class FaultChain {
public:
  // Appends a rule; its dice are the stream "net.fault.<name>" (unnamed: "net.fault.#<index>").
  void add(FaultRule rule, RandomStreams& random);
  bool remove(std::string_view name);
  void clear() { faults_.clear(); }
  bool empty() const { return faults_.empty(); }

  // The first rule active at `now` that matches (src, dst), or (both_directions) (dst, src),
  // and whose probability roll succeeds; null = deliver normally. Only matching rules roll, so
  // a rule's stream depends on its own traffic alone.
  const FaultRule* first_match(const Endpoint& src, const Endpoint& dst, rt::Instant now);

private:
  struct Entry {
    FaultRule rule;
    rt::Random* dice;
  };
  std::vector<Entry> faults_;
};

// A link's one-way transit: latency plus a uniform draw in [0, jitter] from `jitter_dice`.
rt::Duration link_transit(rt::Duration latency, rt::Duration jitter, rt::Random& jitter_dice);

}  // namespace trunklab::sim
