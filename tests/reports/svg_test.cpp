// The SVG ladder's drawing and the HTML page's structure, read from the output (the browser
// tests, browser_test.cpp, measure the rendered result).
#include "reports/render/render.hpp"
#include "reports/render/svg_text.hpp"
#include "tests/reports/fixtures.hpp"
#include "tests/reports/hard_ladder.hpp"

#include <gmock/gmock.h>
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace trunklab::reports {
namespace {

using namespace testing;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;

double attribute(const std::string& svg, const std::string& name) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(svg, m, std::regex(name + "=\"([0-9.]+)\""))) << name;
  return m.empty() ? 0 : std::stod(m[1]);
}

// The x of each party's lifeline, in column order.
std::vector<double> lifelines(const std::string& svg) {
  std::vector<double> x;
  std::regex line(R"re(<line x1="([0-9.]+)"[^>]*data-party="\d+")re");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), line); it != std::sregex_iterator(); ++it) {
    x.push_back(std::stod((*it)[1]));
  }
  return x;
}

std::vector<std::string> texts_of_class(const std::string& svg, const std::string& cls) {
  std::vector<std::string> out;
  std::regex text("<text [^>]*class=\"" + cls + "\"[^>]*>([^<]*)</text>");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), text); it != std::sregex_iterator(); ++it) {
    out.push_back((*it)[1]);
  }
  return out;
}

Ladder two_party_ladder(std::size_t messages, const std::string& reason = "OK") {
  std::vector<Datagram> datagrams;
  for (std::size_t i = 0; i < messages; ++i) {
    datagrams.push_back(i % 2 == 0 ? datagram(static_cast<int>(i) * 10, kAlice, kTrunk, request("OPTIONS", "c1", static_cast<int>(i)))
                                   : datagram(static_cast<int>(i) * 10, kTrunk, kAlice, response(200, reason, "c1", static_cast<int>(i) - 1, "OPTIONS")));
  }
  return build_ladder(datagrams, {known_names(), std::nullopt, false});
}

TEST(SvgLadder, IsSizedToItsContentWithNoFixedCanvas) {
  const std::string small = render_svg(two_party_ladder(4));
  const std::string taller = render_svg(two_party_ladder(5));
  const double width = attribute(small, "width");
  // Two parties and short labels: narrow (the fixed canvas was 120 + 2 x 200 + 180 = 700 px).
  EXPECT_LT(width, 420);
  EXPECT_GT(width, 200);
  EXPECT_EQ(attribute(taller, "width"), width);
  EXPECT_EQ(attribute(taller, "height") - attribute(small, "height"), 30) << "one row per message";
  EXPECT_THAT(small, HasSubstr(fmt::format("viewBox=\"0 0 {:.1f} {:.1f}\"", width, attribute(small, "height"))));
  // A long reason phrase widens the column to fit it instead of being cut.
  const std::string wide = render_svg(two_party_ladder(4, "OK but with a reason phrase of fifty characters"));
  auto narrow_x = lifelines(small);
  auto wide_x = lifelines(wide);
  ASSERT_EQ(narrow_x.size(), 2u);
  ASSERT_EQ(wide_x.size(), 2u);
  EXPECT_GT(wide_x[1] - wide_x[0],
            svg::text_width("200 OK but with a reason phrase of fifty characters", svg::Font::sans, 12) / 2);
  EXPECT_GT(attribute(wide, "width"), width);
}

TEST(SvgLadder, WrapsALongLabelOnTwoLinesAndNeverCutsIt) {
  Ladder ladder = hard_ladder();
  const std::string svg = render_svg(ladder);
  EXPECT_THAT(svg, Not(HasSubstr("…")));
  EXPECT_THAT(svg, Not(HasSubstr("..<")));
  auto labels = texts_of_class(svg, "label");
  auto first = std::find(labels.begin(), labels.end(), "488 Not Acceptable Here: none of the offered");
  ASSERT_NE(first, labels.end()) << svg.substr(0, 4000);
  EXPECT_EQ(*(first + 1), "codecs (PCMU, PCMA, G722, opus) is allowed");
  // Every label is there in full, on one line or two.
  std::string all;
  for (const auto& l : labels) all += l + " ";
  for (const auto& m : ladder.messages) {
    std::string escaped = display_label(m);
    for (std::size_t at = escaped.find('&'); at != std::string::npos; at = escaped.find('&', at + 5)) escaped.replace(at, 1, "&amp;");
    for (std::size_t at = escaped.find('<'); at != std::string::npos; at = escaped.find('<', at)) escaped.replace(at, 1, "&lt;");
    for (std::size_t at = escaped.find('>'); at != std::string::npos; at = escaped.find('>', at)) escaped.replace(at, 1, "&gt;");
    if (escaped.size() < 40) {
      EXPECT_THAT(all, HasSubstr(escaped + " "));
    }
  }
}

TEST(SvgLadder, ColumnsAreSpacedFromTheLongestNamesAndLabels) {
  const std::string svg = render_svg(hard_ladder());
  auto x = lifelines(svg);
  ASSERT_EQ(x.size(), 10u);
  for (std::size_t p = 1; p < x.size(); ++p) EXPECT_GE(x[p] - x[p - 1], 90) << p;
  // Long host names wrap on two lines in the header; each party lists its addresses.
  auto names = texts_of_class(svg, "party");
  EXPECT_THAT(names, Contains("sbc-edge-01.eu-west-1.carrier-"));
  EXPECT_THAT(names, Contains("interconnect.example.net"));
  auto addresses = texts_of_class(svg, "addr");
  EXPECT_THAT(addresses, Contains("192.0.2.1:5060"));
  EXPECT_THAT(addresses, Contains("192.0.2.1:5080"));
  EXPECT_THAT(addresses, Contains("[2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff]:5061"));
  // A party known by its address alone does not list it twice.
  EXPECT_THAT(names, Contains("203.0.113.200:65535"));
  EXPECT_THAT(addresses, Not(Contains("203.0.113.200:65535")));
}

TEST(SvgLadder, HasATitleAndALegendOfTheArrowStylesAndTheCalls) {
  Ladder ladder = hard_ladder();
  const std::string svg = render_svg(ladder, RenderOptions{.title = "Hard <ladder> & co"});
  EXPECT_THAT(svg, HasSubstr("<title>Hard &lt;ladder&gt; &amp; co</title>"));
  EXPECT_THAT(texts_of_class(svg, "title"), ElementsAre("Hard &lt;ladder&gt; &amp; co"));
  // 2 x 20 RTP packets are two streams; the note is no message.
  // The fixture's calls chain through parties with one number: some read as B2BUA legs.
  const std::size_t groups = std::set<std::size_t>(ladder.call_groups.begin(), ladder.call_groups.end()).size();
  ASSERT_LT(groups, ladder.calls.size());
  EXPECT_THAT(texts_of_class(svg, "summary"),
              ElementsAre(fmt::format("{} SIP messages, 10 parties, {} calls ({} Call-IDs), 2 RTP streams",
                                      ladder.messages.size() - 3, groups, ladder.calls.size())));
  auto legend = texts_of_class(svg, "legend");
  EXPECT_THAT(legend, IsSupersetOf({"request", "response", "retransmission / duplicate", "RTP stream", "note"}));
  EXPECT_THAT(legend, Not(Contains("dropped by the network"))) << "only the styles the ladder uses";
  EXPECT_THAT(legend, Contains(call_tag(ladder, 0) + " " + ladder.calls[0]));
  EXPECT_THAT(legend, Contains(call_tag(ladder, ladder.calls.size() - 1) + " &lt;/script&gt;&lt;!--x"));
  // The title defaults to one that says what it is.
  EXPECT_THAT(texts_of_class(render_svg(ladder), "title"), ElementsAre("SIP call ladder"));
}

// The legs of one B2BUA call share a colour and their group's letter; others differ.
TEST(SvgLadder, LinkedLegsShareTheirCallsColourAndTag) {
  Ladder ladder = build_ladder(known_exchange(), {known_names(), std::nullopt, false});
  ASSERT_EQ(ladder.calls.size(), 2u);
  auto colours = [](const std::string& svg) {
    std::set<std::string> out;
    std::regex label(R"re(class="label" fill="(#[0-9a-f]{6})")re");
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), label); it != std::sregex_iterator(); ++it) out.insert((*it)[1]);
    return out;
  };
  ASSERT_EQ(ladder.call_groups, (std::vector<std::size_t>{0, 0})) << "alice -> trunk -> telnyx is one call";
  ladder.call_groups = {0, 1};
  EXPECT_EQ(colours(render_svg(ladder)).size(), 2u) << "two calls, two colours";
  ladder.call_groups = {0, 0};
  const std::string svg = render_svg(ladder);
  EXPECT_EQ(colours(svg).size(), 1u) << "one call of two legs, one colour";
  EXPECT_THAT(texts_of_class(svg, "legend"), IsSupersetOf({call_tag(ladder, 0) + " " + ladder.calls[0],
                                                           call_tag(ladder, 1) + " " + ladder.calls[1]}));
  EXPECT_THAT(texts_of_class(svg, "summary"), ElementsAre(HasSubstr("1 call (2 Call-IDs)")));
  auto gutters = texts_of_class(svg, "num");
  ASSERT_FALSE(gutters.empty());
  EXPECT_THAT(gutters[0], HasSubstr(" " + call_tag(ladder, 0) + " +0.000s"));
}

TEST(SvgLadder, ShowsNotesSdpSummariesAndAbsoluteTimesOnRequest) {
  Ladder ladder = hard_ladder();
  const std::string svg = render_svg(ladder, RenderOptions{.time_absolute = true, .title = ""});
  EXPECT_THAT(texts_of_class(svg, "note"), Contains(HasSubstr("NAT rebinding: alice-softphone")));
  EXPECT_THAT(svg, HasSubstr("class=\"note-box\""));
  EXPECT_THAT(texts_of_class(svg, "label"), Contains(HasSubstr("INVITE (SDP PCMU PCMA")));
  auto gutters = texts_of_class(svg, "num");
  ASSERT_GT(gutters.size(), 3u);
  EXPECT_THAT(gutters[3], HasSubstr(display_time(ladder, ladder.messages[3], true)));
  EXPECT_THAT(gutters[3], Not(HasSubstr("+0.")));
}

TEST(SvgLadder, IsValidXmlEvenWhenTheCaptureIsNot) {
  auto datagrams = known_exchange();
  datagrams.push_back(datagram(9500, kAlice, kTrunk, request("MESSAGE", "bad\xff\xfe<&>id", 1)));
  Ladder ladder = build_ladder(datagrams, {known_names(), std::nullopt, false});
  const std::string svg = render_svg(ladder, RenderOptions{.title = "bytes \xc3"});
  EXPECT_EQ(svg::valid_utf8(svg), svg);
  EXPECT_THAT(svg, HasSubstr("bad\xEF\xBF\xBD\xEF\xBF\xBD&lt;&amp;&gt;id"));
  TempDir dir;
  write_file(dir.path() / "ladder.svg", svg);
  std::string command = "/usr/bin/xmllint --noout '" + (dir.path() / "ladder.svg").string() + "'";
  EXPECT_EQ(std::system(command.c_str()), 0);
}

TEST(SvgText, WrapsWhereTheWiderHalfIsNarrowestAndKeepsEveryCharacter) {
  using svg::Font;
  EXPECT_EQ(svg::wrap_two_lines("200 OK", Font::sans, 12, 260), std::vector<std::string>{"200 OK"});
  EXPECT_EQ(svg::wrap_two_lines("one two three four", Font::sans, 12, 60),
            (std::vector<std::string>{"one two", "three four"}));
  EXPECT_EQ(svg::wrap_two_lines("sbc-edge-01.eu-west-1.carrier-interconnect.example.net", Font::sans_bold, 13, 200),
            (std::vector<std::string>{"sbc-edge-01.eu-west-1.carrier-", "interconnect.example.net"}));
  // A space rather than a slightly better balanced cut inside a host name.
  EXPECT_EQ(svg::wrap_two_lines("NAT rebinding: alice.branch-office-17.example.com 198.51.100.1:40001 -> "
                                "198.51.100.1:40002", Font::sans, 12, 260),
            (std::vector<std::string>{"NAT rebinding: alice.branch-office-17.example.com",
                                      "198.51.100.1:40001 -> 198.51.100.1:40002"}));
  // No break character: cut between characters, never inside a UTF-8 sequence.
  auto lines = svg::wrap_two_lines("ééééééééééééééééééééé", Font::sans, 12, 50);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0] + lines[1], "ééééééééééééééééééééé");
  EXPECT_EQ(svg::valid_utf8(lines[0]), lines[0]);
  EXPECT_DOUBLE_EQ(svg::text_width("iiii", Font::sans, 10), 4 * 2.78);
  EXPECT_DOUBLE_EQ(svg::text_width("iiii", Font::mono, 10), 4 * 6.02);
}

// The page's data: every message, with what the filter and the detail pane need, and nothing
// in it can end the <script> element or open a comment.
TEST(HtmlPage, CarriesEachMessageWithItsSdpAndCannotBeBrokenOutOf) {
  Ladder ladder = hard_ladder();
  const std::string html = render_html(ladder, RenderOptions{.title = "</title><script>x()</script>"});
  EXPECT_THAT(html, HasSubstr("<title>&lt;/title&gt;&lt;script&gt;x()&lt;/script&gt;</title>"));
  auto start = html.find("<script type=\"application/json\" id=\"messages\">");
  ASSERT_NE(start, std::string::npos);
  auto end = html.find("</script>", start);
  std::string json = html.substr(start, end - start);
  EXPECT_THAT(json, Not(HasSubstr("<!--")));
  EXPECT_THAT(json, Not(HasSubstr("</")));
  EXPECT_THAT(json, HasSubstr("\"call_id\":\"\\u003c/script>\\u003c!--x\""));
  EXPECT_THAT(json, HasSubstr("\"method\":\"BYE\""));
  EXPECT_THAT(json, HasSubstr("\"sdp_body\":\"v=0\\no=- 1 1 IN IP4 10.20.30.40\\n"));
  EXPECT_THAT(html, HasSubstr("<input id=\"filter\""));
  // Self-contained: nothing fetched from elsewhere.
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("href=")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  EXPECT_THAT(html, Not(HasSubstr("url(")));
  // Every message is a deep-link target.
  for (std::size_t i = 1; i <= ladder.messages.size(); ++i) {
    EXPECT_THAT(html, HasSubstr(" id=\"F" + std::to_string(i) + "\"")) << i;
  }
}

}  // namespace
}  // namespace trunklab::reports
