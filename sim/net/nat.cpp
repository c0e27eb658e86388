#include "sim/net/nat.hpp"

#include <utility>

namespace trunklab::sim {

Nat::Nat(std::string name, rt::Address public_ip, rt::Duration idle_timeout)
    : name_(std::move(name)), public_ip_(public_ip.with_port(0)), idle_timeout_(idle_timeout) {}

void Nat::rebind() {
  mappings_.clear();
  port_of_inside_.clear();
}

bool Nat::expired(const Mapping& m, rt::Instant now) const {
  return now - m.last_outbound >= idle_timeout_;
}

void Nat::erase(std::uint16_t public_port) {
  auto it = mappings_.find(public_port);
  if (it == mappings_.end()) return;
  port_of_inside_.erase(it->second.inside);
  mappings_.erase(it);
}

std::optional<std::uint16_t> Nat::allocate_port() {
  // Ports advance monotonically (wrapping to the first), so a rebinding always moves a flow to
  // a port it did not have before, as a restarted router would.
  constexpr std::uint32_t kPortCount = 65536 - kFirstPublicPort;
  for (std::uint32_t tries = 0; tries < kPortCount; ++tries) {
    const std::uint16_t port = next_port_;
    next_port_ = next_port_ == 65535 ? kFirstPublicPort : static_cast<std::uint16_t>(next_port_ + 1);
    if (!mappings_.contains(port)) return port;
  }
  return std::nullopt;
}

std::optional<rt::Address> Nat::public_address_of(const rt::Address& inside, rt::Instant now) const {
  auto it = port_of_inside_.find(inside);
  if (it == port_of_inside_.end() || expired(mappings_.at(it->second), now)) return std::nullopt;
  return public_ip_.with_port(it->second);
}

std::optional<rt::Address> Nat::inside_address_of(std::uint16_t public_port, rt::Instant now) const {
  auto it = mappings_.find(public_port);
  if (it == mappings_.end() || expired(it->second, now)) return std::nullopt;
  return it->second.inside;
}

std::size_t Nat::live_mappings(rt::Instant now) const {
  std::size_t live = 0;
  for (const auto& entry : mappings_) {
    if (!expired(entry.second, now)) ++live;
  }
  return live;
}

std::optional<rt::Address> Nat::translate_outbound(const rt::Address& inside,
                                                   const rt::Address& remote, rt::Instant now) {
  auto it = port_of_inside_.find(inside);
  if (it != port_of_inside_.end() && expired(mappings_.at(it->second), now)) {
    erase(it->second);
    it = port_of_inside_.end();
  }
  std::uint16_t port = 0;
  if (it != port_of_inside_.end()) {
    port = it->second;
  } else {
    auto fresh = allocate_port();
    if (!fresh) return std::nullopt;
    port = *fresh;
    port_of_inside_.emplace(inside, port);
    mappings_.emplace(port, Mapping{inside, now, {}});
  }
  Mapping& m = mappings_.at(port);
  m.last_outbound = now;
  m.remotes.insert(remote);
  return public_ip_.with_port(port);
}

Nat::Inbound Nat::translate_inbound(std::uint16_t public_port, const rt::Address& remote,
                                    rt::Instant now) {
  const std::string where = "nat " + name_ + ": ";
  auto it = mappings_.find(public_port);
  if (it == mappings_.end()) {
    return {std::nullopt, where + "no mapping for port " + std::to_string(public_port)};
  }
  if (expired(it->second, now)) {
    erase(public_port);
    return {std::nullopt, where + "mapping for port " + std::to_string(public_port) + " expired"};
  }
  if (!it->second.remotes.contains(remote)) {
    return {std::nullopt, where + "filtered: " + remote.to_string() + " never contacted from port " +
                              std::to_string(public_port)};
  }
  return {it->second.inside, {}};
}

}  // namespace trunklab::sim
