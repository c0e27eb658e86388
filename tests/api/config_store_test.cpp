// The API's configuration survives closing and reopening its database, beside the bindings.
#include "reference/api/config_store.hpp"
#include "reference/registrar/store.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

namespace trunklab::api {
namespace {

std::string temp_db() {
  auto path = std::filesystem::temp_directory_path() /
              ("trunklab-config-store-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
  std::filesystem::remove(path);
  return path.string();
}

TEST(ConfigStore, KeepsTheLastDocumentAcrossReopening) {
  const auto path = temp_db();
  {
    ConfigStore store(path);
    EXPECT_FALSE(store.load().has_value());
    EXPECT_EQ(store.save(R"({"providers": []})"), 1);
    EXPECT_EQ(store.save(R"({"providers": [{"name": "p"}]})"), 2);
  }
  {
    ConfigStore store(path);
    auto stored = store.load();
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->document, R"({"providers": [{"name": "p"}]})");
    EXPECT_EQ(stored->revision, 2);
    store.clear();
  }
  EXPECT_FALSE(ConfigStore(path).load().has_value());
  std::filesystem::remove(path);
}

TEST(ConfigStore, SharesTheFileWithTheBindings) {
  const auto path = temp_db();
  auto bindings = registrar::open_sqlite_store(path);
  ConfigStore store(path);
  store.save("{}");
  EXPECT_EQ(bindings->size(), 0U);
  EXPECT_EQ(store.load()->document, "{}");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace trunklab::api
