#include "reports/run_report.hpp"
#include "tests/reports/fixtures.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>

namespace trunklab::reports {
namespace {

using namespace testing;

ScenarioReport scenario(std::string name, std::string file, bool passed, int virtual_ms, long wall_us,
                        std::uint64_t seed, std::string failure_text) {
  ScenarioReport r;
  r.name = name;
  r.file = std::move(file);
  r.passed = passed;
  r.virtual_duration = rt::from_ms(virtual_ms);
  r.wall_duration = std::chrono::microseconds{wall_us};
  r.seed = seed;
  r.failure_text = std::move(failure_text);
  r.ladder_dir = name;
  r.pcap = name + "/capture.pcap";
  return r;
}

std::vector<ScenarioReport> two_scenarios() {
  return {scenario("auth-407", "scenarios/auth-407.json", true, 10'000, 12'345, 1, ""),
          scenario("failover-5xx", "scenarios/failover <5xx>.json", false, 2'500, 2'000'000, 7,
                   "ladder differs at step 4\n- trunk -> twilio INVITE\n+ trunk -> alice 503 & \x01")};
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
  EXPECT_NE(html.find("<span class=\"badge limit\">FAILED (limit: messages)</span>"), std::string::npos) << html;
  EXPECT_NE(html.find("2 scenarios, 1 passed, 1 failed (1 reached a limit)."), std::string::npos) << html;
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
  EXPECT_NE(html.find("<td><span class=\"badge error\">ERROR (unusable file)</span></td><td colspan=\"4\">"),
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
  EXPECT_NE(html.find("<span class=\"badge passed\">passed</span>"), std::string::npos);
  EXPECT_NE(html.find("<span class=\"badge failed\">FAILED</span>"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"failover-5xx/ladder.html\">ladder.html</a>"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"auth-407/capture.pcap\">pcap</a>"), std::string::npos);
  EXPECT_NE(html.find("scenarios/failover &lt;5xx&gt;.json"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"times\">2.500s virtual<br>2.000s wall<br>seed 7</td>"), std::string::npos);
}

// A run with one scenario of each verdict, as the runner fills them.
std::vector<ScenarioReport> four_verdicts() {
  ScenarioReport pass;
  pass.name = "register-auth";
  pass.file = "scenarios/register-auth.json";
  pass.description = "A phone registers: 401 challenge, then 200 <with> auth";
  pass.passed = true;
  pass.virtual_duration = rt::from_ms(5'000);
  pass.wall_duration = std::chrono::microseconds{1'200};
  pass.seed = 1;
  pass.counts = {4, 2, 2, 0, 0, 0, 0, 0};
  pass.ladder_dir = "register-auth";
  pass.pcap = "register-auth/capture.pcap";
  pass.reproduce = "trunklab run scenarios/register-auth.json --seed 1";
  ScenarioReport fail;
  fail.name = "broken-ladder";
  fail.file = "tests/scenario/data/broken-ladder.json";
  fail.description = "A deliberately broken expectation";
  fail.virtual_duration = rt::from_ms(5'000);
  fail.wall_duration = std::chrono::microseconds{2'300};
  fail.seed = 4;
  fail.counts = {6, 3, 3, 1, 1, 1, 2, 100};
  fail.failures = {"golden ladder golden/broken-ladder.ladder.txt differs at line 2:\n"
                   "  golden:   0.010s  trunk -> alice 200 OK\n  actual:   0.010s  trunk -> alice 401 Unauthorized",
                   "expected 1 registration of alice & <bob>, got 0"};
  fail.failure_text = fail.failures[0] + "\n" + fail.failures[1] + "\nseed 4: reproduce with `...`\n";
  fail.ladder_dir = "broken-ladder";
  fail.pcap = "broken-ladder/capture.pcap";
  fail.reproduce = "trunklab run tests/scenario/data/broken-ladder.json --seed 4";
  ScenarioReport limit;
  limit.name = "outbound-auth";
  limit.file = "scenarios/outbound-auth.json";
  limit.virtual_duration = rt::from_ms(20);
  limit.wall_duration = std::chrono::microseconds{800};
  limit.seed = 1;
  limit.counts = {4, 3, 1, 0, 0, 1, 0, 0};
  limit.limit = "messages";
  limit.failures = {"limit reached: limits.messages: the parties sent more than 3 messages by 20ms"};
  limit.failure_text = limit.failures[0] + "\n";
  limit.ladder_dir = "outbound-auth";
  limit.pcap = "outbound-auth/capture.pcap";
  auto unusable = unusable_report("scenarios/typo.json", "scenarios/typo.json: $.parties.alice.phon: unknown member",
                                  "$.parties.alice.phon", "unknown member");
  return {pass, fail, limit, unusable};
}

TEST(IndexHtml, SummaryFirstThenFailuresWithTheirDiffThenUnusableFilesThenEveryScenario) {
  std::string html = index_html(four_verdicts());
  const auto summary = html.find("<p class=\"summary\">4 scenarios, 1 passed, 2 failed (1 reached a limit), 1 unusable.</p>");
  const auto failures = html.find("<h2>Failures (2)</h2>");
  const auto unusable = html.find("<h2>Unusable files (1)</h2>");
  const auto all = html.find("<h2>All scenarios (4)</h2>");
  ASSERT_NE(summary, std::string::npos) << html;
  ASSERT_NE(failures, std::string::npos) << html;
  ASSERT_NE(unusable, std::string::npos) << html;
  ASSERT_NE(all, std::string::npos) << html;
  EXPECT_LT(summary, failures);
  EXPECT_LT(failures, unusable);
  EXPECT_LT(unusable, all);
  EXPECT_LT(html.find("<b>0.004s</b>wall time"), failures) << html;  // total durations in the summary
  EXPECT_LT(html.find("<b>10.020s</b>virtual time"), failures) << html;
  // The failing scenarios come first, each failed expectation on its own, the diff marked and
  // escaped; the passing one is not among the failures.
  const auto broken = html.find("<a href=\"#scenario-broken-ladder\">broken-ladder</a>");
  EXPECT_GT(broken, failures);
  EXPECT_LT(broken, unusable);
  EXPECT_NE(html.find("<li><pre>golden ladder golden/broken-ladder.ladder.txt differs at line 2:\n"
                      "<span class=\"del\">  golden:   0.010s  trunk -&gt; alice 200 OK</span>\n"
                      "<span class=\"ins\">  actual:   0.010s  trunk -&gt; alice 401 Unauthorized</span></pre></li>\n"
                      "<li><pre>expected 1 registration of alice &amp; &lt;bob&gt;, got 0</pre></li>"),
            std::string::npos) << html;
  EXPECT_NE(html.find("reproduce with <code>trunklab run tests/scenario/data/broken-ladder.json --seed 4</code>"),
            std::string::npos);
  const auto description = html.find("<p class=\"desc\">A deliberately broken expectation</p>");  // in the failure
  EXPECT_GT(description, broken);
  EXPECT_LT(description, unusable);
  const auto limit = html.find("<a href=\"#scenario-outbound-auth\">outbound-auth</a> <span class=\"badge limit\">");
  EXPECT_GT(limit, broken);
  EXPECT_LT(limit, unusable);
  EXPECT_EQ(html.find("<a href=\"#scenario-register-auth\">register-auth</a> <span"), std::string::npos);
  // The unusable file: file, JSON path and reason apart.
  EXPECT_NE(html.find("<tr class=\"error\"><td class=\"name\">scenarios/typo.json</td><td class=\"name\"><code>$.parties.alice.phon</code></td>"
                      "<td>unknown member</td></tr>"),
            std::string::npos) << html;
}

TEST(IndexHtml, TheSideBySideLadderDiffMarksTheFirstDifferingLine) {
  auto reports = four_verdicts();
  reports[1].failures = {"ladder (exact): expected line 2 \"trunk -> alice 200\", got \"trunk -> alice 401 Unauthorized\"\n"
                         "      #  expected              actual\n"
                         "      1  alice -> trunk REGISTER   0.000s  alice -> trunk REGISTER\n"
                         " >    2  trunk -> alice 200        0.010s  trunk -> alice 401 Unauthorized\n"};
  std::string html = index_html(reports);
  EXPECT_NE(html.find("      1  alice -&gt; trunk REGISTER   0.000s  alice -&gt; trunk REGISTER\n"
                      "<span class=\"mark\"> &gt;    2  trunk -&gt; alice 200        0.010s  trunk -&gt; alice 401 "
                      "Unauthorized</span>\n</pre>"),
            std::string::npos) << html;
}

TEST(IndexHtml, EveryScenarioWithItsDescriptionFiguresAndALadderPreview) {
  std::string html = index_html(four_verdicts());
  const auto row = html.find("<tr id=\"scenario-register-auth\" class=\"passed\"");
  ASSERT_NE(row, std::string::npos) << html;
  const std::string line = html.substr(row, html.find('\n', row) - row);
  EXPECT_NE(line.find("<div class=\"desc\">A phone registers: 401 challenge, then 200 &lt;with&gt; auth</div>"),
            std::string::npos) << line;
  EXPECT_NE(line.find("<td class=\"figures\">4 SIP messages<br>0 calls</td>"), std::string::npos) << line;
  EXPECT_NE(line.find("<td class=\"times\">5.000s virtual<br>0.001s wall<br>seed 1</td>"), std::string::npos) << line;
  EXPECT_NE(line.find("<a href=\"register-auth/ladder.html\"><img src=\"register-auth/ladder.svg\" "
                      "alt=\"ladder of register-auth\" loading=\"lazy\"></a>"),
            std::string::npos) << line;
  EXPECT_NE(html.find("<td class=\"figures\">6 SIP messages (1 retransmission, 1 dropped)<br>1 call<br>"
                      "2 RTP streams (100 packets)</td>"),
            std::string::npos) << html;
  EXPECT_NE(html.find("<div class=\"desc\">A deliberately broken expectation</div>"), std::string::npos);
  // The unusable file is a row too, without figures.
  EXPECT_NE(html.find("<tr id=\"scenario-typo-json\" class=\"error\" data-verdict=\"error\""), std::string::npos);
}

TEST(IndexHtml, SelfContainedAndEscapedEverywhere) {
  auto reports = four_verdicts();
  reports[0].name = "<script>alert(1)</script>";
  reports[0].description = "\"quoted\" & <b>bold</b>";
  reports[1].file = "dir/<img src=x onerror=alert(2)>.json";
  reports[3] = unusable_report("a<b>.json", "a<b>.json: $.x: expected <a number>", "$.x<y>", "expected <a number>");
  std::string html = index_html(reports);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<b>bold"), std::string::npos);
  EXPECT_EQ(html.find("<img src=x"), std::string::npos);
  EXPECT_EQ(html.find("<a number>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("<code>$.x&lt;y&gt;</code>"), std::string::npos);
  // Ids stay unique and plain.
  EXPECT_NE(html.find("id=\"scenario--script-alert-1---script-\""), std::string::npos) << html;
  // No external resource: no URL but the page's own links.
  EXPECT_EQ(html.find("http:"), std::string::npos);
  EXPECT_EQ(html.find("https:"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(count(html, "<script>"), 1u);  // the filter, hidden without JavaScript
  EXPECT_NE(html.find("<form id=\"filter\" hidden>"), std::string::npos);
}

TEST(SummaryJson, EveryScenarioWithVerdictSeedTimesCountsFailuresAndLinks) {
  const auto summary = summary_json(four_verdicts());
  const auto& totals = summary["totals"];
  EXPECT_EQ(totals["scenarios"], 4);
  EXPECT_EQ(totals["passed"], 1);
  EXPECT_EQ(totals["failed"], 1);
  EXPECT_EQ(totals["limit"], 1);
  EXPECT_EQ(totals["error"], 1);
  EXPECT_EQ(totals["virtual_duration_ms"], 10'020);
  EXPECT_DOUBLE_EQ(totals["wall_duration_ms"].get<double>(), 4.3);
  EXPECT_EQ(totals["counts"]["messages"], 14);
  EXPECT_EQ(totals["counts"]["rtp_packets"], 100);
  ASSERT_EQ(summary["scenarios"].size(), 4u);

  const auto& pass = summary["scenarios"][0];
  EXPECT_EQ(pass.dump(),
            R"({"name":"register-auth","file":"scenarios/register-auth.json","verdict":"passed",)"
            R"("description":"A phone registers: 401 challenge, then 200 <with> auth","seed":1,)"
            R"("virtual_duration_ms":5000,"wall_duration_ms":1.2,"counts":{"messages":4,"requests":2,)"
            R"("responses":2,"retransmissions":0,"dropped":0,"calls":0,"rtp_streams":0,"rtp_packets":0},)"
            R"("failures":[],"limit":null,"reproduce":"trunklab run scenarios/register-auth.json --seed 1",)"
            R"("links":{"ladder_dir":"register-auth","pcap":"register-auth/capture.pcap"}})");

  const auto& fail = summary["scenarios"][1];
  EXPECT_EQ(fail["verdict"], "failed");
  EXPECT_EQ(fail["seed"], 4);
  ASSERT_EQ(fail["failures"].size(), 2u);  // each failed expectation, not one blob
  EXPECT_TRUE(fail["failures"][0].get<std::string>().starts_with("golden ladder golden/broken-ladder.ladder.txt differs"));
  EXPECT_EQ(fail["failures"][1], "expected 1 registration of alice & <bob>, got 0");
  EXPECT_EQ(fail["counts"]["retransmissions"], 1);
  EXPECT_EQ(fail["counts"]["rtp_streams"], 2);
  EXPECT_EQ(fail["limit"], nullptr);

  const auto& limit = summary["scenarios"][2];
  EXPECT_EQ(limit["verdict"], "limit");
  EXPECT_EQ(limit["limit"], "messages");
  EXPECT_EQ(limit["failures"],
            nlohmann::json::array({"limit reached: limits.messages: the parties sent more than 3 messages by 20ms"}));
  EXPECT_EQ(limit["virtual_duration_ms"], 20);

  const auto& error = summary["scenarios"][3];
  EXPECT_EQ(error.dump(),
            R"({"name":"typo.json","file":"scenarios/typo.json","verdict":"error","error":{"json_path":)"
            R"("$.parties.alice.phon","reason":"unknown member","message":)"
            R"("scenarios/typo.json: $.parties.alice.phon: unknown member"}})");
}

TEST(SummaryJson, IsWrittenBesideJunitXml) {
  TempDir dir;
  ASSERT_EQ(write_run_report(dir.path() / "out", four_verdicts()), std::nullopt);
  const auto text = read_file(dir.path() / "out/summary.json");
  EXPECT_EQ(nlohmann::json::parse(text)["totals"]["scenarios"], 4) << text;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "out/junit.xml"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "out/index.html"));
  // An empty run is still a document with totals.
  EXPECT_EQ(summary_json({}).dump(), R"({"totals":{"scenarios":0,"passed":0,"failed":0,"limit":0,"error":0,)"
                                     R"("virtual_duration_ms":0,"wall_duration_ms":0.0,"counts":{"messages":0,)"
                                     R"("requests":0,"responses":0,"retransmissions":0,"dropped":0,"calls":0,)"
                                     R"("rtp_streams":0,"rtp_packets":0}},"scenarios":[]})");
}

TEST(RunReport, AFileThatCannotBeWrittenDoesNotCostTheOthers) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "out/junit.xml");  // a folder in its place
  auto error = write_run_report(dir.path() / "out", four_verdicts());
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("junit.xml: cannot write the file"), std::string::npos) << *error;
  EXPECT_TRUE(std::filesystem::is_regular_file(dir.path() / "out/summary.json"));
  EXPECT_TRUE(std::filesystem::is_regular_file(dir.path() / "out/index.html"));
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
