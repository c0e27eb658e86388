#include "reference/rt/address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace trunklab::rt {

Address Address::ipv4(std::uint32_t host_order_ip, std::uint16_t port) {
  Address a;
  a.bytes_[0] = static_cast<std::uint8_t>(host_order_ip >> 24);
  a.bytes_[1] = static_cast<std::uint8_t>(host_order_ip >> 16);
  a.bytes_[2] = static_cast<std::uint8_t>(host_order_ip >> 8);
  a.bytes_[3] = static_cast<std::uint8_t>(host_order_ip);
  a.port_ = port;
  return a;
}

Address Address::ipv6(const std::array<std::uint8_t, 16>& bytes, std::uint16_t port) {
  Address a;
  a.v6_ = true;
  a.bytes_ = bytes;
  a.port_ = port;
  return a;
}

static std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

std::optional<Address> Address::parse(std::string_view text, std::uint16_t default_port) {
  std::string host;
  std::uint16_t port = default_port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = std::string(text.substr(1, close - 1));
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      auto p = parse_port(rest.substr(1));
      if (!p) return std::nullopt;
      port = *p;
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    auto colon = text.find(':');
    host = std::string(text.substr(0, colon));
    auto p = parse_port(text.substr(colon + 1));
    if (!p) return std::nullopt;
    port = *p;
  } else {
    host = std::string(text);
  }
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return ipv4(ntohl(v4.s_addr), port);
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    std::array<std::uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), &v6, 16);
    return ipv6(bytes, port);
  }
  return std::nullopt;
}

std::uint32_t Address::ipv4_host_order() const {
  return (std::uint32_t{bytes_[0]} << 24) | (std::uint32_t{bytes_[1]} << 16) |
         (std::uint32_t{bytes_[2]} << 8) | std::uint32_t{bytes_[3]};
}

Address Address::with_port(std::uint16_t port) const {
  Address a = *this;
  a.port_ = port;
  return a;
}

std::string Address::ip_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6_ ? AF_INET6 : AF_INET, bytes_.data(), buf, sizeof buf);
  return buf;
}

std::string Address::to_string() const {
  auto ip = ip_string();
  return v6_ ? "[" + ip + "]:" + std::to_string(port_) : ip + ":" + std::to_string(port_);
}

std::size_t AddressHash::operator()(const Address& a) const noexcept {
  std::size_t h = a.is_v6() ? 0x9e3779b97f4a7c15ULL : 0;
  for (auto b : a.bytes()) h = (h ^ b) * 0x100000001b3ULL;
  return (h ^ a.port()) * 0x100000001b3ULL;
}

}  // namespace trunklab::rt
