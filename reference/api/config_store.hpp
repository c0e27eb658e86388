// Where the management API's configuration survives a restart: one row in a table of serve's
// SQLite database (the bindings' file, `--db`). Written whole on every accepted change, in one
// transaction with synchronous=FULL, so what the API answered 2xx for is on disk.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;

namespace trunklab::api {

class ConfigStoreError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct StoredConfig {
  std::string document;   // the configuration JSON
  std::int64_t revision;  // 1 for the first save, one more per save since
};

class ConfigStore {
public:
  // Opens (creating the table if needed) `path`; throws ConfigStoreError.
  explicit ConfigStore(const std::string& path);
  ~ConfigStore();
  ConfigStore(const ConfigStore&) = delete;
  ConfigStore& operator=(const ConfigStore&) = delete;

  std::optional<StoredConfig> load() const;
  std::int64_t save(std::string_view document);  // the new revision
  void clear();  // `serve --reset-config`

private:
  void exec(const char* sql);
  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace trunklab::api
