// One TLS connection's state, socket-free: bytes read from the stream go in, the plaintext they
// carry comes out, and what TLS must send (handshake messages, records, alerts) is appended to a
// buffer the caller writes to the stream. Memory BIOs rather than OpenSSL's socket BIO: the
// transport keeps doing all socket I/O (non-blocking, in its event loop), and the same session
// can run over a simulated stream.
#pragma once

#include "reference/tls/context.hpp"

#include <openssl/ssl.h>

#include <string>
#include <string_view>

namespace trunklab::tls {

class Session {
public:
  // The server end of a connection accepted with `context` (which must outlive it).
  explicit Session(const Context& context);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  enum class Result {
    ok,      // go on (the handshake may still be under way)
    failed,  // the handshake or a record failed: close (after writing `wire`, which may carry an alert)
    closed,  // the peer sent close_notify
  };
  // `bytes` read from the stream: their plaintext appended to `plain`, what must be written back
  // to `wire`. On failed, error() says why.
  Result receive(std::string_view bytes, std::string& plain, std::string& wire);
  // A message to send: its records appended to `wire`, or held until the handshake is done.
  // False when the session cannot take it (failed, or the held plaintext over its limit).
  bool send(std::string_view message, std::string& wire);

  bool established() const { return established_; }
  // "TLSv1.3 TLS_AES_256_GCM_SHA384" once established.
  std::string description() const;
  // Why the session failed: OpenSSL's reason, with the certificate check's when that failed
  // ("certificate verify failed: self-signed certificate").
  const std::string& error() const { return error_; }

  // Plaintext sent before the handshake completed is held up to this many bytes.
  static constexpr std::size_t kMaxHeldBytes = 1 << 20;

private:
  Result handshake(std::string& wire);
  Result read_plain(std::string& plain);
  void drain(std::string& wire);
  Result fail(int ret);

  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;   // what was read from the stream (owned by ssl_)
  BIO* out_ = nullptr;  // what TLS wrote for the stream (owned by ssl_)
  bool established_ = false;
  bool failed_ = false;
  std::string held_;
  std::string error_;
};

}  // namespace trunklab::tls
