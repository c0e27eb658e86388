#include "reference/registrar/store.hpp"

#include <algorithm>

namespace trunklab::registrar {

std::uint32_t Binding::remaining_s(rt::Instant now) const {
  if (!live_at(now)) return 0;
  auto us = (expires_at - now).count();
  return static_cast<std::uint32_t>((us + 999'999) / 1'000'000);
}

std::vector<Binding> MemoryStore::lookup(std::string_view aor) const {
  auto it = by_aor_.find(aor);
  return it == by_aor_.end() ? std::vector<Binding>{} : it->second;
}

void MemoryStore::replace(std::string_view aor, const std::vector<Binding>& bindings) {
  auto it = by_aor_.find(aor);
  if (it != by_aor_.end()) {
    count_ -= it->second.size();
    by_aor_.erase(it);
  }
  if (bindings.empty()) return;
  auto sorted = bindings;
  std::sort(sorted.begin(), sorted.end(),
            [](const Binding& a, const Binding& b) { return a.contact_uri < b.contact_uri; });
  count_ += sorted.size();
  by_aor_.emplace(std::string(aor), std::move(sorted));
}

std::size_t MemoryStore::purge_expired(rt::Instant now) {
  std::size_t removed = 0;
  for (auto it = by_aor_.begin(); it != by_aor_.end();) {
    auto& list = it->second;
    auto before = list.size();
    std::erase_if(list, [now](const Binding& b) { return !b.live_at(now); });
    removed += before - list.size();
    it = list.empty() ? by_aor_.erase(it) : std::next(it);
  }
  count_ -= removed;
  return removed;
}

std::vector<Binding> MemoryStore::all() const {
  std::vector<Binding> out;
  out.reserve(count_);
  for (const auto& [aor, list] : by_aor_) out.insert(out.end(), list.begin(), list.end());
  return out;
}

}  // namespace trunklab::registrar
