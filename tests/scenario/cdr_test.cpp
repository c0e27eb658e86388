// Call detail records of the reference in a virtual-time run: one per admitted call, with the
// legs tried and their answers, the times on the run's clock, and who ended the call why.
#include "scenario/runner.hpp"
#include "scenario/scenario.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

namespace trunklab::scenario {
namespace {

// alice calls; telnyx answers per SCRIPT; the steps after the call per STEPS.
std::string call(const std::string& script, const std::string& steps, const std::string& reference_extra = "") {
  std::string t = R"({
    "seed": 3,
    "reference": {
      "extensions": [{ "name": "office-1", "username": "office1", "password": "s3cret" }],
      "providers": [{ "name": "telnyx", "media": "relay" }], "routes": [{ "provider": "telnyx", "priority": 1 }] EXTRA
    },
    "parties": {
      "alice": { "phone": { "extension": "office-1" }, "media": { "enabled": false } },
      "telnyx": { "provider": { "invite": [SCRIPT] }, "media": { "enabled": false } }
    },
    "steps": [{ "at": "0s", "alice": { "call": "+15551234567" } } STEPS]
  })";
  for (auto [key, value] : {std::pair{std::string("SCRIPT"), script}, {std::string("STEPS"), steps},
                            {std::string("EXTRA"), reference_extra}}) {
    t.replace(t.find(key), key.size(), value);
  }
  return t;
}

nlohmann::json only_record(const std::string& text) {
  auto v = run_scenario(load_scenario_text(text, "cdr.json"));
  EXPECT_EQ(v.call_records.size(), 1u);
  return v.call_records.empty() ? nlohmann::json::object() : v.call_records[0];
}

TEST(CallRecords, AnAnsweredCallEndedByTheCaller) {
  auto r = only_record(call(R"({ "reply": 180, "after": "200ms" }, { "reply": 200, "after": "1s" })",
                            R"(, { "at": "6s", "alice": "hangup" })"));
  EXPECT_EQ(r["direction"], "outbound");
  EXPECT_EQ(r["caller"], "office-1");
  EXPECT_EQ(r["callee"], "+15551234567");
  EXPECT_EQ(r["final_status"], 200);
  EXPECT_EQ(r["hangup_side"], "caller");
  EXPECT_EQ(r["hangup_cause"], "BYE");
  ASSERT_EQ(r["legs"].size(), 1u);
  EXPECT_EQ(r["legs"][0]["target"], "telnyx");
  EXPECT_EQ(r["legs"][0]["status"], 200);
  EXPECT_EQ(r["legs"][0]["won"], true);
  // Virtual seconds: ringing 200 ms and the answer 1 s after the trunk sent the INVITE (one
  // 10 ms hop each way); the end once the BYE sent at 6 s is answered through the trunk.
  EXPECT_NEAR(r["pdd_ms"].get<double>(), 220.0, 1.0);
  EXPECT_NEAR(r["setup_ms"].get<double>(), 1020.0, 1.0);
  EXPECT_NEAR(r["end"].get<double>(), 6.03, 0.001);
  EXPECT_NEAR(r["duration_ms"].get<double>(), (r["end"].get<double>() - r["answer"].get<double>()) * 1000.0, 0.01);
}

TEST(CallRecords, BusyIsTheCalleesAndCancelTheCallers) {
  auto busy = only_record(call(R"({ "reply": 486, "after": "100ms" })", ""));
  EXPECT_EQ(busy["final_status"], 486);
  EXPECT_EQ(busy["hangup_side"], "callee");
  EXPECT_EQ(busy["hangup_cause"], "486 Busy Here");
  EXPECT_TRUE(busy["answer"].is_null());
  EXPECT_EQ(busy["duration_ms"], 0.0);
  auto cancel = only_record(call(R"({ "reply": 180, "after": "100ms" }, { "reply": 200, "after": "30s" })",
                                 R"(, { "at": "2s", "alice": "cancel" })"));
  EXPECT_EQ(cancel["final_status"], 487);
  EXPECT_EQ(cancel["hangup_side"], "caller");
  EXPECT_EQ(cancel["hangup_cause"], "CANCEL");
}

TEST(CallRecords, AMediaTimeoutIsTheTrunks) {
  auto r = only_record(call(R"({ "reply": 200, "after": "500ms" })", R"(, { "at": "40s", "alice": "hangup" })",
                            R"(, "media": { "timeout": "10s" })"));
  EXPECT_EQ(r["hangup_side"], "trunk");
  EXPECT_EQ(r["hangup_cause"], "media timeout");
}

// INVITEs refused before a call exists get a record too (the 503 of the channel limit, the 404
// of an unknown number), with no legs; the 407 challenges before an admitted call get none.
TEST(CallRecords, RefusedAttemptsAreRecordedChallengesAreNot) {
  auto v = run_scenario(load_scenario_text(R"({
    "seed": 1,
    "reference": {
      "extensions": [{ "name": "office-1", "username": "office1", "password": "s3cret" },
                     { "name": "office-2", "username": "office2", "password": "s3cret2" }],
      "providers": [{ "name": "telnyx" }], "routes": [{ "provider": "telnyx", "priority": 1 }],
      "trunks": [{ "name": "acme", "channels": 1 }]
    },
    "parties": {
      "alice": { "phone": { "extension": "office-1" }, "media": { "enabled": false } },
      "bob": { "phone": { "extension": "office-2" }, "media": { "enabled": false } },
      "telnyx": { "provider": { "invite": [{ "reply": 200, "after": "1s" }] }, "media": { "enabled": false } }
    },
    "steps": [{ "at": "0s", "alice": { "call": "+15551234567" } },
              { "at": "3s", "bob": { "call": "+15557654321" } },
              { "at": "4s", "telnyx": { "call": "+15550009999" } },
              { "at": "10s", "alice": "hangup" }]
  })", "refused.json"));
  ASSERT_EQ(v.call_records.size(), 3u);
  const auto& channel_limit = v.call_records[0];
  EXPECT_EQ(channel_limit["direction"], "outbound");
  EXPECT_EQ(channel_limit["trunk"], "acme");
  EXPECT_EQ(channel_limit["caller"], "office-2");
  EXPECT_EQ(channel_limit["callee"], "+15557654321");
  EXPECT_EQ(channel_limit["final_status"], 503);
  EXPECT_EQ(channel_limit["final_reason"], "Service Unavailable (trunk acme: channel limit 1 reached)");
  EXPECT_EQ(channel_limit["hangup_side"], "trunk");
  EXPECT_TRUE(channel_limit["legs"].empty());
  EXPECT_EQ(channel_limit["start"], channel_limit["end"]);
  EXPECT_EQ(channel_limit["setup_ms"], 0.0);
  const auto& unknown_number = v.call_records[1];
  EXPECT_EQ(unknown_number["direction"], "inbound");
  EXPECT_EQ(unknown_number["caller"], "telnyx");
  EXPECT_EQ(unknown_number["final_status"], 404);
  EXPECT_EQ(unknown_number["hangup_cause"], "404 Not Found (no number +15550009999 here)");
  EXPECT_EQ(v.call_records[2]["final_status"], 200);
  EXPECT_EQ(v.call_records[2]["caller"], "office-1");
  std::set<std::uint64_t> ids;
  for (const auto& r : v.call_records) ids.insert(r["id"].get<std::uint64_t>());
  EXPECT_EQ(ids.size(), 3u);
}

}  // namespace
}  // namespace trunklab::scenario
