#include "sim/kernel/world.hpp"
#include "tests/sim/sim_fixtures.hpp"

#include <gtest/gtest.h>

namespace trunklab::sim {
namespace {

using rt::from_ms;
using rt::Instant;
using testing::ip;
using testing::Recorder;

// A phone behind a home NAT and a registrar on the public side.
struct HomeNat {
  explicit HomeNat(rt::Duration idle = from_ms(30'000))
      : world(1), at_phone(world.clock()), at_registrar(world.clock()) {
    auto& net = world.network();
    nat = &net.add_nat("home-nat", ip("203.0.113.7"), idle);
    phone_sock = &net.add_host_behind(*nat, "phone", ip("192.168.1.10")).bind(5060, at_phone);
    registrar_sock = &net.add_host("registrar", ip("198.51.100.1")).bind(5060, at_registrar);
  }
  // The registrar answers whoever sent the last datagram (what rport/received does).
  void reply_to_last(std::string bytes) {
    registrar_sock->send(at_registrar.received.back().remote, std::move(bytes));
  }
  World world;
  Recorder at_phone;
  Recorder at_registrar;
  Nat* nat = nullptr;
  rt::Transport* phone_sock = nullptr;
  rt::Transport* registrar_sock = nullptr;
  const rt::Address registrar = ip("198.51.100.1:5060");
};

TEST(Nat, OutboundGetsAPublicPortAndRepliesComeBack) {
  HomeNat t;
  t.phone_sock->send(t.registrar, "REGISTER");
  t.world.run_until_idle();
  ASSERT_EQ(t.at_registrar.received.size(), 1u);
  EXPECT_EQ(t.at_registrar.received[0].remote, ip("203.0.113.7:20000"));
  t.reply_to_last("200 OK");
  t.world.run_until_idle();
  ASSERT_EQ(t.at_phone.received.size(), 1u);
  EXPECT_EQ(t.at_phone.received[0].remote, t.registrar);
  EXPECT_EQ(t.at_phone.received[0].local, ip("192.168.1.10:5060"));
}

TEST(Nat, PortRestrictedFilterDropsStrangers) {
  HomeNat t;
  Recorder at_other(t.world.clock());
  auto& other_host = t.world.network().add_host("stranger", ip("198.51.100.2"));
  auto& stranger = other_host.bind(5060, at_other);
  auto& registrar_other_port = t.world.network().find_host("registrar")->bind(5080, at_other);
  t.phone_sock->send(t.registrar, "REGISTER");
  t.world.run_until_idle();
  const rt::Address public_addr = t.at_registrar.received.at(0).remote;
  stranger.send(public_addr, "INVITE from stranger");
  registrar_other_port.send(public_addr, "from another port");
  t.world.run_until_idle();
  EXPECT_TRUE(t.at_phone.received.empty());
  const auto& records = t.world.capture().records();
  EXPECT_EQ(records.back().drop_reason,
            "nat home-nat: filtered: 198.51.100.1:5080 never contacted from port 20000");
}

TEST(Nat, MappingExpiresAfterIdleTimeoutAndANewOneGetsANewPort) {
  HomeNat t(from_ms(30'000));
  t.phone_sock->send(t.registrar, "REGISTER 1");
  t.world.run_until_idle();
  const rt::Address first = t.at_registrar.received.at(0).remote;
  EXPECT_EQ(t.nat->live_mappings(t.world.now()), 1u);

  // Inbound traffic does not refresh the mapping; at 30 s of outbound silence it is gone.
  t.world.at(Instant{from_ms(29'000)}, [&] { t.registrar_sock->send(first, "OPTIONS in time"); });
  t.world.at(Instant{from_ms(31'000)}, [&] { t.registrar_sock->send(first, "OPTIONS too late"); });
  t.world.run_until_idle();
  EXPECT_EQ(t.at_phone.payloads(), (std::vector<std::string>{"OPTIONS in time"}));
  EXPECT_EQ(t.nat->live_mappings(t.world.now()), 0u);
  EXPECT_EQ(t.world.capture().records().back().drop_reason,
            "nat home-nat: mapping for port 20000 expired");

  t.phone_sock->send(t.registrar, "REGISTER 2");
  t.world.run_until_idle();
  EXPECT_NE(t.at_registrar.received.at(1).remote, first);
  EXPECT_EQ(t.at_registrar.received.at(1).remote.ip_string(), "203.0.113.7");
}

TEST(Nat, OutboundTrafficKeepsTheMappingAlive) {
  HomeNat t(from_ms(30'000));
  for (int s = 0; s <= 120; s += 20) {
    t.world.at(Instant{from_ms(s * 1000)}, [&] { t.phone_sock->send(t.registrar, "keep-alive"); });
  }
  t.world.run_until_idle();
  ASSERT_EQ(t.at_registrar.received.size(), 7u);
  for (const auto& r : t.at_registrar.received) EXPECT_EQ(r.remote, ip("203.0.113.7:20000"));
}

// The NAT re-register scenario: the phone registers, the router restarts and rebinds, the
// registrar's request to the old port is dropped, the phone re-registers from a new port and is
// reachable there.
TEST(Nat, ForcedRebindingMovesThePhoneToANewPublicPort) {
  HomeNat t;
  t.world.network().rebind_nat_at(*t.nat, Instant{from_ms(10'000)});
  t.phone_sock->send(t.registrar, "REGISTER");
  t.world.run_until(Instant{from_ms(5'000)});
  const rt::Address old_binding = t.at_registrar.received.at(0).remote;

  t.world.run_until(Instant{from_ms(11'000)});
  t.registrar_sock->send(old_binding, "INVITE to old binding");
  t.world.run_until(Instant{from_ms(12'000)});
  EXPECT_TRUE(t.at_phone.received.empty());
  EXPECT_EQ(t.world.capture().records().back().drop_reason,
            "nat home-nat: no mapping for port 20000");

  t.phone_sock->send(t.registrar, "REGISTER again");
  t.world.run_until(Instant{from_ms(13'000)});
  const rt::Address new_binding = t.at_registrar.received.at(1).remote;
  EXPECT_EQ(new_binding, ip("203.0.113.7:20001"));
  t.registrar_sock->send(new_binding, "INVITE to new binding");
  t.world.run_until_idle();
  EXPECT_EQ(t.at_phone.payloads(), (std::vector<std::string>{"INVITE to new binding"}));
}

TEST(Nat, CaptureShowsBothSidesOfTheNat) {
  HomeNat t;
  t.phone_sock->send(t.registrar, "REGISTER");
  t.world.run_until_idle();
  t.reply_to_last("200 OK");
  t.world.run_until_idle();
  const auto& records = t.world.capture().records();
  ASSERT_EQ(records.size(), 4u);
  // Outbound: as sent (private source), then on the public side.
  EXPECT_EQ(records[0].view, wiretap::CaptureView::sent);
  EXPECT_EQ(records[0].src, ip("192.168.1.10:5060"));
  EXPECT_EQ(records[1].view, wiretap::CaptureView::nat_translated);
  EXPECT_EQ(records[1].src, ip("203.0.113.7:20000"));
  // Inbound: as the registrar sent it (public destination, labelled with the phone's name),
  // then as it leaves the NAT towards the phone.
  EXPECT_EQ(records[2].view, wiretap::CaptureView::sent);
  EXPECT_EQ(records[2].src_host, "registrar");
  EXPECT_EQ(records[2].dst_host, "phone");
  EXPECT_EQ(records[2].dst, ip("203.0.113.7:20000"));
  EXPECT_EQ(records[3].view, wiretap::CaptureView::nat_translated);
  EXPECT_EQ(records[3].dst, ip("192.168.1.10:5060"));
  for (const auto& r : records) EXPECT_FALSE(r.dropped);
}

TEST(Nat, FaultRuleNamedForTheInsideHostMatchesRepliesToItsPublicPort) {
  HomeNat t;
  t.world.network().add_fault(
      FaultRule::drop("phone-cut").with_src_host("phone").in_both_directions());
  t.phone_sock->send(t.registrar, "REGISTER");
  t.world.run_until_idle();
  EXPECT_TRUE(t.at_registrar.received.empty());
  t.world.network().clear_faults();
  t.phone_sock->send(t.registrar, "REGISTER");
  t.world.run_until_idle();
  t.world.network().add_fault(
      FaultRule::drop("phone-cut").with_src_host("phone").in_both_directions());
  t.reply_to_last("200 OK");
  t.world.run_until_idle();
  EXPECT_TRUE(t.at_phone.received.empty());
}

TEST(Nat, PublicHostCannotReachAPrivateAddress) {
  HomeNat t;
  t.registrar_sock->send(ip("192.168.1.10:5060"), "direct");
  t.world.run_until_idle();
  EXPECT_TRUE(t.at_phone.received.empty());
  EXPECT_EQ(t.world.capture().records().back().drop_reason,
            "unroutable: 192.168.1.10 is private behind nat home-nat");
}

}  // namespace
}  // namespace trunklab::sim
