// rt::Transport over TLS (RFC 3261 §26, §18 over a secure stream): TcpTransport's connections,
// framing and limits with a tls::Session between each connection's socket and its messages, so
// a SIP message over TLS is handled exactly as one over TCP (Via SIP/2.0/TLS, the answer back on
// the connection it came in on, §18.2.2). Handshakes run in the event loop like every read
// (non-blocking: the session only ever sees bytes already read); one that fails is logged with
// OpenSSL's reason ("tls: 127.0.0.1:40312: handshake failed: certificate verify failed:
// unable to get local issuer certificate") and the connection closed after the alert; one not
// done within TcpOptions::handshake_timeout is closed and logged too.
// Server side only for now: serve accepts TLS connections; a request to a peer with no open
// connection is not sent (logged, reported unreachable: the transaction fails at once).
#pragma once

#include "reference/realtime/tcp_transport.hpp"
#include "reference/tls/context.hpp"

#include <memory>
#include <string>
#include <variant>

namespace trunklab::realtime {

class TlsSecurity final : public StreamSecurity {
public:
  explicit TlsSecurity(const tls::Context& context) : context_(context) {}
  rt::TransportKind kind() const override { return rt::TransportKind::tls; }
  std::unique_ptr<StreamLayer> accept_layer() override;
  std::unique_ptr<StreamLayer> connect_layer(const rt::Address& /*to*/) override { return nullptr; }

private:
  const tls::Context& context_;
};

// The TLS transport and what it needs to live: the context (certificates, key log) and the
// security layer factory, destroyed after the transport.
struct TlsTransport {
  std::unique_ptr<tls::Context> context;
  std::unique_ptr<TlsSecurity> security;
  std::unique_ptr<TcpTransport> transport;

  // Listens on `address` with the server files; the error names the file or the socket
  // ("--cert server.pem: ...", "tls:127.0.0.1:5061: bind: Address already in use").
  static std::variant<std::unique_ptr<TlsTransport>, std::string> open(EventLoop& loop, const rt::Address& address,
                                                                      const tls::ServerFiles& files,
                                                                      TcpOptions options = {});
};

}  // namespace trunklab::realtime
