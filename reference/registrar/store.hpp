// Where bindings live. An abstract interface (reSIProcate's habit) with an in-memory
// implementation for the simulator and a SQLite one for `trunklab serve`.
// Updates are per address-of-record and atomic: one REGISTER's changes land whole or not at
// all, so a failure never leaves a half-written binding.
#pragma once

#include "reference/registrar/binding.hpp"

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace trunklab::registrar {

class StoreError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class BindingStore {
public:
  virtual ~BindingStore() = default;
  // Every binding of one AOR (expired ones too: the caller filters by time), ordered by contact.
  virtual std::vector<Binding> lookup(std::string_view aor) const = 0;
  // Replaces the AOR's bindings with `bindings` (empty = remove the AOR), atomically.
  // Throws StoreError when the change could not be made durable; nothing changed then.
  virtual void replace(std::string_view aor, const std::vector<Binding>& bindings) = 0;
  // Removes every binding that expired at or before `now`; returns how many.
  virtual std::size_t purge_expired(rt::Instant now) = 0;
  virtual std::size_t size() const = 0;  // bindings, all AORs
  virtual std::vector<Binding> all() const = 0;  // ordered by (aor, contact)
};

class MemoryStore final : public BindingStore {
public:
  std::vector<Binding> lookup(std::string_view aor) const override;
  void replace(std::string_view aor, const std::vector<Binding>& bindings) override;
  std::size_t purge_expired(rt::Instant now) override;
  std::size_t size() const override { return count_; }
  std::vector<Binding> all() const override;

private:
  // Ordered maps: iteration order reaches output (200 OK contact lists, dumps).
  std::map<std::string, std::vector<Binding>, std::less<>> by_aor_;
  std::size_t count_ = 0;
};

// SQLite, written through: replace() commits (synchronous=FULL) before it returns, so a
// binding acknowledged with 200 OK survives a crash or restart.
std::unique_ptr<BindingStore> open_sqlite_store(const std::string& path);

}  // namespace trunklab::registrar
