// Fault rules: an ordered chain consulted for every datagram as it enters the network. The first
// rule that matches (source, destination, time window) and whose probability roll succeeds
// decides; no match means normal delivery. Put a `pass` rule first to exempt traffic from the
// rules after it.
#pragma once

#include "reference/rt/address.hpp"
#include "reference/rt/time.hpp"

#include <optional>
#include <string>
#include <utility>

namespace trunklab::sim {

// One end of a datagram. Empty fields match anything.
struct Match {
  // A host's or a NAT's name. A host behind a NAT is matched by its own name and its NAT's, on
  // either side (a reply addressed to the NAT's public port matches the inside host's name).
  std::string host;
  // An IP address, and the port too unless it is 0. Matches private or public address.
  std::optional<rt::Address> address;
};

enum class FaultAction {
  pass,       // deliver normally, stop evaluating
  delay,      // deliver after the link's transit time plus `delay`
  drop,       // lose it
  duplicate,  // deliver it, and a copy `delay` after its own transit time
};

const char* to_string(FaultAction action);

struct FaultRule {
  std::string name;  // shows in drop reasons; names the rule's random stream ("net.fault.<name>")
  Match src;
  Match dst;
  bool both_directions = false;  // also match with src and dst swapped (a partition in one rule)
  rt::Instant active_from{};                      // active from this time...
  rt::Instant active_until = rt::Instant::max();  // ...up to, not including, this one
  double probability = 1.0;  // 1 = every match; below 1 draws from the rule's stream
  FaultAction action = FaultAction::drop;
  rt::Duration delay{0};  // `delay`: the extra delay; `duplicate`: the copy's extra delay

  // Builders, so a rule reads as one line:
  //   FaultRule::drop("loss").with_src_host("alice").with_probability(0.1)
  static FaultRule drop(std::string name) { return make(std::move(name), FaultAction::drop); }
  static FaultRule pass(std::string name) { return make(std::move(name), FaultAction::pass); }
  static FaultRule delay_by(std::string name, rt::Duration extra) {
    FaultRule r = make(std::move(name), FaultAction::delay);
    r.delay = extra;
    return r;
  }
  static FaultRule duplicate(std::string name, rt::Duration copy_after = rt::Duration{0}) {
    FaultRule r = make(std::move(name), FaultAction::duplicate);
    r.delay = copy_after;
    return r;
  }
  FaultRule& with_src_host(std::string host) { src.host = std::move(host); return *this; }
  FaultRule& with_dst_host(std::string host) { dst.host = std::move(host); return *this; }
  FaultRule& with_src_address(const rt::Address& a) { src.address = a; return *this; }
  FaultRule& with_dst_address(const rt::Address& a) { dst.address = a; return *this; }
  FaultRule& in_both_directions() { both_directions = true; return *this; }
  FaultRule& during(rt::Instant from, rt::Instant until = rt::Instant::max()) {
    active_from = from;
    active_until = until;
    return *this;
  }
  FaultRule& with_probability(double p) { probability = p; return *this; }

private:
  static FaultRule make(std::string name, FaultAction action) {
    FaultRule r;
    r.name = std::move(name);
    r.action = action;
    return r;
  }
};

}  // namespace trunklab::sim
