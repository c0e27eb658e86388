// rt::Transport over TCP (RFC 3261 §18): a listening socket, the connections peers open to it,
// and the ones it opens itself. Every message is cut out of the byte stream by
// sip::frame_length (Content-Length is mandatory on streams, §18.3) and handed on like a
// datagram, with the connection's remote address as its source; a response or request to that
// address goes back on the same connection (§18.2.2), else a new connection is opened.
// A stream that cannot be framed (no or a bad Content-Length, oversized headers) is closed:
// nothing after the damage can be trusted. One over the framing limits (headers over 64 kB, a
// body over 16 MB) is first handed to DatagramHandler::on_oversized (the reference answers
// 513 Message Too Large, RFC 3261 §21.5.14), and closed once that answer is written. Non-blocking: output the kernel will not take yet is
// queued until the socket is writable.
// A StreamSecurity (TLS, tls_transport.hpp) puts a layer between each connection's socket bytes
// and its messages: the framing, limits and connection handling stay the same; the capture
// then sees the bytes on the wire (TLS records), not the messages.
// What it could not carry is reported to DatagramHandler::on_unreachable (a connect refused or
// timed out by the kernel, a write error, a connection reset with output still queued), so the
// transaction layer fails those transactions at once (RFC 3261 §8.1.3.1: a 503) instead of
// after timer B/F. Always from the event loop, never inside send(): the handler is the
// transaction layer, which is not re-entrant while it sends.
#pragma once

#include "reference/rt/transport.hpp"
#include "reference/realtime/event_loop.hpp"
#include "wiretap/observer.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <variant>

namespace trunklab::realtime {

struct TcpOptions {
  // A connection with nothing read or written for this long is closed (a peer that went away
  // without a FIN, or one that holds connections open for nothing). Like Kamailio's
  // tcp_connection_lifetime, but longer: phones re-register well within it.
  rt::Duration idle_timeout = std::chrono::minutes(5);
  // Connections beyond this are closed as soon as accepted: descriptors and buffers are finite.
  std::size_t max_connections = 4096;
  // A connection with a security layer that has not completed its handshake within this is
  // closed (one that connects and sends nothing, or stalls half way, holds a slot for nothing).
  rt::Duration handshake_timeout = std::chrono::seconds(10);
};

// The security layer of one connection (TLS): bytes read from the socket in, messages out.
class StreamLayer {
public:
  virtual ~StreamLayer() = default;
  enum class Result { ok, failed, closed };
  // Bytes read: their plaintext appended to `plain`, what must be written back to `wire`.
  // failed: close the connection once `wire` (an alert) is written; error() says why.
  virtual Result receive(std::string_view bytes, std::string& plain, std::string& wire) = 0;
  // A message: the bytes to write appended to `wire` (or held until the handshake is done).
  virtual bool send(std::string_view message, std::string& wire) = 0;
  virtual bool established() const = 0;
  virtual std::string description() const = 0;  // "TLSv1.3 TLS_AES_256_GCM_SHA384"
  virtual std::string error() const = 0;
};

// Makes the layer of each connection a stream transport accepts; nullptr: none.
class StreamSecurity {
public:
  virtual ~StreamSecurity() = default;
  virtual rt::TransportKind kind() const = 0;  // tls
  virtual std::unique_ptr<StreamLayer> accept_layer() = 0;
  // The layer of a connection this end opens; nullptr: this end opens none (a server-only context).
  virtual std::unique_ptr<StreamLayer> connect_layer(const rt::Address& to) = 0;
};

struct TcpStats {
  std::uint64_t accepted = 0;
  std::uint64_t connected = 0;       // connections opened to send
  std::uint64_t closed = 0;
  std::uint64_t received = 0;        // messages framed and handed on
  std::uint64_t sent = 0;            // messages queued for sending
  std::uint64_t framing_errors = 0;  // streams closed because they could not be framed
  std::uint64_t oversized = 0;       // of those, over the framing limits: answered 513 first
  std::uint64_t send_errors = 0;     // connect or write failures (the message is lost)
  std::uint64_t unreachable = 0;     // on_unreachable notices posted (one per peer while pending)
  std::uint64_t idle_closed = 0;     // closed after idle_timeout
  std::uint64_t over_limit = 0;      // accepted and closed at once: max_connections reached
  // With a security layer (TLS):
  std::uint64_t handshakes = 0;          // completed
  std::uint64_t handshake_failures = 0;  // refused (bad certificate, no shared cipher, ...)
  std::uint64_t handshake_timeouts = 0;  // not completed within handshake_timeout
  std::uint64_t layer_errors = 0;        // after the handshake: a bad record, or the layer refused to send
};

class TcpTransport final : public rt::Transport {
public:
  // Listens on `address` (port 0: the kernel picks). The error names the address and the
  // system's reason, e.g. "tcp:127.0.0.1:5060: bind: Address already in use".
  static std::variant<std::unique_ptr<TcpTransport>, std::string> open(EventLoop& loop,
                                                                      const rt::Address& address,
                                                                      TcpOptions options = {},
                                                                      StreamSecurity* security = nullptr);
  ~TcpTransport() override;
  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;

  void set_handler(rt::DatagramHandler* handler) { handler_ = handler; }
  // Where every message sent (as queued on its connection) and received (as framed) is
  // reported with the connection's own addresses (the ephemeral port of one it opened),
  // stamped by `clock`; nullptr: none. Not owned.
  void set_observer(wiretap::Observer* observer, const rt::Clock& clock) { tap_ = wiretap::Tap(observer, clock); }

  // What the transport says of its connections that the counters cannot: a refused TLS
  // handshake and its reason, the connection limit reached. nullptr: nothing said.
  void set_log(std::function<void(const std::string&)> log) { log_ = std::move(log); }

  rt::TransportKind kind() const override { return security_ ? security_->kind() : rt::TransportKind::tcp; }
  rt::Address local_address() const override { return local_; }
  void send(const rt::Address& to, std::string_view bytes) override;
  std::size_t max_datagram_bytes() const override { return rt::kNoDatagramLimit; }
  bool connected_to(const rt::Address& to) const override { return by_remote_.contains(to); }

  const TcpStats& stats() const { return stats_; }
  std::size_t connection_count() const { return connections_.size(); }

  // A peer that opens connections and never completes a message cannot hold memory forever:
  // a connection's unframed input is bounded by sip::frame_length's header and body limits,
  // its life by idle_timeout, and the number of connections by max_connections.

private:
  struct Connection {
    Fd socket;
    rt::Address local;  // this end of the connection (getsockname)
    rt::Address remote;
    std::string input;   // bytes read, not yet a whole message
    std::string output;  // bytes queued, not yet taken by the kernel
    bool connecting = false;
    bool closing = false;  // refused: input ignored, closed once `output` is flushed
    rt::Duration last_activity{};  // monotonic
    std::unique_ptr<StreamLayer> layer;  // nullptr: plain TCP
    rt::TimerId handshake_timer = rt::kNoTimer;
  };

  TcpTransport(EventLoop& loop, Fd listener, rt::Address local, TcpOptions options, StreamSecurity* security);
  std::string prefix() const;  // "tls" or "tcp", as log lines and errors start
  void log(const std::string& line) const;
  // Bytes for the socket: reported to the tap (with a layer: the wire bytes) and queued.
  void queue_wire(Connection& connection, std::string_view bytes);
  // Bytes read from the socket through the layer; false when the connection was closed.
  bool receive_through_layer(int fd, Connection& connection, std::string_view bytes);
  void on_handshake_timeout(int fd);
  void sweep_idle();
  void on_acceptable();
  Connection* connect_to(const rt::Address& to);
  void adopt(Fd socket, const rt::Address& remote, bool connecting, std::unique_ptr<StreamLayer> layer);
  void on_readable(int fd);
  void on_writable(int fd);
  void flush(Connection& connection);
  void refuse(int fd);
  void close(int fd);
  // Posts on_unreachable(remote) through a zero-delay timer, once per remote while pending.
  void report_unreachable(const rt::Address& remote);

  EventLoop& loop_;
  TcpOptions options_;
  StreamSecurity* security_ = nullptr;  // not owned
  std::function<void(const std::string&)> log_;
  rt::TimerId sweep_timer_ = rt::kNoTimer;
  Fd listener_;
  rt::Address local_;
  rt::DatagramHandler* handler_ = nullptr;
  wiretap::Tap tap_;
  std::map<int, std::unique_ptr<Connection>> connections_;  // by socket
  std::map<rt::Address, int> by_remote_;
  // Notifications not yet delivered; bounded by the remotes (one each), cancelled with the
  // transport (their callbacks point here).
  std::map<rt::Address, rt::TimerId> unreachable_timers_;
  TcpStats stats_;
};

}  // namespace trunklab::realtime
