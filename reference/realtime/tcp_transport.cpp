#include "reference/realtime/tcp_transport.hpp"

#include "reference/sip/message.hpp"
#include "reference/realtime/clock.hpp"
#include "reference/realtime/sockaddr.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/core.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

namespace trunklab::realtime {
namespace {

constexpr int kBacklog = 128;
constexpr std::size_t kReadChunk = 64 * 1024;

std::string system_error(const char* prefix, const rt::Address& address, const char* call) {
  return std::string(prefix) + ":" + address.to_string() + ": " + call + ": " + std::strerror(errno);
}

bool power_of_ten(std::uint64_t n) {
  while (n >= 10 && n % 10 == 0) n /= 10;
  return n == 1;
}

}  // namespace

std::variant<std::unique_ptr<TcpTransport>, std::string> TcpTransport::open(EventLoop& loop,
                                                                            const rt::Address& address,
                                                                            TcpOptions options,
                                                                            StreamSecurity* security) {
  const char* prefix = security ? "tls" : "tcp";
  Fd socket(::socket(address.is_v6() ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!socket.valid()) return system_error(prefix, address, "socket");
  int on = 1;
  // A restarted server gets its port back while old connections sit in TIME_WAIT.
  setsockopt(socket.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (address.is_v6()) setsockopt(socket.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  sockaddr_storage storage{};
  const socklen_t length = to_sockaddr(address, storage);
  if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&storage), length) != 0) {
    return system_error(prefix, address, "bind");
  }
  if (::listen(socket.get(), kBacklog) != 0) return system_error(prefix, address, "listen");
  socklen_t bound_length = sizeof storage;
  if (::getsockname(socket.get(), reinterpret_cast<sockaddr*>(&storage), &bound_length) != 0) {
    return system_error(prefix, address, "getsockname");
  }
  return std::unique_ptr<TcpTransport>(
      new TcpTransport(loop, std::move(socket), from_sockaddr(storage), options, security));
}

TcpTransport::TcpTransport(EventLoop& loop, Fd listener, rt::Address local, TcpOptions options,
                           StreamSecurity* security)
    : loop_(loop), options_(options), security_(security), listener_(std::move(listener)), local_(local) {
  loop_.watch_readable(listener_.get(), [this] { on_acceptable(); });
  sweep_idle();
}

// Every idle_timeout/4: a connection is closed between 1 and 1.25 idle_timeouts after its last
// activity, at the cost of one timer for all connections rather than one each.
void TcpTransport::sweep_idle() {
  const auto now = monotonic_now();
  std::vector<int> idle;
  for (const auto& [fd, connection] : connections_) {
    if (now - connection->last_activity >= options_.idle_timeout) idle.push_back(fd);
  }
  for (int fd : idle) {
    ++stats_.idle_closed;
    close(fd);
  }
  sweep_timer_ = loop_.start_timer(options_.idle_timeout / 4, [this] { sweep_idle(); });
}

TcpTransport::~TcpTransport() {
  loop_.cancel_timer(sweep_timer_);
  for (const auto& [remote, timer] : unreachable_timers_) loop_.cancel_timer(timer);
  for (const auto& [fd, connection] : connections_) {
    loop_.cancel_timer(connection->handshake_timer);
    loop_.unwatch(fd);
  }
  loop_.unwatch(listener_.get());
}

std::string TcpTransport::prefix() const { return security_ ? "tls" : "tcp"; }

void TcpTransport::log(const std::string& line) const {
  if (log_) log_(line);
}

void TcpTransport::on_acceptable() {
  for (;;) {
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    Fd socket(::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&peer), &length,
                        SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!socket.valid()) return;  // EAGAIN: none left (or a transient error: next readiness)
    if (connections_.size() >= options_.max_connections) {
      // Said at the 1st, 10th, 100th ... refusal: a flood cannot flood the log; the summary counts all.
      if (power_of_ten(++stats_.over_limit)) {
        log(fmt::format("{}: {}: refused: {} connections open, the limit ({} refused so far)", prefix(),
                        from_sockaddr(peer).to_string(), connections_.size(), stats_.over_limit));
      }
      continue;  // the Fd closes it
    }
    ++stats_.accepted;
    adopt(std::move(socket), from_sockaddr(peer), false, security_ ? security_->accept_layer() : nullptr);
  }
}

void TcpTransport::adopt(Fd socket, const rt::Address& remote, bool connecting, std::unique_ptr<StreamLayer> layer) {
  int on = 1;
  setsockopt(socket.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);  // SIP messages are small
  const int fd = socket.get();
  auto connection = std::make_unique<Connection>();
  connection->socket = std::move(socket);
  connection->local = local_;
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) == 0) connection->local = from_sockaddr(storage);
  connection->remote = remote;
  connection->connecting = connecting;
  connection->last_activity = monotonic_now();
  if (layer) {
    connection->layer = std::move(layer);
    connection->handshake_timer =
        loop_.start_timer(options_.handshake_timeout, [this, fd] { on_handshake_timeout(fd); });
  }
  // A newer connection from the same address replaces the older one for sending.
  by_remote_[remote] = fd;
  connections_.emplace(fd, std::move(connection));
  loop_.watch_readable(fd, [this, fd] { on_readable(fd); });
  if (connecting) loop_.set_writable_callback(fd, [this, fd] { on_writable(fd); });
}

TcpTransport::Connection* TcpTransport::connect_to(const rt::Address& to) {
  Fd socket(::socket(to.is_v6() ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!socket.valid()) return nullptr;
  sockaddr_storage storage{};
  const socklen_t length = to_sockaddr(to, storage);
  std::unique_ptr<StreamLayer> layer;
  if (security_) {
    layer = security_->connect_layer(to);
    if (!layer) {
      log(fmt::format("{}: {}: not sent: this end opens no {} connections (only accepts them)", prefix(),
                      to.to_string(), prefix()));
      return nullptr;
    }
  }
  if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&storage), length) != 0 &&
      errno != EINPROGRESS) {
    return nullptr;
  }
  ++stats_.connected;
  const int fd = socket.get();
  adopt(std::move(socket), to, true, std::move(layer));
  return connections_.at(fd).get();
}

void TcpTransport::send(const rt::Address& to, std::string_view bytes) {
  Connection* connection = nullptr;
  if (auto it = by_remote_.find(to); it != by_remote_.end()) connection = connections_.at(it->second).get();
  if (connection == nullptr) connection = connect_to(to);
  if (connection == nullptr) {
    ++stats_.send_errors;  // no socket, or a connect refused at once
    report_unreachable(to);
    return;
  }
  connection->last_activity = monotonic_now();
  if (!connection->layer) {
    ++stats_.sent;
    queue_wire(*connection, bytes);
    return;
  }
  std::string wire;
  if (!connection->layer->send(bytes, wire)) {
    ++stats_.send_errors;  // the session failed, or holds too much before its handshake
    ++stats_.layer_errors;
    report_unreachable(to);
    return;
  }
  ++stats_.sent;
  if (!wire.empty()) queue_wire(*connection, wire);
}

void TcpTransport::queue_wire(Connection& connection, std::string_view bytes) {
  tap_.report(wiretap::Direction::sent, kind(), connection.local, connection.remote, bytes);
  connection.output.append(bytes);
  if (!connection.connecting) flush(connection);
}

void TcpTransport::flush(Connection& connection) {
  const int fd = connection.socket.get();
  while (!connection.output.empty()) {
    const auto n = ::send(fd, connection.output.data(), connection.output.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      connection.output.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      loop_.set_writable_callback(fd, [this, fd] { on_writable(fd); });
      return;
    }
    // The peer is gone (EPIPE, ECONNRESET): what was queued is lost; the reader closes the
    // connection.
    ++stats_.send_errors;
    connection.output.clear();
    report_unreachable(connection.remote);
    break;
  }
  loop_.set_writable_callback(fd, nullptr);
}

void TcpTransport::on_writable(int fd) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  Connection& connection = *it->second;
  if (connection.connecting) {
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      ++stats_.send_errors;  // refused, unreachable or timed out: the queued messages are lost
      report_unreachable(connection.remote);
      close(fd);
      return;
    }
    connection.connecting = false;
  }
  flush(connection);
  if (connection.closing && connection.output.empty()) close(fd);
}

void TcpTransport::on_readable(int fd) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  Connection* connection = it->second.get();
  std::array<char, kReadChunk> chunk{};
  const auto n = ::recv(fd, chunk.data(), chunk.size(), MSG_DONTWAIT);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    // Closed or reset before what was queued could go (or before the connect completed).
    if (connection->connecting || !connection->output.empty()) {
      ++stats_.send_errors;
      report_unreachable(connection->remote);
    }
    close(fd);
    return;
  }
  if (n < 0) return;
  connection->last_activity = monotonic_now();
  if (connection->closing) return;  // refused: only its answer is still going out
  const std::string_view bytes(chunk.data(), static_cast<std::size_t>(n));
  if (connection->layer) {
    if (!receive_through_layer(fd, *connection, bytes)) return;
  } else {
    connection->input.append(bytes);
  }
  const rt::Address remote = connection->remote;
  for (;;) {
    const auto length = sip::frame_length(connection->input);
    if (!length) {
      ++stats_.framing_errors;
      refuse(fd);
      return;
    }
    if (*length == 0) return;  // the rest of the message is still on its way
    // Cut first: the handler may send, which may open connections (and move the map's nodes).
    std::string message = connection->input.substr(0, *length);
    connection->input.erase(0, *length);
    ++stats_.received;
    if (!connection->layer) tap_.report(wiretap::Direction::received, kind(), remote, connection->local, message);
    if (handler_ != nullptr) handler_->on_datagram(local_, remote, message);
    it = connections_.find(fd);
    if (it == connections_.end()) return;  // closed while handling
    connection = it->second.get();
  }
}

// The layer's answer (handshake messages, alerts) is written first; a failure closes the
// connection once that is out, with the layer's reason in the log.
bool TcpTransport::receive_through_layer(int fd, Connection& connection, std::string_view bytes) {
  tap_.report(wiretap::Direction::received, kind(), connection.remote, connection.local, bytes);
  const bool was_established = connection.layer->established();
  std::string wire;
  const auto result = connection.layer->receive(bytes, connection.input, wire);
  if (!wire.empty()) queue_wire(connection, wire);
  if (!was_established && connection.layer->established()) {
    ++stats_.handshakes;
    loop_.cancel_timer(connection.handshake_timer);
    connection.handshake_timer = rt::kNoTimer;
  }
  if (result == StreamLayer::Result::ok) return true;
  if (result == StreamLayer::Result::failed) {
    if (connection.layer->established()) {
      ++stats_.layer_errors;
      log(fmt::format("{}: {}: closed: {}", prefix(), connection.remote.to_string(), connection.layer->error()));
    } else {
      ++stats_.handshake_failures;
      log(fmt::format("{}: {}: handshake failed: {}", prefix(), connection.remote.to_string(),
                      connection.layer->error()));
    }
  }
  connection.input.clear();
  connection.closing = true;  // on_writable closes it once the alert is out
  if (connection.output.empty()) close(fd);
  return false;
}

void TcpTransport::on_handshake_timeout(int fd) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  it->second->handshake_timer = rt::kNoTimer;
  ++stats_.handshake_timeouts;
  log(fmt::format("{}: {}: handshake not completed within {} ms: closed", prefix(),
                  it->second->remote.to_string(),
                  std::chrono::duration_cast<std::chrono::milliseconds>(options_.handshake_timeout).count()));
  close(fd);
}

// A stream that cannot be framed: closed, after a 513 when it is only too large.
void TcpTransport::refuse(int fd) {
  Connection& connection = *connections_.at(fd);
  const auto head = sip::oversized_frame_head(connection.input);
  if (!head || handler_ == nullptr) return close(fd);
  ++stats_.oversized;
  const std::string copy(*head);
  const rt::Address remote = connection.remote;
  connection.input.clear();
  connection.closing = true;
  handler_->on_oversized(local_, remote, copy);
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  // Written at once, or queued with the writable callback set by flush: on_writable closes it.
  if (it->second->output.empty()) close(fd);
}

void TcpTransport::report_unreachable(const rt::Address& remote) {
  if (unreachable_timers_.contains(remote)) return;  // one notice covers every message lost so far
  ++stats_.unreachable;
  const rt::TimerId timer = loop_.start_timer(rt::Duration::zero(), [this, remote] {
    unreachable_timers_.erase(remote);
    if (handler_ != nullptr) handler_->on_unreachable(local_, remote);
  });
  unreachable_timers_.emplace(remote, timer);
}

void TcpTransport::close(int fd) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  loop_.unwatch(fd);
  loop_.cancel_timer(it->second->handshake_timer);
  if (auto owner = by_remote_.find(it->second->remote); owner != by_remote_.end() && owner->second == fd) {
    by_remote_.erase(owner);
  }
  ++stats_.closed;
  connections_.erase(it);  // closes the socket
}

}  // namespace trunklab::realtime
