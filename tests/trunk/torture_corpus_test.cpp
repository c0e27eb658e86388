// The 61 messages of RFC 4475 and RFC 5118 (tests/sip/torture/), each sent to a fresh reference
// element in virtual time: every one is judged by tests/sip/torture_corpus.hpp's table (valid
// ones processed, invalid ones refused with the right status and a reason, responses dropped),
// and the parser's verdict matches the table too. Prints "N/61 conformant".
#include "reference/sip/message.hpp"
#include "reference/sip/printable.hpp"
#include "reference/sip/text.hpp"
#include "tests/lab/lab.hpp"
#include "tests/sip/torture_corpus.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
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

// Every datagram the element sent back to the sender of `bytes`.
std::vector<std::string> replay_whole(const std::string& bytes) {
  testlab::Lab lab(reference_config());
  lab.start();
  auto& sender = lab.add_agent("torture", "10.0.0.66", agents::UserAgentConfig{});
  sender.send_raw(bytes, lab.trunk_address());
  lab.run_for_s(1);
  std::vector<std::string> sent;
  for (const auto& r : lab.world().capture().records()) {
    if (r.view != wiretap::CaptureView::sent || r.src_host != "trunk") continue;
    sent.push_back(r.bytes);
  }
  return sent;
}

// The first line of each.
std::vector<std::string> replay(const std::string& bytes) {
  std::vector<std::string> answers;
  for (const auto& datagram : replay_whole(bytes)) answers.push_back(datagram.substr(0, datagram.find("\r\n")));
  return answers;
}

// A seeded mutation of `m`: bytes replaced (any octet), cut, or CR/LF/NUL/quotes inserted.
std::string mutate(std::string m, std::mt19937_64& rng) {
  static constexpr char kInserted[] = {'\r', '\n', '\0', '"', '\\', '<', '>', ';', ':', ',', '@', ' ', '\t'};
  for (int k = 0, n = 1 + static_cast<int>(rng() % 4); k < n && !m.empty(); ++k) {
    const std::size_t at = rng() % m.size();
    switch (rng() % 4) {
      case 0: m[at] = static_cast<char>(rng() % 256); break;
      case 1: m.erase(at, 1 + rng() % 8); break;
      case 2: m.insert(at, std::string(1 + rng() % 3, kInserted[rng() % sizeof kInserted])); break;
      default: m.resize(at); break;
    }
  }
  return m;
}

// Where a header section sent by the element holds an octet RFC 3261 §25.1 does not allow (a
// control octet other than the CR LF ending a line, outside a quoted-pair), or npos.
std::size_t stray_control_octet(const std::string& datagram) {
  const std::string_view head = std::string_view(datagram).substr(0, datagram.find("\r\n\r\n"));
  for (std::size_t start = 0; start <= head.size();) {
    const auto end = std::min(head.size(), head.find("\r\n", start));
    bool in_quotes = false;
    const auto line = head.substr(start, end - start);
    if (const auto at = sip::text::find_bad_octet(line, in_quotes); at != std::string_view::npos) {
      return start + at;
    }
    start = end + 2;
  }
  return std::string::npos;
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

// 20 seeded mutations of each of the 61 (bytes replaced, cut, CR/LF/NUL inserted): the element
// never crashes, and nothing it sends (a 400 copies the request's Via, From, To, Call-ID and
// CSeq) carries a bare CR, LF, NUL or other control octet back out.
TEST(TortureCorpus, MutatedMessagesNeverCrashNorComeBackWithAControlOctet) {
  std::mt19937_64 rng(4475);
  int replayed = 0;
  for (const auto& c : torture::cases()) {
    const auto bytes = torture::read_case(TRUNKLAB_TORTURE_DIR, c);
    ASSERT_TRUE(bytes) << c.name;
    for (int i = 0; i < 20; ++i) {
      const auto mutated = mutate(*bytes, rng);
      for (const auto& datagram : replay_whole(mutated)) {
        const auto at = stray_control_octet(datagram);
        EXPECT_EQ(at, std::string::npos) << c.name << " mutation " << i << " sent back:\n"
                                         << sip::printable(datagram);
      }
      ++replayed;
    }
  }
  EXPECT_EQ(replayed, 61 * 20);
}

}  // namespace
