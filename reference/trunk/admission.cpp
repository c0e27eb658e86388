// Admission: which calls the trunk takes (trunk domain or provider address), who the caller is
// (digest or a trusted address), and the rejections with a reason phrase that says why.
#include "reference/trunk/b2bua.hpp"

#include "reference/sip/sdp.hpp"
#include "reference/sip/text.hpp"
#include "reference/trunk/call_state.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace trunklab::trunk {

// ---- admission --------------------------------------------------------------------------------

void Trunk::reject(txn::ServerTxnId txn, const sip::Message& request, int status,
                   std::string_view reason) {
  auto tag = request.to().tag().empty() ? sip::new_tag(random_) : std::string{};
  endpoint_.respond(txn, sip::OutgoingMessage::response_to(request, status, reason, tag));
  record_refusal(request, status, reason);
}

void Trunk::record_refusal(const sip::Message& invite, int status, std::string_view reason) {
  if (!record_sink_) return;
  CallRecord r;
  r.id = next_call_++;
  r.call_id = invite.call_id();
  r.direction = admitting_.direction;
  r.customer = admitting_.customer;
  r.trunk = admitting_.trunk;
  r.caller = admitting_.caller;
  r.callee = sip::Uri::parse(invite.request_uri()).value_or(sip::Uri{}).user;
  r.start = r.end = clock_.now();
  r.final_status = status;
  r.final_reason = std::string(reason);
  r.hangup_side = "trunk";
  r.hangup_cause = fmt::format("{} {}", status, reason);
  record_sink_(r);
}

const config::Trunk* Trunk::trunk_of_domain(std::string_view host) const {
  for (const auto& t : config_->trunks) {
    auto domain = config_->trunk_domain(t.name);
    if (sip::text::iequals(domain, host)) return &t;
  }
  return nullptr;
}

const config::Provider* Trunk::provider_at(const rt::Address& source) const {
  for (const auto& p : config_->providers) {
    if (p.address && p.address->bytes() == source.bytes() && p.address->is_v6() == source.is_v6()) {
      return &p;
    }
  }
  return nullptr;
}

bool Trunk::codecs_acceptable(const sip::Message& invite) const {
  if (invite.body().empty()) return true;  // late offer: negotiated in the 200/ACK
  auto sdp = sip::Sdp::parse(invite.body());
  if (!sdp) return false;
  for (const auto& name : sdp->codec_names()) {
    if (name == "telephone-event") continue;
    if (std::find(config_->codecs.begin(), config_->codecs.end(), name) != config_->codecs.end()) {
      return true;
    }
  }
  return false;
}

namespace {

// Request-URI host an IP literal ("127.0.0.1", "[::1]"): the caller addressed this server, not
// a trunk domain (SIPp's `-sn uac`, softphones configured with an IP).
bool is_ip_literal(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return !host.empty() && rt::Address::parse(host).has_value();
}

}  // namespace

void Trunk::on_invite(txn::ServerTxnId txn, const sip::Message& invite, const rt::Address& source) {
  admitting_ = {};
  if (auto mf = invite.max_forwards(); mf && *mf <= 0) {
    return reject(txn, invite, 483, "Too Many Hops (Max-Forwards is 0)");
  }
  // A request that already passed through us is looping (§16.3 step 4).
  auto self = local_.to_string();
  for (const auto& via : invite.vias()) {
    if (via.sent_by() == self) return reject(txn, invite, 482, "Loop Detected (our own Via is in the request)");
  }
  auto request_uri = sip::Uri::parse(invite.request_uri());
  if (!request_uri) return reject(txn, invite, 400, "Bad Request (Request-URI is not a SIP URI)");
  // A call to a trunk domain is outbound whoever sends it (on loopback every party shares
  // 127.0.0.1, so the domain decides first).
  if (const auto* trunk = trunk_of_domain(request_uri->host)) return handle_outbound(txn, invite, source, *trunk);
  const bool by_ip = is_ip_literal(request_uri->host);
  const auto* provider = provider_at(source);
  // Otherwise a call from a provider is inbound; addressed by IP, "from a provider" must be its
  // exact address or a number we have, so a phone beside it on 127.0.0.1 still reaches a trunk.
  if (provider && (!by_ip || *provider->address == source || number_named(request_uri->user))) {
    return handle_inbound(txn, invite, source, *provider);
  }
  if (by_ip) return handle_outbound_by_ip(txn, invite, source);
  reject(txn, invite, 404, fmt::format("Not Found (no trunk domain {})", phrase_text(request_uri->host)));
}

const config::Number* Trunk::number_named(std::string_view number) const {
  for (const auto& n : config_->numbers) {
    if (n.number == number) return &n;
  }
  return nullptr;
}

}  // namespace trunklab::trunk
