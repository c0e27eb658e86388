// What TCP could not carry reaches the handler as on_unreachable, from the event loop (never
// inside send()), and the transaction layer turns it into a transport error: 503 "transport
// error" at once (RFC 3261 §8.1.3.1), not timer F's 408 after 32 s. A notice still pending
// when the transport goes away dies with it.
#include "reference/realtime/clock.hpp"
#include "reference/realtime/event_loop.hpp"
#include "reference/realtime/real_random.hpp"
#include "reference/realtime/sockaddr.hpp"
#include "reference/realtime/tcp_transport.hpp"
#include "reference/sip/message.hpp"
#include "reference/txn/endpoint.hpp"

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

// Generous bound for waits that normally take microseconds: only a hung loop reaches it. It is
// well under timer F (32 s), so a transport error that only came as a timeout would fail.
constexpr rt::Duration kBound = 5s;

const std::string kOptions =
    "OPTIONS sip:ping@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-unreach-1\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:a@127.0.0.1>;tag=1\r\n"
    "To: <sip:ping@127.0.0.1>\r\n"
    "Call-ID: unreach-1@127.0.0.1\r\n"
    "CSeq: 1 OPTIONS\r\n"
    "Content-Length: 0\r\n\r\n";

std::unique_ptr<TcpTransport> open_tcp(EventLoop& loop) {
  auto opened = TcpTransport::open(loop, rt::Address::ipv4(0x7f000001, 0));  // port 0: the kernel picks
  if (auto* error = std::get_if<std::string>(&opened)) {
    ADD_FAILURE() << *error;
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<TcpTransport>>(opened));
}

// An address on 127.0.0.1 where nothing listens: a transport's port, closed again.
rt::Address closed_port(EventLoop& loop) {
  auto gone = open_tcp(loop);
  return gone ? gone->local_address() : rt::Address{};
}

class Recorder final : public rt::DatagramHandler {
public:
  void on_datagram(const rt::Address&, const rt::Address&, std::string_view) override {}
  void on_unreachable(const rt::Address&, const rt::Address& remote) override { unreachable.push_back(remote); }
  std::vector<rt::Address> unreachable;
};

void run_until(EventLoop& loop, const std::function<bool()>& done) {
  const auto end = monotonic_now() + kBound;
  while (!done() && monotonic_now() < end) loop.run_for(5ms);
}

TEST(TcpUnreachable, ARefusedConnectIsReportedFromTheLoopNotFromSend) {
  EventLoop loop;
  auto a = open_tcp(loop);
  ASSERT_TRUE(a);
  Recorder handler;
  a->set_handler(&handler);
  const auto nobody = closed_port(loop);
  a->send(nobody, kOptions);
  a->send(nobody, kOptions);  // the same connection, still connecting
  EXPECT_TRUE(handler.unreachable.empty()) << "never inside send()";
  run_until(loop, [&] { return !handler.unreachable.empty(); });
  ASSERT_EQ(handler.unreachable.size(), 1u) << "one notice for the peer";
  EXPECT_EQ(handler.unreachable[0], nobody);
  EXPECT_EQ(a->stats().unreachable, 1u);
  EXPECT_EQ(a->connection_count(), 0u);
  loop.run_for(20ms);
  EXPECT_EQ(handler.unreachable.size(), 1u);
}

// A test-side listener that accepts one connection and can reset it (SO_LINGER 0: an RST).
class ResettingPeer {
public:
  ResettingPeer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_storage storage{};
    const auto length = to_sockaddr(rt::Address::ipv4(0x7f000001, 0), storage);
    ::bind(listener_, reinterpret_cast<const sockaddr*>(&storage), length);
    ::listen(listener_, 1);
    socklen_t bound = sizeof storage;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&storage), &bound);
    address = from_sockaddr(storage);
  }
  ~ResettingPeer() {
    if (accepted_ >= 0) ::close(accepted_);
    ::close(listener_);
  }
  // Accepts (once) and appends what has arrived; true once `bytes` have.
  bool received(std::size_t bytes) {
    if (accepted_ < 0) accepted_ = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (accepted_ < 0) return false;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::recv(accepted_, buffer, sizeof buffer, 0)) > 0) got_ += static_cast<std::size_t>(n);
    return got_ >= bytes;
  }
  void reset() {
    linger off{1, 0};
    ::setsockopt(accepted_, SOL_SOCKET, SO_LINGER, &off, sizeof off);
    ::close(accepted_);
    accepted_ = -1;
  }
  rt::Address address;

private:
  int listener_ = -1;
  int accepted_ = -1;
  std::size_t got_ = 0;
};

// Connects to `peer`, delivers one message, has the peer reset the connection, then sends
// (without running the loop, so the reader has not seen the RST) until a write fails.
void fail_a_write(EventLoop& loop, TcpTransport& a, ResettingPeer& peer) {
  a.send(peer.address, kOptions);
  run_until(loop, [&] { return peer.received(kOptions.size()); });
  ASSERT_TRUE(peer.received(kOptions.size()));
  peer.reset();
  // Bounded by tries: writes the kernel still takes before the RST is processed succeed.
  for (int tries = 0; tries < 10000 && a.stats().send_errors == 0; ++tries) a.send(peer.address, kOptions);
  ASSERT_EQ(a.stats().send_errors, 1u);
}

TEST(TcpUnreachable, AWriteErrorAfterAResetIsReported) {
  EventLoop loop;
  auto a = open_tcp(loop);
  ASSERT_TRUE(a);
  Recorder handler;
  a->set_handler(&handler);
  ResettingPeer peer;
  fail_a_write(loop, *a, peer);
  EXPECT_TRUE(handler.unreachable.empty()) << "the write failed inside send(): posted, not called";
  run_until(loop, [&] { return !handler.unreachable.empty(); });
  ASSERT_EQ(handler.unreachable.size(), 1u);
  EXPECT_EQ(handler.unreachable[0], peer.address);
}

TEST(TcpUnreachable, APendingNoticeDiesWithTheTransport) {
  EventLoop loop;
  Recorder handler;
  ResettingPeer peer;
  {
    auto a = open_tcp(loop);
    ASSERT_TRUE(a);
    a->set_handler(&handler);
    fail_a_write(loop, *a, peer);
    EXPECT_EQ(a->stats().unreachable, 1u);
  }
  EXPECT_EQ(loop.pending_timers(), 0u) << "the transport cancelled its notice (its callback pointed at it)";
  loop.run_for(20ms);
  EXPECT_TRUE(handler.unreachable.empty());
}

// The transaction layer on real TCP: an OPTIONS to a closed port ends as 503 "transport error"
// well before timer F.
class Outcomes final : public txn::TransactionUser {
public:
  void on_request(txn::ServerTxnId, const sip::Message&, const rt::Address&) override {}
  void on_response(txn::ClientTxnId, const sip::Message&) override { ++responses; }
  void on_timeout(txn::ClientTxnId) override { ++timeouts; }
  void on_ack(const sip::Message&, const rt::Address&) override {}
  void on_transport_error(txn::ClientTxnId) override { ++transport_errors; }
  int responses = 0;
  int timeouts = 0;
  int transport_errors = 0;
};

TEST(TcpUnreachable, TheEndpointReports503TransportErrorNotTimerF) {
  EventLoop loop;
  SystemClock clock;
  OsRandom random;
  auto tcp = open_tcp(loop);
  ASSERT_TRUE(tcp);
  Outcomes user;
  txn::Config config;
  config.reliable = true;
  txn::Endpoint endpoint(clock, loop, *tcp, random, config, user);
  tcp->set_handler(&endpoint);
  std::vector<std::string> outcomes;
  endpoint.set_outcome_observer([&](const txn::TxnOutcome& o) {
    outcomes.push_back(std::string(o.method) + " " + std::to_string(o.status) + " " + std::string(o.reason));
  });
  const auto nobody = closed_port(loop);
  auto options = sip::OutgoingMessage::request("OPTIONS", "sip:ping@" + nobody.to_string());
  options.add("Max-Forwards", "70")
      .add("From", "<sip:trunk@127.0.0.1>;tag=u1")
      .add("To", "<sip:ping@127.0.0.1>")
      .add("Call-ID", "unreach-txn@127.0.0.1")
      .add("CSeq", "1 OPTIONS");
  endpoint.add_via(options, nobody);
  endpoint.send_request(std::move(options), nobody);
  run_until(loop, [&] { return user.transport_errors + user.timeouts > 0; });
  EXPECT_EQ(user.transport_errors, 1);
  EXPECT_EQ(user.timeouts, 0);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0], "OPTIONS 503 transport error");
  EXPECT_EQ(endpoint.client_count(), 0u);
}

}  // namespace
}  // namespace trunklab::realtime
