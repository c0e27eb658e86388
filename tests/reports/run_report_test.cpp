#include "reports/run_report.hpp"
#include "tests/reports/fixtures.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>

namespace trunklab::reports {
namespace {

using namespace testing;

std::vector<ScenarioReport> two_scenarios() {
  ScenarioReport pass{"auth-407", "scenarios/auth-407.json", true, rt::from_ms(10'000),
                      std::chrono::microseconds{12'345}, 1, "", "auth-407", "auth-407/capture.pcap", ""};
  ScenarioReport fail{"failover-5xx", "scenarios/failover <5xx>.json", false, rt::from_ms(2'500),
                      std::chrono::microseconds{2'000'000}, 7,
                      "ladder differs at step 4\n- trunk -> twilio INVITE\n+ trunk -> alice 503 & \x01",
                      "failover-5xx", "failover-5xx/capture.pcap", ""};
  return {pass, fail};
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(JunitXml, OneTestcasePerScenarioAndAFailureWithTheLadderDiff) {
  std::string xml = junit_xml(two_scenarios());
  EXPECT_TRUE(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
  EXPECT_NE(xml.find("<testsuite name=\"trunklab\" tests=\"2\" failures=\"1\" errors=\"0\" "
                     "skipped=\"0\" time=\"2.012\">"),
            std::string::npos) << xml;
  EXPECT_EQ(count(xml, "<testcase "), 2u);
  EXPECT_EQ(count(xml, "</testcase>"), 2u);
  EXPECT_NE(xml.find("<testcase name=\"failover-5xx\" classname=\"trunklab.failover-5xx\" time=\"2.000\">"),
            std::string::npos);
  EXPECT_NE(xml.find("<failure message=\"ladder differs at step 4\" type=\"verdict\">ladder differs "
                     "at step 4\n- trunk -&gt; twilio INVITE\n+ trunk -&gt; alice 503 &amp; \xEF\xBF\xBD</failure>"),
            std::string::npos) << xml;
  EXPECT_NE(xml.find("seed: 7"), std::string::npos);
  // Every element that opens closes, in order (a small well-formedness check).
  std::regex tag(R"(<(/?)([a-z-]+)[^>]*?(/?)>)");
  std::vector<std::string> open;
  for (std::sregex_iterator it(xml.begin(), xml.end(), tag), end; it != end; ++it) {
    if ((*it)[3] == "/") continue;
    if ((*it)[1] == "/") {
      ASSERT_FALSE(open.empty());
      EXPECT_EQ(open.back(), (*it)[2].str());
      open.pop_back();
    } else {
      open.push_back((*it)[2]);
    }
  }
  EXPECT_TRUE(open.empty());
}

TEST(RunReport, ACapReachedIsAFailureNamingTheCap) {
  auto reports = two_scenarios();
  reports[1].limit = "messages";
  reports[1].failure_text = "limit reached: limits.messages: the parties sent more than 3 messages by 20ms\n";
  std::string xml = junit_xml(reports);
  EXPECT_NE(xml.find("<failure message=\"limit reached: limits.messages: the parties sent more than 3 messages by "
                     "20ms\" type=\"limit:messages\">"),
            std::string::npos) << xml;
  std::string html = index_html(reports);
  EXPECT_NE(html.find("<td class=\"fail\">FAILED (limit: messages)</td>"), std::string::npos) << html;
}

TEST(RunReport, AnUnusableFileIsAnErrorNamedByTheFile) {
  auto reports = two_scenarios();
  reports.push_back(unusable_report("scenarios/typo.json", "scenarios/typo.json: $.parties.alice.phon: unknown member"));
  std::string xml = junit_xml(reports);
  EXPECT_NE(xml.find("tests=\"3\" failures=\"1\" errors=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase name=\"typo.json\" classname=\"trunklab.typo.json\" time=\"0.000\">\n"
                     "      <error message=\"scenarios/typo.json: $.parties.alice.phon: unknown member\" "
                     "type=\"unusable\">"),
            std::string::npos) << xml;
  std::string html = index_html(reports);
  EXPECT_NE(html.find("3 scenarios, 1 passed, 1 failed, 1 unusable."), std::string::npos) << html;
  EXPECT_NE(html.find("<td class=\"fail\">ERROR (unusable file)</td><td>-</td><td>-</td><td>-</td>"),
            std::string::npos) << html;
  EXPECT_NE(html.find("$.parties.alice.phon: unknown member"), std::string::npos) << html;
}

TEST(JunitXml, ValidatesAgainstTheJenkinsJunitSchema) {
  if (!std::filesystem::exists("/usr/bin/xmllint")) {
    GTEST_SKIP() << "xmllint (libxml2-utils) not installed";
  }
  TempDir dir;
  auto with_error = two_scenarios();
  with_error.push_back(unusable_report("x.json", "x.json: $: expected a scenario object"));
  for (const auto& reports : {two_scenarios(), std::vector<ScenarioReport>{}, with_error}) {
    ASSERT_EQ(write_junit_xml(dir.path(), reports), std::nullopt);
    std::string command = "/usr/bin/xmllint --noout --schema '" + std::string(TRUNKLAB_SOURCE_DIR) +
                          "/tests/reports/junit.xsd' '" + (dir.path() / "junit.xml").string() +
                          "' > '" + (dir.path() / "xmllint.log").string() + "' 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << read_file(dir.path() / "xmllint.log");
  }
}

TEST(IndexHtml, ListsEveryScenarioWithVerdictAndLinks) {
  std::string html = index_html(two_scenarios());
  EXPECT_NE(html.find("2 scenarios, 1 passed, 1 failed."), std::string::npos);
  EXPECT_NE(html.find("<td class=\"pass\">passed</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"fail\">FAILED</td>"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"failover-5xx/ladder.html\">ladder.html</a>"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"auth-407/capture.pcap\">pcap</a>"), std::string::npos);
  EXPECT_NE(html.find("scenarios/failover &lt;5xx&gt;.json"), std::string::npos);
  EXPECT_NE(html.find("<td>2.500s</td><td>2.000s</td><td>7</td>"), std::string::npos);
}

TEST(WriteLadders, WritesTheFourFormats) {
  TempDir dir;
  Ladder ladder = build_ladder(known_exchange(), {known_names(), std::nullopt, false});
  ASSERT_EQ(write_ladders(dir.path() / "auth-407", ladder), std::nullopt);
  EXPECT_EQ(read_file(dir.path() / "auth-407/ladder.txt"), render_text(ladder));
  EXPECT_TRUE(read_file(dir.path() / "auth-407/ladder.mmd").starts_with("sequenceDiagram\n"));
  EXPECT_TRUE(read_file(dir.path() / "auth-407/ladder.svg").starts_with("<svg "));
  EXPECT_TRUE(read_file(dir.path() / "auth-407/ladder.html").starts_with("<!DOCTYPE html>"));
  EXPECT_NE(write_index_html(dir.path() / "auth-407/ladder.txt", {}), std::nullopt);  // a file
}

TEST(SvgLadder, IsStandaloneWellFormedXml) {
  auto datagrams = known_exchange();
  datagrams.push_back(datagram(9100, kAlice, kTrunk, request("OPTIONS", "<&\"'>@x", 1)));
  std::string svg = render_svg(build_ladder(datagrams, {known_names(), std::nullopt, true}));
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(count(svg, "http"), 1u);  // only the xmlns: no external fonts, images or styles
  EXPECT_EQ(count(svg, "class=\"msg\""), 19u);
  if (!std::filesystem::exists("/usr/bin/xmllint")) {
    GTEST_SKIP() << "xmllint (libxml2-utils) not installed";
  }
  TempDir dir;
  write_file(dir.path() / "ladder.svg", svg);
  std::string command = "/usr/bin/xmllint --noout '" + (dir.path() / "ladder.svg").string() + "'";
  EXPECT_EQ(std::system(command.c_str()), 0);
}

}  // namespace
}  // namespace trunklab::reports
