#include "reference/anchor/relay.hpp"

namespace trunklab::anchor {

struct MediaRelay::Port final : rt::DatagramHandler {
  MediaRelay* relay = nullptr;
  rt::Transport* socket = nullptr;
  Session* session = nullptr;  // the session it is lent to, or none
  Side side = Side::a;
  std::size_t branch = 0;
  bool rtcp = false;
  void on_datagram(const rt::Address&, const rt::Address& remote, std::string_view bytes) override {
    if (session) relay->on_packet(*session, side, branch, rtcp, remote, bytes);
  }
};

struct MediaRelay::Branch {
  Pair pair;
  SideFigures figures;
};

struct MediaRelay::Session {
  SessionId id = 0;
  Pair a;  // the ports facing the caller
  SideFigures a_figures;
  std::vector<std::optional<Branch>> b;  // per branch of the called side; released: nullopt
  std::optional<std::size_t> selected;
  rt::Instant last_activity{};
  struct Interworking {
    Side events_side;
    EventsToTones events_to_tones;
    TonesToEvents tones_to_events;
  };
  std::optional<Interworking> dtmf;
  Branch* branch(std::size_t k) { return k < b.size() && b[k] ? &*b[k] : nullptr; }
  Branch* chosen() { return selected ? branch(*selected) : nullptr; }
  SideFigures* of(Side s, std::size_t k) {
    if (s == Side::a) return &a_figures;
    auto* br = branch(k);
    return br ? &br->figures : nullptr;
  }
};

MediaRelay::MediaRelay(rt::Clock& clock, PortBinder binder, RelayConfig config)
    : clock_(clock), binder_(std::move(binder)), config_(config),
      next_port_(static_cast<std::uint16_t>(config.first_port & 0xFFFE)) {}

MediaRelay::~MediaRelay() = default;

std::size_t MediaRelay::free_port_pairs() const {
  const std::size_t total = (static_cast<std::size_t>(config_.last_port) + 1 - (config_.first_port & 0xFFFE)) / 2;
  return total - pairs_in_use_ - refused_.size();
}

MediaRelay::Port* MediaRelay::bind_port(std::uint16_t number) {
  if (auto it = ports_.find(number); it != ports_.end()) return it->second.get();
  auto port = std::make_unique<Port>();
  port->relay = this;
  port->socket = binder_(number, *port);
  if (!port->socket) return nullptr;
  return ports_.emplace(number, std::move(port)).first->second.get();
}

// The next free even port of the range and the odd one above it, round robin so a port just
// freed is not lent again at once (late packets of the old call must not reach the new one).
std::optional<MediaRelay::Pair> MediaRelay::allocate() {
  const std::uint32_t first = config_.first_port & 0xFFFE;
  const std::uint32_t pairs = (static_cast<std::uint32_t>(config_.last_port) + 1 - first) / 2;
  for (std::uint32_t tried = 0; tried < pairs; ++tried) {
    const auto number = next_port_;
    next_port_ = static_cast<std::uint16_t>(number + 3 > config_.last_port ? first : number + 2);
    if (refused_.contains(number)) continue;
    auto existing = ports_.find(number);
    if (existing != ports_.end() && existing->second->session) continue;
    Pair pair{bind_port(number), bind_port(static_cast<std::uint16_t>(number + 1))};
    if (!pair.rtp || !pair.rtcp) {
      refused_[number] = true;
      continue;
    }
    pair.rtcp->rtcp = true;
    ++pairs_in_use_;
    return pair;
  }
  return std::nullopt;
}

void MediaRelay::release(Pair pair) {
  pair.rtp->session = pair.rtcp->session = nullptr;
  --pairs_in_use_;
}

std::optional<MediaRelay::SessionId> MediaRelay::open() {
  auto a = allocate();
  if (!a) return std::nullopt;
  auto b = allocate();
  if (!b) {
    release(*a);
    return std::nullopt;
  }
  auto session = std::make_unique<Session>();
  session->id = next_id_++;
  session->a = *a;
  session->b.emplace_back(Branch{*b, {}});
  session->selected = 0;
  session->last_activity = clock_.now();
  lend(*a, *session, Side::a, 0);
  lend(*b, *session, Side::b, 0);
  auto id = session->id;
  ++totals_.sessions;
  sessions_.emplace(id, std::move(session));
  return id;
}

void MediaRelay::lend(Pair pair, Session& session, Side side, std::size_t branch) {
  for (auto* port : {pair.rtp, pair.rtcp}) {
    port->session = &session;
    port->side = side;
    port->branch = branch;
  }
}

void MediaRelay::close(SessionId id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  release(it->second->a);
  for (auto& branch : it->second->b) {
    if (branch) release(branch->pair);
  }
  sessions_.erase(it);
}

std::optional<std::size_t> MediaRelay::add_branch(SessionId id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  auto pair = allocate();
  if (!pair) return std::nullopt;
  auto& session = *it->second;
  const auto k = session.b.size();
  session.b.emplace_back(Branch{*pair, {}});
  lend(*pair, session, Side::b, k);
  if (!session.chosen()) session.selected = k;
  return k;
}

void MediaRelay::select_branch(SessionId id, std::size_t branch) {
  auto it = sessions_.find(id);
  if (it != sessions_.end() && it->second->branch(branch)) it->second->selected = branch;
}

void MediaRelay::release_branch(SessionId id, std::size_t branch) {
  auto it = sessions_.find(id);
  if (it == sessions_.end() || !it->second->branch(branch)) return;
  auto& session = *it->second;
  release(session.b[branch]->pair);
  session.b[branch].reset();
  if (session.selected == branch) session.selected.reset();
}

void MediaRelay::set_advertised(SessionId id, Side side, const rt::Address& address, std::size_t branch) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  auto* figures = it->second->of(side, branch);
  if (!figures) return;
  if (figures->advertised != address) figures->latched.reset();  // moved: latch again
  figures->advertised = address;
}

void MediaRelay::set_dtmf_interworking(SessionId id, std::optional<DtmfInterworking> interworking) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  auto& dtmf = it->second->dtmf;
  if (!interworking) {
    dtmf.reset();
  } else if (!dtmf || dtmf->events_side != interworking->events_side) {
    dtmf.emplace(Session::Interworking{interworking->events_side, EventsToTones(interworking->config),
                                       TonesToEvents(interworking->config)});
  }
}

std::uint64_t MediaRelay::dtmf_interworked(SessionId id) const {
  auto it = sessions_.find(id);
  if (it == sessions_.end() || !it->second->dtmf) return 0;
  const auto& dtmf = *it->second->dtmf;
  return dtmf.events_to_tones.digits() + dtmf.tones_to_events.digits();
}

rt::Address MediaRelay::local(SessionId id, Side side, std::size_t branch) const {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return {};
  if (side == Side::a) return it->second->a.rtp->socket->local_address();
  const auto* b = it->second->branch(branch);
  return b ? b->pair.rtp->socket->local_address() : rt::Address{};
}

rt::Instant MediaRelay::last_activity(SessionId id) const {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? rt::Instant{} : it->second->last_activity;
}

const SideFigures* MediaRelay::figures(SessionId id, Side side, std::size_t branch) const {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second->of(side, branch);
}

// A packet from `side` arrives on the port facing it: latch onto its source (comedia), and
// send it from the port facing the other side to where that side really is.
void MediaRelay::on_packet(Session& session, Side side, std::size_t branch, bool rtcp, const rt::Address& source,
                           std::string_view bytes) {
  auto* from_figures = session.of(side, branch);
  if (!from_figures) return;
  auto& from = *from_figures;
  session.last_activity = clock_.now();
  if (rtcp) {
    if (!from.latched_rtcp) from.latched_rtcp = source;
  } else {
    ++from.packets_in;
    if (!from.latched) from.latched = source;
  }
  // The caller talks with the selected branch only; another branch's media goes nowhere.
  auto* chosen = session.chosen();
  if (!chosen || (side == Side::b && branch != *session.selected)) {
    ++from.dropped;
    return;
  }
  auto& to = side == Side::a ? chosen->figures : session.a_figures;
  auto destination = to.latched ? to.latched : to.advertised;
  if (!destination || destination->port() == 0) {
    ++from.dropped;
    ++totals_.dropped;
    return;
  }
  auto& out = side == Side::a ? chosen->pair : session.a;
  if (rtcp) {
    // RFC 3550 §11: the RTP port + 1, unless that side's own RTCP was heard from elsewhere.
    auto rtcp_to = to.latched_rtcp.value_or(destination->with_port(static_cast<std::uint16_t>(destination->port() + 1)));
    out.rtcp->socket->send(rtcp_to, bytes);
    ++totals_.rtcp;
  } else {
    if (session.dtmf) {
      auto& dtmf = *session.dtmf;
      const bool converted = side == dtmf.events_side ? dtmf.events_to_tones.convert(bytes, converted_)
                                                      : dtmf.tones_to_events.convert(bytes, converted_);
      if (converted) bytes = converted_;
    }
    out.rtp->socket->send(*destination, bytes);
    ++to.packets_out;
    ++(side == Side::a ? totals_.rtp_a_to_b : totals_.rtp_b_to_a);
  }
}

}  // namespace trunklab::anchor
