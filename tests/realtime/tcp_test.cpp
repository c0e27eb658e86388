// SIP over TCP on loopback: messages cut out of the stream by Content-Length whatever the
// segmenting, answers on the connection the request came in on, unframeable streams closed,
// refused connections counted, and the reference server answering a REGISTER over TCP.
#include "reference/element/reference_server.hpp"
#include "reference/registrar/store.hpp"
#include "reference/realtime/clock.hpp"
#include "reference/realtime/event_loop.hpp"
#include "reference/config/example.hpp"
#include "reference/realtime/real_random.hpp"
#include "reference/realtime/sockaddr.hpp"
#include "reference/realtime/tcp_transport.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace trunklab::realtime {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using config::example_config;

// Generous bound for waits that normally take microseconds: only a hung loop reaches it.
constexpr rt::Duration kBound = 5s;

const std::string kOptions =
    "OPTIONS sip:ping@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-tcp-1\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:a@127.0.0.1>;tag=1\r\n"
    "To: <sip:ping@127.0.0.1>\r\n"
    "Call-ID: tcp-1@127.0.0.1\r\n"
    "CSeq: 1 OPTIONS\r\n"
    "Content-Length: 5\r\n\r\n"
    "hello";

std::unique_ptr<TcpTransport> open_tcp(EventLoop& loop, TcpOptions options = {}) {
  auto opened = TcpTransport::open(loop, rt::Address::ipv4(0x7f000001, 0), options);  // port 0: the kernel picks
  if (auto* error = std::get_if<std::string>(&opened)) {
    ADD_FAILURE() << *error;
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<TcpTransport>>(opened));
}

class Collector final : public rt::DatagramHandler {
public:
  void on_datagram(const rt::Address&, const rt::Address& remote, std::string_view bytes) override {
    from.push_back(remote);
    got.emplace_back(bytes);
    if (reply) reply(remote);
  }
  std::vector<rt::Address> from;
  std::vector<std::string> got;
  std::function<void(const rt::Address&)> reply;
};

// A plain blocking TCP client, read without blocking between loop turns.
struct RawClient {
  explicit RawClient(const rt::Address& server) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_storage storage{};
    const auto length = to_sockaddr(server, storage);
    connected = ::connect(fd, reinterpret_cast<const sockaddr*>(&storage), length) == 0;
  }
  ~RawClient() { ::close(fd); }
  void write(const std::string& bytes) const {
    ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }
  // Appends what has arrived; false once the server closed the connection.
  bool read_available() {
    char buffer[4096];
    for (;;) {
      const auto n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) {
        received.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      return n < 0;  // 0: orderly close
    }
  }
  int fd = -1;
  bool connected = false;
  std::string received;
};

void run_until(EventLoop& loop, const std::function<bool()>& done) {
  const auto end = monotonic_now() + kBound;
  while (!done() && monotonic_now() < end) loop.run_for(5ms);
}

TEST(TcpTransport, FramesMessagesHoweverTheStreamIsSegmented) {
  EventLoop loop;
  auto server = open_tcp(loop);
  ASSERT_TRUE(server);
  Collector at_server;
  server->set_handler(&at_server);
  RawClient client(server->local_address());
  ASSERT_TRUE(client.connected);
  client.write(kOptions.substr(0, 40));  // half a start line and headers
  run_until(loop, [&] { return server->connection_count() == 1; });
  loop.run_for(20ms);
  EXPECT_TRUE(at_server.got.empty()) << "nothing is handed on before the message is whole";
  client.write(kOptions.substr(40) + "\r\n\r\n" + kOptions);  // the rest, a keep-alive, another
  run_until(loop, [&] { return at_server.got.size() == 3; });
  ASSERT_EQ(at_server.got.size(), 3u);
  EXPECT_EQ(at_server.got[0], kOptions);
  EXPECT_EQ(at_server.got[1], "\r\n\r\n");
  EXPECT_EQ(at_server.got[2], kOptions);
  EXPECT_EQ(server->stats().received, 3u);
}

TEST(TcpTransport, AnswersGoBackOnTheConnectionTheRequestCameOn) {
  EventLoop loop;
  auto a = open_tcp(loop);
  auto b = open_tcp(loop);
  ASSERT_TRUE(a && b);
  Collector at_a;
  Collector at_b;
  a->set_handler(&at_a);
  b->set_handler(&at_b);
  at_b.reply = [&](const rt::Address& from) { b->send(from, kOptions); };
  a->send(b->local_address(), kOptions);  // opens a connection
  run_until(loop, [&] { return at_a.got.size() == 1; });
  ASSERT_EQ(at_a.got.size(), 1u);
  EXPECT_EQ(at_a.from[0], b->local_address());
  EXPECT_EQ(a->connection_count(), 1u);
  EXPECT_EQ(b->connection_count(), 1u) << "the answer reused the accepted connection";
  EXPECT_EQ(a->stats().connected, 1u);
  EXPECT_EQ(b->stats().accepted, 1u);
  EXPECT_EQ(b->stats().connected, 0u);
}

TEST(TcpTransport, AStreamThatCannotBeFramedIsClosed) {
  EventLoop loop;
  auto server = open_tcp(loop);
  ASSERT_TRUE(server);
  Collector at_server;
  server->set_handler(&at_server);
  RawClient client(server->local_address());
  // RFC 3261 §18.3: Content-Length is mandatory on a stream; without it nothing can follow.
  client.write("OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK1\r\n\r\n");
  bool open = true;
  run_until(loop, [&] { return !(open = client.read_available()); });
  EXPECT_FALSE(open) << "the server closed the connection";
  EXPECT_TRUE(at_server.got.empty());
  EXPECT_EQ(server->stats().framing_errors, 1u);
  EXPECT_EQ(server->connection_count(), 0u);
}

TEST(TcpTransport, ARefusedConnectionIsCountedAndForgotten) {
  EventLoop loop;
  auto a = open_tcp(loop);
  auto closed = open_tcp(loop);
  ASSERT_TRUE(a && closed);
  const auto nobody = closed->local_address();
  closed.reset();  // nothing listens there any more
  a->send(nobody, kOptions);
  run_until(loop, [&] { return a->stats().send_errors == 1; });
  EXPECT_EQ(a->stats().send_errors, 1u);
  EXPECT_EQ(a->connection_count(), 0u);
}

TEST(TcpTransport, AnIdleConnectionIsClosed) {
  EventLoop loop;
  TcpOptions options;
  options.idle_timeout = 40ms;
  auto server = open_tcp(loop, options);
  ASSERT_TRUE(server);
  RawClient client(server->local_address());
  run_until(loop, [&] { return server->connection_count() == 1; });
  bool open = true;
  run_until(loop, [&] { return !(open = client.read_available()); });
  EXPECT_FALSE(open) << "the server closed the idle connection";
  EXPECT_EQ(server->stats().idle_closed, 1u);
  EXPECT_EQ(server->connection_count(), 0u);
}

TEST(TcpTransport, ConnectionsBeyondTheLimitAreClosedAtOnce) {
  EventLoop loop;
  TcpOptions options;
  options.max_connections = 1;
  auto server = open_tcp(loop, options);
  ASSERT_TRUE(server);
  RawClient first(server->local_address());
  run_until(loop, [&] { return server->connection_count() == 1; });
  RawClient second(server->local_address());
  bool open = true;
  run_until(loop, [&] { return !(open = second.read_available()); });
  EXPECT_FALSE(open);
  EXPECT_TRUE(first.read_available()) << "the first connection stays";
  EXPECT_EQ(server->stats().over_limit, 1u);
  EXPECT_EQ(server->connection_count(), 1u);
}

TEST(TcpTransport, ReferenceServerChallengesARegisterOverTcp) {
  EventLoop loop;
  SystemClock clock;
  OsRandom random;
  registrar::MemoryStore store;
  auto config = example_config();
  auto tcp = open_tcp(loop);
  ASSERT_TRUE(tcp);
  element::ReferenceServer server(config, clock, loop, *tcp, random, store);
  tcp->set_handler(&server.datagram_handler());
  RawClient client(tcp->local_address());
  const std::string domain = config.registrar_domain(config::kDefaultCustomer);
  client.write("REGISTER sip:" + domain + " SIP/2.0\r\n"
               "Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-tcp-reg\r\n"
               "Max-Forwards: 70\r\n"
               "From: <sip:" + config.extensions.front().username + "@" + domain + ">;tag=r1\r\n"
               "To: <sip:" + config.extensions.front().username + "@" + domain + ">\r\n"
               "Call-ID: tcp-reg@127.0.0.1\r\n"
               "CSeq: 1 REGISTER\r\n"
               "Contact: <sip:" + config.extensions.front().username + "@127.0.0.1:5999;transport=tcp>\r\n"
               "Content-Length: 0\r\n\r\n");
  run_until(loop, [&] {
    client.read_available();
    return client.received.find("\r\n\r\n") != std::string::npos;
  });
  EXPECT_THAT(client.received, StartsWith("SIP/2.0 401 Unauthorized\r\n"));
  EXPECT_THAT(client.received, HasSubstr("Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-tcp-reg"));
  EXPECT_THAT(client.received, HasSubstr("WWW-Authenticate: Digest"));
}

// RFC 3261 §21.5.14 on a stream: a request over the framing limits (a Content-Length over
// 16 MB; a header section over 64 kB) is answered 513 Message Too Large naming the limit, on
// its connection, which is then closed (nothing after it could be framed); the outcome is
// reported for serve's log.
TEST(TcpTransport, ARequestOverTheFramingLimitsGets513ThenTheConnectionCloses) {
  EventLoop loop;
  SystemClock clock;
  OsRandom random;
  registrar::MemoryStore store;
  auto config = example_config();
  auto tcp = open_tcp(loop);
  ASSERT_TRUE(tcp);
  element::ReferenceServer server(config, clock, loop, *tcp, random, store);
  std::vector<std::string> log;
  server.set_log([&](const std::string& line) { log.push_back(line); });
  tcp->set_handler(&server.datagram_handler());
  auto invite = [](const std::string& extra) {
    return "INVITE sip:+15551234567@main.trunk.example.test SIP/2.0\r\n"
           "Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-tcp-big\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:office1@main.trunk.example.test>;tag=big\r\n"
           "To: <sip:+15551234567@main.trunk.example.test>\r\n"
           "Call-ID: tcp-big@127.0.0.1\r\n"
           "CSeq: 1 INVITE\r\n" + extra;
  };
  const struct {
    std::string bytes;
    std::string reason;
  } cases[] = {
      {invite("Content-Type: application/sdp\r\nContent-Length: 20000000\r\n\r\nv=0\r\n"),
       "Message Too Large (body over the 16777216-byte limit of this server)"},
      {invite("X-Pad: " + std::string(70'000, 'p') + "\r\nContent-Length: 0\r\n\r\n"),
       "Message Too Large (header section over the 65536-byte limit of this server)"},
  };
  for (const auto& c : cases) {
    RawClient client(tcp->local_address());
    client.write(c.bytes);
    bool open = true;
    run_until(loop, [&] { return !(open = client.read_available()); });
    EXPECT_FALSE(open) << "the server closed the connection";
    EXPECT_THAT(client.received, StartsWith("SIP/2.0 513 " + c.reason + "\r\n"));
    EXPECT_THAT(client.received, HasSubstr("Call-ID: tcp-big@127.0.0.1\r\n"));
    EXPECT_THAT(client.received, HasSubstr("Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-tcp-big\r\n"));
    EXPECT_THAT(client.received, HasSubstr("To: <sip:+15551234567@main.trunk.example.test>;tag="));
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(log.back().substr(0, 63), "INVITE sip:+15551234567@main.trunk.example.test from 127.0.0.1:");
    EXPECT_THAT(log.back(), HasSubstr(" user office1@main.trunk.example.test -> 513 " + c.reason));
  }
  EXPECT_EQ(tcp->stats().oversized, 2u);
  EXPECT_EQ(server.endpoint().too_large().stream_refused, 2u);
  EXPECT_EQ(tcp->connection_count(), 0u);
}

}  // namespace
}  // namespace trunklab::realtime
