// The reference trunk in virtual time, leg by leg, against the product's documented ladders
// (shared/seeds/003: 407 challenge, early media, hangup-cause relay; 001: failover, inbound).
#include "tests/lab/lab.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace trunklab;
using testlab::Lab;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

namespace {

config::Config base_config() {
  config::Config c;
  c.extensions = {{"office-1", "office1", "s3cret", "default"}, {"office-2", "office2", "pa55", "default"}};
  c.providers = {{"telnyx", "sip.telnyx.example", {}, {}, {}, {}},
                 {"twilio", "sip.twilio.example", {}, {}, {}, {}}};
  c.routes = {{"r1", "telnyx", 1, "", "default"}, {"r2", "twilio", 2, "", "default"}};
  c.numbers = {{"+15550001111", "office-1", "default"}};
  return c;
}

sim::ReplyStep reply(int status, rt::Duration after = 0ms) { return {status, after, {}, {}}; }

struct Outbound : ::testing::Test {
  Lab lab{base_config()};
  sim::UserAgent* alice = nullptr;
  sim::UserAgent* telnyx = nullptr;
  sim::UserAgent* twilio = nullptr;

  void SetUp() override {}
  void build(std::vector<sim::ReplyStep> telnyx_script, std::vector<sim::ReplyStep> twilio_script = {}) {
    lab.add_provider_address("telnyx", "10.0.0.20");
    lab.add_provider_address("twilio", "10.0.0.21");
    lab.start();
    alice = &lab.add_agent("alice", "10.0.0.10", lab.phone("office-1"));
    telnyx = &lab.add_agent("telnyx", "10.0.0.20", lab.provider(std::move(telnyx_script)));
    twilio = &lab.add_agent("twilio", "10.0.0.21", lab.provider(std::move(twilio_script)));
  }
};

}  // namespace

TEST_F(Outbound, DocumentedLadderWith407) {
  build({reply(100), reply(180, 100ms), reply(200, 2s)});
  lab.at_s(0, [&] { alice->call("+15551234567"); });
  lab.at_s(10, [&] { alice->hangup(); });
  lab.run_for_s(60);
  EXPECT_THAT(lab.ladder(), ElementsAreArray({
      "alice -> trunk INVITE", "trunk -> alice 407", "alice -> trunk ACK",
      "alice -> trunk INVITE", "trunk -> alice 100",
      "trunk -> telnyx INVITE", "telnyx -> trunk 100", "telnyx -> trunk 180", "trunk -> alice 180",
      "telnyx -> trunk 200", "trunk -> alice 200", "alice -> trunk ACK", "trunk -> telnyx ACK",
      "alice -> trunk BYE", "trunk -> telnyx BYE", "telnyx -> trunk 200", "trunk -> alice 200"}))
      << testlab::join(lab.ladder(true));
  EXPECT_EQ(lab.reference().trunk().channels_in_use(), 0u);
  auto calls = alice->calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].final_status, 200);
  EXPECT_THAT(lab.message("alice -> trunk INVITE", 1), HasSubstr("Proxy-Authorization: Digest"));
}
