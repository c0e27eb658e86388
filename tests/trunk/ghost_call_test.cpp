// Ghost calls (RFC 3261 §9.1, §16.7 step 10): a provider leg the trunk gave up on must be
// CANCELled, whenever its first provisional comes, and a 2xx that still arrives on it is ACKed
// and ended with exactly one BYE, however late and however often the provider retransmits it.
// A ghost call is a provider answering a call the caller never had: billed on a real carrier.
#include "tests/lab/lab.hpp"

#include "sim/net/fault.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>

using namespace trunklab;
using testlab::Lab;
using ::testing::Contains;
using ::testing::Not;
using namespace std::chrono_literals;

namespace {

agents::ReplyStep reply(int status, rt::Duration after = 0ms) { return {status, after, {}, {}}; }

rt::Instant at(rt::Duration d) { return rt::Instant{d}; }

std::ptrdiff_t position(const std::vector<std::string>& ladder, const std::string& line) {
  return std::find(ladder.begin(), ladder.end(), line) - ladder.begin();
}

std::size_t count(const std::vector<std::string>& ladder, const std::string& line) {
  return static_cast<std::size_t>(std::count(ladder.begin(), ladder.end(), line));
}

std::string header_line(const std::string& message, const std::string& name) {
  auto at = message.find("\r\n" + name + ":");
  if (at == std::string::npos) return {};
  return message.substr(at + 2, message.find("\r\n", at + 2) - at - 2);
}

// alice calls out; telnyx (invite_timeout 2 s) is tried first, then twilio answers after 1 s.
struct GhostCall : ::testing::Test {
  std::unique_ptr<Lab> lab;
  agents::UserAgent* alice = nullptr;
  agents::UserAgent* telnyx = nullptr;
  agents::UserAgent* twilio = nullptr;

  void build(std::vector<agents::ReplyStep> telnyx_script) {
    config::Config c;
    c.extensions = {{"office-1", "office1", "s3cret", "default"}};
    c.providers = {{"telnyx", "sip.telnyx.example", {}, {}, {}, {}},
                   {"twilio", "sip.twilio.example", {}, {}, {}, {}}};
    c.providers[0].invite_timeout = 2s;
    c.routes = {{"r1", "telnyx", 1, "", "default"}, {"r2", "twilio", 2, "", "default"}};
    lab = std::make_unique<Lab>(c);
    lab->add_provider_address("telnyx", "10.0.0.20");
    lab->add_provider_address("twilio", "10.0.0.21");
    lab->start();
    alice = &lab->add_agent("alice", "10.0.0.10", lab->phone("office-1"));
    telnyx = &lab->add_agent("telnyx", "10.0.0.20", lab->provider(std::move(telnyx_script)));
    twilio = &lab->add_agent("twilio", "10.0.0.21", lab->provider({reply(200, 1s)}));
  }
  void drop(std::string name, std::string src, std::string dst, rt::Duration from, rt::Duration until) {
    auto rule = sim::FaultRule::drop(std::move(name)).during(at(from), at(until));
    if (!src.empty()) rule.with_src_host(std::move(src));
    if (!dst.empty()) rule.with_dst_host(std::move(dst));
    lab->world().network().add_fault(rule);
  }
  agents::AgentCall telnyx_call() const {
    auto calls = telnyx->calls();
    return calls.empty() ? agents::AgentCall{} : calls.front();
  }
  // The messages on `line` (e.g. "telnyx -> trunk 200"), delivered or dropped, whose CSeq
  // header ends with `method`.
  std::vector<std::string> messages(const std::string& line, const std::string& method) const {
    std::vector<std::string> out;
    for (const auto& l : {line, line + " (dropped)"}) {
      for (int i = 0;; ++i) {
        auto m = lab->message(l, i);
        if (m.empty()) break;
        if (header_line(m, "CSeq").ends_with(" " + method)) out.push_back(m);
      }
    }
    return out;
  }
  bool telnyx_had(const std::string& kind) const {
    const auto& events = telnyx->events();
    return std::any_of(events.begin(), events.end(), [&](const agents::AgentEvent& e) { return e.kind == kind; });
  }
};

}  // namespace

// The reproduction: telnyx rings (100 at once, 180 after 1 s) and would answer after
// 6 s; the trunk gives up after 2 s. It must CANCEL telnyx as it moves on to twilio.
TEST_F(GhostCall, LegRingingWhenGivenUpOnIsCancelledAsTheTrunkMovesOn) {
  build({reply(100), reply(180, 1s), reply(200, 6s)});
  lab->at_s(0, [&] { alice->call("+15551234567"); });
  lab->at_s(20, [&] { alice->hangup(); });
  lab->run_for_s(80);
  auto ladder = lab->ladder();
  EXPECT_LT(position(ladder, "trunk -> telnyx CANCEL"), position(ladder, "trunk -> twilio INVITE"))
      << testlab::join(lab->ladder(true));
  EXPECT_THAT(ladder, Not(Contains("trunk -> telnyx BYE")));
  EXPECT_FALSE(telnyx_call().answered);
  EXPECT_EQ(telnyx_call().final_status, 487);
  auto outcomes = lab->reference().trunk().outcomes();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].answered_by, "twilio");
  ASSERT_EQ(outcomes[0].legs.size(), 2u);
  EXPECT_TRUE(outcomes[0].legs[0].cancel_sent);
  EXPECT_FALSE(outcomes[0].legs[0].answered);
  EXPECT_FALSE(outcomes[0].legs[0].open);
  EXPECT_TRUE(outcomes[0].legs[1].won);
}

// Every reply of telnyx is lost until 2.5 s: the trunk gives up on a leg that never sent a 1xx
// (no CANCEL allowed yet, §9.1). Its 180 arrives at 3 s, after the trunk moved on: that 1xx is
// when the CANCEL must go, so telnyx stops ringing instead of answering at 6 s.
TEST_F(GhostCall, LegWhoseFirstProvisionalComesAfterWeMovedOnIsCancelledThen) {
  build({reply(100), reply(180, 3s), reply(200, 6s)});
  drop("telnyx-replies-lost", "telnyx", "", 0s, 2500ms);
  lab->at_s(0, [&] { alice->call("+15551234567"); });
  lab->at_s(20, [&] { alice->hangup(); });
  lab->run_for_s(80);
  auto ladder = lab->ladder();
  auto text = testlab::join(lab->ladder(true));
  EXPECT_LT(position(ladder, "telnyx -> trunk 180"), position(ladder, "trunk -> telnyx CANCEL")) << text;
  EXPECT_TRUE(messages("telnyx -> trunk 200", "INVITE").empty()) << text;  // no answer, no ghost
  EXPECT_THAT(ladder, Not(Contains("trunk -> telnyx BYE"))) << text;
  EXPECT_FALSE(telnyx_call().answered) << text;
  EXPECT_EQ(telnyx_call().final_status, 487) << text;
  // The 487 is ACKed (§17.1.1.3) although the INVITE's transaction is gone: sent once, not
  // retransmitted until telnyx's timer H.
  EXPECT_EQ(count(ladder, "telnyx -> trunk 487"), 1u) << text;
  EXPECT_GT(position(ladder, "trunk -> telnyx ACK"), position(ladder, "telnyx -> trunk 487")) << text;
  EXPECT_EQ(alice->calls().at(0).final_status, 200);
}

// telnyx never hears the CANCEL and answers at 6 s; our ACKs are lost too, so it retransmits
// its 2xx. Each 2xx gets an ACK (§13.2.2.4), and the leg gets exactly one BYE.
TEST_F(GhostCall, A2xxRetransmittedOnACancelledLegGetsAnAckEachAndOneBye) {
  build({reply(100), reply(180, 1s), reply(200, 6s)});
  drop("trunk-to-telnyx-lost", "trunk", "telnyx", 1900ms, 8s);
  lab->at_s(0, [&] { alice->call("+15551234567"); });
  lab->at_s(20, [&] { alice->hangup(); });
  lab->run_for_s(80);
  auto ladder = lab->ladder();
  auto text = testlab::join(lab->ladder(true));
  const auto answers = messages("telnyx -> trunk 200", "INVITE").size();
  EXPECT_GE(answers, 3u) << text;  // the scenario does make telnyx retransmit its 2xx
  std::set<std::string> byes;
  for (const auto& bye : messages("trunk -> telnyx BYE", "BYE")) {
    byes.insert(header_line(bye, "Via") + " " + header_line(bye, "CSeq"));
  }
  EXPECT_EQ(byes.size(), 1u) << text;  // retransmissions of one BYE, not one BYE per 2xx
  EXPECT_EQ(count(ladder, "trunk -> telnyx ACK") + count(ladder, "trunk -> telnyx ACK (dropped)"), answers) << text;
  EXPECT_TRUE(telnyx_call().ended) << text;
  EXPECT_FALSE(telnyx_had("ack-timeout")) << text;
  EXPECT_EQ(alice->calls().at(0).final_status, 200);
}

// Every CANCEL is lost and telnyx answers 45 s in, long after the caller hung up (5 s) and
// 64*T1 after the call ended: the trunk still knows the leg and ends it (ACK + BYE) instead of
// leaving telnyx to retransmit its 2xx for 32 s of billed call.
TEST_F(GhostCall, LateAnswerLongAfterTheCallEndedIsStillAckedAndByed) {
  build({reply(100), reply(180, 1s), reply(200, 45s)});
  drop("cancel-lost", "trunk", "telnyx", 1900ms, 40s);
  lab->at_s(0, [&] { alice->call("+15551234567"); });
  lab->at_s(5, [&] { alice->hangup(); });
  lab->run_for_s(120);
  auto text = testlab::join(lab->ladder(true));
  EXPECT_THAT(lab->ladder(), Contains("trunk -> telnyx BYE")) << text;
  EXPECT_TRUE(telnyx_call().ended) << text;
  EXPECT_FALSE(telnyx_had("ack-timeout")) << text;
  EXPECT_EQ(lab->reference().trunk().live_calls(), 0u);  // and then it is forgotten
}

// telnyx rings, then goes silent (its 487 never comes back): §9.1 says the INVITE transaction
// is considered cancelled 64*T1 after the CANCEL. It must not stay open forever.
TEST_F(GhostCall, InviteTransactionOfACancelledLegThatNeverRepliesEnds) {
  build({reply(100), reply(180, 1s), reply(200, 6s)});
  drop("telnyx-silent", "telnyx", "", 1500ms, 1000s);
  lab->at_s(0, [&] { alice->call("+15551234567"); });
  lab->at_s(10, [&] { alice->hangup(); });
  lab->run_for_s(400);
  EXPECT_THAT(lab->ladder(), Contains("trunk -> telnyx CANCEL"));
  EXPECT_EQ(lab->reference().endpoint().client_count(), 0u) << testlab::join(lab->ladder(true));
  EXPECT_EQ(lab->reference().trunk().live_calls(), 0u);
}
