// Where a socket listens or a driver sends: "udp:127.0.0.1:5060", "udp:[::1]:5062",
// "tcp:127.0.0.1:5060", "tls:127.0.0.1:5061", "127.0.0.1" (udp, port 5060).
#pragma once

#include "reference/rt/address.hpp"
#include "reference/rt/transport.hpp"

#include <string>
#include <string_view>
#include <variant>

namespace trunklab::realtime {

struct SocketSpec {
  rt::TransportKind kind = rt::TransportKind::udp;
  rt::Address address;
  std::string to_string() const;  // "udp:127.0.0.1:5060"
};

// A SocketSpec, or a message saying what was expected.
std::variant<SocketSpec, std::string> parse_socket_spec(std::string_view text);

}  // namespace trunklab::realtime
