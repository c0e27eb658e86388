// `trunklab serve` as a user runs it: a bad configuration is refused at start with the file,
// the JSON path and the reason (exit 2); the printed example loads back with --config and
// serves; SIGTERM shuts it down cleanly with a summary.
#include "tests/realtime/child_process.hpp"

#include "reference/api/config_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace trunklab::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr auto kBound = 10s;  // generous: only a hung process reaches it

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "trunklab-serve-" + std::to_string(::getpid()) + "-" + name;
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(ServeCommand, RefusesABadConfigNamingFilePathAndReason) {
  const auto path = temp_path("bad.json");
  write_file(path, R"({"extensions": [{"name": "alice", "password": 42}]})");
  ChildProcess serve({TRUNKLAB_BINARY, "serve", "--config", path, "--listen",
                      "udp:127.0.0.1:0", "--db", ":memory:"});
  ASSERT_TRUE(serve.started());
  EXPECT_EQ(serve.wait(kBound), 2);
  EXPECT_THAT(serve.output(), HasSubstr(path));
  EXPECT_THAT(serve.output(), HasSubstr("$.extensions[0].password"));
  EXPECT_THAT(serve.output(), HasSubstr("expected"));
  std::remove(path.c_str());
}

TEST(ServeCommand, RefusesAnUnusableListenAddress) {
  ChildProcess serve({TRUNKLAB_BINARY, "serve", "--listen", "udp:not-an-ip", "--db", ":memory:"});
  ASSERT_TRUE(serve.started());
  EXPECT_EQ(serve.wait(kBound), 2);
  EXPECT_THAT(serve.output(), HasSubstr("udp:not-an-ip"));
}

// The real-time options of `trunklab run` are checked before anything starts: exit 2 and why.
TEST(RunCommand, RealTimeOptionsWithoutATargetOrWithABadOneAreRefused) {
  ChildProcess no_target({TRUNKLAB_BINARY, "run", "--capture-iface", "lo"});
  EXPECT_EQ(no_target.wait(kBound), 2);
  EXPECT_THAT(no_target.output(), HasSubstr("--capture-iface and --print-target-config need --target"));
  ChildProcess api_alone({TRUNKLAB_BINARY, "run", "--target-api", "http://127.0.0.1:8080"});
  EXPECT_EQ(api_alone.wait(kBound), 2);
  EXPECT_THAT(api_alone.output(), HasSubstr("--target-api, --capture-iface and --print-target-config need --target"));
  ChildProcess bad_api({TRUNKLAB_BINARY, "run", "--target", "udp:127.0.0.1:5060", "--target-api", "https://x/"});
  EXPECT_EQ(bad_api.wait(kBound), 2);
  EXPECT_THAT(bad_api.output(), HasSubstr("--target-api https://x/: expected http://IP:PORT"));
  ChildProcess bad_target({TRUNKLAB_BINARY, "run", "--target", "udp:nowhere"});
  EXPECT_EQ(bad_target.wait(kBound), 2);
  EXPECT_THAT(bad_target.output(), HasSubstr("--target udp:nowhere: expected udp:IP:PORT"));
  ChildProcess tls({TRUNKLAB_BINARY, "serve", "--listen", "tls:127.0.0.1:5061"});
  EXPECT_EQ(tls.wait(kBound), 2);
  EXPECT_THAT(tls.output(), HasSubstr("--listen tls:127.0.0.1:5061 needs --cert FILE and --key FILE"));
  ChildProcess load_tls({TRUNKLAB_BINARY, "load", "--target", "tls:127.0.0.1:5061"});
  EXPECT_EQ(load_tls.wait(kBound), 2);
  EXPECT_THAT(load_tls.output(), HasSubstr("--target tls:127.0.0.1:5061: the load driver sends over UDP only"));
}

TEST(ServeCommand, PrintedExampleLoadsBackAndServesUntilSigterm) {
  ChildProcess print({TRUNKLAB_BINARY, "serve", "--print-config"});
  ASSERT_EQ(print.wait(kBound), 0);
  const auto path = temp_path("example.json");
  write_file(path, print.output());
  const auto db = temp_path("bindings.db");
  ChildProcess serve({TRUNKLAB_BINARY, "serve", "--config", path, "--listen", "udp:127.0.0.1:0",
                      "--db", db});
  ASSERT_TRUE(serve.wait_for_output("listening on udp:127.0.0.1:", kBound)) << serve.output();
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(kBound), 0);
  EXPECT_THAT(serve.output(), HasSubstr("trunklab serve: stopped"));
  std::remove(path.c_str());
  std::remove(db.c_str());
}

}  // namespace
}  // namespace trunklab::testing

namespace trunklab::testing {
namespace {

// `--api` is refused at start without its token, with an address it cannot use, and a stored
// configuration that no longer reads is refused naming the database (--reset-config drops it).
TEST(ServeCommand, ManagementApiRefusalsAtStart) {
  ChildProcess no_token({TRUNKLAB_BINARY, "serve", "--listen", "udp:127.0.0.1:0", "--db", ":memory:", "--api", "0"});
  EXPECT_EQ(no_token.wait(kBound), 2);
  EXPECT_THAT(no_token.output(), HasSubstr("--api needs --api-token"));
  ChildProcess bad({TRUNKLAB_BINARY, "serve", "--listen", "udp:127.0.0.1:0", "--db", ":memory:", "--api",
                    "127.0.0.1:99999", "--api-token", "t"});
  EXPECT_EQ(bad.wait(kBound), 2);
  EXPECT_THAT(bad.output(), HasSubstr("--api 127.0.0.1:99999: expected PORT or IP:PORT"));
  ChildProcess stray({TRUNKLAB_BINARY, "serve", "--listen", "udp:127.0.0.1:0", "--db", ":memory:", "--api-token", "t"});
  EXPECT_EQ(stray.wait(kBound), 2);
  EXPECT_THAT(stray.output(), HasSubstr("--api-token without --api"));
}

TEST(ServeCommand, AStoredConfigurationThatDoesNotReadIsRefusedUntilReset) {
  const auto db = temp_path("stored.db");
  api::ConfigStore(db).save(R"({"providers": [{"name": 5}]})");
  ChildProcess refused({TRUNKLAB_BINARY, "serve", "--listen", "udp:127.0.0.1:0", "--db", db});
  EXPECT_EQ(refused.wait(kBound), 2);
  EXPECT_THAT(refused.output(), HasSubstr("refusing the stored configuration"));
  EXPECT_THAT(refused.output(), HasSubstr("$.providers[0].name"));
  EXPECT_THAT(refused.output(), HasSubstr("--reset-config"));
  ChildProcess reset({TRUNKLAB_BINARY, "serve", "--listen", "udp:127.0.0.1:0", "--db", db, "--reset-config"});
  ASSERT_TRUE(reset.wait_for_output("listening on udp:127.0.0.1:", kBound)) << reset.output();
  reset.signal(SIGTERM);
  EXPECT_EQ(reset.wait(kBound), 0);
  EXPECT_FALSE(api::ConfigStore(db).load().has_value());
  std::remove(db.c_str());
}

}  // namespace
}  // namespace trunklab::testing
