#include "reports/ladder/ladder.hpp"
#include "reports/ladder/names.hpp"
#include "reports/render/render.hpp"
#include "wiretap/capture.hpp"
#include "tests/reports/fixtures.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

namespace trunklab::reports {
namespace {

using namespace testing;
using ::testing::ElementsAre;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Golden files: regenerate with TRUNKLAB_UPDATE_GOLDEN=1 (then review the diff), never by
// editing the expectations to match.
void expect_golden(const std::string& name, const std::string& actual) {
  std::filesystem::path path =
      std::filesystem::path(TRUNKLAB_SOURCE_DIR) / "tests/reports/golden" / name;
  const char* update = std::getenv("TRUNKLAB_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    write_file(path, actual);
    GTEST_SKIP() << "updated " << path;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " missing: run with TRUNKLAB_UPDATE_GOLDEN=1";
  EXPECT_EQ(read_file(path), actual) << "differs from " << path;
}

TEST(BuildLadder, PartiesInOrderOfFirstAppearanceNamedFromTheMap) {
  Ladder ladder = build_ladder(known_exchange(), {known_names(), std::nullopt, false});
  ASSERT_EQ(ladder.parties.size(), 3u);
  EXPECT_EQ(ladder.parties[0].name, "alice");
  EXPECT_EQ(ladder.parties[1].name, "trunk");
  EXPECT_EQ(ladder.parties[2].name, "telnyx");
  EXPECT_EQ(ladder.messages.size(), 18u);
  EXPECT_EQ(ladder.messages[1].label, "407 Proxy Authentication Required");
  EXPECT_FALSE(ladder.messages[1].is_request);
  EXPECT_EQ(ladder.messages[0].label, "INVITE");
  EXPECT_EQ(ladder.messages[0].cseq, "1 INVITE");
  EXPECT_EQ(ladder.messages[9].offset, rt::from_ms(2100));
}

TEST(BuildLadder, AddressesNameColumnsByDefault) {
  Ladder ladder = build_ladder(known_exchange());
  EXPECT_EQ(ladder.parties[0].name, "10.0.0.1:5060");
  EXPECT_EQ(ladder.parties[2].name, "192.0.2.10:5060");
}

TEST(BuildLadder, MarksOnlyRepeatedBytesInTheSameDirectionAsRetransmissions) {
  Ladder ladder = build_ladder(known_exchange());
  for (std::size_t i = 0; i < ladder.messages.size(); ++i) {
    EXPECT_EQ(ladder.messages[i].retransmission, i == 11) << "F" << i + 1;
  }
}

TEST(BuildLadder, FiltersByCallId) {
  LadderOptions options{known_names(), std::string("leg-b@10.0.0.2"), false};
  Ladder ladder = build_ladder(known_exchange(), options);
  ASSERT_EQ(ladder.messages.size(), 7u);
  EXPECT_EQ(ladder.parties.size(), 2u);  // only the parties of that call
  EXPECT_EQ(ladder.messages[0].offset, rt::Duration{0});  // offsets restart at the call
  EXPECT_EQ(ladder.origin, rt::Instant{rt::from_ms(53)});
}

TEST(BuildLadder, GroupsCallsInOrderOfFirstMessage) {
  Ladder ladder = build_ladder(known_exchange(), {known_names(), std::nullopt, true});
  ASSERT_EQ(ladder.calls.size(), 2u);
  ASSERT_EQ(ladder.messages.size(), 18u);
  for (std::size_t i = 0; i < 11; ++i) EXPECT_EQ(ladder.messages[i].call, 0u) << i;
  for (std::size_t i = 11; i < 18; ++i) EXPECT_EQ(ladder.messages[i].call, 1u) << i;
  EXPECT_EQ(ladder.messages[10].label, "200 OK");  // BYE's answer closes call A
}

TEST(BuildLadder, SkipsWhatIsNotSipAndKeepsMalformedSip) {
  auto datagrams = known_exchange();
  datagrams.push_back(datagram(1, kAlice, kTrunk, "\x80\x00\x01\x02rtp"));
  datagrams.push_back(datagram(2, kAlice, kTrunk, "\r\n\r\n"));  // keep-alive
  datagrams.push_back(datagram(3, kTrunk, kAlice, "SIP/2.0 503 Service Unavailable\r\n\r\n"));
  Ladder ladder = build_ladder(datagrams);
  EXPECT_EQ(ladder.not_sip, 2u);
  ASSERT_EQ(ladder.messages.size(), 19u);
  EXPECT_EQ(ladder.messages[1].label, "503 Service Unavailable");  // refused by the parser
  EXPECT_TRUE(ladder.messages[1].call_id.empty());
}

TEST(BuildLadder, CarriesNamesAndDropsFromSimulatorCaptures) {
  wiretap::CaptureRecord sent{rt::Instant{}, "alice", "trunk", addr(kAlice), addr(kTrunk),
                          request("OPTIONS", "c1", 1), wiretap::CaptureView::sent, false, true, "loss 100%"};
  wiretap::CaptureRecord natted = sent;
  natted.view = wiretap::CaptureView::nat_translated;
  natted.src = addr("198.51.100.1:20000");  // the NAT's public side
  Ladder ladder = build_ladder(datagrams_from_capture({sent, natted}));
  ASSERT_EQ(ladder.messages.size(), 1u);  // the copy across the NAT is the same message
  EXPECT_EQ(ladder.parties[0].name, "alice");
  EXPECT_THAT(ladder.parties[0].addresses, ElementsAre(addr(kAlice), addr("198.51.100.1:20000")));
  EXPECT_THAT(ladder.parties[0].behind_nat, ElementsAre(addr(kAlice)));
  EXPECT_EQ(ladder.messages[0].drop, DropState::dropped);
  EXPECT_NE(render_text(ladder).find("DROPPED (loss 100%)"), std::string::npos);
}

TEST(CallLetter, CountsLikeSpreadsheetColumns) {
  EXPECT_EQ(call_letter(0), "A");
  EXPECT_EQ(call_letter(25), "Z");
  EXPECT_EQ(call_letter(26), "AA");
}

TEST(TextLadder, MatchesTheGoldenLadder) {
  expect_golden("known_exchange.txt",
                render_text(build_ladder(known_exchange(), {known_names(), std::nullopt, false})));
}

TEST(TextLadder, GroupedCallsMatchTheGoldenLadder) {
  expect_golden("known_exchange_grouped.txt",
                render_text(build_ladder(known_exchange(), {known_names(), std::nullopt, true})));
}

TEST(TextLadder, FourPartiesFitOneHundredColumns) {
  auto datagrams = known_exchange();
  datagrams.push_back(datagram(9100, kTrunk, "[2001:db8::77]:5080", request("OPTIONS", "o", 1)));
  Ladder ladder = build_ladder(datagrams);
  ASSERT_EQ(ladder.parties.size(), 4u);
  RenderOptions width;
  width.width = 100;
  for (const auto& line : lines_of(render_text(ladder, width))) {
    if (line.find("retransmission") == std::string::npos) {
      EXPECT_LE(line.size(), 100u) << line;
    }
  }
}

TEST(TextLadder, FullPrintsEveryMessageAfterTheLadder) {
  Ladder ladder = build_ladder(known_exchange(), {known_names(), std::nullopt, false});
  RenderOptions options;
  options.full = true;
  std::string text = render_text(ladder, options);
  EXPECT_NE(text.find("F2 407 Proxy Authentication Required trunk -> alice (10.0.0.2:5060 -> "
                      "10.0.0.1:5060) +0.012s\n\nSIP/2.0 407 Proxy Authentication Required\nVia:"),
            std::string::npos);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
}

TEST(MermaidLadder, IsASequenceDiagramWithAliasedParticipants) {
  auto datagrams = known_exchange();
  datagrams.push_back(datagram(9100, kAlice, kTrunk, request("OPTIONS", "x;y#z", 1)));
  Ladder ladder = build_ladder(datagrams, {{{addr(kAlice), "alice; the #1 phone"}}, std::nullopt, true});
  auto lines = lines_of(render_mermaid(ladder));
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines[0], "sequenceDiagram");
  EXPECT_EQ(lines[1], "    autonumber");
  EXPECT_EQ(lines[2], "    participant P1 as alice#59; the #35;1 phone");
  EXPECT_EQ(lines[3], "    participant P2 as 10.0.0.2:5060");
  std::size_t messages = 0;
  int open_rects = 0;
  for (std::size_t i = 5; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    ASSERT_TRUE(l.starts_with("    ")) << l;
    std::string statement = l.substr(4);
    if (statement.starts_with("rect ")) { ++open_rects; continue; }
    if (statement == "end") { --open_rects; continue; }
    if (statement.starts_with("Note over ")) continue;
    // P<from><arrow>P<to>: text, with no ';' (Mermaid's statement separator).
    auto colon = statement.find(": ");
    ASSERT_NE(colon, std::string::npos) << l;
    std::string head = statement.substr(0, colon);
    bool arrow = head.find("->>") != std::string::npos || head.find("-->>") != std::string::npos;
    EXPECT_TRUE(arrow) << l;
    EXPECT_TRUE(head.starts_with("P")) << l;
    std::string text = statement.substr(colon + 2);
    for (const char* entity : {"#59;", "#35;"}) {
      for (auto at = text.find(entity); at != std::string::npos; at = text.find(entity)) {
        text.erase(at, 4);
      }
    }
    EXPECT_EQ(text.find_first_of(";#"), std::string::npos) << l;
    ++messages;
  }
  EXPECT_EQ(open_rects, 0);
  EXPECT_EQ(messages, ladder.messages.size());
  std::string text = render_mermaid(ladder);
  // Each message carries its call's tag; the B2BUA's two legs share the letter.
  EXPECT_NE(text.find("    P2-->>P1: [A1] 407 Proxy Authentication Required\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    P2-->>P1: [A1] 200 OK (retransmission)\n"), std::string::npos);
}

TEST(MermaidLadder, DroppedMessagesEndInACross) {
  wiretap::CaptureRecord lost{rt::Instant{}, "alice", "trunk", addr(kAlice), addr(kTrunk),
                          request("INVITE", "c1", 1), wiretap::CaptureView::sent, false, true, ""};
  EXPECT_NE(render_mermaid(build_ladder(datagrams_from_capture({lost}))).find("P1-xP2: INVITE (dropped)"),
            std::string::npos);
}

TEST(Names, ReadsLinesAndJson) {
  auto lines = parse_names("# lab\n10.0.0.5:5060 PBX one\n\n[2001:db8::1]:5070\tcarrier\n", "n.txt");
  ASSERT_TRUE(std::holds_alternative<NameMap>(lines));
  const auto& map = std::get<NameMap>(lines);
  EXPECT_EQ(map.at(addr("10.0.0.5:5060")), "PBX one");
  EXPECT_EQ(map.at(addr("[2001:db8::1]:5070")), "carrier");
  auto json = parse_names(R"({"10.0.0.5": "PBX"})", "n.json");
  ASSERT_TRUE(std::holds_alternative<NameMap>(json));
  EXPECT_EQ(std::get<NameMap>(json).at(addr("10.0.0.5:5060")), "PBX");
}

TEST(Names, ErrorsNameTheFileAndLine) {
  auto bad = parse_names("10.0.0.5:5060 PBX\nnot-an-address X\n", "names.txt");
  ASSERT_TRUE(std::holds_alternative<std::string>(bad));
  EXPECT_EQ(std::get<std::string>(bad).rfind("names.txt:2: ", 0), 0u) << std::get<std::string>(bad);
  NameMap names;
  EXPECT_EQ(add_name_option(names, "10.0.0.5:5060=PBX"), "");
  EXPECT_EQ(names.at(addr("10.0.0.5:5060")), "PBX");
  EXPECT_NE(add_name_option(names, "PBX"), "");
}

}  // namespace
}  // namespace trunklab::reports

namespace trunklab::reports {
namespace {

// A peer's reason phrase with an escape sequence (refused by the parser, labelled from its
// first line) or with UTF-8 (parsed): the label, and so the text ladder printed to a terminal,
// holds only printable ASCII.
TEST(BuildLadder, LabelsEscapeWhatIsNotPrintable) {
  using namespace testing;
  const auto injected = response(404, "Not \x1b[2J Found", "c@x", 1, "INVITE");
  const auto utf8 = response(480, "Nicht erreichbar \xE2\x80\x94 sp\xC3\xA4ter", "c@x", 1, "INVITE");
  Ladder ladder = build_ladder({datagram(0, kTrunk, kAlice, injected), datagram(10, kTrunk, kAlice, utf8)});
  ASSERT_EQ(ladder.messages.size(), 2u);
  EXPECT_EQ(ladder.messages[0].label, "404 Not \\x1B[2J Found");
  EXPECT_EQ(ladder.messages[1].label, "480 Nicht erreichbar \\xE2\\x80\\x94 sp\\xC3\\xA4ter");
  const auto text = render_text(ladder, {});
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace trunklab::reports
