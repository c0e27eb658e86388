// The one lenient header scanner (sip::text::scan_lenient) that the stateless 400 and the
// scenario judge read raw bytes with, and the one case-insensitive compare.
#include "reference/sip/text.hpp"

#include <gtest/gtest.h>

namespace trunklab::sip::text {
namespace {

TEST(ScanLenient, CutsStartLineHeadersAndBodyOfACrlfMessage) {
  auto m = scan_lenient("INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nv:  x \r\nCall-ID: c\r\n\r\nv=0\r\n");
  EXPECT_EQ(m.start_line, "INVITE sip:a@b SIP/2.0");
  ASSERT_EQ(m.headers.size(), 3u);
  EXPECT_EQ(m.headers[1].name, "v");
  EXPECT_EQ(m.headers[1].value, "x");
  EXPECT_EQ(m.body, "v=0\r\n");
  EXPECT_EQ(m.values("VIA"), (std::vector<std::string>{"SIP/2.0/UDP h", "x"}));
  EXPECT_EQ(m.values("i"), (std::vector<std::string>{"c"}));
}

TEST(ScanLenient, ReadsWhatTheParserRefuses) {
  // LF line ends, a folded value, a line without a colon, no empty line.
  auto m = scan_lenient("OPTIONS sip:x SIP/2.0\nTo: <sip:x>\n\t;tag=1\ngarbage\nFrom: f");
  ASSERT_EQ(m.headers.size(), 2u);
  EXPECT_EQ(m.headers[0].value, "<sip:x> ;tag=1");
  EXPECT_EQ(m.headers[1].name, "From");
  EXPECT_EQ(m.headers[1].value, "f");
  EXPECT_TRUE(m.body.empty());
}

TEST(Iequals, IgnoresAsciiCaseOnly) {
  EXPECT_TRUE(iequals("Call-ID", "call-id"));
  EXPECT_FALSE(iequals("Call-ID", "Call-IDs"));
  EXPECT_FALSE(iequals("\xC9", "\xE9"));  // not a letter in ASCII
  EXPECT_EQ(to_lower("SIP:Alice@EXAMPLE"), "sip:alice@example");
}

}  // namespace
}  // namespace trunklab::sip::text
