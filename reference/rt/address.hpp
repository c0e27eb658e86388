// A transport address: IPv4 or IPv6 plus UDP/TCP port. A value type, ordered and hashable,
// so it can key maps whose iteration reaches output (determinism).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace trunklab::rt {

class Address {
public:
  Address() = default;
  static Address ipv4(std::uint32_t host_order_ip, std::uint16_t port);
  static Address ipv6(const std::array<std::uint8_t, 16>& bytes, std::uint16_t port);

  // "10.0.0.1:5060", "10.0.0.1" (port 5060), "[::1]:5060", "::1" (port 5060).
  static std::optional<Address> parse(std::string_view text, std::uint16_t default_port = 5060);

  bool is_v6() const { return v6_; }
  std::uint32_t ipv4_host_order() const;               // only for IPv4
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }  // v4: first 4 bytes
  std::uint16_t port() const { return port_; }
  Address with_port(std::uint16_t port) const;

  std::string ip_string() const;  // "10.0.0.1", "::1"
  std::string to_string() const;  // "10.0.0.1:5060", "[::1]:5060"

  auto operator<=>(const Address&) const = default;
  bool operator==(const Address&) const = default;

private:
  bool v6_ = false;
  std::array<std::uint8_t, 16> bytes_{};
  std::uint16_t port_ = 0;
};

struct AddressHash {
  std::size_t operator()(const Address& a) const noexcept;
};

}  // namespace trunklab::rt
