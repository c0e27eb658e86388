// A SIP phone's end of a TLS connection for tests against `trunklab serve`, on 127.0.0.1: a
// blocking socket whose reads and handshake are bounded (SO_RCVTIMEO), OpenSSL's client, the
// server's certificate checked against the test's CA, optionally a client certificate.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <regex>
#include <string>

namespace trunklab::testing {

struct TlsClientOptions {
  std::string ca;           // verifies serve's certificate
  std::string certificate;  // "" = none
  std::string key;
  int version = 0;          // TLS1_2_VERSION or TLS1_3_VERSION: only that one; 0: either
};

class TlsClient {
public:
  TlsClient(std::uint16_t port, const TlsClientOptions& options) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx_, options.ca.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (options.version != 0) {
      SSL_CTX_set_min_proto_version(ctx_, options.version);
      SSL_CTX_set_max_proto_version(ctx_, options.version);
    }
    if (!options.certificate.empty()) {
      SSL_CTX_use_certificate_chain_file(ctx_, options.certificate.c_str());
      SSL_CTX_use_PrivateKey_file(ctx_, options.key.c_str(), SSL_FILETYPE_PEM);
    }
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval bound{5, 0};  // only a hung server reaches it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &bound, sizeof bound);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(port);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
      error_ = "connect failed";
      return;
    }
    sockaddr_in local{};
    socklen_t length = sizeof local;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &length);
    local_port_ = ntohs(local.sin_port);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set1_host(ssl_, "127.0.0.1");
    if (SSL_connect(ssl_) != 1) {
      char buffer[256];
      ERR_error_string_n(ERR_get_error(), buffer, sizeof buffer);
      error_ = buffer;
      return;
    }
    connected_ = true;
  }
  ~TlsClient() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  bool connected() const { return connected_; }
  const std::string& error() const { return error_; }
  std::uint16_t local_port() const { return local_port_; }
  std::string version() const { return connected_ ? SSL_get_version(ssl_) : ""; }

  bool write(const std::string& bytes) {
    return connected_ && SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size());
  }
  // The next whole message (headers and Content-Length body), "" when none came within the bound
  // or the connection closed (error() then says what OpenSSL saw).
  std::string read_message() {
    for (;;) {
      if (auto end = buffer_.find("\r\n\r\n"); end != std::string::npos) {
        std::smatch length;
        const std::string head = buffer_.substr(0, end);
        const std::size_t body =
            std::regex_search(head, length, std::regex(R"(\r\nContent-Length: *(\d+))", std::regex::icase))
                ? std::stoul(length[1].str())
                : 0;
        if (buffer_.size() >= end + 4 + body) {
          std::string message = buffer_.substr(0, end + 4 + body);
          buffer_.erase(0, message.size());
          return message;
        }
      }
      if (!connected_) return "";
      char chunk[4096];
      const int n = SSL_read(ssl_, chunk, sizeof chunk);
      if (n <= 0) {
        char buffer[256];
        ERR_error_string_n(ERR_get_error(), buffer, sizeof buffer);
        error_ = buffer;
        return "";
      }
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool connected_ = false;
  std::uint16_t local_port_ = 0;
  std::string error_;
  std::string buffer_;
};

}  // namespace trunklab::testing
