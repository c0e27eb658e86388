// Call statistics for the metrics, folded from the trunk's call detail records as calls end:
// calls by direction, provider and final status; each provider's attempts (legs) by answer;
// seizures and answered seizures per provider, from which the answer-seizure ratio follows;
// post-dial delay and setup time histograms per provider.
//
// Label values are bounded: a provider is a configured provider's name (anything else counts
// as "other"), a status a SIP status (100-699, else "none"), a direction "outbound", "inbound"
// or "unknown". On top of that the number of series is capped; what a full table could not
// count is counted in dropped().
#pragma once

#include "reference/config/config.hpp"
#include "reference/observe/exposition.hpp"
#include "reference/trunk/call_record.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

namespace trunklab::observe {

// Seconds: from a quick provider's tens of milliseconds to a callee who lets it ring.
inline constexpr std::array<double, 12> kDelayBuckets_s{0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60};

class CallStats {
public:
  static constexpr std::size_t kDefaultMaxSeries = 4096;
  explicit CallStats(std::size_t max_series = kDefaultMaxSeries) : max_series_(max_series) {}

  // One record; `config` is the configuration in force (the providers labels may name).
  void add(const trunk::CallRecord& record, const config::Config& config);
  // The families, HELP and TYPE included, in a fixed order with samples sorted by labels.
  void write(Exposition& out) const;

  std::uint64_t records() const { return records_; }
  std::uint64_t dropped() const { return dropped_; }
  std::size_t series() const { return series_; }

private:
  struct Seizures {
    std::uint64_t seized = 0;
    std::uint64_t answered = 0;
  };
  using DirectionProvider = std::pair<std::string, std::string>;
  // A slot in `table` for `key`, or null when it is new and the series cap is reached.
  template <class Map>
  typename Map::mapped_type* slot(Map& table, const typename Map::key_type& key, std::size_t series_per_entry = 1);
  Histogram* histogram(std::map<DirectionProvider, Histogram>& table, const DirectionProvider& key);

  std::size_t max_series_;
  std::size_t series_ = 0;
  std::uint64_t records_ = 0;
  std::uint64_t dropped_ = 0;
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> calls_;  // direction, provider, status
  std::map<std::pair<std::string, std::string>, std::uint64_t> legs_;                  // provider, status
  std::map<DirectionProvider, Seizures> seizures_;
  std::map<DirectionProvider, Histogram> post_dial_delay_;
  std::map<DirectionProvider, Histogram> setup_time_;
};

// Label helpers, shared with the element's metrics.
std::string status_label(int status);
std::string direction_label(std::string_view direction);

}  // namespace trunklab::observe
