// The 61 messages of RFC 4475 and RFC 5118 (tests/sip/torture/), each sent to a fresh reference
// element in virtual time: every one is judged by tests/sip/torture_corpus.hpp's table (valid
// ones processed, invalid ones refused with the right status and a reason, responses dropped),
// and the parser's verdict matches the table too. Prints "N/61 conformant".
#include "reference/sip/message.hpp"
#include "tests/lab/lab.hpp"
#include "tests/sip/torture_corpus.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

using namespace trunklab;

namespace {

config::Config reference_config() {
  config::Config c;
  c.extensions = {{"office-1", "office1", "s3cret", "default"}};
  c.providers.push_back(config::Provider{});
  c.providers.back().name = "carrier";
  c.routes.push_back(config::Route{});
  c.routes.back().provider = "carrier";
  return c;
}

// The first line of every datagram the element sent back to the sender of `bytes`.
std::vector<std::string> replay(const std::string& bytes) {
  testlab::Lab lab(reference_config());
  lab.start();
  auto& sender = lab.add_agent("torture", "10.0.0.66", sim::UserAgentConfig{});
  sender.send_raw(bytes, lab.trunk_address());
  lab.run_for_s(1);
  std::vector<std::string> answers;
  for (const auto& r : lab.world().capture().records()) {
    if (r.view != sim::CaptureView::sent || r.src_host != "trunk" || r.dst_host != "torture") continue;
    answers.push_back(r.bytes.substr(0, r.bytes.find("\r\n")));
  }
  return answers;
}

TEST(TortureCorpus, EveryFileIsInTheTableAndEveryCaseHasItsFile) {
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(TRUNKLAB_TORTURE_DIR)) {
    if (entry.path().extension() == ".dat") files.insert(entry.path().stem().string());
  }
  std::set<std::string> table;
  for (const auto& c : torture::cases()) table.insert(c.name);
  EXPECT_EQ(table.size(), 61u);
  EXPECT_EQ(files, table);
}

TEST(TortureCorpus, TheReferenceIsConformantOnAll61) {
  int conformant = 0;
  for (const auto& c : torture::cases()) {
    SCOPED_TRACE(fmt::format("{} ({})", c.name, c.section));
    const auto bytes = torture::read_case(TRUNKLAB_TORTURE_DIR, c);
    ASSERT_TRUE(bytes) << "missing file";
    const auto parsed = sip::Message::parse(*bytes);
    const bool parses = std::holds_alternative<sip::Message>(parsed);
    EXPECT_EQ(parses, c.parses) << (parses ? std::string("parsed") : std::get<sip::ParseError>(parsed).detail);
    const auto answers = replay(*bytes);
    const auto why = torture::judge(c, answers);
    EXPECT_EQ(why, "");
    if (why.empty() && parses == c.parses) ++conformant;
    fmt::print("  {:<30} {:<20} {}\n", c.name, c.section, answers.empty() ? "(no answer)" : answers.back());
  }
  fmt::print("RFC 4475/5118 torture corpus (virtual time): {}/{} conformant\n", conformant,
             torture::cases().size());
  EXPECT_EQ(conformant, 61);
}

}  // namespace
