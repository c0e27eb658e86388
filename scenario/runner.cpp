#include "scenario/runner.hpp"

#include "scenario/engine.hpp"
#include "scenario/run_state.hpp"
#include "scenario/stage.hpp"

#include "reference/api/management_api.hpp"
#include "reference/element/reference_server.hpp"
#include "reference/element/transports.hpp"
#include "reference/rt/transport_pair.hpp"
#include "reference/registrar/store.hpp"
#include "agents/user_agent.hpp"
#include "sim/kernel/world.hpp"
#include "sim/net/tcp.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>

namespace trunklab::scenario {

namespace {

using detail::RunState;

// Forwards the reference host's datagrams to the server, which needs its transport before it
// exists (the server is built on the socket this handler is bound to).
struct Forwarder final : rt::DatagramHandler {
  rt::DatagramHandler* target = nullptr;
  void on_datagram(const rt::Address& local, const rt::Address& remote, std::string_view bytes) override {
    if (target) target->on_datagram(local, remote, bytes);
  }
  void on_oversized(const rt::Address& local, const rt::Address& remote, std::string_view head) override {
    if (target) target->on_oversized(local, remote, head);
  }
  void on_unreachable(const rt::Address& local, const rt::Address& remote) override {
    if (target) target->on_unreachable(local, remote);
  }
};

// A host's UDP and TCP sockets on one port, as one transport (RFC 3261 §18).
struct DualSocket {
  DualSocket(sim::Host& host, std::uint16_t port, rt::DatagramHandler& handler)
      : udp(host.bind(port, handler)), tcp(host.bind_tcp(port, handler)), pair(udp, tcp) {}
  rt::Transport& udp;
  sim::TcpSocket& tcp;
  rt::TransportPair pair;
};

// The virtual stage: the World's clock, timers and network, with the built-in reference at
// "trunk" (the reference is part of the stage: against a target, the target is).
class VirtualStage final : public Stage {
public:
  VirtualStage(const Scenario& scenario, std::uint64_t seed)
      : scenario_(scenario), world_(seed), book_(detail::scenario_addresses(scenario)) {
    build_network();
    build_reference();
  }

  rt::Clock& clock() override { return world_.clock(); }
  rt::Timers& timers() override { return world_.timers(); }
  rt::Random& random_stream(const std::string& name) override { return world_.random_stream(name); }
  rt::Transport& bind_party(const PartySpec& party, rt::DatagramHandler& handler) override {
    auto* host = world_.network().find_host(party.name);
    auto& socket = *party_sockets_.emplace_back(std::make_unique<DualSocket>(*host, party.address->port(), handler));
    if (transport_of(party) == rt::TransportKind::tcp) socket.pair.prefer_tcp(scenario_.reference_address);
    return socket.pair;
  }
  rt::Transport* bind_media(const PartySpec& party, std::uint16_t port, rt::DatagramHandler& handler) override {
    auto* host = world_.network().find_host(party.name);
    if (!host || host->socket(port)) return nullptr;
    return &host->bind(port, handler);
  }
  void network_step(const Step& step) override {
    auto& net = world_.network();
    switch (step.action) {
      case Action::nat_rebind: net.rebind_nat_at(*net.find_nat(step.party), world_.now()); return;
      case Action::host_down: net.find_host(step.party)->set_up(false); return;
      case Action::host_up: net.find_host(step.party)->set_up(true); return;
      default: return;
    }
  }
  // The built-in reference's management API, as serve's: a change applies to new calls at once.
  ApiAnswer api_call(const ApiCall& call) override {
    if (!api_) {
      api_ = std::make_unique<api::ManagementApi>(config::to_json(server_->config()), kApiToken,
                                                  [this](const config::Config& c, const nlohmann::json&) { server_->apply_config(c); });
    }
    auto response = api_->handle({call.method, call.path, {}, {{"authorization", std::string("Bearer ") + kApiToken}}, call.body});
    return {response.status, response.body, {}};
  }
  rt::Address reference() const override { return scenario_.reference_address; }
  const AddressBook& addresses() const override { return book_; }
  const wiretap::Capture& capture() const override { return world_.capture(); }
  std::size_t datagrams_in_flight() const override { return world_.network().datagrams_in_flight(); }

  sim::World& world() { return world_; }
  const element::ReferenceServer& server() const { return *server_; }
  const std::vector<trunk::CallRecord>& call_records() const { return call_records_; }
  const observe::CallStats& call_stats() const { return call_stats_; }

private:
  void build_network() {
    auto& net = world_.network();
    net.set_default_link(scenario_.default_link);
    for (const auto& nat : scenario_.nats) net.add_nat(nat.name, *nat.public_ip, nat.idle_timeout);
    reference_host_ = &net.add_host(kReferenceName, scenario_.reference_address.with_port(0));
    for (const auto& party : scenario_.parties) {
      if (!party.on_wire()) continue;
      auto ip = party.address->with_port(0);
      if (party.behind.empty()) {
        net.add_host(party.name, ip);
      } else {
        net.add_host_behind(*net.find_nat(party.behind), party.name, ip);
      }
    }
    for (const auto& link : scenario_.links) net.set_link(link.a, link.b, link.link);
    for (const auto& fault : scenario_.faults) net.add_fault(fault);
  }

  void build_reference() {
    reference_socket_ = std::make_unique<DualSocket>(*reference_host_, scenario_.reference_address.port(), forwarder_);
    element::prefer_configured_transports(reference_socket_->pair, scenario_.reference);
    server_ = std::make_unique<element::ReferenceServer>(
        scenario_.reference, world_.clock(), world_.timers(), reference_socket_->pair,
        world_.random_stream(kReferenceName), store_);
    forwarder_.target = &server_->datagram_handler();
    server_->set_media_ports([this](std::uint16_t port, rt::DatagramHandler& handler) -> rt::Transport* {
      if (reference_host_->socket(port)) return nullptr;
      return &reference_host_->bind(port, handler);
    });
    server_->add_call_record_sink([this](const trunk::CallRecord& r) { call_records_.push_back(r); });
    server_->add_call_record_sink([this](const trunk::CallRecord& r) { call_stats_.add(r, server_->config()); });
    server_->start();
  }

  const Scenario& scenario_;
  sim::World world_;
  AddressBook book_;
  registrar::MemoryStore store_;
  Forwarder forwarder_;
  sim::Host* reference_host_ = nullptr;
  std::unique_ptr<DualSocket> reference_socket_;
  std::vector<std::unique_ptr<DualSocket>> party_sockets_;
  std::unique_ptr<element::ReferenceServer> server_;
  static constexpr const char* kApiToken = "scenario";
  std::unique_ptr<api::ManagementApi> api_;
  std::vector<trunk::CallRecord> call_records_;  // as many as calls: bounded by limits.messages
  observe::CallStats call_stats_;
};

// A virtual-time run: the engine on the virtual stage, run to run_until or idle within the caps.
class Simulation final : public RunState {
public:
  Simulation(const Scenario& scenario, std::uint64_t seed)
      : scenario_(scenario), stage_(scenario, seed), engine_(scenario, stage_) {
    engine_.start();
  }

  // Runs to run_until, or until idle, within the caps; returns the cap reached ("" = none)
  // and, in `why`, what it was and what the run was doing.
  std::string run(const Limits& limits, std::string& why) {
    auto& world = stage_.world();
    const bool until_idle = !scenario_.run_until;
    const rt::Duration wanted = scenario_.run_until.value_or(limits.virtual_time);
    const auto deadline = rt::Instant{std::min(wanted, limits.virtual_time)};
    std::string cap;
    const auto& net = world.network();
    const auto& capture = world.capture();
    world.scheduler().set_stop_check([&] {
      const auto media = engine_.media_packets_sent();
      if (net.stats().sent - media > limits.messages) {
        cap = "messages";
      } else if (media > limits.media_packets) {
        cap = "media_packets";
      } else if (capture.pcap_size() > limits.output_bytes) {
        cap = "output_bytes";
      }
      return !cap.empty() || (until_idle && busy_with().empty());
    });
    auto result = world.scheduler().run_until(deadline, limits.events);
    world.scheduler().set_stop_check(nullptr);
    const auto doing = busy_with();
    const auto at = config::format_duration(world.now().time_since_epoch());
    if (cap == "messages") {
      why = fmt::format("limits.messages: the parties sent more than {} messages by {}", limits.messages, at);
    } else if (cap == "media_packets") {
      why = fmt::format("limits.media_packets: the parties sent more than {} RTP/RTCP packets by {}", limits.media_packets, at);
    } else if (cap == "output_bytes") {
      why = fmt::format("limits.output_bytes: the capture grew past {} bytes by {}", limits.output_bytes, at);
    } else if (result.reason == sim::StopReason::event_limit) {
      cap = "events";
      why = fmt::format("limits.events: {} events executed by {} with more due", limits.events, at);
    } else if (result.reason == sim::StopReason::reached_time &&
               (until_idle ? world.scheduler().pending_events() > 0 : wanted > limits.virtual_time)) {
      cap = "virtual_time";
      why = fmt::format("limits.virtual_time: the run reached {} {}", config::format_duration(limits.virtual_time),
                        until_idle ? "without becoming idle" : "before run_until " + config::format_duration(wanted));
    }
    if (!cap.empty() && !doing.empty()) why += " (still open: " + doing + ")";
    return cap;
  }

  // What keeps the run from being idle, "" when it is (see run_scenario in runner.hpp).
  std::string busy_with() const {
    if (const auto left = engine_.steps_left(); left > 0) return fmt::format("{} step(s) to come", left);
    if (const auto flying = stage_.datagrams_in_flight(); flying > 0) return fmt::format("{} datagram(s) on the wire", flying);
    if (const auto calls = stage_.server().trunk().live_calls(); calls > 0) return fmt::format("{} call(s) in the trunk", calls);
    const auto parties = engine_.busy_parties();
    return parties.empty() ? "" : "transactions or calls of " + parties;
  }

  sim::World& world() { return stage_.world(); }
  const element::ReferenceServer* server() const override { return &stage_.server(); }
  const std::vector<trunk::CallRecord>* call_records() const override { return &stage_.call_records(); }
  const observe::CallStats* call_stats() const override { return &stage_.call_stats(); }
  const agents::UserAgent* agent(const std::string& name) const override { return engine_.agent(name); }
  std::uint64_t calls_started() const { return engine_.calls_started(); }
  std::vector<std::string> step_failures() const override { return engine_.step_failures(); }

private:
  const Scenario& scenario_;
  VirtualStage stage_;
  Engine engine_;
};

}  // namespace

Limits LimitOverrides::applied_to(Limits limits) const {
  if (virtual_time) limits.virtual_time = *virtual_time;
  if (events) limits.events = *events;
  if (messages) limits.messages = *messages;
  if (output_bytes) limits.output_bytes = *output_bytes;
  if (media_packets) limits.media_packets = *media_packets;
  return limits;
}

Verdict run_scenario(const Scenario& scenario, const RunOptions& options) {
  Verdict verdict;
  verdict.name = scenario.name;
  verdict.file = scenario.file;
  verdict.seed = options.seed.value_or(scenario.seed);
  if (options.live) return detail::run_live(scenario, options, std::move(verdict));
  std::unique_ptr<Simulation> sim;
  try {
    sim = std::make_unique<Simulation>(scenario, verdict.seed);
  } catch (const std::invalid_argument& e) {
    verdict.failures.push_back(fmt::format("topology refused by the network: {}", e.what()));
    return verdict;
  }
  std::string why;
  verdict.limit = sim->run(options.limits.applied_to(scenario.limits), why);
  if (!verdict.limit.empty()) verdict.failures.push_back("limit reached: " + why);
  verdict.virtual_duration = sim->world().now().time_since_epoch();
  verdict.calls_started = sim->calls_started();
  return detail::judge_run(scenario, options, *sim, sim->world().capture(), std::move(verdict));
}

}  // namespace trunklab::scenario
