// The SVG and HTML ladders and a run's index.html as a reader sees them: headless Chromium
// renders each file (tests/reports/browser/cdp.mjs drives it over the DevTools protocol, network
// off) and tests/reports/browser/layout_check.js measures the rendered page: no text clipped,
// none over another, every label between the lifelines of its arrow, no table column too
// narrow. The HTML ladder's deep links, keys and filter are driven with real key events.
// Chromium and Node.js are test packages of tools/setup.sh: these tests fail, never skip,
// without them.
#include "reports/render/render.hpp"
#include "tests/reports/fixtures.hpp"
#include "tests/reports/hard_ladder.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>

namespace trunklab::reports {
namespace {

using namespace testing;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using nlohmann::json;

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kNode = "/usr/bin/node";

std::filesystem::path browser_dir() { return std::filesystem::path(TRUNKLAB_SOURCE_DIR) / "tests/reports/browser"; }

std::string url_of(const std::filesystem::path& file, const std::string& fragment = "") {
  return "file://" + file.string() + fragment;
}

// Runs the plan's steps in one browser; returns cdp.mjs's output (results, errors).
json run_plan(const TempDir& dir, json steps, int width = 1280, int height = 900) {
  for (const char* program : {kChromium, kNode}) {
    if (!std::filesystem::exists(program)) {
      ADD_FAILURE() << program << " is missing: run tools/setup.sh --tests";
      return json::object();
    }
  }
  json plan = {{"chromium", kChromium}, {"width", width}, {"height", height}, {"steps", std::move(steps)}};
  write_file(dir.path() / "plan.json", plan.dump());
  std::string command = std::string(kNode) + " '" + (browser_dir() / "cdp.mjs").string() + "' '" +
                        (dir.path() / "plan.json").string() + "' > '" + (dir.path() / "out.json").string() +
                        "' 2> '" + (dir.path() / "cdp.log").string() + "'";
  int status = std::system(command.c_str());
  if (status != 0) {
    ADD_FAILURE() << "cdp.mjs failed (" << status << "): " << read_file(dir.path() / "cdp.log");
    return json::object();
  }
  return json::parse(read_file(dir.path() / "out.json"));
}

// The layout check as an eval step; `page_fits`: the page must be no wider than the window
// (not asked of a standalone SVG, which is as wide as its ladder).
json layout_step(bool page_fits) {
  json options = {{"page_fits", page_fits}};
  return {{"eval", "(" + read_file(browser_dir() / "layout_check.js") + ")(" + options.dump() + ")"}};
}

std::vector<std::string> problems_of(const json& result) {
  return result.is_object() ? result.value("problems", std::vector<std::string>{}) : std::vector<std::string>{"no result"};
}

TEST(Browser, TheLayoutCheckFindsClippedOverlappingAndTooNarrowText) {
  TempDir dir;
  write_file(dir.path() / "broken.svg",
             "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"300\" height=\"120\" viewBox=\"0 0 300 120\">"
             "<line x1=\"100\" y1=\"0\" x2=\"100\" y2=\"120\" stroke=\"black\" data-party=\"0\"/>"
             "<line x1=\"160\" y1=\"0\" x2=\"160\" y2=\"120\" stroke=\"black\" data-party=\"1\"/>"
             "<text x=\"230\" y=\"20\">past the right edge</text>"
             "<text x=\"10\" y=\"60\">one label</text><text x=\"30\" y=\"64\">another label</text>"
             "<g class=\"msg\" data-from=\"0\" data-to=\"1\"><text class=\"label\" x=\"130\" y=\"100\" "
             "text-anchor=\"middle\">wider than its column</text></g></svg>");
  write_file(dir.path() / "broken.html",
             "<!DOCTYPE html><html><body><table style=\"table-layout:fixed;width:120px\"><tr>"
             "<td style=\"width:60px;overflow:hidden;white-space:nowrap\">a long cell that is cut</td>"
             "<td>b</td></tr></table><div style=\"position:relative;height:40px\">"
             "<span style=\"position:absolute;left:0\">first text</span>"
             "<span style=\"position:absolute;left:20px\">second text</span></div></body></html>");
  json out = run_plan(dir, {{{"navigate", url_of(dir.path() / "broken.svg")}}, layout_step(false),
                            {{"navigate", url_of(dir.path() / "broken.html")}}, layout_step(true)});
  ASSERT_EQ(out["results"].size(), 2u) << out.dump();
  auto svg = problems_of(out["results"][0]);
  EXPECT_THAT(svg, Contains(HasSubstr("clipped (svg): \"past the right edge\"")));
  EXPECT_THAT(svg, Contains(HasSubstr("overlap (svg): \"one label\" and \"another label\"")));
  EXPECT_THAT(svg, Contains(HasSubstr("column too narrow (svg): \"wider than its column\"")));
  auto html = problems_of(out["results"][1]);
  EXPECT_THAT(html, Contains(HasSubstr("clipped: \"a long cell that is cut\" overflows its <td>")));
  EXPECT_THAT(html, Contains(HasSubstr("column too narrow: cell \"a long cell that is cut\"")));
  EXPECT_THAT(html, Contains(HasSubstr("overlap (page): \"first text\" and \"second text\"")));
}

TEST(Browser, AHardSvgLadderHasNoClippedOrOverlappingTextAndEveryColumnFits) {
  Ladder ladder = hard_ladder();
  ASSERT_GE(ladder.parties.size(), 10u);
  ASSERT_GE(ladder.calls.size(), 12u);
  TempDir dir;
  write_file(dir.path() / "hard.svg", render_svg(ladder, RenderOptions{.title = "A hard ladder"}));
  json out = run_plan(dir, {{{"navigate", url_of(dir.path() / "hard.svg")}}, layout_step(false)});
  ASSERT_EQ(out["results"].size(), 1u) << out.dump();
  const json& result = out["results"][0];
  EXPECT_EQ(problems_of(result), std::vector<std::string>{});
  // Every message's label, gutter and the headers were measured, not an empty drawing.
  EXPECT_GT(result.value("svg_texts", 0), static_cast<int>(2 * ladder.messages.size()));
  EXPECT_EQ(out["errors"], json::array());
}

TEST(Browser, AHardHtmlLadderFitsTheWindowWithNothingClippedOrOverlapping) {
  Ladder ladder = hard_ladder();
  TempDir dir;
  write_file(dir.path() / "hard.html", render_html(ladder, RenderOptions{.title = "A hard ladder"}));
  // A laptop's window, then a phone's: the ladder pane scrolls, the page never does.
  json out = run_plan(dir, {{{"navigate", url_of(dir.path() / "hard.html")}}, layout_step(true),
                            {{"viewport", {{"width", 560}, {"height", 700}}}}, layout_step(true)}, 1280, 800);
  ASSERT_EQ(out["results"].size(), 2u) << out.dump();
  for (const auto& result : out["results"]) {
    EXPECT_EQ(problems_of(result), std::vector<std::string>{});
    EXPECT_GT(result.value("svg_texts", 0), static_cast<int>(2 * ladder.messages.size()));
  }
  EXPECT_EQ(out["errors"], json::array());
}

// What the page shows: the selected row, the URL's fragment, the detail pane, the filter.
constexpr const char* kState = R"((() => {
  const selected = document.querySelectorAll('#ladder .msg.selected');
  const row = selected.length === 1 ? selected[0] : null;
  const pane = document.getElementById('ladder').getBoundingClientRect();
  const rect = row ? row.getBoundingClientRect() : null;
  return {
    selected: row ? row.id : selected.length + ' selected',
    hash: location.hash,
    in_view: !!rect && rect.top >= pane.top && rect.bottom <= pane.bottom,
    title: document.getElementById('detail-title').textContent,
    meta: document.getElementById('detail-meta').textContent,
    text: document.getElementById('detail-text').textContent,
    sdp: document.getElementById('detail-sdp-section').hidden ? null : document.getElementById('detail-sdp').textContent,
    markup: document.querySelectorAll('#detail b, #detail script').length,
    focused: document.activeElement ? document.activeElement.id : '',
    shown: Array.from(document.querySelectorAll('#ladder .msg:not(.dim)')).map((g) => g.id),
    count: document.getElementById('filter-count').textContent,
  };
})())";

json state_step() { return {{"eval", kState}}; }

TEST(Browser, TheHtmlLadderFollowsDeepLinksKeysAndTheFilter) {
  Ladder ladder = hard_ladder();
  const std::size_t n = ladder.messages.size();
  ASSERT_GT(n, 60u);
  // The message with markup in its Call-ID and reason, and the first BYE.
  std::size_t markup = n, first_bye = n, media_invite = n;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& m = ladder.messages[i];
    if (markup == n && m.call_id == "</script><!--x" && !m.is_request) markup = i;
    if (first_bye == n && m.label == "BYE") first_bye = i;
    if (media_invite == n && m.label == "INVITE" && m.call_id.starts_with("media-")) media_invite = i;
  }
  ASSERT_LT(markup, n);
  ASSERT_LT(first_bye, n);
  ASSERT_LT(media_invite, n);
  auto f = [](std::size_t i) { return "F" + std::to_string(i + 1); };
  TempDir dir;
  const auto page = dir.path() / "ladder.html";
  write_file(page, render_html(ladder));
  json out = run_plan(dir, {
      {{"navigate", url_of(page, "#F60")}}, state_step(),          // 0: the deep link
      {{"key", "j"}}, state_step(),                                // 1
      {{"key", "k"}}, {{"key", "ArrowUp"}}, state_step(),          // 2
      {{"key", "ArrowDown"}}, state_step(),                        // 3
      {{"key", "/"}}, {{"type", "method:bye"}}, state_step(),      // 4: typing goes to the filter
      {{"key", "Enter"}}, state_step(),                            // 5: the first match
      {{"key", "j"}}, state_step(),                                // 6: the next match
      {{"navigate", url_of(page, "#" + f(markup))}}, state_step(),        // 7
      {{"navigate", url_of(page, "#" + f(media_invite))}}, state_step(),  // 8
  }, 1280, 700);
  ASSERT_EQ(out["results"].size(), 9u) << out.dump();
  const json& r = out["results"];
  EXPECT_EQ(r[0]["selected"], "F60");
  EXPECT_TRUE(r[0]["in_view"]) << "the deep-linked message is scrolled into view";
  EXPECT_THAT(r[0]["title"].get<std::string>(), StartsWith("F60 " + display_label(ladder.messages[59])));
  EXPECT_EQ(r[1]["selected"], "F61");
  EXPECT_EQ(r[1]["hash"], "#F61") << "the URL follows the selection";
  EXPECT_EQ(r[2]["selected"], "F59");
  EXPECT_EQ(r[2]["hash"], "#F59");
  EXPECT_EQ(r[3]["selected"], "F60");
  EXPECT_EQ(r[4]["focused"], "filter");
  EXPECT_EQ(r[4]["selected"], "F60") << "keys typed into the filter do not move the selection";
  // method:bye keeps the BYEs and their 200 OKs.
  std::size_t byes = 0;
  for (const auto& m : ladder.messages) byes += m.cseq == "2 BYE" ? 1u : 0u;
  ASSERT_GE(byes, 10u);
  EXPECT_EQ(r[4]["shown"].size(), byes) << r[4].dump();
  EXPECT_EQ(r[4]["count"], std::to_string(byes) + " of " + std::to_string(n) + " messages match");
  for (const auto& id : r[4]["shown"]) {
    std::size_t i = std::stoul(id.get<std::string>().substr(1)) - 1;
    EXPECT_EQ(ladder.messages[i].cseq, "2 BYE") << id;
  }
  EXPECT_EQ(r[5]["selected"], f(first_bye));
  EXPECT_EQ(r[5]["focused"], "");
  EXPECT_TRUE(r[5]["in_view"]);
  EXPECT_EQ(r[6]["selected"], r[4]["shown"][1]) << "j skips what the filter hides";
  // Markup in the message is shown as text, never parsed.
  EXPECT_EQ(r[7]["selected"], f(markup));
  EXPECT_THAT(r[7]["meta"].get<std::string>(), HasSubstr("Call-ID </script><!--x"));
  EXPECT_THAT(r[7]["text"].get<std::string>(), HasSubstr("SIP/2.0 606 Not Acceptable <b>&amp; refused</b>"));
  EXPECT_EQ(r[7]["markup"], 0);
  EXPECT_EQ(r[7]["sdp"], nullptr);
  // The SDP of the selected message, on its own.
  EXPECT_EQ(r[8]["selected"], f(media_invite));
  ASSERT_TRUE(r[8]["sdp"].is_string());
  EXPECT_THAT(r[8]["sdp"].get<std::string>(), StartsWith("v=0\n"));
  EXPECT_THAT(r[8]["sdp"].get<std::string>(), HasSubstr("m=audio 40000 RTP/AVP 0 8 101\n"));
  EXPECT_EQ(out["errors"], json::array());
}

// Every bundled scenario's SVG and HTML ladder and the run's index.html, as `trunklab run`
// writes them.
TEST(Browser, ARunsIndexAndEveryScenarioLadderHaveNothingClippedOrOverlapping) {
  TempDir dir;
  const auto run_dir = dir.path() / "run";
  std::string command = std::string(TRUNKLAB_BINARY) + " run '" + TRUNKLAB_SOURCE_DIR + "/scenarios/' --out '" +
                        run_dir.string() + "' -q > '" + (dir.path() / "run.log").string() + "' 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << read_file(dir.path() / "run.log");
  // index.html in a laptop's window and a phone's, then each ladder in the laptop's.
  json steps = {{{"navigate", url_of(run_dir / "index.html")}}, layout_step(true),
                {{"viewport", {{"width", 560}, {"height", 700}}}}, layout_step(true),
                {{"viewport", {{"width", 1280}, {"height", 900}}}}};
  std::vector<std::string> pages = {"index.html", "index.html at 560 px"};
  for (const auto& entry : std::filesystem::directory_iterator(run_dir)) {
    if (!std::filesystem::exists(entry.path() / "ladder.svg")) continue;
    for (const char* file : {"ladder.svg", "ladder.html"}) {
      pages.push_back(entry.path().filename().string() + "/" + file);
      steps.push_back({{"navigate", url_of(entry.path() / file)}});
      steps.push_back(layout_step(std::string(file) == "ladder.html"));
    }
  }
  ASSERT_GT(pages.size(), 60u);
  json out = run_plan(dir, steps);
  ASSERT_EQ(out["results"].size(), pages.size()) << out.dump();
  for (std::size_t i = 0; i < pages.size(); ++i) {
    EXPECT_EQ(problems_of(out["results"][i]), std::vector<std::string>{}) << pages[i];
    EXPECT_GT(out["results"][i].value("texts", 0) + out["results"][i].value("svg_texts", 0), 0) << pages[i];
  }
  EXPECT_EQ(out["errors"], json::array());
}

}  // namespace
}  // namespace trunklab::reports
