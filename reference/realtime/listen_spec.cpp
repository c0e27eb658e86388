#include "reference/realtime/listen_spec.hpp"

namespace trunklab::realtime {

std::string SocketSpec::to_string() const {
  const char* prefix = kind == rt::TransportKind::tcp ? "tcp:" : kind == rt::TransportKind::tls ? "tls:" : "udp:";
  return prefix + address.to_string();
}

std::variant<SocketSpec, std::string> parse_socket_spec(std::string_view text) {
  SocketSpec spec;
  std::string_view rest = text;
  if (rest.starts_with("udp:")) {
    rest.remove_prefix(4);
  } else if (rest.starts_with("tcp:")) {
    spec.kind = rt::TransportKind::tcp;
    rest.remove_prefix(4);
  } else if (rest.starts_with("tls:")) {
    spec.kind = rt::TransportKind::tls;
    rest.remove_prefix(4);
  }
  auto address = rt::Address::parse(rest);
  // Port 0 (the kernel picks a free port) is valid for a socket, not for rt::Address::parse.
  if (!address && rest.ends_with(":0")) {
    rest.remove_suffix(2);
    address = rt::Address::parse(rest);
    if (address) address = address->with_port(0);
  }
  if (!address) {
    return "\"" + std::string(text) +
           "\": expected udp:IP:PORT, tcp:IP:PORT or tls:IP:PORT, such as udp:127.0.0.1:5060 or udp:[::1]:5060";
  }
  spec.address = *address;
  return spec;
}

}  // namespace trunklab::realtime
