#include "reference/dialog/request.hpp"

#include "reference/dialog/dialog.hpp"

#include <fmt/format.h>

namespace trunklab::dialog {

sip::OutgoingMessage build_request(const NewRequest& r) {
  auto m = sip::OutgoingMessage::request(r.method, r.request_uri);
  m.add("Max-Forwards", "70");
  m.add("From", with_tag(r.from, r.from_tag));
  m.add("To", r.to);
  m.add("Call-ID", r.call_id);
  m.add("CSeq", fmt::format("{} {}", r.cseq, r.method));
  for (const auto& route : r.route_set) m.add("Route", route);
  if (!r.contact.empty()) m.add("Contact", r.contact);
  return m;
}

}  // namespace trunklab::dialog
