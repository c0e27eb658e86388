#include "reference/config/config.hpp"

#include <gtest/gtest.h>

using namespace trunklab::config;
using namespace std::chrono_literals;

namespace {

Config read(std::string_view text) {
  auto json = parse_json_text(text, "test.json");
  return read_config(Node(json, "test.json"));
}

std::string error_of(std::string_view text) {
  try {
    read(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(Config, ReadsTheProductObjects) {
  auto c = read(R"({
    // comments are allowed: people write these files
    "base_domain": "lab.test",
    "extensions": [{ "name": "office-1", "username": "office1", "password": "s3cret", "customer": "acme" }],
    "providers": [{ "name": "telnyx", "address": "192.0.2.10:5060", "invite_timeout": "8s" },
                  { "name": "twilio" }],
    "routes": [{ "provider": "telnyx", "priority": 1 }, { "provider": "twilio", "priority": 2, "prefix": "+44" }],
    "numbers": [{ "number": "+15551234567", "dial_extension": "office-1", "customer": "acme" }],
    "trunks": [{ "name": "acme", "customer": "acme", "channels": 2, "trusted_addresses": ["198.51.100.7"] }]
  })");
  ASSERT_EQ(c.extensions.size(), 1u);
  EXPECT_EQ(c.extensions[0].username, "office1");
  EXPECT_EQ(c.registrar_domain("acme"), "acme.registrar.lab.test");
  EXPECT_EQ(c.trunk_domain("acme"), "acme.trunk.lab.test");
  ASSERT_NE(c.find_provider("telnyx"), nullptr);
  EXPECT_EQ(c.find_provider("telnyx")->address->to_string(), "192.0.2.10:5060");
  EXPECT_EQ(*c.find_provider("telnyx")->invite_timeout, 8s);
  EXPECT_EQ(c.routes[1].prefix, "+44");
  EXPECT_EQ(c.trunks[0].channels, 2);
  EXPECT_NE(c.find_extension("acme", "office-1"), nullptr);
  EXPECT_EQ(c.find_extension("default", "office-1"), nullptr);
}

TEST(Config, ErrorsNameFilePathAndExpectation) {
  EXPECT_EQ(error_of(R"({"routes": [{"provider": "nobody"}]})"),
            "test.json: $.routes[0].provider: unknown provider \"nobody\"; providers are: (none)");
  EXPECT_EQ(error_of(R"({"providers": [{"name": "b"}, {"name": "a"}], "routes": [{"provider": "c"}]})"),
            "test.json: $.routes[0].provider: unknown provider \"c\"; providers are: a, b");
  EXPECT_EQ(error_of(R"({"providers": [{"name": "a", "priorty": 1}]})"),
            "test.json: $.providers[0].priorty: unknown member; expected one of: name, hostname, "
            "address, credentials, invite_timeout, options_interval, type, transport, media");
  EXPECT_EQ(error_of(R"({"extensions": [{"name": "x"}]})"),
            "test.json: $.extensions[0].password: expected this member (it is required)");
  EXPECT_EQ(error_of(R"({"providers": [{"name": "a", "invite_timeout": "soon"}]})"),
            "test.json: $.providers[0].invite_timeout: expected a duration such as \"250ms\", "
            "\"2s\", \"5m\" or \"1h\"");
  EXPECT_EQ(error_of("{\n  \"routes\": [,]\n}"),
            error_of("{\n  \"routes\": [,]\n}"));  // deterministic
  EXPECT_NE(error_of("{\n  \"routes\": [,]\n}").find("test.json: line 2 column"), std::string::npos);
}

TEST(Config, MediaAnchoringPerTrunkAndProvider) {
  auto c = read(R"({"providers": [{"name": "telnyx", "media": "relay"}, {"name": "twilio"}],
                    "trunks": [{"name": "acme", "media": "relay"}],
                    "media": {"ports": [20000, 20099], "timeout": "30s"}})");
  EXPECT_EQ(c.find_provider("telnyx")->media, MediaMode::relay);
  EXPECT_EQ(c.find_provider("twilio")->media, MediaMode::direct);
  EXPECT_EQ(c.trunks[0].media, MediaMode::relay);
  EXPECT_EQ(c.media.first_port, 20000);
  EXPECT_EQ(c.media.last_port, 20099);
  EXPECT_EQ(c.media.timeout, 30s);
  EXPECT_EQ(error_of(R"({"providers": [{"name": "a", "media": "anchored"}]})"),
            "test.json: $.providers[0].media: expected \"direct\" (SDP passed through) or \"relay\" (media anchored)");
  EXPECT_EQ(error_of(R"({"media": {"ports": [20000, 20001]}})"),
            "test.json: $.media.ports: expected a range of at least 4 ports (two RTP/RTCP pairs)");
  // What serve --print-config writes reads back the same.
  auto again = read(to_json(c).dump());
  EXPECT_EQ(again.find_provider("telnyx")->media, MediaMode::relay);
  EXPECT_EQ(again.trunks[0].media, MediaMode::relay);
  EXPECT_EQ(again.media.timeout, 30s);
  EXPECT_EQ(again.media.dtmf, DtmfPolicy::pass);
}

TEST(Config, DtmfInterworkingIsChosenAndSurvivesPrintConfig) {
  auto c = read(R"({"media": {"dtmf": "interwork"}})");
  EXPECT_EQ(c.media.dtmf, DtmfPolicy::interwork);
  EXPECT_EQ(read(to_json(c).dump()).media.dtmf, DtmfPolicy::interwork);
  EXPECT_EQ(error_of(R"({"media": {"dtmf": "rfc2833"}})"),
            "test.json: $.media.dtmf: expected \"pass\" (events and tones relayed as they are) or \"interwork\" "
            "(RFC 4733 events on one leg, inband tones on the other)");
}

TEST(Config, NumbersMustDialAnExistingExtension) {
  EXPECT_EQ(error_of(R"({"numbers": [{"number": "+1555", "dial_extension": "ghost"}]})"),
            "test.json: $.numbers[0].dial_extension: unknown extension \"ghost\" of customer "
            "\"default\"; its extensions are: (none)");
}

// A bare number where a duration is expected has no unit (4 was read as 4 ms): refused with
// its path, in every duration member of the configuration.
TEST(Config, BareNumberForADurationIsRefused) {
  const char* members[][2] = {
      {R"({"providers": [{"name": "a", "invite_timeout": 4}]})", "$.providers[0].invite_timeout"},
      {R"({"providers": [{"name": "a", "options_interval": 30}]})", "$.providers[0].options_interval"},
      {R"({"registrar": {"keepalive_options_interval": 25}})", "$.registrar.keepalive_options_interval"},
      {R"({"auth": {"nonce_lifetime": 300}})", "$.auth.nonce_lifetime"},
  };
  for (const auto& [text, path] : members) {
    auto error = error_of(text);
    EXPECT_NE(error.find(std::string("test.json: ") + path + ": expected a duration with its unit"), std::string::npos)
        << text << " -> " << error;
    EXPECT_NE(error.find("a bare number has none"), std::string::npos) << error;
  }
  EXPECT_EQ(read(R"({"providers": [{"name": "a", "invite_timeout": "4s"}]})").providers[0].invite_timeout,
            std::chrono::seconds(4));
}

TEST(Config, RoundTripsThroughJson) {
  auto c = read(R"({"extensions": [{"name": "a", "password": "p"}], "providers": [{"name": "p1"}],
                    "routes": [{"provider": "p1"}]})");
  auto json = to_json(c);
  auto again = read_config(Node(json, "printed"));
  EXPECT_EQ(to_json(again), json);
}

TEST(Durations, ParseUnits) {
  EXPECT_EQ(parse_duration("250ms"), 250ms);
  EXPECT_EQ(parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(parse_duration("2m"), 120s);
  EXPECT_EQ(parse_duration("1h"), 3600s);
  EXPECT_FALSE(parse_duration("5"));
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_EQ(format_duration(1500ms), "1.5s");
  EXPECT_EQ(format_duration(250ms), "250ms");
}

TEST(Config, ProviderTransportIsUdpOrTcp) {
  EXPECT_EQ(read(R"({"providers": [{"name": "a"}]})").providers[0].transport, trunklab::rt::TransportKind::udp);
  const auto c = read(R"({"providers": [{"name": "a", "transport": "tcp"}]})");
  EXPECT_EQ(c.providers[0].transport, trunklab::rt::TransportKind::tcp);
  EXPECT_EQ(to_json(c)["providers"][0]["transport"], "tcp");
  EXPECT_EQ(error_of(R"({"providers": [{"name": "a", "transport": "sctp"}]})"),
            "test.json: $.providers[0].transport: expected \"udp\" or \"tcp\"");
}

TEST(Config, T38IsRelayedUnlessRejected) {
  EXPECT_EQ(read(R"({})").t38, T38Policy::relay);
  const auto c = read(R"({"t38": "reject"})");
  EXPECT_EQ(c.t38, T38Policy::reject);
  EXPECT_EQ(to_json(c)["t38"], "reject");
  EXPECT_EQ(read_config(Node(to_json(c), "printed")).t38, T38Policy::reject);
  EXPECT_EQ(to_json(read(R"({})"))["t38"], "relay");
  EXPECT_EQ(error_of(R"({"t38": "drop"})"),
            "test.json: $.t38: expected \"relay\" (forward a T.38 re-INVITE to the other leg) or \"reject\" (answer it 488)");
  EXPECT_EQ(error_of(R"({"t38": true})"),
            "test.json: $.t38: expected \"relay\" (forward a T.38 re-INVITE to the other leg) or \"reject\" (answer it 488)");
}

TEST(Config, TrunksWithAddressesPoliciesAndRegistration) {
  auto c = read(R"({
    "extensions": [{ "name": "office-1", "password": "pw" }],
    "trunks": [{ "name": "pbx", "addresses": ["192.0.2.20:5060", { "address": "192.0.2.21", "priority": 2, "weight": 3 }],
                 "policy": "weighted", "options_interval": "30s", "invite_timeout": "6s", "channels": 4 },
               { "name": "branch", "type": "registered", "username": "branch", "password": "pw2" }],
    "call_routes": [{ "name": "hunt", "entries": [{ "trunk": "pbx", "timeout": "10s" }, { "extension": "office-1" },
                                                   { "number": "+15557654321" }] }],
    "numbers": [{ "number": "+15550001", "trunk": "branch" }, { "number": "+15550002", "call_route": "hunt" }]
  })");
  const auto* pbx = c.find_trunk("pbx");
  ASSERT_TRUE(pbx);
  ASSERT_EQ(pbx->addresses.size(), 2u);
  EXPECT_EQ(pbx->addresses[1].address.to_string(), "192.0.2.21:5060");
  EXPECT_EQ(pbx->addresses[1].weight, 3);
  EXPECT_EQ(pbx->policy, DestinationPolicy::weighted);
  EXPECT_EQ(c.find_trunk("branch")->type, TrunkType::registered);
  ASSERT_EQ(c.find_call_route("hunt")->entries.size(), 3u);
  EXPECT_EQ(c.find_call_route("hunt")->entries[2].kind, CallRouteEntry::Kind::number);
  // What --print-config (and the management API) writes reads back the same.
  auto again = to_json(read_config(Node(to_json(c), "again.json")));
  EXPECT_EQ(again, to_json(c));
}

TEST(Config, CallRoutesAndNumberFlowsAreChecked) {
  EXPECT_EQ(error_of(R"({"numbers": [{ "number": "+1", "dial_extension": "x", "trunk": "y" }]})"),
            "test.json: $.numbers[0]: expected exactly one of \"dial_extension\", \"trunk\" or \"call_route\"");
  EXPECT_EQ(error_of(R"({"numbers": [{ "number": "+1", "call_route": "nope" }]})"),
            "test.json: $.numbers[0].call_route: unknown call route \"nope\" of customer \"default\"; its call routes are: (none)");
  EXPECT_EQ(error_of(R"({"call_routes": [{ "name": "h", "entries": [{ "number": "+1" }, { "trunk": "t" }] }]})"),
            "test.json: $.call_routes[0].entries[0]: expected a phone number only as the last entry (it takes the call when every trunk is unreachable)");
  EXPECT_EQ(error_of(R"({"trunks": [{"name": "t"}], "call_routes": [{ "name": "h", "entries": [{ "trunk": "u" }] }]})"),
            "test.json: $.call_routes[0].entries[0].trunk: unknown trunk \"u\" of customer \"default\"; its trunks are: t");
  std::string eleven;
  for (int i = 0; i < 11; ++i) eleven += std::string(i ? "," : "") + R"({"trunk": "t"})";
  EXPECT_EQ(error_of(R"({"trunks": [{"name": "t"}], "call_routes": [{ "name": "h", "entries": [)" + eleven + "] }]}"),
            "test.json: $.call_routes[0].entries: expected 1 to 10 entries");
  EXPECT_EQ(error_of(R"({"trunks": [{"name": "t", "type": "registered", "username": "u", "password": "p", "addresses": ["192.0.2.1"]}]})"),
            "test.json: $.trunks[0].addresses: expected no addresses on a registered trunk (its calls go where its PBX registered from)");
  EXPECT_EQ(error_of(R"({"trunks": [{"name": "t"}, {"name": "t"}]})"), "test.json: $.trunks[1].name: expected a unique trunk name");
}

TEST(Config, RoutesTakeTheProductsProviderId) {
  auto c = read(R"({"providers": [{"name": "primary", "type": "sip", "hostname": "sip.provider.com"}],
                   "routes": [{"name": "Default Outbound Route", "provider_id": "primary", "priority": 1}]})");
  EXPECT_EQ(c.routes[0].provider, "primary");
  EXPECT_EQ(error_of(R"({"routes": [{"provider_id": "nope"}]})"),
            "test.json: $.routes[0].provider_id: unknown provider \"nope\"; providers are: (none)");
}
