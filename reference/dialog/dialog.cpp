#include "reference/dialog/dialog.hpp"

#include "reference/dialog/request.hpp"
#include "reference/sip/text.hpp"

#include <fmt/format.h>

namespace trunklab::dialog {

sip::OutgoingMessage Dialog::request(const std::string& method, std::uint32_t cseq) {
  if (cseq == 0) cseq = ++local_cseq;
  const bool with_contact = method != "ACK" && method != "CANCEL";
  return build_request({.method = method,
                        .request_uri = remote_target,
                        .from = local_uri,
                        .from_tag = local_tag,
                        .to = remote_tag.empty() ? remote_uri : with_tag(remote_uri, remote_tag),
                        .call_id = call_id,
                        .cseq = cseq,
                        .route_set = route_set,
                        .contact = with_contact ? contact : std::string{}});
}

void Dialog::take_response(const sip::Message& response) {
  remote_tag = response.to().tag();
  if (auto target = first_contact_uri(response); !target.empty()) remote_target = target;
  auto routes = response.header_values("Record-Route");
  route_set.assign(routes.rbegin(), routes.rend());
}

std::vector<std::string> uas_route_set(const sip::Message& request) {
  return request.header_values("Record-Route");
}

std::optional<sip::Message> copy_message(const sip::Message& message) {
  auto parsed = sip::Message::parse(message.raw());
  if (auto* copy = std::get_if<sip::Message>(&parsed)) return std::move(*copy);
  return std::nullopt;
}

std::string first_contact_uri(const sip::Message& message) {
  auto contacts = message.contacts();
  if (contacts.empty() || contacts.front().star) return {};
  return contacts.front().address.uri.to_string();
}

sip::OutgoingMessage cancel_for(const sip::OutgoingMessage& invite) {
  auto cancel = sip::OutgoingMessage::request("CANCEL", invite.request_uri());
  cancel.add("Via", std::string(invite.header("Via").value_or("")));
  cancel.add("Max-Forwards", "70");
  cancel.add("From", std::string(invite.header("From").value_or("")));
  cancel.add("To", std::string(invite.header("To").value_or("")));
  cancel.add("Call-ID", std::string(invite.header("Call-ID").value_or("")));
  auto cseq = invite.header("CSeq").value_or("1 INVITE");
  cancel.add("CSeq", fmt::format("{} CANCEL", cseq.substr(0, cseq.find(' '))));
  return cancel;
}

// Finds ";tag=" outside the <...> of a name-addr, case-insensitively.
static std::size_t find_tag_param(std::string_view v) {
  auto close = v.find('>');
  std::size_t from = close == std::string_view::npos ? 0 : close;
  for (auto i = v.find(';', from); i != std::string_view::npos; i = v.find(';', i + 1)) {
    auto rest = v.substr(i + 1);
    std::size_t ws = 0;
    while (ws < rest.size() && (rest[ws] == ' ' || rest[ws] == '\t')) ++ws;
    rest.remove_prefix(ws);
    if (rest.size() >= 3 && sip::text::iequals(rest.substr(0, 3), "tag") &&
        (rest.size() == 3 || rest[3] == '=' || rest[3] == ' ' || rest[3] == ';')) {
      return i;
    }
  }
  return std::string_view::npos;
}

std::string strip_tag(std::string_view name_addr) {
  auto at = find_tag_param(name_addr);
  if (at == std::string_view::npos) return std::string(name_addr);
  auto end = name_addr.find(';', at + 1);
  std::string out(name_addr.substr(0, at));
  if (end != std::string_view::npos) out += name_addr.substr(end);
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
  return out;
}

std::string with_tag(std::string_view name_addr, std::string_view tag) {
  return fmt::format("{};tag={}", strip_tag(name_addr), tag);
}

}  // namespace trunklab::dialog
