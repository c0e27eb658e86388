#include "reference/trunk/probing.hpp"

#include "reference/dialog/request.hpp"

#include <fmt/format.h>

namespace trunklab::trunk {

ProviderProbes::~ProviderProbes() {
  for (auto& [name, id] : next_probe_) timers_.cancel_timer(id);
}

void ProviderProbes::start() {
  for (const auto& p : config_.providers) {
    if (p.options_interval && p.address) probe(p.name);
  }
}

void ProviderProbes::probe(const std::string& name) {
  const auto* provider = config_.find_provider(name);
  auto from_tag = sip::new_tag(random_);  // drawn before the Call-ID
  auto options = dialog::build_request({.method = "OPTIONS",
                                        .request_uri = fmt::format("sip:{}", provider->hostname),
                                        .from = fmt::format("<sip:trunk@{}>", local_.to_string()),
                                        .from_tag = std::move(from_tag),
                                        .to = fmt::format("<sip:{}>", provider->hostname),
                                        .call_id = sip::new_call_id(random_, local_.ip_string())});
  endpoint_.add_via(options, *provider->address);
  auto id = endpoint_.send_request(std::move(options), *provider->address);
  txns_[id.value] = name;
  next_probe_[name] = timers_.start_timer(*provider->options_interval, [this, name] { probe(name); });
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
