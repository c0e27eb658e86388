#include "reference/auth/digest.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace trunklab::auth {
namespace {

using ::testing::HasSubstr;

class FakeClock final : public rt::Clock {
public:
  rt::Instant now() const override { return now_; }
  void advance(rt::Duration d) { now_ += d; }

private:
  rt::Instant now_{rt::Duration{1'000'000}};
};

ServerConfig test_config() {
  ServerConfig config;
  config.secret_key = std::vector<std::uint8_t>(32, 0x5a);
  config.nonce_lifetime = std::chrono::seconds(30);
  return config;
}

constexpr std::string_view kRealm = "office.registrar.example";
constexpr std::string_view kUri = "sip:office.registrar.example";

// Everything a phone and the registrar do for one REGISTER, through the header strings.
struct Exchange {
  FakeClock clock;
  rt::SplitMix64 server_random{1};
  rt::SplitMix64 client_random{2};
  DigestServer server;
  explicit Exchange(ServerConfig config = test_config()) : server(std::move(config), clock, server_random) {}

  Credentials respond(const std::vector<Challenge>& offered, std::string_view password,
                      std::uint32_t nc = 1, std::span<const Algorithm> supported = kAllAlgorithms) {
    std::vector<Challenge> parsed;
    for (const auto& c : offered) parsed.push_back(*Challenge::parse(c.to_header_value()));
    auto index = select_challenge(parsed, supported);
    EXPECT_TRUE(index.has_value());
    Credentials creds = answer(parsed.at(index.value_or(0)), {"alice", password}, "REGISTER", kUri, nc,
                               client_random);
    auto reparsed = Credentials::parse(creds.to_header_value());
    EXPECT_TRUE(reparsed.has_value());
    return reparsed.value_or(creds);
  }
  Verdict check(const Credentials& creds, std::string_view password = "s3cret") {
    return server.verify(creds, kRealm, "REGISTER", Secret::from_password("alice", std::string{password}));
  }
};

// ---------------------------------------------------------------------------------------------
// Published test vectors

TEST(DigestVectors, Rfc2617Section3_5) {
  // The Authorization header of RFC 2617 §3.5, parsed and recomputed.
  auto creds = Credentials::parse(
      R"(Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", )"
      R"(uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", )"
      R"(response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41")");
  ASSERT_TRUE(creds);
  EXPECT_EQ(creds->algorithm, Algorithm::md5);  // absent means MD5
  EXPECT_EQ(creds->nc, 1u);
  auto ha1 = compute_ha1(Algorithm::md5, creds->username, creds->realm, "Circle Of Life");
  std::string nc = creds->nc_hex();
  EXPECT_EQ(compute_response(Algorithm::md5, ha1,
                             {"GET", creds->uri, creds->nonce, nc, creds->cnonce, creds->qop}),
            creds->response);
}

struct Rfc7616Case {
  Algorithm algorithm;
  const char* response;
};

class Rfc7616Example : public ::testing::TestWithParam<Rfc7616Case> {};

TEST_P(Rfc7616Example, Section3_9_1) {
  const auto& param = GetParam();
  auto ha1 = compute_ha1(param.algorithm, "Mufasa", "http-auth@example.org", "Circle of Life");
  EXPECT_EQ(compute_response(param.algorithm, ha1,
                             {"GET", "/dir/index.html", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
                              "00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth"}),
            param.response);
}

INSTANTIATE_TEST_SUITE_P(
    Algorithms, Rfc7616Example,
    ::testing::Values(Rfc7616Case{Algorithm::md5, "8ca523f5e9506fed4657c9700eebdbec"},
                      Rfc7616Case{Algorithm::sha256,
                                  "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"}));

TEST(DigestVectors, Sha512_256IsTheDistinctFipsAlgorithmNotTruncatedSha512) {
  // FIPS 180-4 SHA-512/256 of "abc" (truncated SHA-512 would start "ddaf35a1").
  EXPECT_EQ(hash_hex(Algorithm::sha512_256, "abc"),
            "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
}

TEST(DigestVectors, AlgorithmNamesRoundTrip) {
  for (Algorithm a : kAllAlgorithms) EXPECT_EQ(parse_algorithm(algorithm_name(a)), a);
  EXPECT_EQ(parse_algorithm("sha-512-256"), Algorithm::sha512_256);
  EXPECT_FALSE(parse_algorithm("MD5-sess"));
  EXPECT_FALSE(parse_algorithm("SHA-512"));
}

// ---------------------------------------------------------------------------------------------
// Round trips server <-> client

class RoundTrip : public ::testing::TestWithParam<Algorithm> {};

TEST_P(RoundTrip, ClientAnswerIsAcceptedByServer) {
  ServerConfig config = test_config();
  config.algorithms = {GetParam()};
  Exchange x{config};
  auto creds = x.respond(x.server.challenge(kRealm), "s3cret");
  EXPECT_EQ(creds.algorithm, GetParam());
  EXPECT_EQ(x.check(creds), Verdict::ok);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, RoundTrip,
                         ::testing::Values(Algorithm::md5, Algorithm::sha256, Algorithm::sha512_256));

TEST(DigestServer, WrongPasswordIsRejected) {
  Exchange x;
  auto creds = x.respond(x.server.challenge(kRealm), "guess");
  EXPECT_EQ(x.check(creds), Verdict::wrong_password);
}

TEST(DigestServer, WrongMethodOrUriIsRejected) {
  Exchange x;
  auto creds = x.respond(x.server.challenge(kRealm), "s3cret");
  EXPECT_EQ(x.server.verify(creds, kRealm, "INVITE", Secret::from_password("alice", "s3cret")),
            Verdict::wrong_password);
  creds.uri = "sip:other.example";
  EXPECT_EQ(x.check(creds), Verdict::wrong_password);
}

TEST(DigestServer, AcceptsPrecomputedHa1) {
  Exchange x;
  auto creds = x.respond(x.server.challenge(kRealm), "s3cret");
  ASSERT_EQ(creds.algorithm, Algorithm::sha512_256);
  std::string ha1 = compute_ha1(Algorithm::sha512_256, "alice", kRealm, "s3cret");
  EXPECT_EQ(x.server.verify(creds, kRealm, "REGISTER", Secret::from_ha1("alice", Algorithm::sha512_256, ha1)),
            Verdict::ok);
}

TEST(DigestServer, Ha1ForAnotherAlgorithmIsNoSecret) {
  Exchange x;
  auto creds = x.respond(x.server.challenge(kRealm), "s3cret");
  std::string md5_ha1 = compute_ha1(Algorithm::md5, "alice", kRealm, "s3cret");
  EXPECT_EQ(x.server.verify(creds, kRealm, "REGISTER", Secret::from_ha1("alice", Algorithm::md5, md5_ha1)),
            Verdict::no_secret);
}

TEST(DigestServer, ExpiredAuthenticNonceIsStaleAndReChallengeSaysSo) {
  Exchange x;
  auto challenges = x.server.challenge(kRealm);
  x.clock.advance(std::chrono::seconds(31));
  auto creds = x.respond(challenges, "s3cret");
  EXPECT_EQ(x.check(creds), Verdict::stale_nonce);
  // A wrong password on an expired nonce is not "stale": stale would invite a silent retry.
  EXPECT_EQ(x.check(x.respond(challenges, "guess", 2)), Verdict::wrong_password);

  auto again = x.server.challenge(kRealm, /*stale=*/true);
  ASSERT_FALSE(again.empty());
  EXPECT_THAT(again.front().to_header_value(), HasSubstr("stale=TRUE"));
  EXPECT_TRUE(Challenge::parse(again.front().to_header_value())->stale);
  EXPECT_NE(again.front().nonce, challenges.front().nonce);
  EXPECT_EQ(x.check(x.respond(again, "s3cret")), Verdict::ok);
}

TEST(DigestServer, NonceIsValidUpToItsLifetime) {
  Exchange x;
  auto challenges = x.server.challenge(kRealm);
  x.clock.advance(std::chrono::seconds(30));
  EXPECT_EQ(x.check(x.respond(challenges, "s3cret")), Verdict::ok);
}

TEST(DigestServer, ReplayedNonceCountIsRejected) {
  Exchange x;
  auto challenges = x.server.challenge(kRealm);
  auto first = x.respond(challenges, "s3cret", 1);
  EXPECT_EQ(x.check(first), Verdict::ok);
  EXPECT_EQ(x.check(first), Verdict::replayed_nc);  // the identical request again
  EXPECT_EQ(x.check(x.respond(challenges, "s3cret", 2)), Verdict::ok);
  EXPECT_EQ(x.check(x.respond(challenges, "s3cret", 2)), Verdict::replayed_nc);
  EXPECT_EQ(x.check(x.respond(challenges, "s3cret", 5)), Verdict::ok);  // gaps are fine
  EXPECT_EQ(x.check(x.respond(challenges, "s3cret", 3)), Verdict::replayed_nc);
}

TEST(DigestServer, FailedAttemptDoesNotConsumeTheNonceCount) {
  Exchange x;
  auto challenges = x.server.challenge(kRealm);
  EXPECT_EQ(x.check(x.respond(challenges, "guess", 1)), Verdict::wrong_password);
  EXPECT_EQ(x.check(x.respond(challenges, "s3cret", 1)), Verdict::ok);
}

TEST(DigestServer, ForgedOrTamperedNonceIsBad) {
  Exchange x;
  auto creds = x.respond(x.server.challenge(kRealm), "s3cret");
  ASSERT_EQ(creds.nonce.size(), 64u);
  for (std::size_t pos : {std::size_t{3}, std::size_t{20}, std::size_t{50}}) {  // time, random, MAC
    Credentials tampered = creds;
    tampered.nonce[pos] = tampered.nonce[pos] == '0' ? '1' : '0';
    EXPECT_EQ(x.check(tampered), Verdict::bad_nonce) << "position " << pos;
  }
  Credentials garbage = creds;
  garbage.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
  EXPECT_EQ(x.check(garbage), Verdict::bad_nonce);
}

TEST(DigestServer, NonceFromAnotherKeyIsBadButSameKeySurvivesRestart) {
  Exchange x;
  auto challenges = x.server.challenge(kRealm);
  rt::SplitMix64 random{9};
  DigestServer restarted{test_config(), x.clock, random};
  auto creds = x.respond(challenges, "s3cret");
  EXPECT_EQ(restarted.verify(creds, kRealm, "REGISTER", Secret::from_password("alice", "s3cret")), Verdict::ok);

  ServerConfig other_key = test_config();
  other_key.secret_key.assign(32, 0x11);
  DigestServer other{other_key, x.clock, random};
  EXPECT_EQ(other.verify(creds, kRealm, "REGISTER", Secret::from_password("alice", "s3cret")),
            Verdict::bad_nonce);
}

TEST(DigestServer, NonceIsBoundToItsRealm) {
  Exchange x;
  auto challenges = x.server.challenge("tenant-a.registrar.example");
  for (auto& c : challenges) c.realm = kRealm;  // a client replaying tenant A's nonce in realm B
  EXPECT_EQ(x.check(x.respond(challenges, "s3cret")), Verdict::bad_nonce);
}

TEST(DigestServer, RealmUsernameOpaqueAndQopAreChecked) {
  ServerConfig config = test_config();
  config.opaque = "op4que";
  Exchange x{config};
  auto creds = x.respond(x.server.challenge(kRealm), "s3cret");
  EXPECT_EQ(creds.opaque, "op4que");
  EXPECT_EQ(x.check(creds), Verdict::ok);

  EXPECT_EQ(x.server.verify(creds, "other.example", "REGISTER", Secret::from_password("alice", "s3cret")),
            Verdict::realm_mismatch);
  EXPECT_EQ(x.server.verify(creds, kRealm, "REGISTER", Secret::from_password("bob", "s3cret")),
            Verdict::username_mismatch);
  Credentials no_opaque = creds;
  no_opaque.opaque.clear();
  EXPECT_EQ(x.check(no_opaque), Verdict::opaque_mismatch);
  Credentials no_qop = creds;
  no_qop.qop.clear();
  EXPECT_EQ(x.check(no_qop), Verdict::missing_qop);
}

TEST(DigestServer, AlgorithmNotOfferedIsRejected) {
  ServerConfig config = test_config();
  config.algorithms = {Algorithm::sha256};
  Exchange x{config};
  auto creds = x.respond(x.server.challenge(kRealm), "s3cret");
  creds.algorithm = Algorithm::md5;
  EXPECT_EQ(x.check(creds), Verdict::unsupported_algorithm);
}

TEST(DigestServer, Rfc2069ModeWithoutQop) {
  ServerConfig config = test_config();
  config.qop_auth = false;
  Exchange x{config};
  auto challenges = x.server.challenge(kRealm);
  EXPECT_TRUE(challenges.front().qop.empty());
  auto creds = x.respond(challenges, "s3cret");
  EXPECT_TRUE(creds.qop.empty());
  EXPECT_TRUE(creds.cnonce.empty());
  EXPECT_EQ(x.check(creds), Verdict::ok);
  EXPECT_EQ(x.check(x.respond(challenges, "guess")), Verdict::wrong_password);
}

TEST(DigestServer, UserhashHidesTheUsername) {
  ServerConfig config = test_config();
  config.userhash = true;
  Exchange x{config};
  auto creds = x.respond(x.server.challenge(kRealm), "s3cret");
  EXPECT_TRUE(creds.userhash);
  EXPECT_EQ(creds.username, compute_userhash(creds.algorithm, "alice", kRealm));
  EXPECT_EQ(x.check(creds), Verdict::ok);
  EXPECT_EQ(x.server.verify(creds, kRealm, "REGISTER", Secret::from_password("bob", "s3cret")),
            Verdict::username_mismatch);
}

TEST(DigestServer, NonceTableIsBoundedAndForgottenNoncesAreStaleNotFresh) {
  ServerConfig config = test_config();
  config.max_tracked_nonces = 2;
  Exchange x{config};
  std::vector<std::vector<Challenge>> rounds;
  for (int i = 0; i < 3; ++i) {
    rounds.push_back(x.server.challenge(kRealm));
    x.clock.advance(std::chrono::milliseconds(1));
  }
  for (const auto& r : rounds) EXPECT_EQ(x.check(x.respond(r, "s3cret", 1)), Verdict::ok);
  EXPECT_EQ(x.server.tracked_nonces(), 2u);
  // The oldest nonce was forgotten: its nc history is lost, so it must not be accepted again.
  EXPECT_EQ(x.check(x.respond(rounds[0], "s3cret", 1)), Verdict::stale_nonce);
  EXPECT_EQ(x.check(x.respond(rounds[2], "s3cret", 1)), Verdict::replayed_nc);
  EXPECT_EQ(x.check(x.respond(rounds[2], "s3cret", 2)), Verdict::ok);
}

TEST(DigestServer, ExpiredEntriesLeaveTheTable) {
  Exchange x;
  EXPECT_EQ(x.check(x.respond(x.server.challenge(kRealm), "s3cret")), Verdict::ok);
  x.clock.advance(std::chrono::seconds(40));
  EXPECT_EQ(x.check(x.respond(x.server.challenge(kRealm), "s3cret")), Verdict::ok);
  EXPECT_EQ(x.server.tracked_nonces(), 1u);
}

TEST(DigestServer, ChallengesComeInPreferenceOrderSharingOneNonce) {
  Exchange x;
  auto challenges = x.server.challenge(kRealm);
  ASSERT_EQ(challenges.size(), 3u);
  EXPECT_EQ(challenges[0].algorithm, Algorithm::sha512_256);
  EXPECT_EQ(challenges[1].algorithm, Algorithm::sha256);
  EXPECT_EQ(challenges[2].algorithm, Algorithm::md5);
  EXPECT_EQ(challenges[0].nonce, challenges[2].nonce);
  EXPECT_NE(x.server.challenge(kRealm)[0].nonce, challenges[0].nonce);  // fresh per challenge

  ServerConfig config = test_config();
  config.algorithms = {Algorithm::md5, Algorithm::sha256};
  Exchange y{config};
  auto configured = y.server.challenge(kRealm);
  ASSERT_EQ(configured.size(), 2u);
  EXPECT_EQ(configured[0].algorithm, Algorithm::md5);
}

TEST(DigestServer, NoncesAreDeterministicForASeed) {
  Exchange a;
  Exchange b;
  EXPECT_EQ(a.server.challenge(kRealm), b.server.challenge(kRealm));
}

TEST(DigestServer, ConfigProblemsAreReportedAsValues) {
  EXPECT_FALSE(test_config().problem());
  ServerConfig short_key = test_config();
  short_key.secret_key.resize(8);
  EXPECT_THAT(short_key.problem().value_or(""), HasSubstr("16 bytes"));
  ServerConfig no_algorithms = test_config();
  no_algorithms.algorithms.clear();
  EXPECT_THAT(no_algorithms.problem().value_or(""), HasSubstr("at least one algorithm"));
}

TEST(DigestServer, MovedServerKeepsItsNonceCounts) {
  Exchange x;
  auto challenges = x.server.challenge(kRealm);
  auto creds = x.respond(challenges, "s3cret");
  EXPECT_EQ(x.check(creds), Verdict::ok);
  DigestServer moved{std::move(x.server)};
  EXPECT_EQ(moved.verify(creds, kRealm, "REGISTER", Secret::from_password("alice", "s3cret")),
            Verdict::replayed_nc);
}

TEST(DigestServer, Md5OnlyPhoneAnswersTheMd5Challenge) {
  Exchange x;
  const std::array<Algorithm, 1> md5_only{Algorithm::md5};
  auto creds = x.respond(x.server.challenge(kRealm), "s3cret", 1, md5_only);
  EXPECT_EQ(creds.algorithm, Algorithm::md5);
  EXPECT_EQ(x.check(creds), Verdict::ok);
}

// ---------------------------------------------------------------------------------------------
// Client

TEST(DigestClient, SelectsTheFirstUsableChallenge) {
  std::vector<Challenge> offered(3);
  offered[0].algorithm = Algorithm::sha512_256;
  offered[0].qop = {"auth-int"};  // unusable: we do not hash bodies
  offered[1].algorithm = Algorithm::sha256;
  offered[1].qop = {"auth", "auth-int"};
  offered[2].algorithm = Algorithm::md5;
  EXPECT_EQ(select_challenge(offered), 1u);
  const std::array<Algorithm, 1> md5_only{Algorithm::md5};
  EXPECT_EQ(select_challenge(offered, md5_only), 2u);
  const std::array<Algorithm, 1> sha512_only{Algorithm::sha512_256};
  EXPECT_FALSE(select_challenge(offered, sha512_only));
  EXPECT_FALSE(select_challenge({}));
}

TEST(DigestClient, AnswerEchoesTheChallengeAndCountsRequests) {
  Challenge c;
  c.realm = "provider.example";
  c.nonce = "abc";
  c.opaque = "xyz";
  c.algorithm = Algorithm::sha256;
  c.qop = {"auth"};
  rt::SplitMix64 random{7};
  auto creds = answer(c, {"trunk1", "pw"}, "INVITE", "sip:+15551234567@provider.example", 3, random);
  EXPECT_EQ(creds.username, "trunk1");
  EXPECT_EQ(creds.realm, "provider.example");
  EXPECT_EQ(creds.nonce, "abc");
  EXPECT_EQ(creds.opaque, "xyz");
  EXPECT_EQ(creds.nc_hex(), "00000003");
  EXPECT_EQ(creds.cnonce.size(), 16u);
  std::string ha1 = compute_ha1(Algorithm::sha256, "trunk1", "provider.example", "pw");
  std::string nc = creds.nc_hex();
  EXPECT_EQ(creds.response, compute_response(Algorithm::sha256, ha1,
                                             {"INVITE", creds.uri, "abc", nc, creds.cnonce, "auth"}));
}

// ---------------------------------------------------------------------------------------------
// Header values

TEST(DigestHeaders, ChallengeSerialisesInTheUsualShape) {
  Challenge c;
  c.realm = "office.registrar.example";
  c.nonce = "n0nce";
  c.opaque = "op";
  c.algorithm = Algorithm::sha256;
  c.qop = {"auth"};
  c.stale = true;
  EXPECT_EQ(c.to_header_value(),
            R"(Digest realm="office.registrar.example", nonce="n0nce", opaque="op", algorithm=SHA-256, )"
            R"(qop="auth", stale=TRUE)");
  EXPECT_EQ(Challenge::parse(c.to_header_value()), c);
}

TEST(DigestHeaders, CredentialsRoundTripWithEscapes) {
  Credentials c;
  c.username = R"(al"ice\)";
  c.realm = "r";
  c.nonce = "n";
  c.uri = "sip:r";
  c.response = "0123abcd";
  c.algorithm = Algorithm::sha512_256;
  c.cnonce = "cn";
  c.nc = 0x1a;
  c.qop = "auth";
  c.opaque = "o";
  c.userhash = true;
  std::string value = c.to_header_value();
  EXPECT_THAT(value, HasSubstr(R"(username="al\"ice\\")"));
  EXPECT_THAT(value, HasSubstr("nc=0000001a"));
  EXPECT_EQ(Credentials::parse(value), c);
}

TEST(DigestHeaders, ParsesOddSpacingCaseAndUnquotedValues) {
  auto c = Credentials::parse(
      "  digest   USERNAME = \"bob\" ,Realm=\"r\\\"x\",\tNONCE=abc/def= ,, uri=\"sip:r\" ,"
      " response=\"ABCDEF01\" , QOP=AUTH,nc=0000000A,cnonce=c1 , algorithm=sha-256, extra=ignored  ");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "bob");
  EXPECT_EQ(c->realm, "r\"x");
  EXPECT_EQ(c->nonce, "abc/def=");
  EXPECT_EQ(c->uri, "sip:r");
  EXPECT_EQ(c->response, "abcdef01");
  EXPECT_EQ(c->qop, "auth");
  EXPECT_EQ(c->nc, 10u);
  EXPECT_EQ(c->cnonce, "c1");
  EXPECT_EQ(c->algorithm, Algorithm::sha256);

  auto ch = Challenge::parse("DIGEST realm=r,nonce=\"n\",qop=\"auth , Auth-Int\",stale=true,algorithm=\"MD5\"");
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->realm, "r");
  EXPECT_EQ(ch->qop, (std::vector<std::string>{"auth", "auth-int"}));
  EXPECT_TRUE(ch->stale);
  EXPECT_TRUE(ch->offers_qop_auth());
}

struct BadValue {
  const char* value;
  const char* reason;
};

void PrintTo(const BadValue& bad, std::ostream* os) { *os << bad.value; }

class MalformedCredentials : public ::testing::TestWithParam<BadValue> {};

TEST_P(MalformedCredentials, AreRejectedWithAReason) {
  std::string error;
  EXPECT_FALSE(Credentials::parse(GetParam().value, &error));
  EXPECT_THAT(error, HasSubstr(GetParam().reason));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedCredentials,
    ::testing::Values(
        BadValue{R"(Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==)", "not Digest"},
        BadValue{R"(Digest)", "white space"},
        BadValue{R"(Digest realm="r", username="a)", "unterminated"},
        BadValue{R"(Digest username="a", username="b", realm="r", nonce="n", uri="u", response="00")",
                 "duplicated parameter 'username'"},
        BadValue{R"(Digest username="a", realm="r", uri="u", response="00")", "missing nonce"},
        BadValue{R"(Digest username="a", realm="r", nonce="n", uri="u", response="00", qop=auth, nc=1, cnonce="c")",
                 "nc must be 8 hex digits"},
        BadValue{R"(Digest username="a", realm="r", nonce="n", uri="u", response="00", qop=auth, nc=00000001)",
                 "missing cnonce"},
        BadValue{R"(Digest username="a", realm="r", nonce="n", uri="u", response="00", algorithm=MD5-sess)",
                 "unsupported algorithm 'MD5-sess'"},
        BadValue{R"(Digest username="a", realm="r", nonce="n", uri="u", response="00", qop=auth-int, nc=00000001, cnonce="c")",
                 "unsupported qop"},
        BadValue{R"(Digest username="a", realm="r", nonce="n", uri="u", response="zz")", "not hex"},
        BadValue{R"(Digest username*=UTF-8''a, realm="r", nonce="n", uri="u", response="00")", "username*"},
        BadValue{R"(Digest username "a")", "expected '='"},
        BadValue{R"(Digest username="a" realm="r")", "expected ','"}));

TEST(DigestHeaders, MalformedChallengesAreRejected) {
  std::string error;
  EXPECT_FALSE(Challenge::parse(R"(Digest nonce="n")", &error));
  EXPECT_THAT(error, HasSubstr("missing realm"));
  EXPECT_FALSE(Challenge::parse(R"(Digest realm="r", nonce="n", stale=maybe)", &error));
  EXPECT_THAT(error, HasSubstr("stale must be true or false"));
  EXPECT_FALSE(Challenge::parse(R"(Digest realm="r", nonce="n", algorithm=SHA-1)", &error));
  EXPECT_THAT(error, HasSubstr("unsupported algorithm"));
}

}  // namespace
}  // namespace trunklab::auth
