#include "reference/registrar/store.hpp"

#include <gtest/gtest.h>

#include <filesystem>

using namespace trunklab;
using namespace trunklab::registrar;
using namespace std::chrono_literals;

namespace {

rt::Instant at_s(std::int64_t s) { return rt::Instant{std::chrono::seconds(s)}; }

Binding make_binding(std::string aor, std::string contact, std::int64_t expires_s, std::uint16_t port) {
  Binding b;
  b.aor = std::move(aor);
  b.contact_uri = std::move(contact);
  b.call_id = "cid-1@phone";
  b.cseq = 7;
  b.expires_at = at_s(expires_s);
  b.source = *rt::Address::parse("203.0.113.5:" + std::to_string(port));
  b.user_agent = "test-phone/1.0";
  return b;
}

std::filesystem::path temp_db(const char* name) {
  auto path = std::filesystem::temp_directory_path() / name;
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
  return path;
}

void exercise_store(BindingStore& store) {
  store.replace("a@x", {make_binding("a@x", "sip:a@10.0.0.2", 100, 4000),
                        make_binding("a@x", "sip:a@10.0.0.1", 50, 4001)});
  store.replace("b@x", {make_binding("b@x", "sip:b@10.0.0.3", 200, 4002)});
  auto a = store.lookup("a@x");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].contact_uri, "sip:a@10.0.0.1");  // ordered by contact
  EXPECT_EQ(a[1].source.to_string(), "203.0.113.5:4000");
  EXPECT_EQ(store.size(), 3u);

  EXPECT_EQ(store.purge_expired(at_s(50)), 1u);  // expiry at exactly 50 s leaves at 50 s
  EXPECT_EQ(store.lookup("a@x").size(), 1u);
  store.replace("a@x", {});
  EXPECT_TRUE(store.lookup("a@x").empty());
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.all().size(), 1u);
}

}  // namespace

TEST(MemoryStore, ReplacesLooksUpAndPurges) {
  MemoryStore store;
  exercise_store(store);
}

TEST(SqliteStore, ReplacesLooksUpAndPurges) {
  auto path = temp_db("trunklab-store-basic.db");
  auto store = open_sqlite_store(path.string());
  exercise_store(*store);
}

TEST(SqliteStore, BindingsSurviveARestartWithTheirExpiries) {
  auto path = temp_db("trunklab-store-restart.db");
  auto written = make_binding("office1@acme.registrar.example.test", "sip:office1@192.168.1.10:5060",
                              3600, 40123);
  {
    auto store = open_sqlite_store(path.string());
    store->replace(written.aor, {written});
  }  // the server stops
  auto reopened = open_sqlite_store(path.string());
  auto read = reopened->lookup(written.aor);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0], written);
  EXPECT_EQ(read[0].remaining_s(at_s(3000)), 600u);
}

TEST(SqliteStore, RefusesAnUnopenableFileWithAClearError) {
  try {
    open_sqlite_store("/nonexistent-dir/for/sure/bindings.db");
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open binding database"), std::string::npos);
  }
}

TEST(Binding, RemainingSecondsRoundUp) {
  auto b = make_binding("a@x", "sip:a@h", 0, 1);
  b.expires_at = rt::Instant{1500ms};
  EXPECT_EQ(b.remaining_s(rt::Instant{0ms}), 2u);
  EXPECT_EQ(b.remaining_s(rt::Instant{1500ms}), 0u);
}
