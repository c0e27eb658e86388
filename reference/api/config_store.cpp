#include "reference/api/config_store.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

namespace trunklab::api {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS configuration (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  document TEXT NOT NULL,
  revision INTEGER NOT NULL
);
)sql";

struct Statement {
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
      throw ConfigStoreError(fmt::format("cannot prepare \"{}\": {}", sql, sqlite3_errmsg(db)));
    }
  }
  ~Statement() { sqlite3_finalize(stmt); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* stmt = nullptr;
};

}  // namespace

ConfigStore::ConfigStore(const std::string& path) : path_(path) {
  const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw ConfigStoreError(fmt::format("cannot open {}: {}", path, why));
  }
  // The binding store has the same file open: wait for its transactions instead of failing.
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec(kSchema);
}

ConfigStore::~ConfigStore() { sqlite3_close(db_); }

void ConfigStore::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string why = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    throw ConfigStoreError(fmt::format("{}: {}", path_, why));
  }
}

std::optional<StoredConfig> ConfigStore::load() const {
  Statement s(db_, "SELECT document, revision FROM configuration WHERE id = 1");
  const int rc = sqlite3_step(s.stmt);
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW) throw ConfigStoreError(fmt::format("{}: {}", path_, sqlite3_errmsg(db_)));
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s.stmt, 0));
  return StoredConfig{text != nullptr ? text : "", sqlite3_column_int64(s.stmt, 1)};
}

std::int64_t ConfigStore::save(std::string_view document) {
  Statement s(db_,
              "INSERT INTO configuration (id, document, revision) VALUES (1, ?, 1) "
              "ON CONFLICT (id) DO UPDATE SET document = excluded.document, revision = revision + 1 "
              "RETURNING revision");
  sqlite3_bind_text(s.stmt, 1, document.data(), static_cast<int>(document.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(s.stmt) != SQLITE_ROW) throw ConfigStoreError(fmt::format("{}: {}", path_, sqlite3_errmsg(db_)));
  const auto revision = sqlite3_column_int64(s.stmt, 0);
  if (sqlite3_step(s.stmt) != SQLITE_DONE) throw ConfigStoreError(fmt::format("{}: {}", path_, sqlite3_errmsg(db_)));
  return revision;
}

void ConfigStore::clear() { exec("DELETE FROM configuration"); }

}  // namespace trunklab::api
