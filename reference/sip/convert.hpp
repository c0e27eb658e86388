// Internal: copies libosip2's parsed structures into the value types of message.hpp.
#pragma once

#include "reference/sip/message.hpp"
#include "reference/sip/osip.hpp"

#include <string>
#include <vector>

namespace trunklab::sip::convert {

// Walks an osip_list_t of T* in order.
template <typename T, typename Fn>
void for_each(const osip_list_t& list, Fn&& fn) {
  for (const __node_t* node = list.node; node != nullptr; node = node->next) {
    fn(*static_cast<const T*>(node->element));
  }
}

std::string str(const char* s);  // nullptr -> ""
Uri to_uri(const osip_uri_t& uri);
NameAddr to_name_addr(const osip_from_t& from);  // From, To, Contact, Route share osip_from_t
Via to_via(const osip_via_t& via);

}  // namespace trunklab::sip::convert
