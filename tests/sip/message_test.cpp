// Everyday parsing: header list as received, compact forms, lists, structured accessors.
#include "tests/sip/sip_test_util.hpp"

#include <gtest/gtest.h>

namespace trunklab::sip {
namespace {

using test::crlf;
using test::parse_error;
using test::parse_ok;

const std::string kRegister = crlf(
    "REGISTER sip:registrar.example.com SIP/2.0\n"
    "Via: SIP/2.0/UDP 10.0.0.5:5062;rport;branch=z9hG4bKreg1\n"
    "Max-Forwards: 70\n"
    "From: \"Office 1\" <sip:office1@registrar.example.com>;tag=a73kszlfl\n"
    "To: <sip:office1@registrar.example.com>\n"
    "Call-ID: 1j9FpLxk3uxtm8tn@10.0.0.5\n"
    "CSeq: 2 REGISTER\n"
    "Contact: <sip:office1@10.0.0.5:5062;transport=udp>;expires=3600, "
    "\"Desk\" <sip:office1@10.0.0.6>;q=0.5\n"
    "m: <sip:office1@10.0.0.7>\n"
    "Expires: 7200\n"
    "X-Custom-Header:   keep ;this,  Exactly  \n"
    "Content-Length: 0\n"
    "\n");

TEST(Message, HeadersKeepWireOrderNameCaseAndValues) {
  const Message m = parse_ok(kRegister);
  ASSERT_EQ(m.headers().size(), 11u);
  EXPECT_EQ(m.headers()[0].name, "Via");
  EXPECT_EQ(m.headers()[7].name, "m");
  EXPECT_EQ(m.headers()[9].name, "X-Custom-Header");
  EXPECT_EQ(m.headers()[9].value, "keep ;this,  Exactly");  // inner spacing kept
  EXPECT_EQ(m.header("x-custom-header"), "keep ;this,  Exactly");
  EXPECT_EQ(m.header("Subject"), std::nullopt);
  EXPECT_EQ(m.raw(), kRegister);
}

TEST(Message, StructuredFieldsOfARegister) {
  const Message m = parse_ok(kRegister);
  EXPECT_EQ(m.method(), "REGISTER");
  EXPECT_EQ(m.from().display_name, "Office 1");
  EXPECT_EQ(m.from().uri.user, "office1");
  EXPECT_EQ(m.from().tag(), "a73kszlfl");
  EXPECT_EQ(m.to().tag(), "");
  EXPECT_EQ(m.cseq().number, 2u);
  EXPECT_EQ(m.cseq().method, "REGISTER");
  EXPECT_EQ(m.expires(), 7200u);
  EXPECT_EQ(m.min_expires(), std::nullopt);
  EXPECT_EQ(m.max_forwards(), 70);
  EXPECT_EQ(m.top_via().sent_by(), "10.0.0.5:5062");
  EXPECT_EQ(m.top_via().protocol, "SIP/2.0/UDP");
  EXPECT_TRUE(m.top_via().has_rport);
  EXPECT_EQ(m.top_via().rport, std::nullopt);
  EXPECT_EQ(m.body(), "");
}

TEST(Message, SeveralContactsInOneHeaderAndCompactForm) {
  const Message m = parse_ok(kRegister);
  const auto values = m.header_values("Contact");
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[1], "\"Desk\" <sip:office1@10.0.0.6>;q=0.5");
  const auto contacts = m.contacts();
  ASSERT_EQ(contacts.size(), 3u);
  EXPECT_EQ(contacts[0].address.uri.port, 5062);
  EXPECT_EQ(contacts[0].address.uri.param("transport"), "udp");
  EXPECT_EQ(contacts[0].expires(), 3600u);
  EXPECT_EQ(contacts[1].address.display_name, "Desk");
  EXPECT_EQ(contacts[1].address.param("q"), "0.5");
  EXPECT_EQ(contacts[1].expires(), std::nullopt);
  EXPECT_EQ(contacts[2].address.uri.host, "10.0.0.7");
}

TEST(Message, StarContactForRemoval) {
  const Message m = parse_ok(crlf(
      "REGISTER sip:registrar.example.com SIP/2.0\n"
      "Via: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bKreg2\n"
      "From: <sip:office1@registrar.example.com>;tag=x\n"
      "To: <sip:office1@registrar.example.com>\n"
      "Call-ID: star\nCSeq: 3 REGISTER\nContact: *\nExpires: 0\n\n"));
  const auto contacts = m.contacts();
  ASSERT_EQ(contacts.size(), 1u);
  EXPECT_TRUE(contacts[0].star);
  EXPECT_EQ(m.expires(), 0u);
}

TEST(Message, ViaListsReceivedAndRportValues) {
  const Message m = parse_ok(crlf(
      "SIP/2.0 180 Ringing\n"
      "Via: SIP/2.0/UDP trunk.example.com;branch=z9hG4bKa;received=192.0.2.7;rport=40112, "
      "SIP/2.0/TCP [2001:db8::5]:5070;branch=z9hG4bKb\n"
      "v: SIP/2.0/UDP phone.example.com;branch=z9hG4bKc\n"
      "From: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>;tag=2\n"
      "Call-ID: vias\nCSeq: 7 INVITE\nRecord-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\n"
      "Content-Length: 0\n\n"));
  EXPECT_TRUE(m.is_response());
  EXPECT_EQ(m.status(), 180);
  EXPECT_EQ(m.reason(), "Ringing");
  EXPECT_EQ(m.method(), "INVITE");  // a response's method is its CSeq method
  ASSERT_EQ(m.vias().size(), 3u);
  EXPECT_EQ(m.vias()[0].received, "192.0.2.7");
  EXPECT_EQ(m.vias()[0].rport, 40112);
  EXPECT_EQ(m.vias()[1].transport, "TCP");
  EXPECT_EQ(m.vias()[1].port, 5070);
  EXPECT_EQ(m.vias()[1].sent_by(), "[2001:db8::5]:5070");
  EXPECT_EQ(m.vias()[2].branch, "z9hG4bKc");
  EXPECT_EQ(m.header_values("Via").size(), 3u);
  const auto rr = m.record_routes();
  ASSERT_EQ(rr.size(), 2u);
  EXPECT_EQ(rr[1].uri.host, "p2.example.com");
  EXPECT_TRUE(rr[1].uri.param("lr").has_value());
}

TEST(Message, ReasonPhraseKeptExactly) {
  const Message m = parse_ok(crlf(
      "SIP/2.0 404 nUMBER  not in service (cause 1)\n"
      "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\n"
      "From: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>;tag=2\n"
      "Call-ID: r\nCSeq: 1 INVITE\nContent-Length: 0\n\n"));
  EXPECT_EQ(m.reason(), "nUMBER  not in service (cause 1)");
}

TEST(Message, FoldedHeadersAreUnfoldedToOneSpace) {
  const Message m = parse_ok(crlf(
      "OPTIONS sip:b@example.com SIP/2.0\n"
      "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\n"
      "From: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>\nCall-ID: fold\n"
      "CSeq: 1 OPTIONS\n"
      "Subject: first part\n"
      "\t  second part\n"
      "   third part\n"
      "\n"));
  EXPECT_EQ(m.header("Subject"), "first part second part third part");
  EXPECT_EQ(m.header("s"), "first part second part third part");
}

TEST(Message, CompactNamesMatchLongNames) {
  const Message m = parse_ok(crlf(
      "INVITE sip:b@example.com SIP/2.0\n"
      "v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\n"
      "f: <sip:a@example.com>;tag=1\nt: <sip:b@example.com>\ni: compact@a\n"
      "CSeq: 1 INVITE\nm: <sip:a@10.0.0.1>\nk: 100rel, timer\ne: gzip\n"
      "o: dialog\nu: refer\nx: 1800\nc: application/sdp\nl: {CL}\n\nv=0\n"));
  EXPECT_EQ(m.call_id(), "compact@a");
  EXPECT_EQ(m.header("Call-ID"), "compact@a");
  EXPECT_EQ(m.from().tag(), "1");
  EXPECT_EQ(m.header_values("Supported"), (std::vector<std::string>{"100rel", "timer"}));
  EXPECT_EQ(m.header("Content-Encoding"), "gzip");
  EXPECT_EQ(m.header("Event"), "dialog");
  EXPECT_EQ(m.header("Allow-Events"), "refer");
  EXPECT_EQ(m.header("Session-Expires"), "1800");
  EXPECT_EQ(m.content_type(), "application/sdp");
  EXPECT_EQ(m.body(), "v=0\r\n");
  EXPECT_EQ(m.contacts().size(), 1u);
}

TEST(Message, AuthenticationHeadersAreNotSplitAtCommas) {
  const Message m = parse_ok(crlf(
      "INVITE sip:b@example.com SIP/2.0\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\n"
      "From: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>\nCall-ID: auth\n"
      "CSeq: 2 INVITE\n"
      "Proxy-Authorization: Digest username=\"office1\", realm=\"trunk\", nonce=\"n\"\n\n"));
  EXPECT_EQ(m.header_values("Proxy-Authorization").size(), 1u);
}

TEST(Message, DatagramBodyIsCutAtContentLengthOrTakenWhole) {
  const std::string head =
      "MESSAGE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\n"
      "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: body\r\n"
      "CSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n";
  EXPECT_EQ(parse_ok(head + "Content-Length: 5\r\n\r\nhello world").body(), "hello");
  EXPECT_EQ(parse_ok(head + "\r\nhello world").body(), "hello world");
}

TEST(Message, LeadingCrlfBeforeStartLineIsIgnored) {
  EXPECT_EQ(parse_ok("\r\n\r\n" + kRegister).method(), "REGISTER");
}

TEST(Uri, ParsesEveryPart) {
  const auto uri = Uri::parse("sip:alice:secret@example.com:5070;transport=tcp;lr");
  ASSERT_TRUE(uri.has_value());
  EXPECT_EQ(uri->scheme, "sip");
  EXPECT_EQ(uri->user, "alice");
  EXPECT_EQ(uri->password, "secret");
  EXPECT_EQ(uri->host, "example.com");
  EXPECT_EQ(uri->port, 5070);
  EXPECT_EQ(uri->param("transport"), "tcp");
  EXPECT_EQ(uri->param("lr"), "");
  EXPECT_EQ(uri->param("maddr"), std::nullopt);
  EXPECT_EQ(uri->to_string(), "sip:alice:secret@example.com:5070;transport=tcp;lr");
}

TEST(Uri, RefusesText) {
  EXPECT_EQ(Uri::parse(""), std::nullopt);
  EXPECT_EQ(Uri::parse("not a uri"), std::nullopt);
}

TEST(Uri, Ipv6HostIsBracketedWhenWritten) {
  const auto uri = Uri::parse("sip:bob@[2001:db8::1]:5060");
  ASSERT_TRUE(uri.has_value());
  EXPECT_EQ(uri->port, 5060);
  EXPECT_EQ(uri->to_string(), "sip:bob@[2001:db8::1]:5060");
}

}  // namespace
}  // namespace trunklab::sip
