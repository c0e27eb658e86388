// Per-message cost of matching a datagram to its transaction with 10 vs 100,000 live
// transactions: parse + hashed lookup + state machine step. Flat means no scan.
#include "reference/txn/endpoint.hpp"
#include "tests/transaction/fakes.hpp"

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace trunklab::txn {
namespace {

const rt::Address kLocal = *rt::Address::parse("10.0.0.1:5060");
const rt::Address kPeer = *rt::Address::parse("10.0.0.2:5060");

struct CountingUser final : TransactionUser {
  void on_request(ServerTxnId, const sip::Message&, const rt::Address&) override { ++events; }
  void on_response(ClientTxnId, const sip::Message&) override { ++events; }
  void on_timeout(ClientTxnId) override { ++events; }
  void on_ack(const sip::Message&, const rt::Address&) override { ++events; }
  std::uint64_t events = 0;
};

struct World {
  test::FakeTime time;
  test::FakeTransport transport{time, kLocal};
  rt::SplitMix64 random{7};
  CountingUser user;
  Endpoint endpoint{time, time, transport, random, Config{}, user};
};

constexpr std::size_t kProbes = 64;  // messages cycled through, spread over the population

// N INVITE client transactions in Proceeding; each iteration a 180 retransmission arrives.
void BM_MatchResponse(benchmark::State& state) {
  const auto live = static_cast<std::size_t>(state.range(0));
  World world;
  std::vector<std::string> ringing;
  for (std::size_t i = 0; i < live; ++i) {
    auto invite = sip::OutgoingMessage::request("INVITE", "sip:bob@10.0.0.2");
    invite.add("Max-Forwards", "70")
        .add("From", "<sip:alice@10.0.0.1>;tag=a" + std::to_string(i))
        .add("To", "<sip:bob@10.0.0.2>")
        .add("Call-ID", "call-" + std::to_string(i) + "@10.0.0.1")
        .add("CSeq", "1 INVITE");
    world.endpoint.add_via(invite);
    world.endpoint.send_request(std::move(invite), kPeer);
    auto sent = std::get<sip::Message>(sip::Message::parse(world.transport.sent.back().bytes));
    auto response = sip::OutgoingMessage::response_to(sent, 180, {}, "b1").to_string();
    world.endpoint.on_datagram(kLocal, kPeer, response);  // -> Proceeding
    if (i % (live / kProbes + 1) == 0) ringing.push_back(std::move(response));
    world.transport.sent.clear();
  }
  std::size_t next = 0;
  for (auto _ : state) {
    world.endpoint.on_datagram(kLocal, kPeer, ringing[next]);
    next = next + 1 == ringing.size() ? 0 : next + 1;
  }
  state.counters["live"] = static_cast<double>(world.endpoint.client_count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MatchResponse)->Arg(10)->Arg(100'000);

std::string register_request(std::size_t i) {
  return "REGISTER sip:registrar.example SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 10.9.9.9:5060;branch=z9hG4bKreg" + std::to_string(i) + ";rport\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:office1@registrar.example>;tag=p" + std::to_string(i) + "\r\n"
         "To: <sip:office1@registrar.example>\r\n"
         "Call-ID: reg-" + std::to_string(i) + "@10.9.9.9\r\n"
         "CSeq: 1 REGISTER\r\n"
         "Contact: <sip:office1@10.9.9.9:5060>\r\n"
         "Content-Length: 0\r\n\r\n";
}

// N REGISTER server transactions in Trying; each iteration a retransmission arrives (absorbed).
void BM_MatchRequest(benchmark::State& state) {
  const auto live = static_cast<std::size_t>(state.range(0));
  World world;
  std::vector<std::string> retransmissions;
  for (std::size_t i = 0; i < live; ++i) {
    auto bytes = register_request(i);
    world.endpoint.on_datagram(kLocal, kPeer, bytes);
    if (i % (live / kProbes + 1) == 0) retransmissions.push_back(std::move(bytes));
  }
  std::size_t next = 0;
  for (auto _ : state) {
    world.endpoint.on_datagram(kLocal, kPeer, retransmissions[next]);
    next = next + 1 == retransmissions.size() ? 0 : next + 1;
  }
  state.counters["live"] = static_cast<double>(world.endpoint.server_count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MatchRequest)->Arg(10)->Arg(100'000);

// For scale: parsing alone, the floor under both numbers above.
void BM_ParseOnly(benchmark::State& state) {
  const auto bytes = register_request(1);
  for (auto _ : state) benchmark::DoNotOptimize(sip::Message::parse(bytes));
}
BENCHMARK(BM_ParseOnly);

}  // namespace
}  // namespace trunklab::txn
