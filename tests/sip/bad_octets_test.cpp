// RFC 3261 §25.1 octets: a control octet where the grammar allows none (header injection
// through a bare CR or LF, NUL, DEL) is refused naming where it was; what the grammar does
// allow (HTAB as white space, a quoted-pair escaping a control octet, LF-only line ends) still
// parses. And sip::printable(), the escaping every log line and terminal report uses.
#include "reference/sip/printable.hpp"
#include "tests/sip/sip_test_util.hpp"

#include <gtest/gtest.h>

namespace trunklab::sip {
namespace {

using test::parse_error;
using test::parse_ok;

std::string options(std::string_view request_uri, std::string_view extra = {}) {
  return "OPTIONS " + std::string(request_uri) + " SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKoct\r\n"
         "From: <sip:a@example.com>;tag=1\r\n"
         "To: <sip:b@example.com>\r\n"
         "Call-ID: octets-1\r\n"
         "CSeq: 1 OPTIONS\r\n" + std::string(extra) + "Content-Length: 0\r\n\r\n";
}

TEST(BadOctets, BareCrInTheRequestUriIsRefusedNamingIt) {
  const auto error = parse_error(options("sip:+1\rX-Injected: 1@example.com"));
  EXPECT_EQ(error.rule, "control-character");
  EXPECT_EQ(error.reason_phrase(), "Bad Request (bare CR in the Request-URI)");
}

TEST(BadOctets, HtabOrNulInTheRequestUriIsRefused) {
  EXPECT_EQ(parse_error(options("sip:+1\t@example.com")).detail,
            "control character 0x09 in the Request-URI");
  EXPECT_EQ(parse_error(options(std::string("sip:+1\0@example.com", 19))).detail,
            "control character 0x00 in the Request-URI");
}

TEST(BadOctets, BareLfInsideAHeaderValueIsRefusedNamingTheHeader) {
  const auto error = parse_error(options("sip:b@example.com", "Subject: hi\nX-Injected: 1\r\n"));
  EXPECT_EQ(error.rule, "bare-lf");
  EXPECT_EQ(error.detail, "bare LF in Subject");
}

TEST(BadOctets, BareCrNulAndDelInHeaderValuesAreRefused) {
  EXPECT_EQ(parse_error(options("sip:b@example.com", "Subject: a\rX-Injected: 1\r\n")).detail,
            "bare CR in Subject");
  EXPECT_EQ(parse_error(options("sip:b@example.com", std::string("X-Note: a\0b\r\n", 13))).detail,
            "control character 0x00 in X-Note");
  EXPECT_EQ(parse_error(options("sip:b@example.com", "X-Note: a\x7f" "b\r\n")).detail,
            "control character 0x7F in X-Note");
  // In a quoted string too, unless it is the escaped octet of a quoted-pair.
  EXPECT_EQ(parse_error(options("sip:b@example.com", "X-Note: \"a\x01\"\r\n")).detail,
            "control character 0x01 in X-Note");
  EXPECT_EQ(parse_error(options("sip:b@example.com", "X-Note: \"a\\\r\"\r\n")).rule,
            "control-character");
}

TEST(BadOctets, WhatTheGrammarAllowsStillParses) {
  // HTAB is white space; a quoted-pair may escape any octet but CR and LF (RFC 4475 "intmeth").
  const auto m = parse_ok(options("sip:b@example.com", "Subject:\tquiet\there\r\n"));
  EXPECT_EQ(m.header("Subject"), "quiet\there");
  const std::string to_with_nul = std::string("To: \"BEL:\\\x07 NUL:\\", 17) + std::string(1, '\0') +
                                  " DEL:\\\x7f\" <sip:b@example.com>\r\n";
  auto text = options("sip:b@example.com");
  text.replace(text.find("To: <sip:b@example.com>\r\n"), 25, to_with_nul);
  const auto quoted = parse_ok(text);
  EXPECT_EQ(quoted.to().uri.host, "example.com");
  EXPECT_EQ(quoted.to().display_name, std::string("BEL:\\\x07 NUL:\\", 12) + std::string(1, '\0') +
                                          " DEL:\\\x7f");
  // A message whose every line ends in a bare LF is read (leniently) as before.
  std::string lf_only = options("sip:b@example.com");
  for (auto at = lf_only.find("\r\n"); at != std::string::npos; at = lf_only.find("\r\n", at)) {
    lf_only.erase(at, 1);
  }
  EXPECT_EQ(parse_ok(lf_only).call_id(), "octets-1");
}

TEST(BadOctets, AControlOctetInAReasonPhraseIsRefused) {
  const std::string response =
      "SIP/2.0 404 Not\rFound\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKoct\r\n"
      "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\n"
      "Call-ID: octets-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(parse_error(response).detail, "bare CR in the Reason-Phrase");
}

// RFC 3261 §19.1 / RFC 5118: a Request-URI of any scheme is well-formed; a sip: one must have
// a hostname, an IPv4 address or an IPv6 reference in [] for host.
TEST(RequestUri, AnyAbsoluteUriParsesAndSipHostsAreChecked) {
  EXPECT_EQ(parse_ok(options("soap.beep://192.0.2.103:3002")).request_uri(),
            "soap.beep://192.0.2.103:3002");
  EXPECT_EQ(parse_ok(options("nobodyKnowsThisScheme:totallyopaquecontent")).method(), "OPTIONS");
  EXPECT_EQ(parse_error(options("sip:2001:db8::10")).detail,
            "IPv6 address in Request-URI not enclosed in []");
  EXPECT_EQ(parse_error(options("sip:[2001:db8::10")).detail,
            "Malformed IPv6 reference in Request-URI");
  EXPECT_EQ(parse_error(options("<sip:b@example.com>")).detail, "Malformed Request-URI");
  parse_ok(options("sip:[2001:db8::10:5070]"));     // "port-ambiguous" is well-formed
  parse_ok(options("sip:[2001:db8::10]:5070"));
  parse_ok(options("sip:user@[2001:db8:::192.0.2.1]"));  // tolerated, RFC 5118 §4.10
}

TEST(NameAddr, HeadersOutsideAngleBracketsAndUnquotedCommasAreRefused) {
  // RFC 4475 "regbadct"
  EXPECT_EQ(parse_error(options("sip:b@example.com",
                                "Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E\r\n"))
                .detail,
            "Contact URI with headers not enclosed in <>");
  parse_ok(options("sip:b@example.com", "Contact: <sip:user@example.com?Route=%3Csip:x%3E>\r\n"));
  // RFC 4475 "baddn", with the empty line the archive's copy lacks
  auto baddn = options("sip:b@example.com");
  baddn.replace(baddn.find("From: <sip:a@example.com>"), 25, "From: Bell, Alexander <sip:a@example.com>");
  EXPECT_EQ(parse_error(baddn).detail, "Malformed From");
}

TEST(Printable, EscapesEveryNonPrintableOctetReversibly) {
  EXPECT_EQ(printable("INVITE sip:+1\rX-Injected@h"), "INVITE sip:+1\\rX-Injected@h");
  EXPECT_EQ(printable("a\nb\tc\\d"), "a\\nb\\tc\\\\d");
  EXPECT_EQ(printable(std::string("\x00\x1b[31m\x7f\xc3\xa9", 9)), "\\x00\\x1B[31m\\x7F\\xC3\\xA9");
  EXPECT_EQ(printable("404 Not Found (no route)"), "404 Not Found (no route)");
}

}  // namespace
}  // namespace trunklab::sip
