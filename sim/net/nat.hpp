// A NAT box: port-restricted cone (RFC 4787 terms: endpoint-independent mapping, address and
// port dependent filtering). An inside endpoint gets one public port for all its flows; inbound
// datagrams pass only from a remote address:port the inside endpoint has sent to. A mapping
// expires after `idle_timeout` without outbound traffic (inbound traffic does not refresh it,
// the conservative choice RFC 4787 REQ-6 allows); rebind() drops every mapping at once, as when
// a home router restarts, so the next outbound datagram gets a new public port.
#pragma once

#include "reference/rt/address.hpp"
#include "reference/rt/time.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace trunklab::sim {

class Nat {
public:
  static constexpr std::uint16_t kFirstPublicPort = 20000;

  Nat(std::string name, rt::Address public_ip, rt::Duration idle_timeout);

  const std::string& name() const { return name_; }
  rt::Address public_ip() const { return public_ip_; }
  rt::Duration idle_timeout() const { return idle_timeout_; }

  // Forgets every mapping; new flows get ports never used before the rebinding (until wrap).
  void rebind();

  // The public address of an inside endpoint if it has a live mapping at `now`.
  std::optional<rt::Address> public_address_of(const rt::Address& inside, rt::Instant now) const;
  // The inside endpoint behind a public port, if the mapping is live at `now` (no filtering).
  std::optional<rt::Address> inside_address_of(std::uint16_t public_port, rt::Instant now) const;
  std::size_t live_mappings(rt::Instant now) const;

  // The translation itself, used by the network. Outbound creates or refreshes the mapping and
  // opens the filter for `remote`; nullopt when the public ports are exhausted.
  std::optional<rt::Address> translate_outbound(const rt::Address& inside, const rt::Address& remote,
                                                rt::Instant now);
  struct Inbound {
    std::optional<rt::Address> inside;
    std::string drop_reason;  // set when `inside` is empty
  };
  Inbound translate_inbound(std::uint16_t public_port, const rt::Address& remote, rt::Instant now);

private:
  struct Mapping {
    rt::Address inside;
    rt::Instant last_outbound{};
    std::set<rt::Address> remotes;  // filter: who may send in
  };

  bool expired(const Mapping& m, rt::Instant now) const;
  void erase(std::uint16_t public_port);
  std::optional<std::uint16_t> allocate_port();

  std::string name_;
  rt::Address public_ip_;
  rt::Duration idle_timeout_;
  std::uint16_t next_port_ = kFirstPublicPort;
  std::map<rt::Address, std::uint16_t> port_of_inside_;
  std::map<std::uint16_t, Mapping> mappings_;  // by public port
};

}  // namespace trunklab::sim
