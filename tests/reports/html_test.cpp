// The HTML ladder in a real browser: headless Chromium loads the page from disk with the
// network off, runs its script, and we read the resulting DOM and the console log.
#include "reports/render/render.hpp"
#include "wiretap/capture.hpp"
#include "tests/reports/fixtures.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>

namespace trunklab::reports {
namespace {

using namespace testing;

constexpr const char* kChromium = "/usr/bin/chromium";

struct BrowserRun {
  int status = -1;
  std::string dom;
  std::string log;
};

BrowserRun load_in_chromium(const TempDir& dir, const std::string& html) {
  auto page = dir.path() / "ladder.html";
  write_file(page, html);
  std::string command = std::string(kChromium) +
                        " --headless --no-sandbox --disable-gpu --disable-background-networking"
                        " --disable-component-update --disable-sync --no-first-run"
                        " --user-data-dir='" + (dir.path() / "profile").string() +
                        "' --enable-logging=stderr --v=0 --dump-dom 'file://" + page.string() +
                        "' > '" + (dir.path() / "dom.html").string() + "' 2> '" +
                        (dir.path() / "log.txt").string() + "'";
  BrowserRun run;
  run.status = std::system(command.c_str());
  run.dom = read_file(dir.path() / "dom.html");
  run.log = read_file(dir.path() / "log.txt");
  return run;
}

// Console messages Chromium logs: `[...:INFO:CONSOLE:12] "Uncaught ...", source: ...` (older
// versions wrote CONSOLE(12)).
std::vector<std::string> console_errors(const std::string& log) {
  std::vector<std::string> errors;
  std::regex console(R"(CONSOLE[:(]\d+\)?\] "(.*))");
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, console)) errors.push_back(m[1]);
  }
  return errors;
}

TEST(HtmlLadder, TheConsoleCheckSeesScriptErrors) {
  if (!std::filesystem::exists(kChromium)) {
    GTEST_SKIP() << kChromium << " not installed (Debian package chromium)";
  }
  TempDir dir;
  BrowserRun run = load_in_chromium(dir, "<html><body><script>no_such_function();</script></body></html>");
  ASSERT_EQ(console_errors(run.log).size(), 1u) << run.log;
  EXPECT_NE(console_errors(run.log)[0].find("no_such_function"), std::string::npos);
}

TEST(HtmlLadder, LoadsInHeadlessChromiumWithoutConsoleErrorsAndShowsEveryMessage) {
  if (!std::filesystem::exists(kChromium)) {
    GTEST_SKIP() << kChromium << " not installed (Debian package chromium)";
  }
  auto datagrams = known_exchange();
  // Message text that would break a naive page: a closing script tag and markup in a header.
  datagrams.push_back(datagram(9100, kAlice, kTrunk,
                               request("OPTIONS", "</script><b>x</b>@host", 1)));
  wiretap::CaptureRecord lost{rt::Instant{rt::from_ms(9200)}, "alice", "trunk", addr(kAlice),
                          addr(kTrunk), request("BYE", "c9", 9), wiretap::CaptureView::sent, false,
                          true, "partition"};
  auto from_sim = datagrams_from_capture({lost});
  datagrams.insert(datagrams.end(), from_sim.begin(), from_sim.end());
  Ladder ladder = build_ladder(datagrams, {known_names(), std::nullopt, false});
  ASSERT_EQ(ladder.messages.size(), 20u);

  TempDir dir;
  BrowserRun run = load_in_chromium(dir, render_html(ladder));
  ASSERT_EQ(run.status, 0) << run.log;
  EXPECT_EQ(console_errors(run.log), std::vector<std::string>{}) << run.log;
  // The script ran to its end over every message...
  EXPECT_NE(run.dom.find("data-ready=\"20\""), std::string::npos) << run.dom.substr(0, 2000);
  // ...every message is drawn...
  for (std::size_t i = 1; i <= 20; ++i) {
    EXPECT_NE(run.dom.find("id=\"F" + std::to_string(i) + "\""), std::string::npos) << i;
  }
  // ...and the first one is shown in full.
  EXPECT_NE(run.dom.find("<pre id=\"detail-text\">10.0.0.1:5060 → 10.0.0.2:5060\n\nINVITE "
                         "sip:+15551234567@trunk.example SIP/2.0\nVia:"),
            std::string::npos);
  EXPECT_NE(run.dom.find("retransmission"), std::string::npos);
  EXPECT_NE(run.dom.find("dropped: partition"), std::string::npos);
}

}  // namespace
}  // namespace trunklab::reports
