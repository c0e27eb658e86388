// Inbound calls (product doc 001, "Registration flow"): PSTN -> provider -> number -> flow
// "dial extension" -> the registered phone, at the address it registered from (NAT).
#include "tests/lab/lab.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace trunklab;
using testlab::Lab;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;
using namespace std::chrono_literals;

namespace {

config::Config inbound_config() {
  config::Config c;
  c.extensions = {{"office-main", "office-main", "s3cret", "default"}};
  c.providers = {{"telnyx", "sip.telnyx.example", {}, {}, {}, {}}};
  c.routes = {{"r1", "telnyx", 1, "", "default"}};
  c.numbers = {[] { config::Number x; x.number = "+15551234567"; x.dial_extension = "office-main"; return x; }()};
  return c;
}

struct Inbound : ::testing::Test {
  Lab lab{inbound_config()};
  agents::UserAgent* phone = nullptr;
  agents::UserAgent* pstn = nullptr;

  void build(bool behind_nat, std::uint32_t expires_s = 3600) {
    lab.add_provider_address("telnyx", "10.0.0.20");
    lab.start();
    auto cfg = lab.phone("office-main");
    cfg.expires_s = expires_s;
    if (behind_nat) {
      lab.world().network().add_nat("home-nat", Lab::addr("198.51.100.1"), 300s);
      phone = &lab.add_agent("phone", "192.168.1.10", cfg, "home-nat");
    } else {
      phone = &lab.add_agent("phone", "10.0.0.10", cfg);
    }
    pstn = &lab.add_agent("telnyx", "10.0.0.20", lab.provider({}));
  }
};

}  // namespace

TEST_F(Inbound, CallReachesTheNatedPhoneAtItsPublicAddress) {
  build(true);
  lab.at_s(0, [&] { phone->register_now(); });
  lab.at_s(5, [&] { pstn->call_to("+15551234567", lab.trunk_address(), "10.0.0.1"); });
  lab.at_s(15, [&] { pstn->hangup(); });
  lab.run_for_s(60);
  EXPECT_TRUE(phone->registered());
  auto ok = lab.message("trunk -> phone 200");
  EXPECT_THAT(ok, HasSubstr("received=198.51.100.1"));
  EXPECT_THAT(ok, HasSubstr(";rport="));
  EXPECT_THAT(lab.ladder(), IsSupersetOf({"telnyx -> trunk INVITE", "trunk -> telnyx 100",
                                          "trunk -> phone INVITE", "phone -> trunk 180",
                                          "trunk -> telnyx 180", "phone -> trunk 200",
                                          "trunk -> telnyx 200", "telnyx -> trunk ACK",
                                          "trunk -> phone ACK", "telnyx -> trunk BYE",
                                          "trunk -> phone BYE", "phone -> trunk 200",
                                          "trunk -> telnyx 200"}))
      << Lab::join_lines(lab.ladder(true));
  auto invite = lab.message("trunk -> phone INVITE");
  EXPECT_THAT(invite, HasSubstr("INVITE sip:office-main@192.168.1.10:5060 SIP/2.0"));
  ASSERT_EQ(pstn->calls().size(), 1u);
  EXPECT_EQ(pstn->calls()[0].final_status, 200);
}

TEST_F(Inbound, AfterANatRebindingThePhoneReregistersAndCallsReachTheNewPort) {
  build(true, 120);  // refreshes every 60 s
  lab.at_s(0, [&] { phone->register_now(); });
  lab.at_s(90, [&] {
    lab.world().network().rebind_nat_at(*lab.world().network().find_nat("home-nat"), lab.world().now());
  });
  lab.at_s(150, [&] { pstn->call_to("+15551234567", lab.trunk_address(), "10.0.0.1"); });
  lab.run_for_s(200);
  auto bindings = lab.reference().registrar().live_bindings();
  ASSERT_EQ(bindings.size(), 1u);
  auto first_ok = lab.message("trunk -> phone 200", 0);
  auto later_ok = lab.message("trunk -> phone 200", 2);
  auto port_of = [](const std::string& msg) {
    auto at = msg.find(";rport=");
    return msg.substr(at + 7, msg.find_first_of(";\r", at + 7) - at - 7);
  };
  EXPECT_NE(port_of(first_ok), port_of(later_ok)) << first_ok << later_ok;
  EXPECT_EQ(std::to_string(bindings[0].source.port()), port_of(later_ok));
  EXPECT_EQ(pstn->calls().at(0).final_status, 200) << Lab::join_lines(lab.ladder(true));
}

TEST_F(Inbound, UnregisteredExtensionGets480) {
  build(false);
  lab.at_s(0, [&] { pstn->call_to("+15551234567", lab.trunk_address(), "10.0.0.1"); });
  lab.run_for_s(30);
  EXPECT_EQ(pstn->calls().at(0).final_status, 480) << Lab::join_lines(lab.ladder(true));
}

TEST_F(Inbound, UnknownNumberGets404) {
  build(false);
  lab.at_s(0, [&] { phone->register_now(); });
  lab.at_s(1, [&] { pstn->call_to("+15550000000", lab.trunk_address(), "10.0.0.1"); });
  lab.run_for_s(30);
  EXPECT_EQ(pstn->calls().at(0).final_status, 404);
  EXPECT_THAT(lab.ladder(), Not(Contains("trunk -> phone INVITE")));
}

TEST_F(Inbound, ForksToEveryContactFirst200WinsAndTheOthersAreCancelled) {
  lab.add_provider_address("telnyx", "10.0.0.20");
  lab.start();
  auto desk_cfg = lab.phone("office-main");
  desk_cfg.answer.steps = {{180, 0ms, {}, {}}, {200, 2s, {}, {}}};
  auto soft_cfg = lab.phone("office-main");
  soft_cfg.answer.steps = {{180, 0ms, {}, {}}, {200, 5s, {}, {}}};
  auto& desk = lab.add_agent("desk", "10.0.0.10", desk_cfg);
  auto& soft = lab.add_agent("soft", "10.0.0.11", soft_cfg);
  pstn = &lab.add_agent("telnyx", "10.0.0.20", lab.provider({}));
  lab.at_s(0, [&] { desk.register_now(); });
  lab.at_s(0.5, [&] { soft.register_now(); });
  lab.at_s(5, [&] { pstn->call_to("+15551234567", lab.trunk_address(), "10.0.0.1"); });
  lab.run_for_s(60);
  EXPECT_THAT(lab.ladder(), IsSupersetOf({"trunk -> desk INVITE", "trunk -> soft INVITE", "desk -> trunk 200",
                                          "trunk -> soft CANCEL", "soft -> trunk 487"}))
      << Lab::join_lines(lab.ladder(true));
  EXPECT_EQ(pstn->calls().at(0).final_status, 200);
  EXPECT_TRUE(desk.calls().at(0).answered);
  EXPECT_FALSE(soft.calls().at(0).answered);
}

TEST(NatKeepalive, RegistrarPingsNatedContactsAndKeepsTheMappingOpen) {
  auto c = inbound_config();
  c.registrar.keepalive_options_interval = 20s;
  Lab lab(c);
  lab.add_provider_address("telnyx", "10.0.0.20");
  lab.start();
  lab.world().network().add_nat("home-nat", Lab::addr("198.51.100.1"), 30s);  // short idle timeout
  auto cfg = lab.phone("office-main");
  auto& phone = lab.add_agent("phone", "192.168.1.10", cfg, "home-nat");
  auto& pstn = lab.add_agent("telnyx", "10.0.0.20", lab.provider({}));
  lab.at_s(0, [&] { phone.register_now(); });
  lab.at_s(300, [&] { pstn.call_to("+15551234567", lab.trunk_address(), "10.0.0.1"); });
  lab.run_for_s(320);
  EXPECT_GE(lab.reference().counters().nat_pings, 10u);
  EXPECT_THAT(lab.ladder(), Contains("phone -> trunk 200"));
  // Without the pings the mapping would have died after 30 s of silence; with them the call
  // five minutes later still reaches the phone.
  EXPECT_EQ(pstn.calls().at(0).final_status, 200) << Lab::join_lines(lab.ladder(true));
}
