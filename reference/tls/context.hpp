// A TLS context for a server end (RFC 3261 §26.2: a SIP element on TLS proves its identity with
// a certificate): its certificate and key, TLS 1.2 and 1.3 only, and with a CA file client
// certificates requested and verified (mutual TLS). Bad files are refused when the context is
// made, naming the file and OpenSSL's reason, so serve refuses at start rather than at the
// first handshake. Optionally writes the key log (NSS format, the SSLKEYLOGFILE Wireshark
// reads) so a capture of the connections can be decrypted.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <variant>

namespace trunklab::tls {

struct ServerFiles {
  std::string certificate;  // PEM: the certificate, then any intermediates
  std::string key;          // PEM private key
  std::string ca;           // "" = no client certificates; else PEM CAs client certificates must chain to
  std::string keylog;       // "" = none; else appended with the NSS key log lines of each handshake
};

struct KeylogStats {
  std::uint64_t lines = 0;
  std::uint64_t dropped = 0;  // over kMaxKeylogBytes, or a write error
};

class Context {
public:
  // A key log is a debugging aid: it stops growing past this many bytes (lines counted dropped).
  static constexpr std::uint64_t kMaxKeylogBytes = std::uint64_t{256} << 20;

  // The context, or a message naming the file at fault: "--cert server.pem: no certificate
  // found (PEM routines: no start line)".
  static std::variant<std::unique_ptr<Context>, std::string> server(const ServerFiles& files);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  SSL_CTX* get() const { return ctx_; }
  bool verifies_clients() const { return verify_clients_; }
  const std::string& keylog_path() const { return keylog_path_; }
  const KeylogStats& keylog_stats() const { return keylog_stats_; }

private:
  Context() = default;
  static void on_keylog(const SSL* ssl, const char* line);
  void write_keylog(const char* line);

  SSL_CTX* ctx_ = nullptr;
  bool verify_clients_ = false;
  std::string keylog_path_;
  std::FILE* keylog_ = nullptr;
  std::uint64_t keylog_bytes_ = 0;
  KeylogStats keylog_stats_;
};

// The reason of the last error on OpenSSL's error queue ("no shared cipher"), "" when none;
// clears the queue.
std::string last_error_reason();

}  // namespace trunklab::tls
