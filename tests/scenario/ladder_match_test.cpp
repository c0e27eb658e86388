// The ladder matcher: exact and subset modes, reason phrases, retransmissions, and the
// side-by-side diff from the first divergence.
#include "scenario/ladder_match.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trunklab::scenario {
namespace {

using ::testing::HasSubstr;

WireLine line(std::string from, std::string to, std::string label, bool retransmission = false) {
  WireLine l;
  l.from = std::move(from);
  l.to = std::move(to);
  l.label = std::move(label);
  l.is_request = l.label.empty() || !std::isdigit(static_cast<unsigned char>(l.label[0]));
  l.retransmission = retransmission;
  return l;
}

std::vector<WireLine> invite_404() {
  return {line("alice", "trunk", "INVITE"), line("trunk", "alice", "100 Trying"),
          line("trunk", "telnyx", "INVITE"), line("trunk", "telnyx", "INVITE", true),
          line("telnyx", "trunk", "404 Not Found"), line("trunk", "alice", "404 Not Found")};
}

TEST(LinePattern, StatusCodeAloneMatchesAnyPhrase) {
  auto p = LinePattern::parse("trunk -> alice 404");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->matches(line("trunk", "alice", "404 Not Found")));
  EXPECT_TRUE(p->matches(line("trunk", "alice", "404 No Such Number")));
  EXPECT_FALSE(p->matches(line("trunk", "alice", "403 Forbidden")));
}

TEST(LinePattern, ReasonPhraseIsCheckedExactly) {
  auto p = LinePattern::parse("trunk -> alice 404 Not Found");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->matches(line("trunk", "alice", "404 Not Found")));
  EXPECT_FALSE(p->matches(line("trunk", "alice", "404 Not found here")));
}

TEST(LinePattern, DirectionMatters) {
  auto p = LinePattern::parse("alice -> trunk INVITE");
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->matches(line("trunk", "alice", "INVITE")));
  EXPECT_FALSE(LinePattern::parse("alice trunk INVITE"));
}

TEST(MatchLadder, ExactPassesWithUnlistedRetransmissions) {
  std::vector<std::string> expected = {"alice -> trunk INVITE", "trunk -> alice 100", "trunk -> telnyx INVITE",
                                       "telnyx -> trunk 404", "trunk -> alice 404 Not Found"};
  EXPECT_TRUE(match_ladder(expected, invite_404(), MatchMode::exact).passed);
}

// A REGISTER resent while its 401 was delayed looks like the REGISTER with credentials that the
// next expected line names: it must be left out, not use up that line (found by a swarm).
TEST(MatchLadder, ExactLeavesOutARetransmissionThatLooksLikeTheNextExpectedLine) {
  std::vector<WireLine> actual = {line("alice", "trunk", "REGISTER"), line("trunk", "alice", "401 Unauthorized"),
                                  line("alice", "trunk", "REGISTER", true), line("alice", "trunk", "REGISTER"),
                                  line("trunk", "alice", "200 OK")};
  std::vector<std::string> expected = {"alice -> trunk REGISTER", "trunk -> alice 401", "alice -> trunk REGISTER",
                                       "trunk -> alice 200"};
  EXPECT_TRUE(match_ladder(expected, actual, MatchMode::exact).passed);
  EXPECT_TRUE(match_ladder(expected, actual, MatchMode::exact_per_pair).passed);
  // A message that is not a repeat still has to be listed.
  actual[2].retransmission = false;
  EXPECT_FALSE(match_ladder(expected, actual, MatchMode::exact).passed);
}

// Occurrences count messages, not the network's repeats of them: the 2nd REGISTER is the 2nd one
// alice sent, not the 1st one's retransmission.
TEST(FindLine, MessagesOnlySkipsRetransmissionsAndDuplicates) {
  std::vector<WireLine> lines = {line("alice", "trunk", "REGISTER"), line("alice", "trunk", "REGISTER", true),
                                 line("alice", "trunk", "REGISTER"), line("alice", "trunk", "REGISTER")};
  lines[2].duplicate = true;
  auto p = LinePattern::parse("alice -> trunk REGISTER");
  ASSERT_TRUE(p);
  EXPECT_EQ(find_line(lines, *p, 2), std::optional<std::size_t>{1});
  EXPECT_EQ(find_line(lines, *p, 2, 0, true), std::optional<std::size_t>{3});
}

TEST(MatchLadder, ExactAcceptsListedRetransmissions) {
  std::vector<std::string> expected = {"alice -> trunk INVITE", "trunk -> alice 100", "trunk -> telnyx INVITE",
                                       "trunk -> telnyx INVITE", "telnyx -> trunk 404", "trunk -> alice 404"};
  EXPECT_TRUE(match_ladder(expected, invite_404(), MatchMode::exact).passed);
}

TEST(MatchLadder, ExactFailsOnAnUnexpectedMessage) {
  std::vector<std::string> expected = {"alice -> trunk INVITE", "trunk -> telnyx INVITE"};
  auto m = match_ladder(expected, invite_404(), MatchMode::exact);
  EXPECT_FALSE(m.passed);
  EXPECT_THAT(m.diff, HasSubstr("expected line 2 \"trunk -> telnyx INVITE\", got \"trunk -> alice 100 Trying\""));
}

TEST(MatchLadder, ExactFailsOnTrailingMessages) {
  auto m = match_ladder({"alice -> trunk INVITE"}, invite_404(), MatchMode::exact);
  EXPECT_FALSE(m.passed);
  EXPECT_THAT(m.diff, HasSubstr("then unexpected \"trunk -> alice 100 Trying\""));
}

TEST(MatchLadder, ExactFailsWhenTheCaptureEndsEarly) {
  std::vector<std::string> expected = {"alice -> trunk INVITE", "trunk -> alice 100", "trunk -> telnyx INVITE",
                                       "telnyx -> trunk 404", "trunk -> alice 404", "alice -> trunk ACK"};
  auto m = match_ladder(expected, invite_404(), MatchMode::exact);
  EXPECT_FALSE(m.passed);
  EXPECT_THAT(m.diff, HasSubstr("expected line 6 \"alice -> trunk ACK\" never came"));
}

TEST(MatchLadder, SubsetSkipsUnlistedMessagesButKeepsOrder) {
  EXPECT_TRUE(match_ladder({"alice -> trunk INVITE", "trunk -> alice 404"}, invite_404(), MatchMode::subset).passed);
  auto m = match_ladder({"trunk -> alice 404", "alice -> trunk INVITE"}, invite_404(), MatchMode::subset);
  EXPECT_FALSE(m.passed);
  EXPECT_THAT(m.diff, HasSubstr("expected line 2 \"alice -> trunk INVITE\" does not occur after actual message 6"));
}

TEST(MatchLadder, DiffShowsBothLaddersSideBySideFromTheDivergence) {
  std::vector<std::string> expected = {"alice -> trunk INVITE", "trunk -> alice 100", "trunk -> twilio INVITE"};
  auto m = match_ladder(expected, invite_404(), MatchMode::exact);
  ASSERT_FALSE(m.passed);
  // Header, matched context, then the divergence row marked with '>' pairing both sides.
  EXPECT_THAT(m.diff, HasSubstr("expected"));
  EXPECT_THAT(m.diff, HasSubstr("actual"));
  EXPECT_THAT(m.diff, testing::ContainsRegex(">    3  trunk -> twilio INVITE +0\\.000s  trunk -> telnyx INVITE"));
  EXPECT_THAT(m.diff, HasSubstr("(end)"));
}

// On real sockets the 404 to alice may be read before telnyx's: per pair the order holds.
TEST(MatchLadder, ExactPerPairAcceptsAnotherInterleavingOfThePairs) {
  std::vector<std::string> expected = {"alice -> trunk INVITE", "trunk -> telnyx INVITE", "trunk -> alice 100",
                                       "trunk -> alice 404", "telnyx -> trunk 404"};
  EXPECT_FALSE(match_ladder(expected, invite_404(), MatchMode::exact).passed);
  EXPECT_TRUE(match_ladder(expected, invite_404(), MatchMode::exact_per_pair).passed);
}

TEST(MatchLadder, ExactPerPairKeepsTheOrderWithinAPair) {
  std::vector<std::string> expected = {"alice -> trunk INVITE", "trunk -> alice 404", "trunk -> alice 100",
                                       "trunk -> telnyx INVITE", "telnyx -> trunk 404"};
  auto m = match_ladder(expected, invite_404(), MatchMode::exact_per_pair);
  EXPECT_FALSE(m.passed);
  EXPECT_THAT(m.diff, HasSubstr("between alice and trunk"));
  EXPECT_THAT(m.diff, HasSubstr("expected line 2 \"trunk -> alice 404\", got \"trunk -> alice 100 Trying\""));
}

TEST(MatchLadder, ExactPerPairFailsOnAPairNobodyExpected) {
  std::vector<std::string> expected = {"alice -> trunk INVITE", "trunk -> alice 100", "trunk -> alice 404"};
  auto m = match_ladder(expected, invite_404(), MatchMode::exact_per_pair);
  EXPECT_FALSE(m.passed);
  EXPECT_THAT(m.diff, HasSubstr("between telnyx and trunk"));
}

TEST(MatchLadder, MalformedExpectedLineIsReported) {
  auto m = match_ladder({"alice INVITE"}, invite_404(), MatchMode::exact);
  EXPECT_FALSE(m.passed);
  EXPECT_THAT(m.diff, HasSubstr("not of the form"));
}

}  // namespace
}  // namespace trunklab::scenario
