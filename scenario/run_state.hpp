// Internal to the scenario runner: what the virtual-time simulation (runner.cpp) and the
// real-time run against a target (live_run.cpp) share: the state the judge reads, the
// emulated parties' configuration and steps, addresses and raw-message placeholders.
#pragma once

#include "reference/element/reference_server.hpp"
#include "reference/observe/call_stats.hpp"
#include "agents/user_agent.hpp"
#include "wiretap/capture.hpp"
#include "scenario/runner.hpp"
#include "scenario/stage.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace trunklab::scenario::detail {

// What the judge reads besides the wire: the reference (null against a target) and the parties.
class RunState {
public:
  virtual ~RunState() = default;
  virtual const element::ReferenceServer* server() const = 0;
  virtual const agents::UserAgent* agent(const std::string& name) const = 0;
  virtual bool real_time() const { return false; }
  // The reference's call detail records (none against a target: the target keeps its own).
  virtual const std::vector<trunk::CallRecord>* call_records() const { return nullptr; }
  // The reference's call statistics for its metrics (none against a target).
  virtual const observe::CallStats* call_stats() const { return nullptr; }
  // Times on the wire are the scenario's times multiplied by this (real time may run faster).
  virtual double time_scale() const { return 1.0; }
  // How far a measured span may miss a `within` bound: nothing in virtual time; in real time
  // the harness's and the target's timers fire a few milliseconds apart.
  virtual rt::Duration timing_tolerance() const { return rt::Duration{0}; }
  // An expected header value or body part, with the scenario's addresses as the run has them.
  virtual std::string expected_text(const std::string& text) const { return text; }
  // The parties' clock at the capture's zero: the virtual epoch, or the instant a real run
  // started (what the parties measure, e.g. a stream's first packet, is on their clock).
  virtual rt::Instant clock_origin() const { return rt::Instant{}; }
  // Steps that themselves went wrong ("api" steps answered with another status).
  virtual std::vector<std::string> step_failures() const { return {}; }
};

// The emulated party of a scenario party, pointed at `reference` (the built-in reference or a
// target), sending its requests on `transport`. Reply delays are multiplied by `time_scale`
// (real-time runs may shorten them).
agents::UserAgentConfig party_config(const Scenario& scenario, const PartySpec& party,
                                  const rt::Address& reference, double time_scale, rt::TransportKind transport);
// A step that acts on an emulated party (not on the network). Returns whether it placed a call.
bool apply_party_step(agents::UserAgent& agent, const Step& step, const PartySpec& party,
                      const rt::Address& reference);

// The scenario's addresses in virtual time, the real sockets against a target (stage.hpp).
using scenario::AddressBook;
AddressBook scenario_addresses(const Scenario& scenario);
// A raw-message step's text with its placeholders filled from `book`; `counter` makes branch
// and Call-ID fresh per message.
std::string expand_raw(const Scenario& scenario, const Step& step, const AddressBook& book, std::uint64_t counter);
// An expected value written with the scenario's addresses, rewritten for where the parties
// really are: "10.0.0.2:5060" becomes the party's socket, "received=10.0.0.2;rport=5060" its
// IP and port, and a lone "10.0.0.2" its IP.
std::string translate_addresses(std::string text, const AddressBook& from, const AddressBook& to);

// Judges a run from its capture and state; fills the verdict's lines, ladder and pcap as asked.
Verdict judge_run(const Scenario& scenario, const RunOptions& options, const RunState& state,
                  const wiretap::Capture& capture, Verdict verdict);
// The scenario against options.live's target, in real time (live_run.cpp).
Verdict run_live(const Scenario& scenario, const RunOptions& options, Verdict verdict);

}  // namespace trunklab::scenario::detail
