// RFC 4475 torture messages, retyped in the spirit of the RFC's examples (valid §3.1.1,
// invalid §3.1.2), plus a fuzz-ish robustness pass.
#include "tests/sip/sip_test_util.hpp"

#include "reference/rt/random.hpp"

#include <gtest/gtest.h>

namespace trunklab::sip {
namespace {

using test::crlf;
using test::parse_error;
using test::parse_ok;

// "wsinv" (valid): odd case, LWS around colons, folding everywhere, compact forms, a Via
// list split over lines, empty and strange header values.
const std::string kShortTortuous = crlf(
    "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\n"
    "TO :\n"
    " sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\n"
    "from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\n"
    "  ;\n"
    "  tag = 98asjd8\n"
    "MaX-fOrWaRdS: 0068\n"
    "Call-ID: wsinv.ndaksdj@192.0.2.1\n"
    "Content-Length   : {CL}\n"
    "cseq: 0009\n"
    "  INVITE\n"
    "Via  : SIP  /   2.0\n"
    " /UDP\n"
    "    192.0.2.2;branch=390skdjuw\n"
    "s :\n"
    "NewFangledHeader:   newfangled value\n"
    " continued newfangled value\n"
    "UnknownHeaderWithUnusualValue: ;;,,;;,;\n"
    "Content-Type: application/sdp\n"
    "Route:\n"
    " <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\n"
    "v:  SIP  / 2.0  / TCP     spindle.example.com   ;\n"
    "  branch  =   z9hG4bK9ikj8  ,\n"
    " SIP  /    2.0   / UDP  192.168.255.111   ; branch=\n"
    " z9hG4bK30239\n"
    "m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\n"
    "      newvalue ;\n"
    "  secondparam ; q = 0.33\n"
    "\n"
    "v=0\n"
    "o=mhandley 29739 7272939 IN IP4 192.0.2.3\n"
    "s=-\n"
    "c=IN IP4 192.0.2.4\n"
    "t=0 0\n"
    "m=audio 49217 RTP/AVP 0 12\n"
    "m=video 3227 RTP/AVP 31\n"
    "a=rtpmap:31 LPC\n");

TEST(Torture, ShortTortuousInviteIsAcceptedWithEveryFieldReadable) {
  const Message m = parse_ok(kShortTortuous);
  EXPECT_TRUE(m.is_request());
  EXPECT_EQ(m.method(), "INVITE");
  EXPECT_EQ(m.request_uri(), "sip:vivekg@chair-dnrc.example.com;unknownparam");
  EXPECT_EQ(m.to().tag(), "1918181833n");
  EXPECT_EQ(m.from().tag(), "98asjd8");
  EXPECT_EQ(m.from().uri.user, "jdrosen");
  EXPECT_EQ(m.max_forwards(), 68);
  EXPECT_EQ(m.cseq().number, 9u);
  EXPECT_EQ(m.cseq().method, "INVITE");
  EXPECT_EQ(m.call_id(), "wsinv.ndaksdj@192.0.2.1");
  ASSERT_EQ(m.vias().size(), 3u);
  EXPECT_EQ(m.top_via().host, "192.0.2.2");
  EXPECT_EQ(m.top_via().branch, "390skdjuw");
  EXPECT_EQ(m.vias()[1].transport, "TCP");
  EXPECT_EQ(m.vias()[1].host, "spindle.example.com");
  EXPECT_EQ(m.vias()[1].branch, "z9hG4bK9ikj8");
  EXPECT_EQ(m.vias()[2].host, "192.168.255.111");
  EXPECT_EQ(m.vias()[2].branch, "z9hG4bK30239");
  EXPECT_EQ(m.header("NewFangledHeader"), "newfangled value continued newfangled value");
  EXPECT_EQ(m.header("UnknownHeaderWithUnusualValue"), ";;,,;;,;");
  EXPECT_EQ(m.header("Subject"), "");  // "s :" is Subject, empty
  ASSERT_EQ(m.contacts().size(), 1u);
  EXPECT_EQ(m.contacts()[0].address.uri.host, "example.com");
  ASSERT_EQ(m.routes().size(), 1u);
  EXPECT_EQ(m.routes()[0].uri.host, "services.example.com");
  EXPECT_EQ(m.content_type(), "application/sdp");
  EXPECT_TRUE(m.body().starts_with("v=0\r\n"));
  EXPECT_TRUE(m.body().ends_with("a=rtpmap:31 LPC\r\n"));
}

// "intmeth" (valid): unusual but legal characters in the method and tokens.
TEST(Torture, UnknownMethodWithTokenCharactersIsAccepted) {
  const Message m = parse_ok(crlf(
      "!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/"
      "crazy?,;;*:&it=+agreed@example.com SIP/2.0\n"
      "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~\n"
      "To: \"BEL:\\\x07 DEL:\\\x7f\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/"
      "crazy?,;;*@example.com>\n"
      "From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%="
      "\"\xD1\x80\xD0\xB0\xD0\xB1\xD0\xBE\xD1\x82\xD0\xB0\xD1\x8E\xD1\x89\xD0\xB8\xD0\xB9\""
      ";tag=_token~1'+`*%!-.\n"
      "Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{\n"
      "CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\n"
      "Max-Forwards: 255\n"
      "extensionHeader-!.%*+_`'~: \xEF\xBB\xBF\xE5\xA4\xA7\xE5\x81\x9C\xE9\x9B\xBB\n"
      "Content-Length: 0\n\n"));
  EXPECT_EQ(m.method(), "!interesting-Method0123456789_*+`.%indeed'~");
  EXPECT_EQ(m.cseq().number, 139122385u);
  EXPECT_EQ(m.call_id(), "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
  EXPECT_EQ(m.header("extensionHeader-!.%*+_`'~"), "\xEF\xBB\xBF\xE5\xA4\xA7\xE5\x81\x9C\xE9\x9B\xBB");
}

// "esc01"-like (valid): escaped characters in URIs are accepted, the header text kept as sent.
TEST(Torture, EscapedUriCharactersAreAccepted) {
  const Message m = parse_ok(crlf(
      "INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0\n"
      "To: sip:%75se%72@example.com\n"
      "From: <sip:I%20have%20spaces@example.net>;tag=938\n"
      "Max-Forwards: 87\n"
      "i: esc01.239409asdfakjkn23onasd0-3234\n"
      "CSeq: 234234 INVITE\n"
      "Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw\n"
      "C: application/sdp\n"
      "Contact:\n"
      "  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>\n"
      "Content-Length: {CL}\n"
      "\n"
      "v=0\n"));
  EXPECT_EQ(m.request_uri(), "sip:sips%3Auser%40example.com@example.net");
  EXPECT_EQ(m.from().uri.host, "example.net");
  EXPECT_EQ(m.header("To"), "sip:%75se%72@example.com");
  EXPECT_EQ(m.call_id(), "esc01.239409asdfakjkn23onasd0-3234");
  EXPECT_EQ(m.content_type(), "application/sdp");
  ASSERT_EQ(m.contacts().size(), 1u);
  EXPECT_EQ(m.contacts()[0].address.uri.host, "host5.example.net");
}

// "longreq"-like (valid): very long values survive intact.
TEST(Torture, LongValuesAreKeptWhole) {
  const std::string long_token(3000, 'a');
  std::string vias;
  for (int i = 0; i < 30; ++i) {
    vias += "Via: SIP/2.0/UDP host" + std::to_string(i) + ".example.com;branch=z9hG4bK" +
            std::to_string(i) + "\n";
  }
  const Message m = parse_ok(crlf(
      "INVITE sip:user@example.com SIP/2.0\n" + vias +
      "To: \"I have a user name of " + long_token + "\" <sip:" + long_token + "@example.com>\n"
      "From: sip:caller@example.net;tag=" + long_token + "\n"
      "Call-ID: longreq.one" + long_token + "\n"
      "CSeq: 3882340 INVITE\n"
      "X-Long: " + long_token + "\n"
      "Content-Length: 0\n\n"));
  EXPECT_EQ(m.vias().size(), 30u);
  EXPECT_EQ(m.vias()[29].host, "host29.example.com");
  EXPECT_EQ(m.from().tag(), long_token);
  EXPECT_EQ(m.to().uri.user, long_token);
  EXPECT_EQ(m.header("X-Long"), long_token);
}

std::string options_with(std::string_view extra_headers, std::string_view body = "") {
  return crlf("OPTIONS sip:user@example.com SIP/2.0\n"
              "Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKopt\n"
              "From: <sip:caller@example.net>;tag=1\n"
              "To: <sip:user@example.com>\n"
              "Call-ID: opt.1\n" +
              std::string(extra_headers) + "\n" + std::string(body));
}

// "ncl".
TEST(Torture, NegativeContentLengthIsRefused) {
  const ParseError e = parse_error(options_with("CSeq: 1 OPTIONS\nContent-Length: -999\n", "x"));
  EXPECT_EQ(e.rule, "content-length-negative");
  EXPECT_EQ(e.status(), 400);
  EXPECT_EQ(e.reason_phrase(), "Bad Request (Negative Content-Length)");
}

// "clerr".
TEST(Torture, ContentLengthLargerThanBodyIsRefused) {
  const ParseError e = parse_error(options_with("CSeq: 1 OPTIONS\nContent-Length: 9999\n", "v=0\r\n"));
  EXPECT_EQ(e.rule, "content-length-larger-than-body");
  EXPECT_EQ(e.reason_phrase(), "Bad Request (Content-Length larger than body)");
}

TEST(Torture, NonNumericContentLengthIsRefused) {
  EXPECT_EQ(parse_error(options_with("CSeq: 1 OPTIONS\nContent-Length: 12abc\n")).rule,
            "content-length-invalid");
}

// "scalar02": CSeq beyond 2^31-1 (here 2^32 and 2^65).
TEST(Torture, OverflowingCSeqIsRefused) {
  for (const char* number : {"4294967296", "2147483648", "36893488147419103232"}) {
    const ParseError e = parse_error(options_with(std::string("CSeq: ") + number + " OPTIONS\n"));
    EXPECT_EQ(e.rule, "cseq-number-range") << number;
  }
  EXPECT_EQ(parse_ok(options_with("CSeq: 2147483647 OPTIONS\n")).cseq().number, 2147483647u);
  EXPECT_EQ(parse_error(options_with("CSeq: one OPTIONS\n")).rule, "cseq-number-invalid");
}

TEST(Torture, MaxForwardsOutOfRangeIsRefusedAndMayBeAbsent) {
  EXPECT_EQ(parse_error(options_with("CSeq: 1 OPTIONS\nMax-Forwards: 300\n")).rule,
            "max-forwards-invalid");
  EXPECT_EQ(parse_ok(options_with("CSeq: 1 OPTIONS\n")).max_forwards(), std::nullopt);
}

// "scalar02"-like: overlarge Expires values saturate instead of wrapping.
TEST(Torture, OverflowingExpiresSaturates) {
  const Message m = parse_ok(options_with(
      "CSeq: 1 OPTIONS\nExpires: 10000000000\n"
      "Contact: <sip:user@host.example.com>;expires=280297596632815\n"));
  EXPECT_EQ(m.expires(), 0xFFFFFFFFu);
  EXPECT_EQ(m.contacts().at(0).expires(), 0xFFFFFFFFu);
}

// "mismatch01".
TEST(Torture, CSeqMethodMismatchIsRefused) {
  const ParseError e = parse_error(options_with("CSeq: 8 INVITE\n"));
  EXPECT_EQ(e.rule, "cseq-method-mismatch");
  EXPECT_EQ(e.reason_phrase(), "Bad Request (CSeq method does not match)");
}

// "badvers".
TEST(Torture, UnknownProtocolVersionGets505) {
  const ParseError e = parse_error(crlf(
      "OPTIONS sip:t.watson@example.org SIP/7.0\n"
      "Via:     SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw\n"
      "Max-Forwards:     70\n"
      "From:    A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe\n"
      "To:      T. Watson <sip:t.watson@example.org>\n"
      "Call-ID: badvers.31417@c.example.com\n"
      "CSeq:    1 OPTIONS\n"
      "l: 0\n\n"));
  EXPECT_EQ(e.rule, "bad-version");
  EXPECT_EQ(e.status(), 505);
  EXPECT_EQ(e.reason_phrase(), "Version Not Supported (SIP/7.0)");
}

// "bigcode"-style status codes: wrapped, out of range, not three digits.
TEST(Torture, StatusCodeOutOfRangeIsRefused) {
  for (const char* code : {"4294967301", "099", "700", "1000", "20"}) {
    const ParseError e = parse_error(crlf(
        std::string("SIP/2.0 ") + code + " better not break the receiver\n"
        "Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\n"
        "Call-ID: bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i\n"
        "CSeq: 353494 INVITE\n"
        "From: <sip:user@example.com>;tag=39ansfi3\n"
        "To: <sip:user@example.edu>;tag=902jndnke3\n"
        "Content-Length: 0\n\n"));
    EXPECT_EQ(e.rule, "status-code-range") << code;
  }
}

// "insuf" and friends: each required header missing in turn.
TEST(Torture, MissingRequiredHeadersAreNamed) {
  const std::vector<std::pair<std::string, std::string>> required{
      {"Via", "missing-via"}, {"From", "missing-from"}, {"To", "missing-to"},
      {"Call-ID", "missing-call-id"}, {"CSeq", "missing-cseq"}};
  for (const auto& [drop, rule] : required) {
    std::string headers;
    for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"Via", "SIP/2.0/UDP h.example.com;branch=z9hG4bK1"},
             {"From", "<sip:a@example.com>;tag=1"}, {"To", "<sip:b@example.com>"},
             {"Call-ID", "insuf.1"}, {"CSeq", "1 INVITE"}}) {
      if (name != drop) headers += name + ": " + value + "\n";
    }
    const ParseError e = parse_error(crlf("INVITE sip:b@example.com SIP/2.0\n" + headers + "\n"));
    EXPECT_EQ(e.rule, rule);
    EXPECT_EQ(e.reason_phrase(), "Bad Request (Missing " + drop + ")");
  }
}

// "multi01"-like: two values for a single-valued header (From).
TEST(Torture, DuplicateSingleValuedHeaderIsRefused) {
  const ParseError e = parse_error(options_with("CSeq: 1 OPTIONS\nFrom: <sip:other@example.net>;tag=2\n"));
  EXPECT_EQ(e.rule, "duplicate-header");
}

// "lwsstart" and "lwsruri"-like: extra SP in the Request-Line, LWS inside the URI.
TEST(Torture, ExtraSpacesInRequestLineAreRefused) {
  const std::string base = options_with("CSeq: 1 OPTIONS\n");
  std::string doubled = base;
  doubled.replace(0, 8, "OPTIONS  ");
  EXPECT_EQ(parse_error(doubled).rule, "request-line");
  std::string lws_uri = base;
  lws_uri.replace(0, std::string("OPTIONS sip:user@example.com").size(),
                  "OPTIONS sip:user@example.com; lr");
  EXPECT_EQ(parse_error(lws_uri).rule, "request-line");
}

TEST(Torture, GarbageIsASyntaxError) {
  EXPECT_EQ(parse_error("").rule, "syntax");
  EXPECT_EQ(parse_error("hello").rule, "syntax");
  EXPECT_EQ(parse_error(crlf("INVITE sip:a@b SIP/2.0\nVia SIP/2.0/UDP h\n\n")).rule, "syntax");
}

// Never crash, and never accept a cut message that declares its length.
TEST(Robustness, EveryTruncationOfAValidMessageIsRefusedNotCrashed) {
  for (std::size_t cut = 0; cut < kShortTortuous.size(); ++cut) {
    auto result = Message::parse(std::string_view(kShortTortuous).substr(0, cut));
    EXPECT_TRUE(std::holds_alternative<ParseError>(result)) << "accepted a cut at " << cut;
  }
}

TEST(Robustness, RandomBytesAndMutationsNeverCrash) {
  rt::SplitMix64 random(4475);
  std::size_t accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string bytes = kShortTortuous;
    const int edits = 1 + static_cast<int>(random.next_u64() % 8);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = random.next_u64() % bytes.size();
      bytes[at] = static_cast<char>(random.next_u64() & 0xFF);
    }
    if (round % 3 == 0) {  // pure noise as well
      bytes.resize(random.next_u64() % 700);
      for (char& c : bytes) c = static_cast<char>(random.next_u64() & 0xFF);
    }
    auto result = Message::parse(bytes);
    if (auto* m = std::get_if<Message>(&result)) {
      ++accepted;
      EXPECT_FALSE(m->vias().empty());  // every accepted message is fully usable
      (void)m->contacts();
      (void)m->routes();
    }
  }
  EXPECT_GT(accepted, 0u);  // the mutations hit the body too, which must still parse
}

TEST(Robustness, LibosipPrintsNothing) {
  testing::internal::CaptureStdout();
  for (const char* text : {"", "INVITE", "SIP/2.0 999 x\r\n\r\n", "\x01\x02\r\n\r\n"}) {
    (void)Message::parse(text);
  }
  (void)Message::parse(options_with("CSeq: 1 OPTIONS\nVia: garbage;;;\n"));
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "");
}

}  // namespace
}  // namespace trunklab::sip
