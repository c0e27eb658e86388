// The simulated network's TCP (the model is described in tcp.hpp): connections, segments and
// their retransmission, in-order delivery, framing, reuse and idle close.
#include "sim/net/network.hpp"

#include "reference/sip/message.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace trunklab::sim {

namespace tcp_flag = wiretap::tcp_flag;

namespace {

constexpr int kClient = 0;
constexpr int kServer = 1;

}  // namespace

TcpSocket::TcpSocket(Network& network, Host& host, std::uint16_t port, rt::DatagramHandler& handler,
                     TcpOptions options)
    : network_(network), host_(host), port_(port), handler_(handler), options_(options) {}

rt::Address TcpSocket::local_address() const { return host_.ip().with_port(port_); }

void TcpSocket::send(const rt::Address& to, std::string_view bytes) { network_.tcp_send(*this, to, bytes); }

// ---- Host -------------------------------------------------------------------------------------

TcpSocket& Host::bind_tcp(std::uint16_t port, rt::DatagramHandler& handler, TcpOptions options) {
  if (port == 0 || tcp_sockets_.contains(port)) {
    throw std::invalid_argument("host " + name_ + ": tcp port " + std::to_string(port) + " unusable");
  }
  auto& socket = tcp_sockets_[port];
  socket = std::make_unique<TcpSocket>(network_, *this, port, handler, options);
  return *socket;
}

TcpSocket* Host::tcp_socket(std::uint16_t port) const {
  auto it = tcp_sockets_.find(port);
  return it == tcp_sockets_.end() ? nullptr : it->second.get();
}

std::uint16_t Host::allocate_tcp_port() {
  do {
    next_tcp_port_ = next_tcp_port_ == 65535 ? kFirstEphemeralPort : static_cast<std::uint16_t>(next_tcp_port_ + 1);
  } while (tcp_sockets_.contains(next_tcp_port_));
  return next_tcp_port_;
}

// ---- Sending ----------------------------------------------------------------------------------

// The capture records messages, as the real transports report them (wiretap/tcp_flows.hpp
// makes up the segments and the handshake of the pcap): one record per send(), at send time,
// from the connection's own end. What TCP does underneath (the real handshake's timing,
// segments, RTO retransmissions) shows in the delivery times, not as packets.
void Network::record_message(const Host& host, const rt::Address& src, const rt::Address& dst,
                             std::string_view bytes, std::string_view failure) {
  if (!wiretap_.observing()) return;
  const std::string to = name_of(dst);
  wiretap::WireEvent event;
  event.transport = rt::TransportKind::tcp;
  event.src = src;
  event.dst = dst;
  event.bytes = bytes;
  event.time = scheduler_.now();
  event.src_host = host.name();
  event.dst_host = to;
  const auto id = wiretap_.on_wire(event);
  if (!failure.empty() && id != wiretap::kNoWire) wiretap_.on_dropped(id, failure);
}

void Network::tcp_send(TcpSocket& from, const rt::Address& to, std::string_view bytes) {
  ++stats_.sent;
  if (auto it = from.by_remote_.find(to); it != from.by_remote_.end()) {
    TcpConnection& c = tcp_connections_.at(it->second);
    const int end = c.ends[kClient].socket == &from && c.ends[kClient].remote == to ? kClient : kServer;
    record_message(from.host(), c.ends[end].local, to, bytes, {});
    touch(c, end);
    if (c.state == TcpConnection::State::syn_sent) {
      c.queued.append(bytes);
    } else {
      tcp_send_data(it->second, end, bytes);
    }
    return;
  }
  tcp_connect(from, to, bytes);
}

void Network::tcp_connect(TcpSocket& from, const rt::Address& to, std::string_view bytes) {
  Host& host = from.host();
  std::optional<std::string> failure = unroutable(host, to);
  if (!failure && host.nat() != nullptr) failure = "tcp through nat " + host.nat()->name() + " not modelled";
  if (!failure && !host.up_) failure = "host " + host.name_ + " down";
  if (failure) {
    record_message(host, from.local_address(), to, bytes, *failure);
    ++stats_.dropped;
    ++from.stats_.reset;
    // Never inside send(): the caller (a transaction starting) is not ready for callbacks.
    TcpSocket* socket = &from;
    return post_pending([socket, to] { socket->handler().on_unreachable(socket->local_address(), to); });
  }
  const std::uint64_t id = next_tcp_connection_++;
  TcpConnection& c = tcp_connections_[id];
  c.id = id;
  c.hosts[kClient] = &host;
  c.ends[kClient].socket = &from;
  c.ends[kClient].local = host.ip().with_port(host.allocate_tcp_port());
  c.ends[kClient].remote = to;
  c.ends[kServer].local = to;
  c.ends[kServer].remote = c.ends[kClient].local;
  // Distinct initial sequence numbers per connection and side, deterministic (RFC 9293 would
  // randomize them against spoofing; a simulation has nobody to fool).
  c.ends[kClient].snd_next = static_cast<std::uint32_t>(id << 20);
  c.ends[kServer].snd_next = static_cast<std::uint32_t>(id << 20) + 0x80000;
  c.queued.assign(bytes);
  record_message(host, c.ends[kClient].local, to, bytes, {});
  from.by_remote_[to] = id;
  ++from.stats_.connected;
  touch(c, kClient);
  tcp_emit(id, kClient, tcp_flag::syn, {}, c.ends[kClient].snd_next++, 0);
}

void Network::tcp_send_data(std::uint64_t id, int end, std::string_view bytes) {
  TcpConnection& c = tcp_connections_.at(id);
  const std::size_t mss = c.ends[end].socket->options().mss;
  for (std::size_t at = 0; at < bytes.size(); at += mss) {
    const std::string_view piece = bytes.substr(at, mss);
    const std::uint32_t seq = c.ends[end].snd_next;
    c.ends[end].snd_next += static_cast<std::uint32_t>(piece.size());
    ++c.ends[end].socket->stats_.segments_sent;
    tcp_emit(id, end, tcp_flag::ack | tcp_flag::psh, std::string(piece), seq, 0);
  }
}

// One segment onto the wire: the fault chain and the link, as a datagram's;
// datagram; a lost SYN, FIN or data segment is sent again after its RTO.
void Network::tcp_emit(std::uint64_t id, int from, std::uint8_t flags, std::string payload, std::uint32_t seq,
                       int tries) {
  TcpConnection& c = tcp_connections_.at(id);
  const TcpEnd& sender = c.ends[from];
  const std::uint64_t flight_id = next_tcp_flight_++;
  TcpFlight& f = tcp_flights_[flight_id];
  f.connection = id;
  f.from = from;
  f.src = sender.local;
  f.dst = sender.remote;
  f.header.seq = seq;
  f.header.ack = (flags & tcp_flag::ack) ? c.ends[from].rcv_next : 0;
  f.header.flags = flags;
  f.header.retransmission = tries > 0;
  f.payload = std::move(payload);
  f.tries = tries;

  const Host& host = *c.hosts[from];
  const Party src{&host, nullptr, f.src, f.src};
  const Party dst = resolve_destination(f.dst);
  std::optional<std::string> failure;
  if (!host.up_) failure = "host " + host.name_ + " down";
  const FaultRule* fault = failure ? nullptr : first_matching_fault(src, dst);
  if (fault && fault->action == FaultAction::drop) failure = "fault rule '" + fault->name + "'";
  if (failure) return tcp_lost(flight_id, *failure);
  rt::Duration delay = transit(src, dst);
  // A duplicated segment is one the receiver already has: TCP discards it, so only its delay
  // is modelled here, never a second delivery.
  if (fault && fault->action == FaultAction::delay) delay += fault->delay;
  scheduler_.post_at(scheduler_.now() + delay, [this, flight_id] { tcp_arrive(flight_id); });
}

// A segment lost on the way: counted and marked on its capture record; SYN, FIN and data are
// sent again after the RTO (doubling per try) until the retries run out, RST and ACK are not.
void Network::tcp_lost(std::uint64_t flight_id, const std::string& reason) {
  ++stats_.dropped;
  ++tcp_segments_lost_;
  last_tcp_loss_ = reason;
  TcpFlight& f = tcp_flights_.at(flight_id);
  const bool syn = (f.header.flags & tcp_flag::syn) != 0;
  const bool retried = syn || (f.header.flags & tcp_flag::fin) != 0 || !f.payload.empty();
  if (!retried) {
    tcp_flights_.erase(flight_id);
    return;
  }
  const rt::Duration rto = (syn ? kSynRto : kDataRto) * (1 << f.tries);
  if (f.tries >= (syn ? kSynRetries : kDataRetries)) {
    // The last try's RTO runs out too before the sender gives up (ETIMEDOUT).
    scheduler_.post_at(scheduler_.now() + rto, [this, flight_id] {
      const TcpFlight last = std::move(tcp_flights_.at(flight_id));
      tcp_flights_.erase(flight_id);
      tcp_abort(last.connection, last.from);
    });
    return;
  }
  scheduler_.post_at(scheduler_.now() + rto, [this, flight_id] {
    TcpFlight lost = std::move(tcp_flights_.at(flight_id));
    tcp_flights_.erase(flight_id);
    if (!tcp_connections_.contains(lost.connection)) return;  // reset meanwhile
    if (!lost.payload.empty()) ++tcp_connections_.at(lost.connection).ends[lost.from].socket->stats_.retransmissions;
    tcp_emit(lost.connection, lost.from, lost.header.flags, std::move(lost.payload), lost.header.seq, lost.tries + 1);
  });
}

// Work due at the end of this instant (a read, a failure report): counted as in flight so a
// run does not end with it pending.
void Network::post_pending(std::function<void()> fn) {
  ++tcp_pending_;
  scheduler_.post_at(scheduler_.now(), [this, fn = std::move(fn)] {
    --tcp_pending_;
    fn();
  });
}

// ---- Receiving --------------------------------------------------------------------------------

void Network::tcp_arrive(std::uint64_t flight_id) {
  TcpFlight f = std::move(tcp_flights_.at(flight_id));
  tcp_flights_.erase(flight_id);
  auto it = tcp_connections_.find(f.connection);
  if (it == tcp_connections_.end()) return;  // reset while this was on the wire
  TcpConnection& c = it->second;
  const int to = 1 - f.from;
  const Node* node = node_for_ip(f.dst);
  Host* host = node ? node->host : nullptr;
  if (host == nullptr || !host->up_) {
    // Nobody there (or asleep): as lost, the sender tries again.
    const std::string reason = host ? "host " + host->name_ + " down" : "no host at " + f.dst.ip_string();
    const std::uint64_t again = next_tcp_flight_++;
    tcp_flights_[again] = std::move(f);
    return tcp_lost(again, reason);
  }
  c.hosts[to] = host;
  const std::uint8_t flags = f.header.flags;
  if (flags & tcp_flag::rst) return tcp_abort(f.connection, to);
  if ((flags & tcp_flag::syn) && !(flags & tcp_flag::ack)) return tcp_on_syn(f.connection, *host);
  if (flags & tcp_flag::syn) return tcp_on_syn_ack(f.connection);
  if (!f.payload.empty()) tcp_on_data(f.connection, to, f.header.seq, std::move(f.payload));
  if (flags & tcp_flag::fin) tcp_on_fin(f.connection, to);
}

void Network::tcp_on_syn(std::uint64_t id, Host& host) {
  TcpConnection& c = tcp_connections_.at(id);
  TcpEnd& server = c.ends[kServer];
  TcpSocket* listener = host.tcp_socket(server.local.port());
  server.rcv_next = c.ends[kClient].snd_next;
  if (listener == nullptr) {
    // RFC 9293 §3.10.7.1: a SYN to a closed port is answered RST (with the ACK of the SYN).
    return tcp_emit(id, kServer, tcp_flag::rst | tcp_flag::ack, {}, 0, 0);
  }
  if (server.socket == nullptr) {  // not a retransmitted SYN
    server.socket = listener;
    listener->by_remote_[server.remote] = id;  // replaces an older connection from there
    ++listener->stats_.accepted;
    touch(c, kServer);
  }
  tcp_emit(id, kServer, tcp_flag::syn | tcp_flag::ack, {}, server.snd_next - (c.server_syn_sent ? 1 : 0), 0);
  if (!c.server_syn_sent) ++server.snd_next;
  c.server_syn_sent = true;
}

void Network::tcp_on_syn_ack(std::uint64_t id) {
  TcpConnection& c = tcp_connections_.at(id);
  if (c.state != TcpConnection::State::syn_sent) return;  // a retransmitted SYN-ACK
  c.state = TcpConnection::State::established;
  c.ends[kClient].rcv_next = c.ends[kServer].snd_next;
  tcp_emit(id, kClient, tcp_flag::ack, {}, c.ends[kClient].snd_next, 0);
  // What was sent while connecting leaves now, cut at the MSS: messages sent together share
  // segments (the sender's buffer coalesces them, as a real one does).
  std::string queued = std::move(c.queued);
  c.queued.clear();
  if (!queued.empty()) tcp_send_data(id, kClient, queued);
}

void Network::tcp_on_data(std::uint64_t id, int to, std::uint32_t seq, std::string payload) {
  TcpConnection& c = tcp_connections_.at(id);
  TcpEnd& end = c.ends[to];
  if (end.socket == nullptr || c.state == TcpConnection::State::closed) return;
  // Sequence arithmetic is modulo 2^32 (RFC 9293 §3.4).
  const auto ahead = static_cast<std::int32_t>(seq - end.rcv_next);
  if (ahead < 0) return;  // already delivered (a duplicate)
  end.out_of_order.emplace(seq, std::move(payload));
  for (auto next = end.out_of_order.find(end.rcv_next); next != end.out_of_order.end();
       next = end.out_of_order.find(end.rcv_next)) {
    end.unread += next->second;
    end.rcv_next += static_cast<std::uint32_t>(next->second.size());
    end.out_of_order.erase(next);
  }
  touch(c, to);
  if (end.unread.empty() || end.read_posted) return;
  end.read_posted = true;
  // Read at the end of this instant: whatever else arrives at the same time joins this read.
  post_pending([this, id, to] { tcp_read(id, to); });
}

// One read: the in-order bytes that arrived, cut into messages by sip::frame_length as
// realtime::TcpTransport does. A stream that cannot be framed is reset (nothing after the
// damage can be trusted); one over the limits gets its 513 first (on_oversized).
void Network::tcp_read(std::uint64_t id, int to) {
  auto it = tcp_connections_.find(id);
  if (it == tcp_connections_.end()) return;
  TcpEnd& end = it->second.ends[to];
  end.read_posted = false;
  TcpSocket& socket = *end.socket;
  ++socket.stats_.reads;
  end.input += end.unread;
  end.unread.clear();
  const rt::Address local = socket.local_address();  // as realtime: the listening address
  const rt::Address remote = end.remote;
  for (;;) {
    auto length = sip::frame_length(end.input);
    if (!length) {
      ++socket.stats_.framing_errors;
      if (auto head = sip::oversized_frame_head(end.input)) socket.handler().on_oversized(local, remote, std::string(*head));
      return tcp_close(id, to);
    }
    if (*length == 0) return;
    std::string message = end.input.substr(0, *length);
    end.input.erase(0, *length);
    ++socket.stats_.received;
    ++stats_.delivered;
    socket.handler().on_datagram(local, remote, message);
    if (!tcp_connections_.contains(id)) return;  // the handler's sends cannot erase it, but be sure
  }
}

// ---- Closing ----------------------------------------------------------------------------------

void Network::touch(TcpConnection& c, int end) {
  c.ends[end].last_activity = scheduler_.now();
  if (!c.idle_timer_armed) arm_idle(c);
}

void Network::arm_idle(TcpConnection& c) {
  rt::Instant due = rt::Instant::max();
  for (const TcpEnd& end : c.ends) {
    if (end.socket != nullptr) due = std::min(due, end.last_activity + end.socket->options().idle_timeout);
  }
  if (due == rt::Instant::max()) return;
  c.idle_timer_armed = true;
  const std::uint64_t id = c.id;
  c.idle_timer = scheduler_.schedule_at(due, [this, id] { on_idle_check(id); });
}

// One timer per connection, re-armed lazily: activity only moves last_activity, and the check
// either closes the end that has been quiet long enough or sleeps until the next candidate.
void Network::on_idle_check(std::uint64_t id) {
  auto it = tcp_connections_.find(id);
  if (it == tcp_connections_.end()) return;
  TcpConnection& c = it->second;
  c.idle_timer_armed = false;
  if (c.state == TcpConnection::State::closed) return;
  // Both ends see the same traffic: quiet since the later of the two last activities.
  const rt::Instant last = std::max(c.ends[kClient].last_activity, c.ends[kServer].last_activity);
  for (int e : {kClient, kServer}) {
    const TcpEnd& end = c.ends[e];
    if (end.socket != nullptr && scheduler_.now() - last >= end.socket->options().idle_timeout) {
      ++end.socket->stats_.idle_closed;
      return tcp_close(id, e);
    }
  }
  c.ends[kClient].last_activity = c.ends[kServer].last_activity = last;
  arm_idle(c);
}

void Network::detach(TcpConnection& c) {
  for (TcpEnd& end : c.ends) {
    if (end.socket == nullptr) continue;
    auto mine = end.socket->by_remote_.find(end.remote);
    if (mine != end.socket->by_remote_.end() && mine->second == c.id) end.socket->by_remote_.erase(mine);
  }
  if (c.idle_timer_armed) scheduler_.cancel_timer(c.idle_timer);
  c.idle_timer_armed = false;
  c.state = TcpConnection::State::closed;
}

// Active close by `end`: FIN; the peer answers FIN (tcp_on_fin). Neither end sends on it again.
void Network::tcp_close(std::uint64_t id, int end) {
  TcpConnection& c = tcp_connections_.at(id);
  detach(c);
  c.fin_sent[end] = true;
  tcp_emit(id, end, tcp_flag::fin | tcp_flag::ack, {}, c.ends[end].snd_next++, 0);
}

void Network::tcp_on_fin(std::uint64_t id, int to) {
  TcpConnection& c = tcp_connections_.at(id);
  ++c.ends[to].rcv_next;  // a FIN takes one sequence number
  if (!c.fin_sent[to]) {
    detach(c);
    c.fin_sent[to] = true;
    return tcp_emit(id, to, tcp_flag::fin | tcp_flag::ack, {}, c.ends[to].snd_next++, 0);
  }
  tcp_connections_.erase(id);  // both FINs have crossed
}

// The connection is gone without a close: an RST arrived at `end`, or `end` gave up
// retransmitting. Its handler hears of it; what was queued or unacknowledged is lost.
void Network::tcp_abort(std::uint64_t id, int end) {
  auto it = tcp_connections_.find(id);
  if (it == tcp_connections_.end()) return;
  TcpConnection& c = it->second;
  TcpSocket* socket = c.ends[end].socket;
  const rt::Address remote = c.ends[end].remote;
  if (socket != nullptr && c.state == TcpConnection::State::syn_sent) ++socket->stats_.refused;
  if (socket != nullptr) ++socket->stats_.reset;
  detach(c);
  tcp_connections_.erase(it);
  if (socket != nullptr) socket->handler().on_unreachable(socket->local_address(), remote);
}

}  // namespace trunklab::sim
