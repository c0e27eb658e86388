#include "reference/trunk/probing.hpp"

#include "reference/dialog/request.hpp"

#include <fmt/format.h>

namespace trunklab::trunk {

std::string trunk_address_key(const std::string& trunk, const rt::Address& address) {
  return fmt::format("trunk:{}/{}", trunk, address.to_string());
}

std::vector<ProbeTarget> probe_targets(const config::Config& config) {
  std::vector<ProbeTarget> out;
  for (const auto& p : config.providers) {
    if (p.options_interval && p.address) out.push_back({p.name, p.hostname, *p.address, *p.options_interval});
  }
  for (const auto& t : config.trunks) {
    if (!t.options_interval) continue;
    for (const auto& a : t.addresses) {
      out.push_back({trunk_address_key(t.name, a.address), a.address.to_string(), a.address, *t.options_interval});
    }
  }
  return out;
}

ProviderProbes::~ProviderProbes() {
  for (auto& [name, id] : next_probe_) timers_.cancel_timer(id);
}

void ProviderProbes::start() {
  started_ = true;
  for (const auto& target : probe_targets(*config_)) probe(target.key);
}

void ProviderProbes::set_config(const config::Config& config) {
  config_ = &config;
  if (!started_) return;
  std::set<std::string> wanted;
  for (const auto& target : probe_targets(config)) {
    wanted.insert(target.key);
    if (!next_probe_.count(target.key)) probe(target.key);
  }
  for (auto it = next_probe_.begin(); it != next_probe_.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    timers_.cancel_timer(it->second);
    routes_.mark_up(it->first);  // not probed any more: not held down by an old answer either
    it = next_probe_.erase(it);
  }
}

void ProviderProbes::probe(const std::string& key) {
  std::optional<ProbeTarget> target;
  for (auto& t : probe_targets(*config_)) {
    if (t.key == key) target = std::move(t);
  }
  if (!target) {
    next_probe_.erase(key);
    return;
  }
  auto from_tag = sip::new_tag(random_);  // drawn before the Call-ID
  auto options = dialog::build_request({.method = "OPTIONS",
                                        .request_uri = fmt::format("sip:{}", target->host),
                                        .from = fmt::format("<sip:trunk@{}>", local_.to_string()),
                                        .from_tag = std::move(from_tag),
                                        .to = fmt::format("<sip:{}>", target->host),
                                        .call_id = sip::new_call_id(random_, local_.ip_string())});
  endpoint_.add_via(options, target->address);
  auto id = endpoint_.send_request(std::move(options), target->address);
  txns_[id.value] = key;
  next_probe_[key] = timers_.start_timer(target->interval, [this, key] { probe(key); });
}

bool ProviderProbes::on_response(txn::ClientTxnId txn, const sip::Message& response) {
  auto it = txns_.find(txn.value);
  if (it == txns_.end()) return false;
  if (response.status() >= 200) {
    routes_.mark_up(it->second);
    txns_.erase(it);
  }
  return true;
}

bool ProviderProbes::on_timeout(txn::ClientTxnId txn) {
  auto it = txns_.find(txn.value);
  if (it == txns_.end()) return false;
  routes_.mark_down(it->second);
  txns_.erase(it);
  return true;
}

}  // namespace trunklab::trunk
