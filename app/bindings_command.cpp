// `trunklab bindings --db FILE`: what a running (or stopped) `trunklab serve` has stored, for
// an operator: every binding with its AOR, contact, expiry (absolute UTC and seconds left) and
// the address the REGISTER came from (where inbound calls go). Text table or --json.
#include "app/commands.hpp"

#include "reference/registrar/store.hpp"
#include "reference/sip/printable.hpp"
#include "reference/realtime/clock.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace trunklab::app {
namespace {

struct BindingsOptions {
  std::string db = "trunklab-bindings.db";
  bool json = false;
};

// Seconds until expiry, negative once expired (serve removes those at its next start or
// refresh; until then they are listed, marked expired, never hidden).
std::int64_t remaining_s(const registrar::Binding& binding, rt::Instant now) {
  return std::chrono::duration_cast<std::chrono::seconds>(binding.expires_at - now).count();
}

nlohmann::json to_json(const std::vector<registrar::Binding>& bindings, rt::Instant now) {
  auto rows = nlohmann::json::array();
  for (const auto& b : bindings) {
    rows.push_back({{"aor", b.aor},
                    {"contact", b.contact_uri},
                    {"expires_at", realtime::iso8601_utc(b.expires_at)},
                    {"expires_in_s", remaining_s(b, now)},
                    {"source", b.source.to_string()},
                    {"user_agent", b.user_agent},
                    {"call_id", b.call_id},
                    {"cseq", b.cseq}});
  }
  return {{"now", realtime::iso8601_utc(now)}, {"bindings", rows}};
}

void print_table(const std::vector<registrar::Binding>& bindings, rt::Instant now) {
  std::size_t aor_width = 3, contact_width = 7;
  for (const auto& b : bindings) {
    aor_width = std::max(aor_width, sip::printable(b.aor).size());
    contact_width = std::max(contact_width, sip::printable(b.contact_uri).size());
  }
  fmt::print("{:<{}}  {:<{}}  {:<24}  {:>10}  {}\n", "AOR", aor_width, "CONTACT", contact_width, "EXPIRES (UTC)",
             "IN (s)", "SOURCE");
  for (const auto& b : bindings) {
    const auto left = remaining_s(b, now);
    fmt::print("{:<{}}  {:<{}}  {:<24}  {:>10}  {}\n", sip::printable(b.aor), aor_width,
               sip::printable(b.contact_uri), contact_width,
               realtime::iso8601_utc(b.expires_at), left > 0 ? std::to_string(left) : "expired",
               b.source.to_string());
  }
  fmt::print("{} binding{} at {}\n", bindings.size(), bindings.size() == 1 ? "" : "s", realtime::iso8601_utc(now));
}

int list_bindings(const BindingsOptions& options) {
  // Opening would create an empty database: a mistyped path must say so instead.
  std::error_code error;
  if (!std::filesystem::is_regular_file(options.db, error)) {
    fmt::print(stderr, "trunklab bindings: {}: no such binding database (serve --db writes one)\n", options.db);
    return 2;
  }
  std::unique_ptr<registrar::BindingStore> store;
  try {
    store = registrar::open_sqlite_store(options.db);
  } catch (const registrar::StoreError& e) {
    fmt::print(stderr, "trunklab bindings: cannot open binding store {}: {}\n", options.db, e.what());
    return 2;
  }
  const auto now = realtime::SystemClock().now();
  const auto bindings = store->all();
  if (options.json) {
    // A User-Agent need not be valid UTF-8; dump() would throw on it, so replace bad bytes.
    fmt::print("{}\n", to_json(bindings, now).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    print_table(bindings, now);
  }
  return 0;
}

}  // namespace

void add_bindings_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<BindingsOptions>();
  auto* cmd = app.add_subcommand("bindings", "List the registrations `trunklab serve` stored (AOR, contact, "
                                             "expiry, source address)");
  cmd->add_option("--db", options->db, "SQLite binding database, as given to serve --db")->capture_default_str();
  cmd->add_flag("--json", options->json, "JSON instead of a table");
  cmd->callback([options, &exit_code] { exit_code = list_bindings(*options); });
}

}  // namespace trunklab::app
