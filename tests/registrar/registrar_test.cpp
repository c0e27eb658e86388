// The reference registrar (RFC 3261 §10.3) driven message by message, in virtual time.
#include "reference/registrar/registrar.hpp"
#include "sim/kernel/world.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

using namespace trunklab;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

namespace {

config::Config make_config() {
  config::Config c;
  c.extensions = {{"office-1", "office1", "s3cret", "acme"}, {"office-1", "office1", "other-pass", "globex"}};
  c.registrar.min_expires_s = 60;
  c.registrar.max_expires_s = 3600;
  return c;
}

struct RegisterSpec {
  std::string user = "office1";
  std::string domain = "acme.registrar.example.test";
  std::string call_id = "reg-1@192.168.1.10";
  std::uint32_t cseq = 1;
  std::vector<std::string> contacts{"<sip:office1@192.168.1.10:5060>"};
  std::optional<std::uint32_t> expires = 3600;
  std::string authorization;
};

std::string register_text(const RegisterSpec& s) {
  std::string text = fmt::format(
      "REGISTER sip:{domain} SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK{cseq}x{cid};rport\r\n"
      "Max-Forwards: 70\r\n"
      "From: <sip:{user}@{domain}>;tag=f1\r\n"
      "To: <sip:{user}@{domain}>\r\n"
      "Call-ID: {cid}\r\n"
      "CSeq: {cseq} REGISTER\r\n",
      fmt::arg("domain", s.domain), fmt::arg("user", s.user), fmt::arg("cid", s.call_id),
      fmt::arg("cseq", s.cseq));
  for (const auto& c : s.contacts) text += "Contact: " + c + "\r\n";
  if (s.expires) text += fmt::format("Expires: {}\r\n", *s.expires);
  if (!s.authorization.empty()) text += "Authorization: " + s.authorization + "\r\n";
  text += "Content-Length: 0\r\n\r\n";
  return text;
}

sip::Message parse(const std::string& text) {
  auto result = sip::Message::parse(text);
  if (auto* e = std::get_if<sip::ParseError>(&result)) ADD_FAILURE() << e->detail << "\n" << text;
  return std::move(std::get<sip::Message>(result));
}

struct RegistrarTest : ::testing::Test {
  sim::World world{7};
  config::Config config = make_config();
  registrar::MemoryStore store;
  registrar::Registrar registrar{config, store, world.clock(), world.timers(), world.random_stream("registrar")};
  rt::SplitMix64 client_random{42};
  rt::Address nat_source = *rt::Address::parse("203.0.113.7:40001");

  sip::Message send(const RegisterSpec& spec, rt::Address source) {
    auto response = registrar.handle_register(parse(register_text(spec)), source);
    return parse(response.to_string());
  }

  // The full exchange a phone does: REGISTER, 401, REGISTER with credentials.
  sip::Message register_with_password(RegisterSpec spec, const std::string& password,
                                      std::optional<rt::Address> source = {}) {
    auto src = source.value_or(nat_source);
    auto challenge_response = send(spec, src);
    EXPECT_EQ(challenge_response.status(), 401);
    auto values = challenge_response.header_values("WWW-Authenticate");
    EXPECT_FALSE(values.empty());
    auto challenge = auth::Challenge::parse(values.front());
    EXPECT_TRUE(challenge);
    auto creds = auth::answer(*challenge, {spec.user, password}, "REGISTER", "sip:" + spec.domain, 1, client_random);
    spec.cseq += 1;
    spec.authorization = creds.to_header_value();
    return send(spec, src);
  }
};

}  // namespace

TEST_F(RegistrarTest, ChallengesThenAcceptsAndListsTheContactWithItsExpiry) {
  auto first = send(RegisterSpec{}, nat_source);
  EXPECT_EQ(first.status(), 401);
  EXPECT_THAT(std::string(first.header("WWW-Authenticate").value_or("")),
              HasSubstr("realm=\"acme.registrar.example.test\""));
  EXPECT_FALSE(first.to().tag().empty());
  auto ok = register_with_password(RegisterSpec{}, "s3cret");
  ASSERT_EQ(ok.status(), 200);
  ASSERT_EQ(ok.contacts().size(), 1u);
  EXPECT_EQ(ok.contacts()[0].expires(), 3600u);
  EXPECT_EQ(registrar.counters().accepted, 1u);
}

TEST_F(RegistrarTest, WrongPasswordAndUnknownUserGetTheSameAnswer) {
  auto wrong = register_with_password(RegisterSpec{}, "guess");
  RegisterSpec ghost;
  ghost.user = "nobody";
  auto unknown = register_with_password(ghost, "guess");
  EXPECT_EQ(wrong.status(), 403);
  EXPECT_EQ(unknown.status(), 403);
  EXPECT_EQ(wrong.reason(), unknown.reason());
  EXPECT_EQ(wrong.headers().size(), unknown.headers().size());
  EXPECT_TRUE(registrar.live_bindings().empty());
}

TEST_F(RegistrarTest, SameUsernameInTwoTenantDomainsIsTwoUsers) {
  RegisterSpec globex;
  globex.domain = "globex.registrar.example.test";
  EXPECT_EQ(register_with_password(globex, "s3cret").status(), 403);  // acme's password
  EXPECT_EQ(register_with_password(globex, "other-pass").status(), 200);
  EXPECT_EQ(registrar.live_contacts("globex", "office-1").size(), 1u);
  EXPECT_TRUE(registrar.live_contacts("acme", "office-1").empty());
}

TEST_F(RegistrarTest, ForeignDomainIsRefused) {
  RegisterSpec spec;
  spec.domain = "example.org";
  EXPECT_EQ(send(spec, nat_source).status(), 404);
}

TEST_F(RegistrarTest, SeveralContactsPerAddressOfRecord) {
  RegisterSpec spec;
  spec.contacts = {"<sip:office1@192.168.1.10:5060>;expires=600", "<sip:office1@192.168.1.11:5060>"};
  auto ok = register_with_password(spec, "s3cret");
  ASSERT_EQ(ok.status(), 200);
  ASSERT_EQ(ok.contacts().size(), 2u);
  EXPECT_EQ(ok.contacts()[0].expires(), 600u);
  EXPECT_EQ(ok.contacts()[1].expires(), 3600u);
  EXPECT_EQ(registrar.live_contacts("acme", "office-1").size(), 2u);
}

TEST_F(RegistrarTest, ExpiresAboveTheMaximumIsClampedAndBelowTheMinimumGets423) {
  RegisterSpec spec;
  spec.expires = 86400;
  auto ok = register_with_password(spec, "s3cret");
  EXPECT_EQ(ok.contacts().at(0).expires(), 3600u);
  spec.expires = 30;
  spec.call_id = "other";
  auto brief = register_with_password(spec, "s3cret");
  EXPECT_EQ(brief.status(), 423);
  EXPECT_EQ(brief.min_expires(), 60u);
}

TEST_F(RegistrarTest, BindingExpiresAtTheExactVirtualSecond) {
  RegisterSpec spec;
  spec.expires = 120;
  ASSERT_EQ(register_with_password(spec, "s3cret").status(), 200);
  const auto registered_at = world.now();
  world.run_until(registered_at + 119s + 999ms);
  EXPECT_EQ(registrar.live_contacts("acme", "office-1").size(), 1u);
  world.run_until(registered_at + 120s);
  EXPECT_TRUE(registrar.live_contacts("acme", "office-1").empty());
  EXPECT_EQ(store.size(), 0u);  // purged on time, not only hidden
  EXPECT_EQ(registrar.counters().expired, 1u);
}

TEST_F(RegistrarTest, RefreshExtendsTheBinding) {
  RegisterSpec spec;
  spec.expires = 120;
  ASSERT_EQ(register_with_password(spec, "s3cret").status(), 200);
  world.run_until(world.now() + 100s);
  spec.cseq = 10;
  ASSERT_EQ(register_with_password(spec, "s3cret").status(), 200);
  world.run_until(world.now() + 100s);  // 200 s after the first REGISTER
  auto live = registrar.live_contacts("acme", "office-1");
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].remaining_s(world.now()), 20u);
}

TEST_F(RegistrarTest, ExpiresZeroRemovesOneContactAndStarRemovesAll) {
  RegisterSpec spec;
  spec.contacts = {"<sip:office1@192.168.1.10:5060>", "<sip:office1@192.168.1.11:5060>"};
  ASSERT_EQ(register_with_password(spec, "s3cret").status(), 200);
  RegisterSpec one;
  one.cseq = 10;
  one.contacts = {"<sip:office1@192.168.1.10:5060>;expires=0"};
  auto after_one = register_with_password(one, "s3cret");
  ASSERT_EQ(after_one.status(), 200);
  EXPECT_EQ(after_one.contacts().size(), 1u);
  RegisterSpec all;
  all.cseq = 20;
  all.contacts = {"*"};
  all.expires = 0;
  auto after_all = register_with_password(all, "s3cret");
  ASSERT_EQ(after_all.status(), 200);
  EXPECT_TRUE(after_all.contacts().empty());
  EXPECT_TRUE(registrar.live_bindings().empty());
}

TEST_F(RegistrarTest, StarWithoutExpiresZeroIsABadRequest) {
  RegisterSpec all;
  all.contacts = {"*"};
  all.expires = 3600;
  auto bad = register_with_password(all, "s3cret");
  EXPECT_EQ(bad.status(), 400);
  EXPECT_THAT(bad.reason(), HasSubstr("Contact: *"));
}

TEST_F(RegistrarTest, AnOlderCSeqDoesNotOverwriteANewerOne) {
  RegisterSpec spec;
  spec.cseq = 10;
  ASSERT_EQ(register_with_password(spec, "s3cret").status(), 200);  // stored CSeq 11
  RegisterSpec old = spec;
  old.cseq = 3;
  old.expires = 0;  // would remove the binding if it were accepted
  auto refused = register_with_password(old, "s3cret");  // arrives with CSeq 4
  EXPECT_EQ(refused.status(), 400);
  EXPECT_EQ(registrar.live_contacts("acme", "office-1").size(), 1u);
}

TEST_F(RegistrarTest, StaleNonceIsRechallengedWithStaleTrue) {
  auto challenge_response = send(RegisterSpec{}, nat_source);
  auto challenge = auth::Challenge::parse(challenge_response.header_values("WWW-Authenticate").front());
  world.run_until(world.now() + config.auth.nonce_lifetime + 1s);
  RegisterSpec spec;
  spec.cseq = 2;
  spec.authorization = auth::answer(*challenge, {"office1", "s3cret"}, "REGISTER",
                                    "sip:acme.registrar.example.test", 1, client_random)
                           .to_header_value();
  auto stale = send(spec, nat_source);
  EXPECT_EQ(stale.status(), 401);
  EXPECT_THAT(std::string(stale.header("WWW-Authenticate").value_or("")), HasSubstr("stale=TRUE"));
}

TEST_F(RegistrarTest, BindingRemembersTheSourceAndMovesWhenTheNatRebinds) {
  ASSERT_EQ(register_with_password(RegisterSpec{}, "s3cret").status(), 200);
  auto before = registrar.live_contacts("acme", "office-1");
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].source.to_string(), "203.0.113.7:40001");
  EXPECT_EQ(before[0].contact_uri, "sip:office1@192.168.1.10:5060");  // private, unreachable
  RegisterSpec again;
  again.cseq = 10;
  ASSERT_EQ(register_with_password(again, "s3cret", *rt::Address::parse("203.0.113.7:40777")).status(), 200);
  auto after = registrar.live_contacts("acme", "office-1");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].source.to_string(), "203.0.113.7:40777");
}

TEST_F(RegistrarTest, ToOfAnotherUserIsForbiddenEvenWithValidCredentials) {
  config.extensions.push_back({"office-2", "office2", "pw2", "acme"});
  registrar::Registrar r2{config, store, world.clock(), world.timers(), world.random_stream("r2")};
  RegisterSpec spec;
  auto challenge_response = parse(r2.handle_register(parse(register_text(spec)), nat_source).to_string());
  auto challenge = auth::Challenge::parse(challenge_response.header_values("WWW-Authenticate").front());
  // office2's credentials on office1's AOR.
  auto text = register_text(spec);
  auto creds = auth::answer(*challenge, {"office2", "pw2"}, "REGISTER", "sip:acme.registrar.example.test", 1, client_random);
  spec.cseq = 2;
  spec.authorization = creds.to_header_value();
  auto response = parse(r2.handle_register(parse(register_text(spec)), nat_source).to_string());
  EXPECT_EQ(response.status(), 403);
}

TEST(RegistrarSqlite, BindingsSurviveARestartOfTheServer) {
  auto path = std::filesystem::temp_directory_path() / "trunklab-registrar-restart.db";
  std::filesystem::remove(path);
  auto config = make_config();
  sim::World world{1};
  rt::SplitMix64 client_random{3};
  auto do_register = [&](registrar::Registrar& r) {
    RegisterSpec spec;
    auto first = parse(r.handle_register(parse(register_text(spec)), *rt::Address::parse("203.0.113.7:40001")).to_string());
    auto challenge = auth::Challenge::parse(first.header_values("WWW-Authenticate").front());
    spec.cseq = 2;
    spec.authorization = auth::answer(*challenge, {"office1", "s3cret"}, "REGISTER",
                                      "sip:acme.registrar.example.test", 1, client_random).to_header_value();
    return parse(r.handle_register(parse(register_text(spec)), *rt::Address::parse("203.0.113.7:40001")).to_string());
  };
  {
    auto store = registrar::open_sqlite_store(path.string());
    registrar::Registrar r{config, *store, world.clock(), world.timers(), world.random_stream("a")};
    ASSERT_EQ(do_register(r).status(), 200);
  }
  world.run_until(world.now() + 600s);
  auto store = registrar::open_sqlite_store(path.string());
  registrar::Registrar restarted{config, *store, world.clock(), world.timers(), world.random_stream("b")};
  auto live = restarted.live_contacts("acme", "office-1");
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].remaining_s(world.now()), 3000u);
  EXPECT_EQ(live[0].source.to_string(), "203.0.113.7:40001");
}
