#include "sim/net/network.hpp"

#include <cassert>
#include <stdexcept>
#include <utility>

namespace trunklab::sim {

namespace {

constexpr std::uint32_t kNoNode = static_cast<std::uint32_t>(-1);

std::uint64_t link_key(std::uint32_t a, std::uint32_t b) {
  if (a > b) std::swap(a, b);
  return (std::uint64_t{a} << 32) | b;
}

void require_ipv4(const std::string& name, const rt::Address& ip) {
  if (ip.is_v6()) throw std::invalid_argument("host " + name + ": the simulated network is IPv4");
}

}  // namespace

const char* to_string(FaultAction action) {
  switch (action) {
    case FaultAction::pass: return "pass";
    case FaultAction::delay: return "delay";
    case FaultAction::drop: return "drop";
    case FaultAction::duplicate: return "duplicate";
  }
  return "unknown";
}

// ---- Socket and Host -------------------------------------------------------------------------

Socket::Socket(Network& network, Host& host, std::uint16_t port, rt::DatagramHandler& handler)
    : network_(network), host_(host), port_(port), handler_(handler) {}

rt::Address Socket::local_address() const { return host_.ip().with_port(port_); }

void Socket::send(const rt::Address& to, std::string_view bytes) { network_.send(*this, to, bytes); }

Host::Host(Network& network, std::string name, rt::Address ip, Nat* nat, std::uint32_t node)
    : network_(network), name_(std::move(name)), ip_(ip.with_port(0)), nat_(nat), node_(node) {}

rt::Transport& Host::bind(std::uint16_t port, rt::DatagramHandler& handler) {
  if (port == 0) {
    while (sockets_.contains(next_ephemeral_)) {
      if (next_ephemeral_ == 65535) throw std::invalid_argument("host " + name_ + ": no free port");
      ++next_ephemeral_;
    }
    port = next_ephemeral_;
  }
  if (sockets_.contains(port)) {
    throw std::invalid_argument("host " + name_ + ": port " + std::to_string(port) + " in use");
  }
  auto& socket = sockets_[port];
  socket = std::make_unique<Socket>(network_, *this, port, handler);
  return *socket;
}

void Host::unbind(std::uint16_t port) { sockets_.erase(port); }

Socket* Host::socket(std::uint16_t port) const {
  auto it = sockets_.find(port);
  return it == sockets_.end() ? nullptr : it->second.get();
}

// ---- IpIndex -----------------------------------------------------------------------------------

std::size_t Network::IpIndex::slot_of(std::uint32_t ip) const {
  // Fibonacci hashing spreads consecutive addresses; the table size is a power of two.
  const std::uint64_t h = std::uint64_t{ip} * 0x9e3779b97f4a7c15ULL;
  return static_cast<std::size_t>(h >> 32) & (table_.size() - 1);
}

void Network::IpIndex::insert(std::uint32_t ip, const Node& node) {
  if (2 * (size_ + 1) > table_.size()) {  // keep the load at most one half
    std::vector<Entry> old(table_.size() * 2);
    old.swap(table_);
    size_ = 0;
    for (const Entry& e : old) {
      if (e.used) insert(e.ip, e.node);
    }
  }
  std::size_t i = slot_of(ip);
  while (table_[i].used) {
    assert(table_[i].ip != ip && "caller checks for duplicates");
    i = (i + 1) & (table_.size() - 1);
  }
  table_[i] = Entry{ip, true, node};
  ++size_;
}

const Network::Node* Network::IpIndex::find(std::uint32_t ip) const {
  for (std::size_t i = slot_of(ip);; i = (i + 1) & (table_.size() - 1)) {
    const Entry& e = table_[i];
    if (!e.used) return nullptr;
    if (e.ip == ip) return &e.node;
  }
}

// ---- Topology --------------------------------------------------------------------------------

Network::Network(Scheduler& scheduler, RandomStreams& random, wiretap::Observer& wiretap)
    : scheduler_(scheduler),
      random_(random),
      wiretap_(wiretap),
      default_link_{Link{}, &random.stream("net.link.default")} {}

std::uint32_t Network::add_node(const std::string& name, const rt::Address& ip, Host* host, Nat* nat) {
  require_ipv4(name, ip);
  if (name.empty()) throw std::invalid_argument("a host or NAT needs a name");
  if (nodes_by_name_.contains(name)) throw std::invalid_argument("duplicate name: " + name);
  if (nodes_by_ip_.find(ip.ipv4_host_order()) != nullptr) {
    throw std::invalid_argument(name + ": address " + ip.ip_string() + " already in use");
  }
  const auto id = static_cast<std::uint32_t>(nodes_by_name_.size());
  nodes_by_name_.emplace(name, Node{host, nat, id});
  nodes_by_ip_.insert(ip.ipv4_host_order(), Node{host, nat, id});
  return id;
}

Host& Network::add_host(std::string name, const rt::Address& ip) {
  auto host = std::make_unique<Host>(*this, name, ip, nullptr, 0);
  host->node_ = add_node(name, ip, host.get(), nullptr);
  hosts_.push_back(std::move(host));
  return *hosts_.back();
}

Nat& Network::add_nat(std::string name, const rt::Address& public_ip, rt::Duration idle_timeout) {
  auto nat = std::make_unique<Nat>(name, public_ip, idle_timeout);
  add_node(name, public_ip, nullptr, nat.get());
  nats_.push_back(std::move(nat));
  return *nats_.back();
}

Host& Network::add_host_behind(Nat& nat, std::string name, const rt::Address& private_ip) {
  auto host = std::make_unique<Host>(*this, name, private_ip, &nat, 0);
  host->node_ = add_node(name, private_ip, host.get(), nullptr);
  hosts_.push_back(std::move(host));
  return *hosts_.back();
}

std::uint32_t Network::node_of_name(std::string_view name) const {
  auto it = nodes_by_name_.find(name);
  return it == nodes_by_name_.end() ? kNoNode : it->second.id;
}

void Network::set_link(std::string_view a, std::string_view b, Link link) {
  const std::uint32_t na = node_of_name(a);
  const std::uint32_t nb = node_of_name(b);
  if (na == kNoNode || nb == kNoNode) {
    throw std::invalid_argument("link " + std::string(a) + " <-> " + std::string(b) +
                                ": unknown host or NAT");
  }
  const std::string stream = a < b ? "net.link." + std::string(a) + "|" + std::string(b)
                                   : "net.link." + std::string(b) + "|" + std::string(a);
  links_[link_key(na, nb)] = LinkState{link, &random_.stream(stream)};
}

void Network::set_default_link(Link link) { default_link_.link = link; }

void Network::add_fault(FaultRule rule) { faults_.add(std::move(rule), random_); }

bool Network::remove_fault(std::string_view name) { return faults_.remove(name); }

void Network::clear_faults() { faults_.clear(); }

void Network::rebind_nat_at(Nat& nat, rt::Instant at) {
  scheduler_.schedule_at(at, [&nat] { nat.rebind(); });
}

Host* Network::find_host(std::string_view name) const {
  auto it = nodes_by_name_.find(name);
  return it == nodes_by_name_.end() ? nullptr : it->second.host;
}

Nat* Network::find_nat(std::string_view name) const {
  auto it = nodes_by_name_.find(name);
  return it == nodes_by_name_.end() ? nullptr : it->second.nat;
}

const Network::Node* Network::node_for_ip(const rt::Address& address) const {
  if (address.is_v6()) return nullptr;
  return nodes_by_ip_.find(address.ipv4_host_order());
}

std::string Network::name_of(const rt::Address& address) const {
  const Node* node = node_for_ip(address);
  if (node == nullptr) return {};
  return node->host ? node->host->name() : node->nat->name();
}

// ---- Datagrams -------------------------------------------------------------------------------

Network::Party Network::resolve_destination(const rt::Address& to) const {
  Party party{nullptr, nullptr, to, to};
  const Node* node = node_for_ip(to);
  if (node == nullptr) return party;
  if (node->host) {
    party.host = node->host;
    party.nat = node->host->nat();
    return party;
  }
  // Addressed to a NAT: look through its mapping (without refreshing it) to name the party.
  party.nat = node->nat;
  if (auto inside = node->nat->inside_address_of(to.port(), scheduler_.now())) {
    party.inner = *inside;
    if (const Node* in = node_for_ip(*inside)) party.host = in->host;
  }
  return party;
}

std::optional<std::string> Network::unroutable(const Host& from, const rt::Address& to) const {
  if (to.is_v6()) return "unroutable: the simulated network is IPv4";
  const Node* node = node_for_ip(to);
  if (node == nullptr) return std::nullopt;  // nobody there: dropped on arrival
  if (node->nat && node->nat == from.nat()) return "nat " + node->nat->name() + ": hairpin not modelled";
  if (node->host && node->host->nat() && node->host->nat() != from.nat()) {
    return "unroutable: " + to.ip_string() + " is private behind nat " + node->host->nat()->name();
  }
  return std::nullopt;
}

const FaultRule* Network::first_matching_fault(const Party& src, const Party& dst) {
  if (faults_.empty()) return nullptr;
  auto endpoint = [](const Party& p) {
    return Endpoint{p.host ? std::string_view(p.host->name()) : std::string_view{},
                    p.nat ? std::string_view(p.nat->name()) : std::string_view{}, p.inner, p.outer};
  };
  return faults_.first_match(endpoint(src), endpoint(dst), scheduler_.now());
}

rt::Duration Network::transit(const Party& src, const Party& dst) {
  const LinkState* state = &default_link_;
  if (!links_.empty()) {
    // Most specific first: the hosts themselves, then the NATs they sit behind.
    const std::uint32_t src_nodes[2] = {src.host ? src.host->node_ : kNoNode,
                                        src.nat ? node_of_name(src.nat->name()) : kNoNode};
    const std::uint32_t dst_nodes[2] = {dst.host ? dst.host->node_ : kNoNode,
                                        dst.nat ? node_of_name(dst.nat->name()) : kNoNode};
    for (std::uint32_t s : src_nodes) {
      for (std::uint32_t d : dst_nodes) {
        if (s == kNoNode || d == kNoNode || state != &default_link_) continue;
        if (auto it = links_.find(link_key(s, d)); it != links_.end()) state = &it->second;
      }
    }
  }
  return link_transit(state->link.latency, state->link.jitter, *state->jitter);
}

std::uint32_t Network::new_flight() {
  if (!free_flights_.empty()) {
    const std::uint32_t id = free_flights_.back();
    free_flights_.pop_back();
    return id;
  }
  flights_.emplace_back();
  return static_cast<std::uint32_t>(flights_.size() - 1);
}

void Network::release(std::uint32_t flight) {
  Flight& f = flights_[flight];
  f.bytes.clear();  // keeps its capacity for the next datagram
  f.sent_record = wiretap::kNoWire;
  f.translated_record = wiretap::kNoWire;
  free_flights_.push_back(flight);
}

void Network::drop(std::uint32_t flight, std::string_view reason) {
  ++stats_.dropped;
  const Flight& f = flights_[flight];
  if (f.sent_record != wiretap::kNoWire) wiretap_.on_dropped(f.sent_record, reason);
  if (f.translated_record != wiretap::kNoWire) wiretap_.on_dropped(f.translated_record, reason);
  release(flight);
}

void Network::schedule(std::uint32_t flight, rt::Duration after) {
  // The capture is small (this + index) so std::function keeps it inline: no allocation.
  scheduler_.post_at(scheduler_.now() + after, [this, flight] { arrive(flight); });
}

void Network::record_sent(Flight& flight, const Party& src, const Party& dst, bool translated,
                          bool duplicate) {
  if (!wiretap_.observing()) return;
  wiretap::WireEvent event;
  event.src = src.inner;
  event.dst = flight.dst;
  event.bytes = flight.bytes;
  event.time = scheduler_.now();
  event.src_host = src.host->name();
  event.dst_host = dst.host ? std::string_view(dst.host->name()) : dst.nat ? std::string_view(dst.nat->name()) : "";
  event.duplicate = duplicate;
  flight.sent_record = wiretap_.on_wire(event);
  if (translated) {
    event.src = src.outer;
    event.view = wiretap::CaptureView::nat_translated;
    flight.translated_record = wiretap_.on_wire(event);
  }
}

void Network::send(Socket& from, const rt::Address& to, std::string_view bytes) {
  ++stats_.sent;
  Host& host = from.host();
  Party src{&host, host.nat(), from.local_address(), from.local_address()};
  const Party dst = resolve_destination(to);
  std::optional<std::string> failure =
      host.up_ ? unroutable(host, to) : std::optional<std::string>("host " + host.name_ + " down");
  // As a real IPv4 UDP socket: a datagram over the limit never leaves (EMSGSIZE).
  if (!failure && bytes.size() > rt::kMaxUdpPayloadIpv4) {
    failure = "message too large: " + std::to_string(bytes.size()) + " bytes, over the " +
              std::to_string(rt::kMaxUdpPayloadIpv4) + "-byte UDP limit (EMSGSIZE)";
  }
  const bool crosses_nat = host.nat() != nullptr && !failure && dst.nat != host.nat();
  if (crosses_nat) {
    auto outside = host.nat_->translate_outbound(src.inner, to, scheduler_.now());
    if (outside) {
      src.outer = *outside;
    } else {
      failure = "nat " + host.nat_->name() + ": public ports exhausted";
    }
  }

  const std::uint32_t id = new_flight();
  Flight& flight = flights_[id];
  flight.sender = &host;
  flight.src = src.outer;
  flight.dst = to;
  flight.bytes.assign(bytes);
  record_sent(flight, src, dst, crosses_nat && !failure, false);

  if (failure) return drop(id, *failure);

  const FaultRule* fault = first_matching_fault(src, dst);
  const FaultAction action = fault ? fault->action : FaultAction::pass;
  switch (action) {
    case FaultAction::pass: return schedule(id, transit(src, dst));
    case FaultAction::delay: return schedule(id, transit(src, dst) + fault->delay);
    case FaultAction::drop: return drop(id, "fault rule '" + fault->name + "'");
    case FaultAction::duplicate: {
      schedule(id, transit(src, dst));
      ++stats_.duplicated;
      const std::uint32_t copy_id = new_flight();
      Flight& copy = flights_[copy_id];  // deque: `flight` stays valid
      copy.sender = &host;
      copy.src = flight.src;
      copy.dst = flight.dst;
      copy.bytes.assign(bytes);
      record_sent(copy, src, dst, false, true);
      return schedule(copy_id, transit(src, dst) + fault->delay);
    }
  }
}

void Network::arrive(std::uint32_t id) {
  Flight& flight = flights_[id];
  rt::Address local = flight.dst;
  const Node* node = node_for_ip(local);
  if (node != nullptr && node->nat != nullptr) {
    auto inbound = node->nat->translate_inbound(local.port(), flight.src, scheduler_.now());
    if (!inbound.inside) return drop(id, inbound.drop_reason);
    local = *inbound.inside;
    node = node_for_ip(local);
    if (wiretap_.observing()) {
      const std::string to = name_of(local);
      wiretap::WireEvent event;
      event.src = flight.src;
      event.dst = local;
      event.bytes = flight.bytes;
      event.time = scheduler_.now();
      event.src_host = flight.sender->name();
      event.dst_host = to;
      event.view = wiretap::CaptureView::nat_translated;
      flight.translated_record = wiretap_.on_wire(event);
    }
  }
  if (node == nullptr || node->host == nullptr) {
    return drop(id, "no host at " + local.ip_string());
  }
  const Host& host = *node->host;
  if (!host.up_) return drop(id, "host " + host.name_ + " down");
  const Socket* socket = host.socket(local.port());
  if (socket == nullptr) {
    return drop(id, "port unreachable: " + host.name_ + ":" + std::to_string(local.port()));
  }
  ++stats_.delivered;
  const wiretap::WireId received = flight.translated_record != wiretap::kNoWire ? flight.translated_record : flight.sent_record;
  if (received != wiretap::kNoWire) wiretap_.on_delivered(received, scheduler_.now());
  // The handler may send (growing the deque, which keeps `flight` valid); the slot is released
  // only after it returns, so the bytes it reads stay put.
  socket->handler().on_datagram(socket->local_address(), flight.src, flight.bytes);
  release(id);
}

}  // namespace trunklab::sim
