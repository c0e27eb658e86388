// rt::Address to and from the BSD socket address structures, for the real transports.
#pragma once

#include "reference/rt/address.hpp"

#include <sys/socket.h>

namespace trunklab::realtime {

socklen_t to_sockaddr(const rt::Address& address, sockaddr_storage& storage);
rt::Address from_sockaddr(const sockaddr_storage& storage);

}  // namespace trunklab::realtime
