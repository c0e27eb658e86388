#include "reference/observe/call_stats.hpp"

#include <fmt/format.h>

namespace trunklab::observe {

namespace {

double seconds(rt::Duration d) { return static_cast<double>(d.count()) / 1e6; }

std::string provider_label(std::string_view name, const config::Config& config) {
  if (name.empty()) return "none";
  return config.find_provider(name) ? std::string(name) : "other";
}

bool is_2xx(int status) { return status >= 200 && status < 300; }

// The provider a call is counted under: outbound, the one whose answer the caller got (else the
// last one tried; "none" when none was); inbound, the provider that sent it.
std::string call_provider(const trunk::CallRecord& r, const config::Config& config) {
  if (r.direction == "inbound") return provider_label(r.caller, config);
  if (r.direction != "outbound" || r.legs.empty()) return "none";
  for (const auto& leg : r.legs) {
    if (leg.won) return provider_label(leg.target, config);
  }
  return provider_label(r.legs.back().target, config);
}

}  // namespace

std::string status_label(int status) { return status >= 100 && status <= 699 ? std::to_string(status) : "none"; }

std::string direction_label(std::string_view direction) {
  return direction == "outbound" || direction == "inbound" ? std::string(direction) : "unknown";
}

template <class Map>
typename Map::mapped_type* CallStats::slot(Map& table, const typename Map::key_type& key, std::size_t series_per_entry) {
  auto it = table.find(key);
  if (it != table.end()) return &it->second;
  if (series_ + series_per_entry > max_series_) {
    ++dropped_;
    return nullptr;
  }
  series_ += series_per_entry;
  return &table.emplace(key, typename Map::mapped_type{}).first->second;
}

Histogram* CallStats::histogram(std::map<DirectionProvider, Histogram>& table, const DirectionProvider& key) {
  auto it = table.find(key);
  if (it != table.end()) return &it->second;
  const std::size_t lines = kDelayBuckets_s.size() + 3;  // the buckets, +Inf, _sum, _count
  if (series_ + lines > max_series_) {
    ++dropped_;
    return nullptr;
  }
  series_ += lines;
  return &table.emplace(key, Histogram(kDelayBuckets_s)).first->second;
}

void CallStats::add(const trunk::CallRecord& r, const config::Config& config) {
  ++records_;
  const auto direction = direction_label(r.direction);
  const auto provider = call_provider(r, config);
  if (auto* n = slot(calls_, {direction, provider, status_label(r.final_status)})) ++*n;
  auto seize = [&](const std::string& name, bool answered) {
    if (auto* s = slot(seizures_, {direction, name}, 3)) {  // seized, answered, the ratio
      ++s->seized;
      if (answered) ++s->answered;
    }
  };
  if (direction == "outbound") {
    for (const auto& leg : r.legs) {
      auto name = provider_label(leg.target, config);
      if (auto* n = slot(legs_, {name, status_label(leg.status)})) ++*n;
      seize(name, is_2xx(leg.status));
    }
  } else if (direction == "inbound") {
    seize(provider, is_2xx(r.final_status));
  }
  if (r.ringing) {
    if (auto* h = histogram(post_dial_delay_, {direction, provider})) h->observe(seconds(*r.ringing - r.start));
  }
  if (r.answer) {
    if (auto* h = histogram(setup_time_, {direction, provider})) h->observe(seconds(*r.answer - r.start));
  }
}

void CallStats::write(Exposition& out) const {
  out.family("trunklab_calls_total", "counter",
             "Calls and refused call attempts by direction, provider (outbound: the one whose answer the caller got, "
             "else the last tried, none if none was; inbound: the sender) and the final status the caller got");
  for (const auto& [key, n] : calls_) {
    const auto& [direction, provider, status] = key;
    out.sample("trunklab_calls_total", {{"direction", direction}, {"provider", provider}, {"status", status}},
               static_cast<double>(n));
  }
  out.family("trunklab_provider_legs_total", "counter",
             "Outbound attempts (legs) per provider tried, by the provider's final answer (408: none in time; none: "
             "cancelled before one)");
  for (const auto& [key, n] : legs_) {
    out.sample("trunklab_provider_legs_total", {{"provider", key.first}, {"status", key.second}}, static_cast<double>(n));
  }
  out.family("trunklab_provider_seizures_total", "counter",
             "Seizures: outbound, each INVITE sent to the provider; inbound, each INVITE the provider sent");
  for (const auto& [key, s] : seizures_) {
    out.sample("trunklab_provider_seizures_total", {{"direction", key.first}, {"provider", key.second}},
               static_cast<double>(s.seized));
  }
  out.family("trunklab_provider_answered_total", "counter", "Seizures answered with a 2xx");
  for (const auto& [key, s] : seizures_) {
    out.sample("trunklab_provider_answered_total", {{"direction", key.first}, {"provider", key.second}},
               static_cast<double>(s.answered));
  }
  out.family("trunklab_provider_asr", "gauge",
             "Answer-seizure ratio since start: trunklab_provider_answered_total / trunklab_provider_seizures_total "
             "(0 to 1)");
  for (const auto& [key, s] : seizures_) {
    out.sample("trunklab_provider_asr", {{"direction", key.first}, {"provider", key.second}},
               s.seized == 0 ? 0.0 : static_cast<double>(s.answered) / static_cast<double>(s.seized));
  }
  out.family("trunklab_post_dial_delay_seconds", "histogram",
             "Post-dial delay: the caller's INVITE at the trunk to the first 18x the caller got, by the call's provider");
  for (const auto& [key, h] : post_dial_delay_) {
    out.histogram("trunklab_post_dial_delay_seconds", {{"direction", key.first}, {"provider", key.second}}, h);
  }
  out.family("trunklab_setup_time_seconds", "histogram",
             "Setup time: the caller's INVITE at the trunk to the answer (2xx) the caller got, by the call's provider");
  for (const auto& [key, h] : setup_time_) {
    out.histogram("trunklab_setup_time_seconds", {{"direction", key.first}, {"provider", key.second}}, h);
  }
  out.family("trunklab_call_records_total", "counter", "Call detail records counted (calls ended and attempts refused)");
  out.sample("trunklab_call_records_total", {}, static_cast<double>(records_));
  out.family("trunklab_metrics_series_dropped_total", "counter",
             "Observations not counted because the call statistics reached their series limit");
  out.sample("trunklab_metrics_series_dropped_total", {}, static_cast<double>(dropped_));
}

}  // namespace trunklab::observe
