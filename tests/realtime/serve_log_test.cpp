// `trunklab serve` for an operator: every log line starts with an ISO 8601 UTC timestamp from
// the real clock; a transaction's line names the AOR (REGISTER) or the calling user and the
// reason the answer gives; at start serve says how many bindings it loaded from its database;
// `trunklab bindings --db` lists what a real REGISTER stored (AOR, contact, expiry, source).
#include "tests/realtime/child_process.hpp"
#include "tests/realtime/udp_peer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace trunklab::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr auto kBound = 15s;  // generous: only a hung process reaches it
const std::string kTs = R"((\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.\d{3}Z)";

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "trunklab-serve-log-" + std::to_string(::getpid()) + "-" + name;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The first line matching `pattern` (whole line), or "" when none does.
std::string find_line(const std::string& text, const std::string& pattern) {
  const std::regex re(pattern);
  for (const auto& line : lines_of(text)) {
    if (std::regex_match(line, re)) return line;
  }
  return {};
}

// Seconds between a log line's timestamp and now (UTC): the stamp is the real clock.
long seconds_from_now(const std::string& line) {
  std::smatch m;
  if (!std::regex_search(line, m, std::regex("^" + kTs))) return 1'000'000;
  std::tm utc{};
  utc.tm_year = std::stoi(m[1]) - 1900;
  utc.tm_mon = std::stoi(m[2]) - 1;
  utc.tm_mday = std::stoi(m[3]);
  utc.tm_hour = std::stoi(m[4]);
  utc.tm_min = std::stoi(m[5]);
  utc.tm_sec = std::stoi(m[6]);
  return std::labs(static_cast<long>(::timegm(&utc) - std::time(nullptr)));
}

class ServeLog : public ::testing::Test {
protected:
  void SetUp() override {
    config_ = temp_path("config.json");
    db_ = temp_path("bindings.db");
    ChildProcess print({TRUNKLAB_BINARY, "load", "--print-config", "--users", "1"});
    ASSERT_EQ(print.wait(kBound), 0) << print.output();
    std::ofstream(config_) << print.output();
  }
  void TearDown() override {
    for (const auto& path : {config_, db_, db_ + "-wal", db_ + "-shm"}) std::remove(path.c_str());
  }

  std::unique_ptr<ChildProcess> start_serve() {
    auto serve = std::make_unique<ChildProcess>(std::vector<std::string>{
        TRUNKLAB_BINARY, "serve", "--config", config_, "--listen", "udp:127.0.0.1:0", "--db", db_});
    EXPECT_TRUE(serve->wait_for_output(" expired removed\n", kBound)) << serve->output();
    std::smatch m;
    const std::string out = serve->output();
    EXPECT_TRUE(std::regex_search(out, m, std::regex(R"(listening on udp:127\.0\.0\.1:(\d+))"))) << out;
    port_ = m.size() > 1 ? m[1].str() : "0";
    return serve;
  }

  int load(const std::vector<std::string>& extra) {
    std::vector<std::string> argv{TRUNKLAB_BINARY, "load", "--target", "udp:127.0.0.1:" + port_, "--users", "1",
                                  "--rate", "1", "--duration", "1s"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ChildProcess load(argv);
    return load.wait(kBound).value_or(-1);
  }

  std::string config_, db_, port_;
};

TEST_F(ServeLog, EveryLineIsTimestampedAndNamesWhoAndWhy) {
  auto serve = start_serve();
  const std::string aor = R"(load1@default\.registrar\.example\.test)";
  const std::string from_load = R"(REGISTER sip:default\.registrar\.example\.test from 127\.0\.0\.1:\d+ aor )" + aor;
  ASSERT_EQ(load({}), 0);
  ASSERT_TRUE(serve->wait_for_output("-> 200 OK\n", kBound)) << serve->output();
  ASSERT_EQ(load({"--password", "not-the-password", "--max-failure-ratio", "1"}), 0);
  ASSERT_TRUE(serve->wait_for_output("-> 403 ", kBound)) << serve->output();

  // An INVITE to a domain that is no trunk's: the log's reason is the one on the wire.
  UdpPeer phone;
  const std::string invite =
      "INVITE sip:+4930123456@nowhere.example.test SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 127.0.0.1:" + std::to_string(phone.port()) + ";branch=z9hG4bKlogtest1;rport\r\n"
      "Max-Forwards: 70\r\n"
      "From: <sip:load1@default.registrar.example.test>;tag=lt1\r\n"
      "To: <sip:+4930123456@nowhere.example.test>\r\n"
      "Call-ID: log-test-1@127.0.0.1\r\n"
      "CSeq: 1 INVITE\r\n"
      "Contact: <sip:load1@127.0.0.1:" + std::to_string(phone.port()) + ">\r\n"
      "Content-Length: 0\r\n\r\n";
  ASSERT_TRUE(phone.send(static_cast<std::uint16_t>(std::stoi(port_)), invite));
  std::string status_line;
  for (int i = 0; i < 3 && status_line.empty(); ++i) {  // a 100 Trying may come first
    auto response = phone.receive(5s);
    ASSERT_TRUE(response) << serve->output();
    if (response->starts_with("SIP/2.0 404 ")) status_line = response->substr(8, response->find("\r\n") - 8);
  }
  ASSERT_FALSE(status_line.empty()) << serve->output();
  ASSERT_TRUE(serve->wait_for_output("-> " + status_line + "\n", kBound)) << serve->output();
  serve->signal(SIGTERM);
  ASSERT_EQ(serve->wait(kBound), 0) << serve->output();
  const std::string out = serve->output();

  for (const auto& line : lines_of(out)) {
    EXPECT_TRUE(std::regex_search(line, std::regex("^" + kTs + " "))) << line;
    EXPECT_LE(seconds_from_now(line), 60) << "not the real UTC clock: " << line;
  }
  EXPECT_NE(find_line(out, kTs + R"( trunklab serve: 0 bindings loaded from .*bindings\.db, 0 expired removed)"), "")
      << out;
  EXPECT_NE(find_line(out, kTs + " " + from_load + " -> 401 Unauthorized"), "") << out;
  EXPECT_NE(find_line(out, kTs + " " + from_load + " -> 200 OK"), "") << out;
  // A wrong password: 403 and the registrar's reason phrase, whatever its words.
  EXPECT_NE(find_line(out, kTs + " " + from_load + R"( -> 403 \S.*)"), "") << out;
  EXPECT_NE(find_line(out, kTs + R"( INVITE sip:\+4930123456@nowhere\.example\.test from 127\.0\.0\.1:)" +
                               std::to_string(phone.port()) + " user " + aor + " -> " +
                               std::regex_replace(status_line, std::regex(R"([()+.])"), R"(\$&)")),
            "")
      << out;
  EXPECT_NE(find_line(out, kTs + " trunklab serve: stopped; REGISTER 4 .*"), "") << out;
}

TEST_F(ServeLog, BindingsCommandListsARealRegistrationAndServeReloadsIt) {
  auto serve = start_serve();
  ASSERT_EQ(load({"--expires", "600"}), 0);
  ASSERT_TRUE(serve->wait_for_output("-> 200 OK\n", kBound)) << serve->output();
  const std::string source = find_line(serve->output(), ".* -> 200 OK");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(source, m, std::regex(R"(from (127\.0\.0\.1:\d+))")));
  const std::string source_address = m[1];

  ChildProcess json({TRUNKLAB_BINARY, "bindings", "--db", db_, "--json"});
  ASSERT_EQ(json.wait(kBound), 0) << json.output();
  const auto listed = nlohmann::json::parse(json.output());
  ASSERT_EQ(listed["bindings"].size(), 1u) << json.output();
  const auto& b = listed["bindings"][0];
  EXPECT_EQ(b["aor"], "load1@default.registrar.example.test");
  EXPECT_EQ(b["contact"], "sip:load1@" + source_address);
  EXPECT_EQ(b["source"], source_address);
  EXPECT_GE(b["expires_in_s"].get<int>(), 590);
  EXPECT_LE(b["expires_in_s"].get<int>(), 600);
  EXPECT_TRUE(std::regex_match(b["expires_at"].get<std::string>(), std::regex(kTs))) << b;

  ChildProcess table({TRUNKLAB_BINARY, "bindings", "--db", db_});
  ASSERT_EQ(table.wait(kBound), 0) << table.output();
  EXPECT_NE(find_line(table.output(), R"(AOR +CONTACT +EXPIRES \(UTC\) +IN \(s\) +SOURCE)"), "") << table.output();
  EXPECT_NE(find_line(table.output(), R"(load1@default\.registrar\.example\.test +sip:load1@)" + source_address +
                                          " +" + kTs + R"( +(59\d|600) +)" + source_address),
            "")
      << table.output();
  EXPECT_NE(find_line(table.output(), "1 binding at " + kTs), "") << table.output();

  serve->signal(SIGTERM);
  ASSERT_EQ(serve->wait(kBound), 0);
  auto again = start_serve();
  EXPECT_NE(find_line(again->output(), kTs + R"( trunklab serve: 1 binding loaded from .*, 0 expired removed)"), "")
      << again->output();
  again->signal(SIGTERM);
  EXPECT_EQ(again->wait(kBound), 0);
}

// RFC 3261 §21.5.14 on a real socket: a REGISTER near the UDP limit (a 65 kB From) arrives,
// but its 401 (From copied, challenges added) would not fit in a datagram: serve answers a
// short 513 that says why, and logs it, instead of an EMSGSIZE nobody sees.
TEST_F(ServeLog, RegisterWhose401WouldExceedADatagramIsAnswered513AndLogged) {
  auto serve = start_serve();
  UdpPeer phone;
  const std::string port = std::to_string(phone.port());
  auto register_with_pad = [&](std::size_t pad) {
    return "REGISTER sip:default.registrar.example.test SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=z9hG4bKbigreg1;rport\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:load1@default.registrar.example.test>;tag=big1;pad=" + std::string(pad, 'p') + "\r\n"
           "To: <sip:load1@default.registrar.example.test>\r\n"
           "Call-ID: big-register-1@127.0.0.1\r\n"
           "CSeq: 1 REGISTER\r\n"
           "Contact: <sip:load1@127.0.0.1:" + port + ">\r\n"
           "Expires: 600\r\n"
           "Content-Length: 0\r\n\r\n";
  };
  const std::size_t fixed = register_with_pad(0).size();
  const std::string request = register_with_pad(65'450 - fixed);  // fits: 65450 <= 65507
  ASSERT_EQ(request.size(), 65'450u);
  ASSERT_TRUE(phone.send(static_cast<std::uint16_t>(std::stoi(port_)), request));

  auto response = phone.receive(5s);
  ASSERT_TRUE(response) << "no answer at all\n" << serve->output();
  EXPECT_LE(response->size(), 65'507u);
  const std::string status_line = response->substr(0, response->find("\r\n"));
  std::smatch m;
  ASSERT_TRUE(std::regex_match(status_line, m,
                               std::regex(R"(SIP/2\.0 513 Message Too Large \(the 401 response would be (\d+) bytes, )"
                                          R"(over the 65507-byte limit\))")))
      << status_line;
  EXPECT_GT(std::stoul(m[1]), 65'507u);
  EXPECT_THAT(*response, HasSubstr("Call-ID: big-register-1@127.0.0.1\r\n"));
  EXPECT_THAT(*response, HasSubstr("branch=z9hG4bKbigreg1;received=127.0.0.1;rport=" + port));
  EXPECT_THAT(*response, ::testing::Not(HasSubstr("WWW-Authenticate")));

  ASSERT_TRUE(serve->wait_for_output("-> 513 ", kBound)) << serve->output();
  serve->signal(SIGTERM);
  ASSERT_EQ(serve->wait(kBound), 0);
  const std::string out = serve->output();
  EXPECT_NE(find_line(out, kTs + R"( REGISTER sip:default\.registrar\.example\.test from 127\.0\.0\.1:)" + port +
                               R"( aor load1@default\.registrar\.example\.test -> )" +
                               std::regex_replace(status_line.substr(8), std::regex(R"([()+.])"), R"(\$&)")),
            "")
      << out;
  EXPECT_NE(find_line(out, kTs + " trunklab serve: stopped; .* too large for the transport: 1 answered 513, 0 requests "
                                 "failed, 0 not sent; datagrams in 1 out 1 \\(send errors 0\\).*"),
            "")
      << out;
}

TEST(BindingsCommand, AMissingDatabaseIsAnErrorNotAnEmptyList) {
  const std::string path = ::testing::TempDir() + "trunklab-no-such-" + std::to_string(::getpid()) + ".db";
  ChildProcess bindings({TRUNKLAB_BINARY, "bindings", "--db", path});
  EXPECT_EQ(bindings.wait(kBound), 2);
  EXPECT_THAT(bindings.output(), HasSubstr(path + ": no such binding database"));
  EXPECT_NE(::access(path.c_str(), F_OK), 0) << "the listing created the file";
}

}  // namespace
}  // namespace trunklab::testing
