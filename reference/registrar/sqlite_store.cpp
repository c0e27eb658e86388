// SQLite binding store: the embedded default for `trunklab serve`. Each replace() is one
// transaction committed with synchronous=FULL before it returns (write-through), so what the
// registrar acknowledged is on disk. Reads go to SQLite too: the server's state is the file.
#include "reference/registrar/store.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <memory>

namespace trunklab::registrar {
namespace {

struct DbClose {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StmtFinalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Db = std::unique_ptr<sqlite3, DbClose>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS bindings (
  aor TEXT NOT NULL,
  contact TEXT NOT NULL,
  call_id TEXT NOT NULL,
  cseq INTEGER NOT NULL,
  expires_at_us INTEGER NOT NULL,
  source TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  PRIMARY KEY (aor, contact)
);
CREATE INDEX IF NOT EXISTS bindings_expiry ON bindings (expires_at_us);
)sql";

constexpr const char* kColumns = "aor, contact, call_id, cseq, expires_at_us, source, user_agent";

class SqliteStore final : public BindingStore {
public:
  explicit SqliteStore(const std::string& path) {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    db_.reset(raw);
    if (rc != SQLITE_OK) fail(fmt::format("cannot open binding database {}", path));
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    exec(kSchema);
    select_aor_ = prepare(fmt::format("SELECT {} FROM bindings WHERE aor = ? ORDER BY contact", kColumns));
    select_all_ = prepare(fmt::format("SELECT {} FROM bindings ORDER BY aor, contact", kColumns));
    delete_aor_ = prepare("DELETE FROM bindings WHERE aor = ?");
    insert_ = prepare(fmt::format("INSERT INTO bindings ({}) VALUES (?, ?, ?, ?, ?, ?, ?)", kColumns));
    purge_ = prepare("DELETE FROM bindings WHERE expires_at_us <= ?");
    count_ = prepare("SELECT COUNT(*) FROM bindings");
  }

  std::vector<Binding> lookup(std::string_view aor) const override {
    auto* s = select_aor_.get();
    sqlite3_reset(s);
    bind_text(s, 1, aor);
    return read_rows(s);
  }

  void replace(std::string_view aor, const std::vector<Binding>& bindings) override {
    exec("BEGIN IMMEDIATE");
    try {
      step_done(delete_aor_.get(), [&](sqlite3_stmt* s) { bind_text(s, 1, aor); });
      for (const auto& b : bindings) {
        step_done(insert_.get(), [&](sqlite3_stmt* s) { bind_binding(s, b); });
      }
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  std::size_t purge_expired(rt::Instant now) override {
    step_done(purge_.get(), [&](sqlite3_stmt* s) {
      sqlite3_bind_int64(s, 1, now.time_since_epoch().count());
    });
    return static_cast<std::size_t>(sqlite3_changes(db_.get()));
  }

  std::size_t size() const override {
    auto* s = count_.get();
    sqlite3_reset(s);
    if (sqlite3_step(s) != SQLITE_ROW) fail("cannot count bindings");
    return static_cast<std::size_t>(sqlite3_column_int64(s, 0));
  }

  std::vector<Binding> all() const override {
    auto* s = select_all_.get();
    sqlite3_reset(s);
    return read_rows(s);
  }

private:
  [[noreturn]] void fail(const std::string& what) const {
    throw StoreError(fmt::format("{}: {}", what, db_ ? sqlite3_errmsg(db_.get()) : "no database"));
  }

  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string message = err ? err : "unknown error";
      sqlite3_free(err);
      throw StoreError(fmt::format("binding database: {}", message));
    }
  }

  Stmt prepare(const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
      fail("cannot prepare statement");
    }
    return Stmt(raw);
  }

  static void bind_text(sqlite3_stmt* s, int index, std::string_view text) {
    sqlite3_bind_text(s, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }

  static void bind_binding(sqlite3_stmt* s, const Binding& b) {
    bind_text(s, 1, b.aor);
    bind_text(s, 2, b.contact_uri);
    bind_text(s, 3, b.call_id);
    sqlite3_bind_int64(s, 4, b.cseq);
    sqlite3_bind_int64(s, 5, b.expires_at.time_since_epoch().count());
    bind_text(s, 6, b.source.to_string());
    bind_text(s, 7, b.user_agent);
  }

  template <typename Bind>
  void step_done(sqlite3_stmt* s, Bind bind) {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    bind(s);
    if (sqlite3_step(s) != SQLITE_DONE) fail("cannot write binding");
  }

  static std::string column_text(sqlite3_stmt* s, int i) {
    auto* text = sqlite3_column_text(s, i);
    return text ? std::string(reinterpret_cast<const char*>(text)) : std::string();
  }

  std::vector<Binding> read_rows(sqlite3_stmt* s) const {
    std::vector<Binding> out;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      Binding b;
      b.aor = column_text(s, 0);
      b.contact_uri = column_text(s, 1);
      b.call_id = column_text(s, 2);
      b.cseq = static_cast<std::uint32_t>(sqlite3_column_int64(s, 3));
      b.expires_at = rt::Instant{rt::Duration{sqlite3_column_int64(s, 4)}};
      auto source = rt::Address::parse(column_text(s, 5));
      if (!source) fail("corrupt source address in binding database");
      b.source = *source;
      b.user_agent = column_text(s, 6);
      out.push_back(std::move(b));
    }
    if (rc != SQLITE_DONE) fail("cannot read bindings");
    return out;
  }

  Db db_;
  Stmt select_aor_, select_all_, delete_aor_, insert_, purge_, count_;
};

}  // namespace

std::unique_ptr<BindingStore> open_sqlite_store(const std::string& path) {
  return std::make_unique<SqliteStore>(path);
}

}  // namespace trunklab::registrar
