#include "reference/realtime/sockaddr.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstring>

namespace trunklab::realtime {

socklen_t to_sockaddr(const rt::Address& address, sockaddr_storage& storage) {
  std::memset(&storage, 0, sizeof storage);
  if (address.is_v6()) {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(address.port());
    std::memcpy(sin6.sin6_addr.s6_addr, address.bytes().data(), 16);
    std::memcpy(&storage, &sin6, sizeof sin6);
    return sizeof sin6;
  }
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(address.port());
  sin.sin_addr.s_addr = htonl(address.ipv4_host_order());
  std::memcpy(&storage, &sin, sizeof sin);
  return sizeof sin;
}

rt::Address from_sockaddr(const sockaddr_storage& storage) {
  if (storage.ss_family == AF_INET6) {
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, &storage, sizeof sin6);
    std::array<std::uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), sin6.sin6_addr.s6_addr, 16);
    return rt::Address::ipv6(bytes, ntohs(sin6.sin6_port));
  }
  sockaddr_in sin{};
  std::memcpy(&sin, &storage, sizeof sin);
  return rt::Address::ipv4(ntohl(sin.sin_addr.s_addr), ntohs(sin.sin_port));
}

}  // namespace trunklab::realtime
