// Errors at load time, not at run time: every name a scenario refers to (parties in ladder lines,
// steps and final checks; extensions, providers, trunks, NATs, counters) and every duration is
// checked when the file is loaded, with the file, the JSON path and the names that exist.
#include "scenario/scenario.hpp"

#include <gtest/gtest.h>

#include <string>

namespace trunklab::scenario {
namespace {

constexpr const char* kBase = R"({
  "reference": {
    "extensions": [{ "name": "office-1", "username": "office1", "password": "s3cret" }],
    "providers": [{ "name": "telnyx", "invite_timeout": "4s" }],
    "routes": [{ "provider": "telnyx" }]
  },
  "parties": {
    "alice": { "behind": "home", "phone": { "extension": "office-1", "keepalive": "25s" } },
    "telnyx": { "provider": { "invite": [{ "reply": 200, "after": "1s" }] } },
    "monitor": { "raw": {} },
    "pstn-bob": { "pstn": { "provider": "telnyx", "number": "+15551234567" } }
  },
  "nat": { "home": { "idle_timeout": "30s" } },
  "network": { "latency": "10ms", "jitter": "1ms",
               "links": [{ "between": ["alice", "trunk"], "latency": "20ms" }],
               "faults": [{ "delay": "5ms", "between": ["telnyx", "trunk"], "from": "1s", "until": "2s" }] },
  "steps": [{ "at": "1s", "alice": { "call": "+15551234567" } }, { "at": "5s", "alice": "hangup" }],
  "run_until": "20s",
  "limits": { "virtual_time": "1h" },
  "expect": {
    "ladder": ["alice -> trunk INVITE", "trunk -> alice 407"],
    "ladder_mode": "subset",
    "messages": [{ "match": "trunk -> telnyx INVITE" }],
    "within": [{ "from": "alice -> trunk INVITE", "to": "trunk -> alice 407", "max": "1s", "min": "1ms" }],
    "finally": { "answered": { "alice": "telnyx" }, "registered": { "alice": false }, "bindings": { "office-1": 0 },
                 "trunk_counters": { "calls": 1 }, "raw_responses": { "monitor": 0 } }
  }
})";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::string error_of(const std::string& text) {
  try {
    load_scenario_text(text, "x.json");
  } catch (const config::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(LoadTimeNames, TheBaseScenarioLoads) { EXPECT_EQ(error_of(kBase), "(no error)"); }

struct Case {
  const char* from;
  const char* to;
  const char* error;
};

constexpr const char* kWire = "parties are: alice, home, monitor, telnyx, trunk";

TEST(LoadTimeNames, UnknownNamesAreErrorsWithPathAndTheNamesThatExist) {
  const std::string wire = kWire;
  const Case cases[] = {
      {"\"trunk -> alice 407\"", "\"trunk -> bob 407\"", "$.expect.ladder[1]: unknown party \"bob\"; "},
      {"\"trunk -> alice 407\"", "\"...\"", "$.expect.ladder[1]: expected a ladder line \"FROM -> TO LABEL\""},
      {"\"match\": \"trunk -> telnyx INVITE\"", "\"match\": \"trunk -> twilio INVITE\"",
       "$.expect.messages[0].match: unknown party \"twilio\"; "},
      {"\"from\": \"alice -> trunk INVITE\"", "\"from\": \"carol -> trunk INVITE\"",
       "$.expect.within[0].from: unknown party \"carol\"; "},
      {"\"to\": \"trunk -> alice 407\"", "\"to\": \"trunk -> pstn-bob 407\"",
       "$.expect.within[0].to: unknown party \"pstn-bob\"; "},
      {"\"bindings\": { \"office-1\"", "\"bindings\": { \"office-2\"",
       "$.expect.finally.bindings.office-2: unknown extension \"office-2\"; extensions are: office-1"},
      {"\"answered\": { \"alice\"", "\"answered\": { \"bob\"",
       "$.expect.finally.answered.bob: unknown calling party \"bob\"; calling parties are: alice, telnyx"},
      {"\"answered\": { \"alice\": \"telnyx\"", "\"answered\": { \"alice\": \"twilio\"",
       "$.expect.finally.answered.alice: unknown answering party \"twilio\"; answering parties are: alice, telnyx"},
      {"\"registered\": { \"alice\"", "\"registered\": { \"telnyx\"",
       "$.expect.finally.registered.telnyx: unknown phone \"telnyx\"; phones are: alice"},
      {"\"trunk_counters\": { \"calls\"", "\"trunk_counters\": { \"call\"",
       "$.expect.finally.trunk_counters.call: unknown trunk counter \"call\"; trunk counters are: answered, calls, "
       "cancelled, challenged, channel_rejects, failed, failovers, forbidden"},
      {"\"raw_responses\": { \"monitor\"", "\"raw_responses\": { \"alice\"",
       "$.expect.finally.raw_responses.alice: unknown raw party \"alice\"; raw parties are: monitor"},
      {"\"at\": \"5s\", \"alice\"", "\"at\": \"5s\", \"bob\"",
       "$.steps[1].bob: unknown party \"bob\"; parties are: alice, monitor, telnyx"},
      {"\"extension\": \"office-1\"", "\"extension\": \"office1\"",
       "$.parties.alice.phone.extension: unknown extension \"office1\"; extensions are: office-1"},
      {"\"keepalive\": \"25s\"", "\"keepalive\": \"25s\", \"trunk\": \"main\"",
       "$.parties.alice.phone.trunk: unknown trunk \"main\"; trunks are: default"},
      {"\"behind\": \"home\"", "\"behind\": \"office\"", "$.parties.alice.behind: unknown NAT \"office\"; NATs are: home"},
      {"\"provider\": \"telnyx\", \"number\"", "\"provider\": \"twilio\", \"number\"",
       "$.parties.pstn-bob.pstn.provider: unknown provider party \"twilio\"; provider parties are: telnyx"},
      {"\"between\": [\"telnyx\", \"trunk\"]", "\"between\": [\"twilio\", \"trunk\"]",
       "$.network.faults[0].between[0]: unknown party \"twilio\"; "},
      {"\"between\": [\"alice\", \"trunk\"]", "\"between\": [\"alice\", \"trunc\"]",
       "$.network.links[0].between[1]: unknown party \"trunc\"; "},
      {"\"provider\": \"telnyx\" }]", "\"provider\": \"twilio\" }]",
       "$.reference.routes[0].provider: unknown provider \"twilio\"; providers are: telnyx"},
  };
  for (const auto& c : cases) {
    auto error = error_of(replaced(kBase, c.from, c.to));
    EXPECT_EQ(error.rfind(std::string("x.json: ") + c.error, 0), 0u) << c.to << "\n  -> " << error;
    if (std::string(c.error).ends_with("; ")) {
      EXPECT_NE(error.find(wire), std::string::npos) << error;
    }
  }
}

TEST(LoadTimeNames, StepsNameTheirTargets) {
  const Case cases[] = {
      {"{ \"at\": \"5s\", \"alice\": \"hangup\" }", "{ \"at\": \"5s\", \"monitor\": { \"send\": \"x\", \"to\": \"bob\" } }",
       "$.steps[1].monitor.to: unknown party \"bob\"; parties are: alice, monitor, telnyx, trunk"},
      {"{ \"at\": \"5s\", \"alice\": \"hangup\" }", "{ \"at\": \"5s\", \"nat\": { \"rebind\": \"office\" } }",
       "$.steps[1].nat.rebind: unknown NAT \"office\"; NATs are: home"},
      {"{ \"at\": \"5s\", \"alice\": \"hangup\" }", "{ \"at\": \"5s\", \"host\": { \"down\": \"twilio\" } }",
       "$.steps[1].host.down: unknown party \"twilio\"; parties are: alice, monitor, telnyx, trunk"},
  };
  for (const auto& c : cases) {
    auto error = error_of(replaced(kBase, c.from, c.to));
    EXPECT_EQ(error.rfind(std::string("x.json: ") + c.error, 0), 0u) << c.to << "\n  -> " << error;
  }
}

TEST(LoadTimeNames, NumbersAreDigitsWithAnOptionalPlus) {
  const Case cases[] = {
      {"\"number\": \"+15551234567\"", "\"number\": \"bob\"",
       "$.parties.pstn-bob.pstn.number: expected a number: digits with an optional leading '+'"},
      {"{ \"call\": \"+15551234567\" }", "{ \"call\": \"+1 555 123\" }",
       "$.steps[0].alice.call: expected a number: digits with an optional leading '+'"},
      {"\"provider\": { \"invite\"", "\"provider\": { \"destinations\": { \"+1555x\": \"busy\" }, \"invite\"",
       "$.parties.telnyx.provider.destinations[\"+1555x\"]: expected a number: digits with an optional leading '+'"},
  };
  for (const auto& c : cases) {
    auto error = error_of(replaced(kBase, c.from, c.to));
    EXPECT_EQ(error.rfind(std::string("x.json: ") + c.error, 0), 0u) << c.to << "\n  -> " << error;
  }
}

// A bare number has no unit ("invite_timeout": 4 was read as 4 ms): refused in every duration
// member, with its path.
TEST(LoadTimeDurations, BareNumberIsRefusedInEveryDurationMember) {
  const Case cases[] = {
      {"\"invite_timeout\": \"4s\"", "\"invite_timeout\": 4", "$.reference.providers[0].invite_timeout"},
      {"\"keepalive\": \"25s\"", "\"keepalive\": 25", "$.parties.alice.phone.keepalive"},
      {"\"after\": \"1s\"", "\"after\": 1000", "$.parties.telnyx.provider.invite[0].after"},
      {"\"idle_timeout\": \"30s\"", "\"idle_timeout\": 30", "$.nat.home.idle_timeout"},
      {"\"latency\": \"10ms\"", "\"latency\": 10", "$.network.latency"},
      {"\"jitter\": \"1ms\"", "\"jitter\": 1", "$.network.jitter"},
      {"\"latency\": \"20ms\"", "\"latency\": 20", "$.network.links[0].latency"},
      {"\"delay\": \"5ms\"", "\"delay\": 5", "$.network.faults[0].delay"},
      {"\"from\": \"1s\"", "\"from\": 1", "$.network.faults[0].from"},
      {"\"until\": \"2s\"", "\"until\": 2", "$.network.faults[0].until"},
      {"\"at\": \"1s\"", "\"at\": 1", "$.steps[0].at"},
      {"\"run_until\": \"20s\"", "\"run_until\": 20", "$.run_until"},
      {"\"virtual_time\": \"1h\"", "\"virtual_time\": 1", "$.limits.virtual_time"},
      {"\"max\": \"1s\"", "\"max\": 1", "$.expect.within[0].max"},
      {"\"min\": \"1ms\"", "\"min\": 1", "$.expect.within[0].min"},
  };
  for (const auto& c : cases) {
    auto error = error_of(replaced(kBase, c.from, c.to));
    EXPECT_EQ(error.rfind(std::string("x.json: ") + c.error + ": expected a duration with its unit", 0), 0u)
        << c.to << "\n  -> " << error;
  }
}

}  // namespace
}  // namespace trunklab::scenario
