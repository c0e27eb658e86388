// The one interface a scenario runs on. The scenario engine (engine.hpp: parties, steps; the
// judge; golden files; reports) is one code path over it, on two implementations:
// - the virtual stage (runner.cpp): the kernel's virtual clock and the simulated network, with
//   the built-in reference at "trunk";
// - the real stage (real_stage.hpp): real sockets and the real clock around a system under test,
//   with the simulated network's NAT boxes, fault rules and links emulated on the harness's own
//   sockets, so the same scenario means the same thing on both.
// Both record every datagram into one wiretap::Capture, which the judge and the reports read.
#pragma once

#include "reference/rt/address.hpp"
#include "reference/rt/random.hpp"
#include "reference/rt/time.hpp"
#include "reference/rt/transport.hpp"
#include "scenario/scenario.hpp"
#include "wiretap/capture.hpp"

#include <map>
#include <string>

namespace trunklab::scenario {

// Where each party is, by name, with the reference (or the target) as "trunk".
using AddressBook = std::map<std::string, rt::Address>;

class Stage {
public:
  virtual ~Stage() = default;

  virtual rt::Clock& clock() = 0;
  virtual rt::Timers& timers() = 0;
  // The seeded stream of a component (a party, a fault rule's dice), from the run's seed.
  virtual rt::Random& random_stream(const std::string& name) = 0;

  // The sockets of an emulated party, where the stage puts it (behind its NAT, if any): UDP
  // and TCP on its address, as one transport that sends its requests to the reference on
  // transport_of(party) and answers on the transport a request came in on. What it sends and
  // receives passes the stage's network (NAT, faults, links) and is captured.
  virtual rt::Transport& bind_party(const PartySpec& party, rt::DatagramHandler& handler) = 0;
  // A UDP socket of an emulated party for its media (RTP, RTCP), on its host and behind its NAT
  // like its SIP socket; `port` is a wish, local_address() says what it got. Null: none (the
  // port is taken, or the stage carries no media).
  virtual rt::Transport* bind_media(const PartySpec& party, std::uint16_t port, rt::DatagramHandler& handler) = 0;
  // A network step of the scenario: nat_rebind, host_down, host_up.
  virtual void network_step(const Step& step) = 0;
  // An "api" step: the built-in reference's management API, or the target's (--target-api).
  virtual ApiAnswer api_call(const ApiCall& call) = 0;

  // The reference or the target, as the parties address it.
  virtual rt::Address reference() const = 0;
  // Every party's and the reference's address as messages on this stage carry them.
  virtual const AddressBook& addresses() const = 0;
  // Real time may run a scenario faster: step times, reply delays, fault windows, link delays
  // and NAT timeouts are multiplied by it (the target's own timers are not).
  virtual double time_scale() const { return 1.0; }
  // The transport of a party whose scenario names none: UDP, or the target's (--target tcp:).
  virtual rt::TransportKind default_transport() const { return rt::TransportKind::udp; }
  rt::TransportKind transport_of(const PartySpec& party) const {
    return party.transport.value_or(default_transport());
  }

  virtual const wiretap::Capture& capture() const = 0;
  // Datagrams sent and not yet delivered or dropped.
  virtual std::size_t datagrams_in_flight() const = 0;
};

}  // namespace trunklab::scenario
