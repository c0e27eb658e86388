// Two SIP transactions over a 30% lossy link complete on the RFC 3261 retransmission schedule:
// the transaction layer on the simulated network, nothing mocked.
#include "reference/txn/endpoint.hpp"
#include "sim/kernel/world.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

using namespace trunklab;
using namespace std::chrono_literals;

namespace {

struct Forwarder final : rt::DatagramHandler {
  rt::DatagramHandler* target = nullptr;
  void on_datagram(const rt::Address& l, const rt::Address& r, std::string_view b) override { target->on_datagram(l, r, b); }
  void on_unreachable(const rt::Address& l, const rt::Address& r) override { target->on_unreachable(l, r); }
};

// A server TU: 200 to OPTIONS, 486 to INVITE (a non-2xx, so the ACK is the transaction's).
struct ServerUser final : txn::TransactionUser {
  txn::Endpoint* endpoint = nullptr;
  void on_request(txn::ServerTxnId id, const sip::Message& request, const rt::Address&) override {
    int status = request.method() == "INVITE" ? 486 : 200;
    endpoint->respond(id, sip::OutgoingMessage::response_to(request, status, {}, "srv"));
  }
  void on_response(txn::ClientTxnId, const sip::Message&) override {}
  void on_timeout(txn::ClientTxnId) override {}
  void on_ack(const sip::Message&, const rt::Address&) override {}
};

struct ClientUser final : txn::TransactionUser {
  std::map<std::uint64_t, int> finals;
  std::set<std::uint64_t> timeouts;
  std::map<std::uint64_t, rt::Instant> transport_errors;
  const rt::Clock* clock = nullptr;
  void on_transport_error(txn::ClientTxnId id) override { transport_errors[id.value] = clock->now(); }
  void on_request(txn::ServerTxnId, const sip::Message&, const rt::Address&) override {}
  void on_response(txn::ClientTxnId id, const sip::Message& response) override {
    if (response.status() >= 200) finals[id.value] = response.status();
  }
  void on_timeout(txn::ClientTxnId id) override { timeouts.insert(id.value); }
  void on_ack(const sip::Message&, const rt::Address&) override {}
};

sip::OutgoingMessage request(const std::string& method, const std::string& call_id) {
  auto r = sip::OutgoingMessage::request(method, "sip:server@10.0.0.2:5060");
  r.add("Max-Forwards", "70");
  r.add("From", "<sip:client@10.0.0.1>;tag=c1");
  r.add("To", "<sip:server@10.0.0.2>");
  r.add("Call-ID", call_id);
  r.add("CSeq", "1 " + method);
  return r;
}

// Offsets from the first send at which RFC 3261 lets the request be (re)sent.
std::set<std::int64_t> invite_schedule_ms() { return {0, 500, 1500, 3500, 7500, 15500, 31500}; }
std::set<std::int64_t> non_invite_schedule_ms() {
  std::set<std::int64_t> s{0, 500, 1500, 3500};
  for (std::int64_t t = 7500; t < 32000; t += 4000) s.insert(t);
  return s;
}

}  // namespace

TEST(LossyTransactions, CompleteOnTheRetransmissionScheduleOver30PercentLoss) {
  sim::World world(5);
  auto& net = world.network();
  auto& client_host = net.add_host("client", *rt::Address::parse("10.0.0.1", 0));
  auto& server_host = net.add_host("server", *rt::Address::parse("10.0.0.2", 0));
  net.set_default_link({10ms, 0ms});
  net.add_fault(sim::FaultRule::drop("loss").with_probability(0.3));

  Forwarder client_fwd, server_fwd;
  ClientUser client_user;
  ServerUser server_user;
  auto& client_transport = client_host.bind(5060, client_fwd);
  auto& server_transport = server_host.bind(5060, server_fwd);
  txn::Endpoint client(world.clock(), world.timers(), client_transport, world.random_stream("client"), {}, client_user);
  txn::Endpoint server(world.clock(), world.timers(), server_transport, world.random_stream("server"), {}, server_user);
  client_fwd.target = &client;
  server_fwd.target = &server;
  server_user.endpoint = &server;

  // Ten pairs of transactions, so that 30% loss certainly hits some of them.
  std::vector<std::pair<txn::ClientTxnId, int>> expected;
  for (int i = 0; i < 10; ++i) {
    auto options = request("OPTIONS", "opt-" + std::to_string(i));
    client.add_via(options);
    expected.emplace_back(client.send_request(std::move(options), server_transport.local_address()), 200);
    auto invite = request("INVITE", "inv-" + std::to_string(i));
    client.add_via(invite);
    expected.emplace_back(client.send_request(std::move(invite), server_transport.local_address()), 486);
  }
  world.run_for(40s);

  for (const auto& [id, status] : expected) EXPECT_EQ(client_user.finals[id.value], status);
  EXPECT_TRUE(client_user.timeouts.empty());
  EXPECT_GT(net.stats().dropped, 5u);

  // Every copy the client put on the wire went out at a scheduled offset from its first send.
  std::map<std::string, std::vector<std::int64_t>> sends;  // Call-ID -> send times
  std::size_t retransmissions = 0;
  for (const auto& r : world.capture().records()) {
    if (r.src_host != "client" || r.view != wiretap::CaptureView::sent || r.bytes.starts_with("ACK")) continue;
    auto at = r.bytes.find("Call-ID: ") + 9;
    sends[r.bytes.substr(at, r.bytes.find("\r\n", at) - at)].push_back(rt::to_ms(r.time));
  }
  ASSERT_EQ(sends.size(), 20u);
  for (const auto& [call_id, times] : sends) {
    const auto schedule = call_id.starts_with("inv") ? invite_schedule_ms() : non_invite_schedule_ms();
    retransmissions += times.size() - 1;
    for (auto t : times) EXPECT_TRUE(schedule.count(t - times.front())) << call_id << " sent at " << t;
  }
  EXPECT_GT(retransmissions, 0u);
}

// Over TCP the same transactions complete without a single SIP retransmission: the transport
// is reliable (timers A and E do not run, RFC 3261 §17.1.1.2), and the 30% of segments lost are
// sent again by TCP, late but whole.
TEST(LossyTransactions, OverTcpCompleteWithoutSipRetransmissionsAndARefusedConnectFailsAtOnce) {
  sim::World world(5);
  auto& net = world.network();
  auto& client_host = net.add_host("client", *rt::Address::parse("10.0.0.1", 0));
  auto& server_host = net.add_host("server", *rt::Address::parse("10.0.0.2", 0));
  net.set_default_link({10ms, 0ms});
  net.add_fault(sim::FaultRule::drop("loss").with_probability(0.3));

  Forwarder client_fwd, server_fwd;
  ClientUser client_user;
  client_user.clock = &world.clock();
  ServerUser server_user;
  auto& client_transport = client_host.bind_tcp(5060, client_fwd);
  auto& server_transport = server_host.bind_tcp(5060, server_fwd);
  txn::Endpoint client(world.clock(), world.timers(), client_transport, world.random_stream("client"), {}, client_user);
  txn::Endpoint server(world.clock(), world.timers(), server_transport, world.random_stream("server"), {}, server_user);
  client_fwd.target = &client;
  server_fwd.target = &server;
  server_user.endpoint = &server;

  std::vector<std::pair<txn::ClientTxnId, int>> expected;
  for (int i = 0; i < 5; ++i) {
    auto options = request("OPTIONS", "opt-" + std::to_string(i));
    client.add_via(options);
    EXPECT_NE(options.header("Via")->find("SIP/2.0/TCP 10.0.0.1:5060"), std::string_view::npos);
    expected.emplace_back(client.send_request(std::move(options), server_transport.local_address()), 200);
  }
  auto refused = request("OPTIONS", "refused");
  client.add_via(refused);
  const auto refused_id = client.send_request(std::move(refused), *rt::Address::parse("10.0.0.2:5999", 0));
  world.run_for(40s);

  for (const auto& [id, status] : expected) EXPECT_EQ(client_user.finals[id.value], status);
  EXPECT_TRUE(client_user.timeouts.empty());
  ASSERT_EQ(client_user.transport_errors.count(refused_id.value), 1u);
  // Refused after one round trip at most (plus RTOs if the SYN or the RST was lost), never
  // timer F's 32 s.
  EXPECT_LT(rt::to_ms(client_user.transport_errors.at(refused_id.value)), 5000);
  EXPECT_GT(net.tcp_segments_lost(), 0u);
  std::size_t requests_on_the_wire = 0;
  for (const auto& r : world.capture().records()) {
    if (r.src_host == "client" && r.bytes.starts_with("OPTIONS sip:")) ++requests_on_the_wire;
  }
  EXPECT_EQ(requests_on_the_wire, 6u);  // each request once (TCP resent lost segments, SIP did not)
}
