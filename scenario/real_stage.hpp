// The real stage: the scenario's emulated parties on real UDP sockets around a system under
// test, in real time. What the simulated network does to a party's datagrams is emulated here,
// on the harness's own sockets, from the same scenario rules and seeded streams:
// - NAT: a party behind a NAT box talks from its private (scenario) address; its datagrams
//   leave from a real socket per public mapping of an emulated sim::Nat (port-restricted cone,
//   idle timeout, rebinding), so a rebinding moves it to a new socket and port, an expired
//   mapping no longer delivers, and the filter applies to what reaches the party. The capture
//   has both sides, as in virtual time (view `sent` with the private source, `nat_translated`
//   with the public one).
// - Faults and links: the fault chain (sim::FaultChain) decides drop / delay / duplicate for
//   every datagram a party sends or is sent, and link latency and jitter delay it, in
//   scenario time (real time / time_scale). Host up/down steps stop a party's traffic; "trunk"
//   down cuts the target off from every party.
// - Media: each media port of a party is one more edge of it (real_stage_media.cpp), so RTP
//   and RTCP take the same path: a real socket of its own, or a private port behind the NAT
//   with a real socket per public mapping. A datagram to a scenario's private address is
//   dropped as unroutable, never sent.
// Datagrams from one party to another are faulted once, on the sender's side.
#pragma once

#include "reference/realtime/clock.hpp"
#include "reference/realtime/event_loop.hpp"
#include "reference/realtime/tcp_transport.hpp"
#include "reference/realtime/udp_transport.hpp"
#include "scenario/runner.hpp"
#include "scenario/stage.hpp"
#include "sim/kernel/random_streams.hpp"
#include "sim/net/fault_chain.hpp"
#include "sim/net/nat.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace trunklab::scenario {

class RealStage final : public Stage {
public:
  // `seed` draws the parties' identifiers (fresh per run against a target by default);
  // `network_seed` the network's dice: fault rules and link jitter, the scenario's seed.
  RealStage(const Scenario& scenario, const LiveOptions& live, std::uint64_t seed, std::uint64_t network_seed);
  ~RealStage() override;

  // Binds the sockets of the parties not behind a NAT (theirs are opened per mapping); an error
  // names the party and the address. Starts the run's clock.
  std::optional<std::string> open();

  rt::Clock& clock() override { return clock_; }
  rt::Timers& timers() override { return loop_; }
  rt::Random& random_stream(const std::string& name) override { return random_.stream(name); }
  rt::Transport& bind_party(const PartySpec& party, rt::DatagramHandler& handler) override;
  // A real UDP socket on the party's bind IP (the wished port if free, else any), or behind a
  // NAT the private address at the wished port, its datagrams through the same emulation as
  // SIP (real_stage_media.cpp). Null once kMaxMediaSockets are open (media_refused() counts).
  rt::Transport* bind_media(const PartySpec& party, std::uint16_t port, rt::DatagramHandler& handler) override;
  void network_step(const Step& step) override;
  ApiAnswer api_call(const ApiCall& call) override;
  rt::Address reference() const override { return live_.target; }
  const AddressBook& addresses() const override { return book_; }
  double time_scale() const override { return live_.time_scale; }
  rt::TransportKind default_transport() const override { return live_.target_transport; }
  const wiretap::Capture& capture() const override { return capture_; }
  std::size_t datagrams_in_flight() const override { return in_flight_; }

  realtime::EventLoop& loop() { return loop_; }
  // Time since open().
  rt::Duration elapsed() const { return clock_.now() - start_; }
  rt::Instant started_at() const { return start_; }
  rt::Instant last_datagram() const { return last_datagram_; }
  // Every datagram recorded goes through here too (caps, live capture's bookkeeping).
  void set_on_record(std::function<void()> on_record) { on_record_ = std::move(on_record); }
  // With live capture (libpcap records instead), the stage records nothing itself.
  void set_recording(bool on) { recording_ = on; }
  // A datagram as libpcap saw it, named like the stage's own records.
  void record_seen(rt::Instant since_start, const rt::Address& src, const rt::Address& dst, std::string_view bytes);
  // The scenario's address -> real address pairs the run created: the parties, the target,
  // and every NAT mapping (198.51.100.1:20000 -> 127.0.0.1:40123) with its rport.
  std::string expected_text(const std::string& scenario_text) const;

  // One fd each: a run's media sockets (RTP, RTCP, asymmetric sources of every party and call)
  // stay well below a process's usual 1024 descriptors.
  static constexpr std::size_t kMaxMediaSockets = 512;
  // Media sockets asked for past kMaxMediaSockets: their calls went without RTP.
  std::size_t media_refused() const { return media_refused_; }
  // Records of media sockets in the capture (limits.messages counts the others).
  std::size_t media_records() const { return media_records_; }

private:
  struct PartyEdge;
  struct PartyTransport;
  struct PublicSocket;

  rt::Instant scenario_now() const;
  void send_from(PartyEdge& party, const rt::Address& to, std::string_view bytes);
  void on_real_datagram(PartyEdge& party, PublicSocket* via, const rt::Address& local, const rt::Address& remote,
                        std::string_view bytes);
  void deliver(PartyEdge& party, PublicSocket* via, const rt::Address& remote, const std::string& bytes,
               wiretap::Capture::RecordIndex record);
  PublicSocket* public_socket(PartyEdge& party, const rt::Address& scenario_public);
  // Why a party's datagram to `to` cannot leave: a private address behind an emulated NAT (as
  // the simulated network says), or a NAT's scenario public address (its mappings are real
  // sockets); nothing is sent to an address the scenario made up.
  std::optional<std::string> unroutable(const PartyEdge& from, const rt::Address& to) const;
  sim::Endpoint endpoint_of(const rt::Address& real) const;
  sim::Endpoint endpoint_of(const PartyEdge& party) const;
  rt::Duration transit(const sim::Endpoint& src, const sim::Endpoint& dst);
  // Runs `deliver` after the fault chain's and the link's say; returns false if dropped.
  void through_network(const sim::Endpoint& src, const sim::Endpoint& dst, wiretap::Capture::RecordIndex record,
                       const std::function<void(wiretap::Capture::RecordIndex)>& deliver);
  wiretap::Capture::RecordIndex record(const rt::Address& src, const rt::Address& dst, std::string_view bytes,
                                       wiretap::CaptureView view = wiretap::CaptureView::sent,
                                       const std::string& src_name = {}, const std::string& dst_name = {},
                                       rt::TransportKind transport = rt::TransportKind::udp);
  std::optional<std::string> open_tcp(PartyEdge& edge);
  wiretap::WireId record_tcp(const PartyEdge& party, const wiretap::WireEvent& event);
  // record() of a datagram of `party`'s, counted in media_records() for a media socket.
  wiretap::Capture::RecordIndex record_of(const PartyEdge& party, const rt::Address& src, const rt::Address& dst,
                                          std::string_view bytes, wiretap::CaptureView view,
                                          const std::string& src_name, const std::string& dst_name);
  void drop(wiretap::Capture::RecordIndex record, const std::string& reason);
  wiretap::WireId report(rt::Instant at, const rt::Address& src, const rt::Address& dst, std::string_view bytes,
                         wiretap::CaptureView view, const std::string& src_name, const std::string& dst_name,
                         rt::TransportKind transport);
  wiretap::Observer& wiretap() { return capture_; }
  std::string name_of(const rt::Address& real) const;
  bool is_down(std::string_view name) const { return down_.contains(std::string(name)); }

  const Scenario& scenario_;
  const LiveOptions& live_;
  realtime::EventLoop loop_;
  realtime::SystemClock clock_;
  sim::RandomStreams random_;
  sim::RandomStreams network_random_;
  wiretap::Capture capture_;
  bool recording_ = true;
  std::function<void()> on_record_;
  rt::Instant start_{};
  rt::Instant last_datagram_{};
  AddressBook book_;           // real addresses, the target as "trunk"
  AddressBook scenario_book_;  // the scenario's
  std::map<rt::Address, std::string> names_;
  std::map<std::string, std::unique_ptr<PartyEdge>> parties_;  // their SIP sockets
  std::vector<std::unique_ptr<PartyEdge>> media_;               // their media sockets
  std::map<rt::Address, PartyEdge*> edge_at_;  // by real socket (public mappings too) or private address
  std::size_t media_refused_ = 0;
  std::size_t media_records_ = 0;
  std::map<std::string, sim::Nat> nats_;
  std::vector<std::pair<rt::Address, rt::Address>> mapped_;  // scenario public -> real socket
  sim::FaultChain faults_;
  struct LinkEntry {
    sim::Link link;
    rt::Random* jitter;
  };
  std::map<std::pair<std::string, std::string>, LinkEntry> links_;  // (min name, max name)
  LinkEntry default_link_;
  std::set<std::string> down_;
  std::size_t in_flight_ = 0;
};

}  // namespace trunklab::scenario
