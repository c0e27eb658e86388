// The TLS transport's limits, in process on loopback: a connection that never completes its
// handshake is closed after TcpOptions::handshake_timeout, a client speaking plain SIP to the
// TLS port is refused with OpenSSL's reason, and connections beyond the limit are refused; each
// is said in the transport's log and counted, never silent.
#include "reference/realtime/clock.hpp"
#include "reference/realtime/event_loop.hpp"
#include "reference/realtime/sockaddr.hpp"
#include "reference/realtime/tls_transport.hpp"
#include "tests/realtime/child_process.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace trunklab::realtime {
namespace {

using namespace std::chrono_literals;
using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using testing::ChildProcess;

constexpr rt::Duration kBound = 5s;  // only a hung loop reaches it

void run_until(EventLoop& loop, const std::function<bool()>& done) {
  const auto end = monotonic_now() + kBound;
  while (!done() && monotonic_now() < end) loop.run_for(5ms);
}

// A plain TCP client: what a phone that does not speak TLS, or a stalled one, sends.
struct RawClient {
  explicit RawClient(const rt::Address& server) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_storage storage{};
    const auto length = to_sockaddr(server, storage);
    connected = ::connect(fd, reinterpret_cast<const sockaddr*>(&storage), length) == 0;
  }
  ~RawClient() { ::close(fd); }
  // False once the server closed the connection.
  bool open() const {
    char buffer[4096];
    for (;;) {
      const auto n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) continue;
      return n < 0;
    }
  }
  int fd = -1;
  bool connected = false;
};

class TlsTransportTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("trunklab-tls-transport-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    const auto openssl = testing::find_on_path("openssl");
    ASSERT_TRUE(openssl) << "the openssl CLI is not installed (tools/setup.sh installs it)";
    ChildProcess make({*openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                       "-days", "2", "-subj", "/CN=127.0.0.1", "-keyout", (dir_ / "key.pem").string(), "-out",
                       (dir_ / "cert.pem").string()});
    ASSERT_EQ(make.wait(15s), 0) << make.output();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<TlsTransport> open(TcpOptions options) {
    tls::ServerFiles files{(dir_ / "cert.pem").string(), (dir_ / "key.pem").string(), "", ""};
    auto opened = TlsTransport::open(loop_, rt::Address::ipv4(0x7f000001, 0), files, options);
    if (auto* error = std::get_if<std::string>(&opened)) {
      ADD_FAILURE() << *error;
      return nullptr;
    }
    auto tls = std::move(std::get<std::unique_ptr<TlsTransport>>(opened));
    tls->transport->set_log([this](const std::string& line) { log_.push_back(line); });
    return tls;
  }

  EventLoop loop_;
  std::vector<std::string> log_;
  std::filesystem::path dir_;
};

TEST_F(TlsTransportTest, AHandshakeNotCompletedInTimeIsClosedAndLogged) {
  TcpOptions options;
  options.handshake_timeout = 50ms;
  auto tls = open(options);
  ASSERT_TRUE(tls);
  RawClient stalled(tls->transport->local_address());
  ASSERT_TRUE(stalled.connected);
  run_until(loop_, [&] { return !stalled.open(); });
  EXPECT_FALSE(stalled.open()) << "closed by the server";
  EXPECT_EQ(tls->transport->stats().handshake_timeouts, 1u);
  EXPECT_EQ(tls->transport->connection_count(), 0u);
  EXPECT_THAT(log_, ElementsAre(ContainsRegex(R"(^tls: 127\.0\.0\.1:[0-9]+: handshake not completed within 50 ms: closed$)")));
}

TEST_F(TlsTransportTest, PlainSipToTheTlsPortIsRefusedWithOpenSslsReason) {
  auto tls = open({});
  ASSERT_TRUE(tls);
  RawClient plain(tls->transport->local_address());
  const std::string options = "OPTIONS sip:ping@127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n";
  ASSERT_EQ(::send(plain.fd, options.data(), options.size(), MSG_NOSIGNAL), static_cast<ssize_t>(options.size()));
  run_until(loop_, [&] { return !plain.open(); });
  EXPECT_FALSE(plain.open());
  EXPECT_EQ(tls->transport->stats().handshake_failures, 1u);
  EXPECT_EQ(tls->transport->stats().received, 0u) << "nothing reached the SIP layer";
  EXPECT_THAT(log_, ElementsAre(ContainsRegex(R"(^tls: 127\.0\.0\.1:[0-9]+: handshake failed: wrong version number$)")));
}

TEST_F(TlsTransportTest, ConnectionsBeyondTheLimitAreRefusedAndLogged) {
  TcpOptions options;
  options.max_connections = 1;
  auto tls = open(options);
  ASSERT_TRUE(tls);
  RawClient first(tls->transport->local_address());
  run_until(loop_, [&] { return tls->transport->connection_count() == 1; });
  RawClient second(tls->transport->local_address());
  run_until(loop_, [&] { return !second.open(); });
  EXPECT_FALSE(second.open());
  EXPECT_TRUE(first.open());
  EXPECT_EQ(tls->transport->stats().over_limit, 1u);
  EXPECT_THAT(log_, ElementsAre(ContainsRegex(
                        R"(^tls: 127\.0\.0\.1:[0-9]+: refused: 1 connections open, the limit \(1 refused so far\)$)")));
}

}  // namespace
}  // namespace trunklab::realtime
