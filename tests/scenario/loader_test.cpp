// The scenario loader: what a valid file becomes, and errors that name file, JSON path and
// what was expected.
#include "scenario/scenario.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace trunklab::scenario {
namespace {

using ::testing::HasSubstr;

constexpr const char* kMinimal = R"({
  // comments are allowed
  "seed": 7,
  "reference": {
    "extensions": [{ "name": "office-1", "username": "office1", "password": "s3cret" }],
    "providers": [{ "name": "telnyx" }],
    "routes": [{ "provider": "telnyx" }]
  },
  "parties": {
    "zed": { "phone": { "extension": "office-1" } },
    "alice": { "behind": "home", "phone": { "extension": "office-1", "keepalive": "25s" } },
    "telnyx": { "provider": { "invite": "busy" } },
    "pstn-bob": { "pstn": { "provider": "telnyx", "number": "+1555", "behaviour": "not_found" } }
  },
  "nat": { "home": {} },
  "steps": [{ "at": "2s", "zed": "hangup" }, { "at": "1s", "alice": { "call": "+15551234567" } }],
  "expect": { "ladder": ["alice -> trunk INVITE"], "ladder_mode": "subset" }
})";

std::string error_of(const std::string& text) {
  try {
    load_scenario_text(text, "scenarios/bad.json");
  } catch (const config::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ScenarioLoader, ReadsTopologyStepsAndExpectations) {
  auto s = load_scenario_text(kMinimal, "scenarios/minimal.json");
  EXPECT_EQ(s.name, "minimal");
  EXPECT_EQ(s.seed, 7u);
  ASSERT_EQ(s.parties.size(), 4u);
  EXPECT_EQ(s.parties[0].name, "alice");  // sorted by name
  EXPECT_EQ(s.steps.front().party, "alice");  // sorted by time
  EXPECT_EQ(s.steps.front().action, Action::call);
  EXPECT_EQ(s.expect.ladder_mode, LadderMode::subset);
  // The default trunk exists so phones have a trunk domain to call.
  ASSERT_EQ(s.reference.trunks.size(), 1u);
  EXPECT_EQ(s.reference.trunks[0].name, "default");
}

TEST(ScenarioLoader, AssignsAddressesDeterministically) {
  auto s = load_scenario_text(kMinimal, "scenarios/minimal.json");
  EXPECT_EQ(s.reference_address.to_string(), "10.0.0.1:5060");
  EXPECT_EQ(s.find_party("alice")->address->to_string(), "192.168.1.10:5060");
  EXPECT_EQ(s.find_party("telnyx")->address->to_string(), "10.0.0.2:5060");
  EXPECT_EQ(s.find_party("zed")->address->to_string(), "10.0.0.3:5060");
  EXPECT_FALSE(s.find_party("pstn-bob")->address.has_value());  // not on the wire
  // The provider's address in the reference's configuration is its party's.
  EXPECT_EQ(s.reference.find_provider("telnyx")->address->to_string(), "10.0.0.2:5060");
}

TEST(ScenarioLoader, PstnNumberBecomesAProviderDestination) {
  auto s = load_scenario_text(kMinimal, "scenarios/minimal.json");
  const auto& provider = std::get<ProviderSpec>(s.find_party("telnyx")->role);
  ASSERT_EQ(provider.destinations.count("+1555"), 1u);
  EXPECT_EQ(provider.destinations.at("+1555").steps.back().status, 404);
  EXPECT_EQ(provider.invite.steps.back().status, 486);
}

TEST(ScenarioLoader, UnknownExtensionNamesFilePathAndExpectation) {
  auto error = error_of(R"({"parties": {"alice": {"phone": {"extension": "nope"}}}})");
  EXPECT_THAT(error, HasSubstr("scenarios/bad.json: $.parties.alice.phone.extension: unknown extension \"nope\"; "
                               "there are no extensions"));
}

TEST(ScenarioLoader, TypoInAMemberIsAnError) {
  auto error = error_of(R"({"parties": {}, "expect": {"ladder_mod": "exact"}})");
  EXPECT_THAT(error, HasSubstr("scenarios/bad.json: $.expect"));
  EXPECT_THAT(error, HasSubstr("ladder_mod"));
}

TEST(ScenarioLoader, BadDurationNamesTheStep) {
  auto error = error_of(R"({"reference": {"extensions": [{"name": "e", "username": "u", "password": "p"}]},
    "parties": {"alice": {"phone": {"extension": "e"}}}, "steps": [{"at": "soon", "alice": "register"}]})");
  EXPECT_THAT(error, HasSubstr("$.steps[0].at"));
}

TEST(ScenarioLoader, StepOnUnknownPartyIsAnError) {
  auto error = error_of(R"({"parties": {}, "steps": [{"at": "1s", "bob": "register"}]})");
  EXPECT_THAT(error, HasSubstr("$.steps[0].bob: unknown party \"bob\"; there are no parties"));
}

TEST(ScenarioLoader, ErrorsInsideTheReferenceKeepTheirPath) {
  auto error = error_of(R"({"reference": {"routes": [{"provider": "ghost"}]}, "parties": {}})");
  EXPECT_THAT(error, HasSubstr("$.reference.routes[0].provider"));
}

TEST(ScenarioLoader, BadLadderModeIsAnError) {
  auto error = error_of(R"({"parties": {}, "expect": {"ladder_mode": "fuzzy"}})");
  EXPECT_THAT(error, HasSubstr("$.expect.ladder_mode: expected \"exact\" or \"subset\""));
}

TEST(ScenarioLoader, ProviderPartyMustBeAConfiguredProvider) {
  auto error = error_of(R"({"parties": {"acme": {"provider": {}}}})");
  EXPECT_THAT(error, HasSubstr("$.parties.acme: unknown provider \"acme\"; there are no providers"));
}

TEST(ScenarioLoader, UnreadableFileIsAnError) {
  try {
    load_scenario_file("/nonexistent/x.json");
    FAIL() << "no error";
  } catch (const config::InputError& e) {
    EXPECT_EQ(e.file(), "/nonexistent/x.json");
  }
}

TEST(ScenarioLoader, BundledScenariosAllLoad) {
  for (const char* name : {"register-auth", "failover-5xx", "nat-reregister", "malformed-request-400"}) {
    auto path = std::string(TRUNKLAB_SOURCE_DIR) + "/scenarios/" + name + ".json";
    EXPECT_NO_THROW(load_scenario_file(path)) << path;
  }
}

}  // namespace
}  // namespace trunklab::scenario

namespace trunklab::scenario {
namespace {

TEST(ScenarioLoader, PartyTransportIsReadAndATcpProviderIsReachedOverTcp) {
  auto s = load_scenario_text(R"({
    "reference": {"providers": [{"name": "telnyx"}]},
    "parties": {"telnyx": {"transport": "tcp", "provider": {}}, "bob": {"raw": {}}}})", "scenarios/tcp.json");
  EXPECT_EQ(s.find_party("telnyx")->transport, rt::TransportKind::tcp);
  EXPECT_FALSE(s.find_party("bob")->transport.has_value());  // the stage's default
  EXPECT_EQ(s.reference.find_provider("telnyx")->transport, rt::TransportKind::tcp);
}

TEST(ScenarioLoader, TcpBehindANatIsRefusedWithItsPath) {
  auto error = error_of(R"({"nat": {"home": {}}, "parties": {"bob": {"raw": {}, "behind": "home", "transport": "tcp"}}})");
  EXPECT_THAT(error, HasSubstr("scenarios/bad.json: $.parties.bob.transport: expected \"udp\" for a party behind a NAT"));
  EXPECT_THAT(error_of(R"({"parties": {"bob": {"raw": {}, "transport": "sctp"}}})"),
              HasSubstr("$.parties.bob.transport: expected \"udp\" or \"tcp\""));
}

TEST(ScenarioLoader, InbandDigitTooShortForTheDetectorIsRefusedWithItsPath) {
  const auto error = error_of(R"({"parties": {"bob": {"raw": {}}},
    "steps": [{"at": "1s", "bob": {"dtmf": {"digits": "12", "method": "inband", "duration": "40ms"}}}]})");
  EXPECT_THAT(error, HasSubstr("scenarios/bad.json: $.steps[0].bob.dtmf.duration: expected an inband digit of at least 60ms"));
  // The same digit as an RFC 4733 event is fine.
  EXPECT_EQ(error_of(R"({"parties": {"bob": {"raw": {}}},
    "steps": [{"at": "1s", "bob": {"dtmf": {"digits": "12", "method": "rfc4733", "duration": "40ms"}}}]})"),
            "(no error)");
}

}  // namespace
}  // namespace trunklab::scenario
