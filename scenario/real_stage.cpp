#include "scenario/real_stage.hpp"
#include "scenario/real_stage_edge.hpp"

#include "scenario/engine.hpp"
#include "scenario/run_state.hpp"

#include <fmt/format.h>

namespace trunklab::scenario {

rt::Address RealStage::PartyTransport::local_address() const { return party.local; }
void RealStage::PartyTransport::send(const rt::Address& to, std::string_view bytes) {
  stage.send_from(party, to, bytes);
}

RealStage::RealStage(const Scenario& scenario, const LiveOptions& live, std::uint64_t seed, std::uint64_t network_seed)
    : scenario_(scenario), live_(live), random_(seed), network_random_(network_seed),
      scenario_book_(detail::scenario_addresses(scenario)),
      default_link_{scenario.default_link, &network_random_.stream("net.link.default")} {
  book_[kReferenceName] = live.target;
  names_[live.target] = kReferenceName;
  for (const auto& nat : scenario.nats) nats_.emplace(nat.name, sim::Nat(nat.name, *nat.public_ip, nat.idle_timeout));
  for (const auto& fault : scenario.faults) faults_.add(fault, network_random_);
  for (const auto& l : scenario.links) {
    const auto& [a, b] = std::minmax(l.a, l.b);
    links_[{a, b}] = LinkEntry{l.link, &network_random_.stream("net.link." + a + "|" + b)};
  }
}

RealStage::~RealStage() = default;

std::optional<std::string> RealStage::open() {
  start_ = clock_.now();
  last_datagram_ = start_;
  for (const auto& party : scenario_.parties) {
    if (!party.on_wire()) continue;
    auto edge = std::make_unique<PartyEdge>(*this, party);
    const auto real = live_address(scenario_, live_, party.name);
    edge->scenario_address = *party.address;
    edge->bind_ip = real.with_port(0);
    if (!party.behind.empty()) {
      if (transport_of(party) == rt::TransportKind::tcp) {
        return fmt::format("party {} is behind NAT {}: NAT boxes are emulated for UDP only, so it cannot use TCP "
                           "(run this scenario with a udp: target)", party.name, party.behind);
      }
      edge->nat = &nats_.at(party.behind);
      edge->local = *party.address;
    } else {
      auto opened = realtime::UdpTransport::open(loop_, real);
      if (auto* error = std::get_if<std::string>(&opened)) return fmt::format("party {}: {}", party.name, *error);
      edge->udp = std::move(std::get<0>(opened));
      edge->udp->set_handler(edge.get());
      edge->local = edge->udp->local_address();
      if (auto error = open_tcp(*edge)) return fmt::format("party {}: {}", party.name, *error);
    }
    names_[edge->local] = party.name;
    edge_at_[edge->local] = edge.get();
    book_[party.name] = edge->local;
    parties_.emplace(party.name, std::move(edge));
  }
  return std::nullopt;
}

// The party's TCP socket, on its UDP port. Its connections are the kernel's: the fault rules,
// links and NAT boxes of the scenario apply to UDP (a TCP party sits on no NAT), and what it
// sends and receives is recorded as the transport reports it.
std::optional<std::string> RealStage::open_tcp(PartyEdge& edge) {
  auto opened = realtime::TcpTransport::open(loop_, edge.local);
  if (auto* error = std::get_if<std::string>(&opened)) return *error;
  edge.tcp = std::move(std::get<0>(opened));
  edge.tcp->set_observer(&edge, clock_);
  edge.pair = std::make_unique<rt::TransportPair>(edge.transport, *edge.tcp);
  if (transport_of(edge.spec) == rt::TransportKind::tcp) edge.pair->prefer_tcp(live_.target);
  return std::nullopt;
}

rt::Transport& RealStage::bind_party(const PartySpec& party, rt::DatagramHandler& handler) {
  auto& edge = *parties_.at(party.name);
  edge.handler = &handler;
  if (edge.tcp) edge.tcp->set_handler(&handler);
  return edge.pair ? static_cast<rt::Transport&>(*edge.pair) : edge.transport;
}

// A TCP party talks to the target only: a connection's far end that is no party is "trunk".
wiretap::WireId RealStage::record_tcp(const PartyEdge& party, const wiretap::WireEvent& event) {
  const bool sent = event.direction == wiretap::Direction::sent;
  const auto far = name_of(sent ? event.dst : event.src);
  const std::string other = far.empty() ? std::string(kReferenceName) : far;
  return record(event.src, event.dst, event.bytes, wiretap::CaptureView::sent, sent ? party.spec.name : other,
                sent ? other : party.spec.name, rt::TransportKind::tcp);
}

void RealStage::network_step(const Step& step) {
  switch (step.action) {
    case Action::nat_rebind: nats_.at(step.party).rebind(); return;
    case Action::host_down: down_.insert(step.party); return;
    case Action::host_up: down_.erase(step.party); return;
    default: return;
  }
}

// The body's {{party}} placeholders were expanded with this stage's real addresses.
ApiAnswer RealStage::api_call(const ApiCall& call) {
  if (!live_.api) return {0, {}, "the target's management API is not known (run --target-api URL --target-api-token TOKEN)"};
  return live_.api(call);
}

rt::Instant RealStage::scenario_now() const {
  const auto real = clock_.now() - start_;
  if (live_.time_scale == 1.0) return rt::Instant{real};
  return rt::Instant{rt::Duration{static_cast<std::int64_t>(static_cast<double>(real.count()) / live_.time_scale)}};
}

std::string RealStage::name_of(const rt::Address& real) const {
  auto it = names_.find(real);
  return it == names_.end() ? std::string{} : it->second;
}

sim::Endpoint RealStage::endpoint_of(const PartyEdge& party) const {
  sim::Endpoint e{party.spec.name, party.spec.behind, party.scenario_address, party.scenario_address};
  if (party.nat) {
    if (auto pub = party.nat->public_address_of(party.scenario_address, scenario_now())) e.outer = *pub;
  }
  return e;
}

sim::Endpoint RealStage::endpoint_of(const rt::Address& real) const {
  if (auto it = edge_at_.find(real); it != edge_at_.end()) return endpoint_of(*it->second);
  const auto name = name_of(real);
  if (auto it = parties_.find(name); it != parties_.end()) return endpoint_of(*it->second);
  if (name == kReferenceName) {
    return sim::Endpoint{kReferenceName, {}, scenario_.reference_address, scenario_.reference_address};
  }
  return sim::Endpoint{{}, {}, real, real};
}

// The most specific link first, as the simulated network picks it: the hosts themselves, then
// the NATs they sit behind; else the default link.
rt::Duration RealStage::transit(const sim::Endpoint& src, const sim::Endpoint& dst) {
  LinkEntry* entry = &default_link_;
  for (auto s : {src.host, src.nat}) {
    for (auto d : {dst.host, dst.nat}) {
      if (s.empty() || d.empty() || entry != &default_link_) continue;
      const auto& [a, b] = std::minmax(std::string(s), std::string(d));
      if (auto it = links_.find({a, b}); it != links_.end()) entry = &it->second;
    }
  }
  return scaled(sim::link_transit(entry->link.latency, entry->link.jitter, *entry->jitter), live_.time_scale);
}

void RealStage::through_network(const sim::Endpoint& src, const sim::Endpoint& dst,
                                wiretap::Capture::RecordIndex sent,
                                const std::function<void(wiretap::Capture::RecordIndex)>& deliver) {
  const sim::FaultRule* fault = faults_.first_match(src, dst, scenario_now());
  const auto action = fault ? fault->action : sim::FaultAction::pass;
  if (action == sim::FaultAction::drop) return drop(sent, "fault rule '" + fault->name + "'");
  auto after = transit(src, dst);
  auto schedule = [this, deliver](rt::Duration delay, wiretap::Capture::RecordIndex record) {
    ++in_flight_;
    loop_.start_timer(delay, [this, deliver, record] {
      --in_flight_;
      deliver(record);
    });
  };
  if (action == sim::FaultAction::delay) after += scaled(fault->delay, live_.time_scale);
  schedule(after, sent);
  if (action == sim::FaultAction::duplicate) {
    auto copy = wiretap::Capture::kNoRecord;
    if (sent != wiretap::Capture::kNoRecord) {
      auto r = capture_.records()[sent];
      r.duplicate = true;
      copy = capture_.record(std::move(r));
    }
    schedule(after + scaled(fault->delay, live_.time_scale), copy);
  }
}

RealStage::PublicSocket* RealStage::public_socket(PartyEdge& party, const rt::Address& scenario_public) {
  auto& slot = party.publics[scenario_public.port()];
  if (slot) return slot.get();
  auto opened = realtime::UdpTransport::open(loop_, party.bind_ip);
  if (std::holds_alternative<std::string>(opened)) {
    party.publics.erase(scenario_public.port());
    return nullptr;
  }
  auto socket = std::make_unique<PublicSocket>(*this, party, scenario_public);
  socket->udp = std::move(std::get<0>(opened));
  socket->udp->set_handler(socket.get());
  names_[socket->udp->local_address()] = party.spec.name;
  edge_at_[socket->udp->local_address()] = &party;
  mapped_.emplace_back(scenario_public, socket->udp->local_address());
  slot = std::move(socket);
  return slot.get();
}

void RealStage::send_from(PartyEdge& party, const rt::Address& to, std::string_view bytes) {
  const std::string& name = party.spec.name;
  const auto sent = record_of(party, party.local, to, bytes, wiretap::CaptureView::sent, name, name_of(to));
  if (is_down(name)) return drop(sent, "host " + name + " down");
  if (auto why = unroutable(party, to)) return drop(sent, *why);
  rt::Transport* out = party.udp.get();
  if (party.nat) {
    auto pub = party.nat->translate_outbound(party.scenario_address, to, scenario_now());
    if (!pub) return drop(sent, "nat " + party.spec.behind + ": public ports exhausted");
    auto* socket = public_socket(party, *pub);
    if (!socket) return drop(sent, fmt::format("nat {}: no socket for the mapping {}", party.spec.behind, pub->to_string()));
    record_of(party, socket->udp->local_address(), to, bytes, wiretap::CaptureView::nat_translated, name, name_of(to));
    out = socket->udp.get();
  }
  const auto dst = endpoint_of(to);
  const std::string dst_name(dst.host);
  through_network(endpoint_of(party), dst, sent, [this, out, to, dst_name, copy = std::string(bytes)](auto record) {
    if (is_down(dst_name)) return drop(record, "host " + dst_name + " down");
    out->send(to, copy);
  });
}

void RealStage::on_real_datagram(PartyEdge& party, PublicSocket* via, const rt::Address& local,
                                 const rt::Address& remote, std::string_view bytes) {
  const auto from = name_of(remote);
  if (!from.empty() && from != kReferenceName) {
    // From another emulated party: recorded and faulted on its side already.
    deliver(party, via, remote, std::string(bytes), wiretap::Capture::kNoRecord);
    return;
  }
  const auto sent = record_of(party, remote, local, bytes, wiretap::CaptureView::sent, from, party.spec.name);
  through_network(endpoint_of(remote), endpoint_of(party), sent,
                  [this, &party, via, remote, copy = std::string(bytes)](auto record) {
                    deliver(party, via, remote, copy, record);
                  });
}

void RealStage::deliver(PartyEdge& party, PublicSocket* via, const rt::Address& remote, const std::string& bytes,
                        wiretap::Capture::RecordIndex sent) {
  if (const auto from = name_of(remote); is_down(from)) return drop(sent, "host " + from + " down");
  if (party.nat) {
    auto inbound = party.nat->translate_inbound(via ? via->scenario_public.port() : 0, remote, scenario_now());
    if (!inbound.inside) return drop(sent, inbound.drop_reason);
    record_of(party, remote, party.local, bytes, wiretap::CaptureView::nat_translated, name_of(remote), party.spec.name);
  }
  if (is_down(party.spec.name)) return drop(sent, "host " + party.spec.name + " down");
  if (party.handler) party.handler->on_datagram(party.local, remote, bytes);
}

// Everything the stage sees goes to the wiretap (the run's capture) as one kind of event.
wiretap::Capture::RecordIndex RealStage::record(const rt::Address& src, const rt::Address& dst,
                                                std::string_view bytes, wiretap::CaptureView view,
                                                const std::string& src_name, const std::string& dst_name,
                                                rt::TransportKind transport) {
  last_datagram_ = clock_.now();
  auto index = wiretap::kNoWire;
  if (recording_) index = report(rt::Instant{clock_.now() - start_}, src, dst, bytes, view, src_name, dst_name, transport);
  if (on_record_) on_record_();
  return index;
}

wiretap::WireId RealStage::report(rt::Instant at, const rt::Address& src, const rt::Address& dst,
                                  std::string_view bytes, wiretap::CaptureView view, const std::string& src_name,
                                  const std::string& dst_name, rt::TransportKind transport) {
  wiretap::WireEvent event;
  event.transport = transport;
  event.src = src;
  event.dst = dst;
  event.bytes = bytes;
  event.time = at;
  event.src_host = src_name;
  event.dst_host = dst_name;
  event.view = view;
  return wiretap().on_wire(event);
}

void RealStage::record_seen(rt::Instant since_start, const rt::Address& src, const rt::Address& dst,
                            std::string_view bytes) {
  report(since_start, src, dst, bytes, wiretap::CaptureView::sent, name_of(src), name_of(dst), rt::TransportKind::udp);
  last_datagram_ = clock_.now();
  if (on_record_) on_record_();
}

wiretap::Capture::RecordIndex RealStage::record_of(const PartyEdge& party, const rt::Address& src,
                                                   const rt::Address& dst, std::string_view bytes,
                                                   wiretap::CaptureView view, const std::string& src_name,
                                                   const std::string& dst_name) {
  const auto index = record(src, dst, bytes, view, src_name, dst_name);
  if (party.media && index != wiretap::kNoWire) ++media_records_;
  return index;
}

void RealStage::drop(wiretap::Capture::RecordIndex record, const std::string& reason) {
  if (record != wiretap::kNoWire) wiretap().on_dropped(record, reason);
}

std::string RealStage::expected_text(const std::string& scenario_text) const {
  AddressBook from = scenario_book_;
  AddressBook to = book_;
  for (std::size_t i = 0; i < mapped_.size(); ++i) {
    const auto key = fmt::format("nat#{}", i);
    from[key] = mapped_[i].first;
    to[key] = mapped_[i].second;
  }
  auto text = detail::translate_addresses(scenario_text, from, to);
  // A public port on its own ("rport=20000" in a Via): the NAT's ports are the run's only.
  for (const auto& [scenario_public, real] : mapped_) {
    const auto wanted = fmt::format("rport={}", scenario_public.port());
    for (auto at = text.find(wanted); at != std::string::npos; at = text.find(wanted, at + 1)) {
      const auto end = at + wanted.size();
      if (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) continue;
      text.replace(at, wanted.size(), fmt::format("rport={}", real.port()));
    }
  }
  return text;
}

}  // namespace trunklab::scenario
