// Ladders that show what happened: a NAT's two sides as one party and one message each, a NAT
// rebinding marked where it happens, the legs of a B2BUA call linked, long labels and names
// wrapped (never cut), Mermaid text escaped.
#include "reports/ladder/ladder.hpp"
#include "reports/render/render.hpp"
#include "tests/reports/fixtures.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace trunklab::reports {
namespace {

using namespace testing;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kInside = "192.168.1.10:5060";
constexpr const char* kPublic = "198.51.100.1:20000";
constexpr const char* kRebound = "198.51.100.1:20001";
constexpr const char* kServer = "203.0.113.5:5060";

std::string register_from(const std::string& call_id, int cseq) {
  std::string r = request("REGISTER", call_id, cseq);
  const auto at = r.find("10.0.0.1:5060");
  return r.replace(at, 13, kInside);
}

std::string ok_to(const std::string& call_id, int cseq) {
  std::string r = response(200, "OK", call_id, cseq, "REGISTER");
  const auto at = r.find("10.0.0.1:5060");
  return r.replace(at, 13, kInside);
}

// Both sides of the NAT captured (as `trunklab run --out` writes): each message twice.
std::vector<Datagram> nat_capture() {
  return {
      datagram(0, kInside, kServer, register_from("r", 1)),
      datagram(0, kPublic, kServer, register_from("r", 1)),
      datagram(10, kServer, kPublic, ok_to("r", 1)),
      datagram(12, kServer, kInside, ok_to("r", 1)),
      // The NAT forgot the mapping: the next REGISTER leaves from another public port.
      datagram(60000, kInside, kServer, register_from("r", 2)),
      datagram(60000, kRebound, kServer, register_from("r", 2)),
      datagram(60010, kServer, kRebound, ok_to("r", 2)),
      datagram(60012, kServer, kInside, ok_to("r", 2)),
  };
}

TEST(NatLadder, EachMessageOnceAndOneColumnWithBothSidesAddresses) {
  Ladder ladder = build_ladder(nat_capture());
  ASSERT_EQ(ladder.parties.size(), 2u);
  EXPECT_EQ(ladder.parties[0].name, kInside);
  EXPECT_THAT(ladder.parties[0].addresses, ElementsAre(addr(kInside), addr(kPublic), addr(kRebound)));
  EXPECT_THAT(ladder.parties[0].behind_nat, ElementsAre(addr(kInside)));
  std::vector<std::string> labels;
  for (const auto& m : ladder.messages) {
    labels.push_back(display_label(m));
    EXPECT_FALSE(m.retransmission) << display_label(m);
  }
  EXPECT_THAT(labels, ElementsAre("REGISTER", "200 OK (REGISTER)",
                                  "NAT rebinding: 192.168.1.10:5060 198.51.100.1:20000 -> 198.51.100.1:20001",
                                  "REGISTER", "200 OK (REGISTER)"));
  EXPECT_TRUE(ladder.messages[2].note);
  EXPECT_EQ(ladder.messages[2].party_from, 0u);
  const std::string text = render_text(ladder);
  EXPECT_THAT(text, HasSubstr("* NAT rebinding: 192.168.1.10:5060 198.51.100.1:20000 -> 198.51.100.1:20001"));
  EXPECT_THAT(text, HasSubstr("192.168.1.10:5060 (behind NAT), 198.51.100.1:20000, 198.51.100.1:20001"));
  EXPECT_THAT(text, Not(HasSubstr("F5")));  // a note is not a message
  EXPECT_THAT(render_mermaid(ladder), HasSubstr("    Note over P1: NAT rebinding: 192.168.1.10:5060 198.51.100.1:20000 -#gt; 198.51.100.1:20001\n"));
}

TEST(NatLadder, AServerSideCaptureSeesTheRebindingInTheVia) {
  // Only the public side: the Via still names the phone's inside address.
  std::vector<Datagram> server_side;
  for (const auto& d : nat_capture()) {
    if (d.src != addr(kInside) && d.dst != addr(kInside)) server_side.push_back(d);
  }
  Ladder ladder = build_ladder(server_side);
  ASSERT_EQ(ladder.parties.size(), 2u);
  EXPECT_THAT(ladder.parties[0].addresses, ElementsAre(addr(kPublic), addr(kRebound)));
  EXPECT_THAT(ladder.parties[0].behind_nat, ElementsAre(addr(kInside)));
  ASSERT_EQ(ladder.messages.size(), 5u);
  EXPECT_TRUE(ladder.messages[2].note);
}

TEST(B2buaLadder, TheTwoLegsOfOneCallShareTheirLetter) {
  Ladder ladder = build_ladder(known_exchange(), {known_names(), std::nullopt, false});
  ASSERT_EQ(ladder.calls.size(), 2u);
  EXPECT_THAT(ladder.call_groups, ElementsAre(0u, 0u));
  EXPECT_EQ(call_tag(ladder, 0), "A1");
  EXPECT_EQ(call_tag(ladder, 1), "A2");
  EXPECT_THAT(render_text(ladder), HasSubstr("F6  A2 +0.053s"));
  // An INVITE for another number from the trunk is another call.
  auto datagrams = known_exchange();
  std::string other = request("INVITE", "other@10.0.0.2", 1);
  for (auto at = other.find("+15551234567"); at != std::string::npos; at = other.find("+15551234567")) {
    other.replace(at, 12, "+15559990000");
  }
  datagrams.push_back(datagram(60, kTrunk, kProvider, other));
  Ladder three = build_ladder(datagrams, {known_names(), std::nullopt, false});
  EXPECT_THAT(three.call_groups, ElementsAre(0u, 0u, 1u));
  EXPECT_EQ(call_tag(three, 2), "B");
}

// A B2BUA sends its out-legs while the in-leg is being set up (after a 407, the INVITE with
// credentials): an INVITE for the same number after the in-leg was answered is another call.
TEST(B2buaLadder, AnInviteAfterTheInLegWasAnsweredIsAnotherCall) {
  auto datagrams = known_exchange();  // the in-leg is answered at 2.112 s
  datagrams.push_back(datagram(3000, kTrunk, kProvider, request("INVITE", "later@10.0.0.2", 1)));
  Ladder ladder = build_ladder(datagrams, {known_names(), std::nullopt, false});
  ASSERT_EQ(ladder.calls.size(), 3u);
  EXPECT_THAT(ladder.call_groups, ElementsAre(0u, 0u, 1u));
  // The out-leg came after the in-leg's 407 and before its 200: still linked.
  EXPECT_EQ(call_tag(ladder, 1), "A2");
}

TEST(TextLadder, ALongReasonPhraseWrapsWholeOntoASecondRow) {
  const std::string reason = "Service Unavailable Because The Upstream Carrier Is In Repair";
  ASSERT_EQ(reason.size(), 61u);
  auto datagrams = known_exchange();
  datagrams.push_back(datagram(9100, kProvider, kTrunk, response(503, reason, "leg-b@10.0.0.2", 3, "INVITE")));
  Ladder ladder = build_ladder(datagrams, {known_names(), std::nullopt, false});
  RenderOptions width;
  width.width = 100;
  const std::string text = render_text(ladder, width);
  EXPECT_THAT(text, Not(HasSubstr("..")));
  // Every word is there, in order, over at most two rows under the arrow.
  std::istringstream in(text);
  std::string words;
  for (std::string line; std::getline(in, line);) {
    if (line.find("503") != std::string::npos || (!words.empty() && words.size() < 64)) {
      std::istringstream row(line);
      for (std::string w; row >> w;) {
        if (w.find_first_of("|<>-") == std::string::npos) words += (words.empty() ? "" : " ") + w;
      }
    }
  }
  EXPECT_EQ(words.substr(words.find("503")), "503 " + reason);
  for (const auto& line : [&] { std::vector<std::string> v; std::istringstream s(text); for (std::string l; std::getline(s, l);) v.push_back(l); return v; }()) {
    if (line.find("retransmission") == std::string::npos) {
      EXPECT_LE(line.size(), 100u) << line;
    }
  }
}

TEST(TextLadder, EightPartiesWithLongNamesFitTheAutomaticWidth) {
  std::vector<Datagram> datagrams;
  NameMap names;
  for (int p = 0; p < 9; ++p) {
    const std::string address = "10.0.1." + std::to_string(p + 1) + ":5060";
    names[addr(address.c_str())] = "sbc-edge-0" + std::to_string(p) + ".eu-west-1.carrier.example.net";
    if (p > 0) {
      const std::string from = "10.0.1." + std::to_string(p) + ":5060";
      datagrams.push_back(datagram(p * 10, from.c_str(), address.c_str(), request("REGISTER", "r" + std::to_string(p), 1)));
      datagrams.push_back(datagram(p * 10 + 5, address.c_str(), from.c_str(),
                                   response(407, "Proxy Authentication Required", "r" + std::to_string(p), 1, "REGISTER")));
    }
  }
  Ladder ladder = build_ladder(datagrams, {names, std::nullopt, false});
  ASSERT_EQ(ladder.parties.size(), 9u);
  const std::string text = render_text(ladder);
  EXPECT_THAT(text, Not(HasSubstr("..")));
  for (const auto& [address, name] : names) EXPECT_THAT(text, HasSubstr(name));
  EXPECT_THAT(text, HasSubstr(" 407 Proxy Authentication Required "));
  EXPECT_THAT(text, HasSubstr(" (REGISTER) "));  // the rest of the label, on the next row
}

TEST(MermaidLadder, EscapesMarkupArrowsAndQuotesInNamesAndLabels) {
  auto datagrams = known_exchange();
  datagrams.push_back(datagram(9100, kTrunk, kAlice, response(499, "A<b>\"x\" -->> y; #1", "call-a@10.0.0.1", 9, "INVITE")));
  NameMap names = known_names();
  names[addr(kAlice)] = "alice <script> \"-->>\" 'q'";
  const std::string mmd = render_mermaid(build_ladder(datagrams, {names, std::nullopt, false}));
  EXPECT_THAT(mmd, HasSubstr("participant P1 as alice #lt;script#gt; #quot;--#gt;#gt;#quot; #39;q#39;\n"));
  EXPECT_THAT(mmd, HasSubstr("P2-->>P1: [A1] 499 A#lt;b#gt;#quot;x#quot; --#gt;#gt; y#59; #35;1\n"));
}

}  // namespace
}  // namespace trunklab::reports
