// Drives `trunklab serve --listen tls:127.0.0.1:PORT` on loopback, one thread, blocking sockets
// with bounded reads (SO_RCVTIMEO), and prints what it sustained:
//   tls_bench handshakes PORT CA_FILE SECONDS
//     full handshakes (no resumption: serve keeps no session cache), each on a new connection,
//     closed at once; the rate is bound by both ends' CPU, one core each.
//   tls_bench registers PORT CA_FILE SECONDS CONNECTIONS [TLS_VERSION]
//     CONNECTIONS open TLS connections, account loadN on the Nth (`trunklab load
//     --print-config --users N`, password load-secret); in rounds, a REGISTER on every
//     connection, then every 401 read, then the REGISTER with the MD5 digest on every one, then
//     every 200: a registration = both transactions.
// Only 127.0.0.1 is ever connected to.
#include "reference/auth/digest.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <regex>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kDomain = "default.registrar.example.test";

struct Connection {
  SSL* ssl = nullptr;
  int fd = -1;
  std::uint16_t port = 0;
  std::string buffer;
  ~Connection() {
    if (ssl != nullptr) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
    }
    if (fd >= 0) ::close(fd);
  }
};

std::unique_ptr<Connection> connect_tls(SSL_CTX* ctx, std::uint16_t port) {
  auto c = std::make_unique<Connection>();
  c->fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval bound{5, 0};
  ::setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
  int on = 1;
  ::setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(port);
  if (::connect(c->fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) return nullptr;
  sockaddr_in local{};
  socklen_t length = sizeof local;
  ::getsockname(c->fd, reinterpret_cast<sockaddr*>(&local), &length);
  c->port = ntohs(local.sin_port);
  c->ssl = SSL_new(ctx);
  SSL_set_fd(c->ssl, c->fd);
  if (SSL_connect(c->ssl) != 1) return nullptr;
  return c;
}

bool write_all(Connection& c, const std::string& bytes) {
  return SSL_write(c.ssl, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size());
}

// The next whole message (the test's messages have Content-Length: 0 or a small body).
std::string read_message(Connection& c) {
  static const std::regex content_length(R"(\r\nContent-Length: *(\d+))", std::regex::icase);
  for (;;) {
    if (auto end = c.buffer.find("\r\n\r\n"); end != std::string::npos) {
      std::smatch m;
      const std::string head = c.buffer.substr(0, end);
      const std::size_t body = std::regex_search(head, m, content_length) ? std::stoul(m[1].str()) : 0;
      if (c.buffer.size() >= end + 4 + body) {
        std::string message = c.buffer.substr(0, end + 4 + body);
        c.buffer.erase(0, message.size());
        return message;
      }
    }
    char chunk[8192];
    const int n = SSL_read(c.ssl, chunk, sizeof chunk);
    if (n <= 0) return "";
    c.buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

std::string register_request(const std::string& user, const Connection& c, int cseq, const std::string& authorization) {
  const std::string port = std::to_string(c.port);
  return "REGISTER sip:" + std::string(kDomain) + " SIP/2.0\r\n"
         "Via: SIP/2.0/TLS 127.0.0.1:" + port + ";branch=z9hG4bKb" + port + "x" + std::to_string(cseq) + ";rport\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:" + user + "@" + kDomain + ">;tag=" + port + "\r\n"
         "To: <sip:" + user + "@" + kDomain + ">\r\n"
         "Call-ID: bench-" + port + "@127.0.0.1\r\n"
         "CSeq: " + std::to_string(cseq) + " REGISTER\r\n"
         "Contact: <sips:" + user + "@127.0.0.1:" + port + ">\r\n" +
         (authorization.empty() ? "" : "Authorization: " + authorization + "\r\n") +
         "Expires: 600\r\nContent-Length: 0\r\n\r\n";
}

std::string authorization_for(const std::string& user, const std::string& challenge) {
  static const std::regex realm_re(R"re(realm="([^"]+)")re");
  static const std::regex nonce_re(R"re(nonce="([^"]+)")re");
  std::smatch realm;
  std::smatch nonce;
  if (!std::regex_search(challenge, realm, realm_re) || !std::regex_search(challenge, nonce, nonce_re)) return "";
  const std::string uri = "sip:" + std::string(kDomain);
  const auto md5 = [](const std::string& s) { return trunklab::auth::hash_hex(trunklab::auth::Algorithm::md5, s); };
  const std::string ha1 = md5(user + ":" + realm[1].str() + ":load-secret");
  const std::string response = md5(ha1 + ":" + nonce[1].str() + ":00000001:c0ffee:auth:" + md5("REGISTER:" + uri));
  return "Digest username=\"" + user + "\", realm=\"" + realm[1].str() + "\", nonce=\"" + nonce[1].str() + "\", uri=\"" +
         uri + "\", response=\"" + response + "\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"c0ffee\"";
}

int handshakes(SSL_CTX* ctx, std::uint16_t port, double seconds) {
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  const auto start = Clock::now();
  std::uint64_t done = 0;
  std::uint64_t failed = 0;
  while (Clock::now() < end) {
    if (connect_tls(ctx, port)) {
      ++done;
    } else {
      ++failed;
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("handshakes %llu failed %llu in %.2f s: %.0f handshakes/s\n", static_cast<unsigned long long>(done),
              static_cast<unsigned long long>(failed), elapsed, static_cast<double>(done) / elapsed);
  return failed == 0 ? 0 : 1;
}

int registers(SSL_CTX* ctx, std::uint16_t port, double seconds, std::size_t count) {
  std::vector<std::unique_ptr<Connection>> connections;
  for (std::size_t i = 0; i < count; ++i) {
    auto c = connect_tls(ctx, port);
    if (!c) {
      std::fprintf(stderr, "tls_bench: connection %zu failed\n", i + 1);
      return 1;
    }
    connections.push_back(std::move(c));
  }
  std::printf("%zu connections, %s\n", count, SSL_get_version(connections.front()->ssl));
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
  int cseq = 0;
  std::vector<std::string> challenges(count);
  while (Clock::now() < end) {
    cseq += 2;
    for (std::size_t i = 0; i < count; ++i) {
      write_all(*connections[i], register_request("load" + std::to_string(i + 1), *connections[i], cseq - 1, ""));
    }
    for (std::size_t i = 0; i < count; ++i) challenges[i] = read_message(*connections[i]);
    for (std::size_t i = 0; i < count; ++i) {
      const std::string user = "load" + std::to_string(i + 1);
      write_all(*connections[i], register_request(user, *connections[i], cseq, authorization_for(user, challenges[i])));
    }
    for (std::size_t i = 0; i < count; ++i) {
      if (read_message(*connections[i]).starts_with("SIP/2.0 200 ")) {
        ++ok;
      } else {
        ++failed;
      }
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("registrations %llu (200 OK) failed %llu in %.2f s: %.0f REGISTER-with-digest/s (%.0f SIP transactions/s)\n",
              static_cast<unsigned long long>(ok), static_cast<unsigned long long>(failed), elapsed,
              static_cast<double>(ok) / elapsed, 2.0 * static_cast<double>(ok) / elapsed);
  return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: tls_bench handshakes|registers PORT CA_FILE SECONDS [CONNECTIONS] [1.2|1.3]\n");
    return 2;
  }
  const std::string mode = argv[1];
  const auto port = static_cast<std::uint16_t>(std::atoi(argv[2]));
  const double seconds = std::atof(argv[4]);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(ctx, argv[3], nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (argc > 6) {
    const int version = std::string(argv[6]) == "1.2" ? TLS1_2_VERSION : TLS1_3_VERSION;
    SSL_CTX_set_min_proto_version(ctx, version);
    SSL_CTX_set_max_proto_version(ctx, version);
  }
  int status = 2;
  if (mode == "handshakes") status = handshakes(ctx, port, seconds);
  if (mode == "registers") status = registers(ctx, port, seconds, argc > 5 ? static_cast<std::size_t>(std::atoi(argv[5])) : 10);
  SSL_CTX_free(ctx);
  return status;
}
