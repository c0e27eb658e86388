// Media anchoring: a call of a trunk or provider configured "media": "relay" gets a relay
// session (two port pairs of the element's, reference/anchor/relay.hpp); every SDP the trunk
// passes between the legs (the offer in each leg's INVITE, the answers in 183/2xx, re-INVITEs
// and their answers) is rewritten to the relay's port facing the side it goes to, and tells
// the relay where the side it came from says its media is. The relay latches from there. A call
// whose relay hears nothing either way for media.timeout after the answer is ended with a BYE
// on both legs, as rtpengine's timeout does.
#include "reference/trunk/b2bua.hpp"

#include "reference/trunk/call_state.hpp"
#include "reference/sip/sdp.hpp"
#include "reference/sip/text.hpp"

namespace trunklab::trunk {

namespace {

bool is_sdp(const sip::Message& message) {
  auto type = message.content_type();
  return !type || sip::text::iequals(sip::text::trim(type->substr(0, type->find(';'))), "application/sdp");
}

}  // namespace

bool Trunk::wants_relay(const Call& call, const Leg& leg) const {
  for (const auto& t : config_->trunks) {
    if (t.name == call.trunk && t.media == config::MediaMode::relay) return true;
  }
  // The provider at either end: the caller of an inbound call, the leg's of an outbound one.
  const auto& provider_name = call.inbound ? call.outcome.caller : leg.target_name;
  const auto* provider = config_->find_provider(provider_name);
  if (provider && provider->media == config::MediaMode::relay) return true;
  const auto* towards = leg.to_provider ? config_->find_provider(leg.target_name) : nullptr;  // hunt to a number
  return towards && towards->media == config::MediaMode::relay;
}

// The caller's offer as this leg gets it: anchored on a relay branch of the leg's own (the call's
// relay session is opened by the first leg that wants one; each later leg, a failover or a
// forked contact, gets another branch). A range exhausted by then shares the first branch.
std::string Trunk::leg_offer(Call& call, Leg& leg) {
  if (!call.media && relay_ && wants_relay(call, leg)) {
    call.media = relay_->open();
    if (call.media) {
      ++counters_.media_relayed;
      leg.media_branch = 0;
    } else {
      ++counters_.media_ports_exhausted;  // served, but direct: counted, and in the log
    }
  } else if (call.media && !leg.media_branch) {
    leg.media_branch = relay_->add_branch(*call.media);
    if (!leg.media_branch) ++counters_.media_ports_exhausted;
  }
  if (!call.media) return call.offer;
  if (auto sdp = sip::Sdp::parse(call.offer)) {
    if (auto at = sip::media_address(*sdp)) relay_->set_advertised(*call.media, anchor::Side::a, *at);
  }
  return sip::anchor_sdp(dtmf_offer(call, true, call.offer),
                         relay_->local(*call.media, anchor::Side::b, leg.media_branch.value_or(0)));
}

// The SDP between the caller and a leg: before the answer the leg whose response it is (its
// branch becomes the one the caller talks with, early media), then the winner's.
void Trunk::copy_sdp(Call& call, bool from_a, sip::OutgoingMessage& to, const sip::Message& from) {
  if (!call.media || from.body().empty() || !is_sdp(from)) return copy_body(to, from);
  const auto leg = call.winner.value_or(call.sdp_leg);
  const auto branch = leg < call.legs.size() ? call.legs[leg].media_branch.value_or(0) : 0;
  const auto side = from_a ? anchor::Side::a : anchor::Side::b;
  const auto other = from_a ? anchor::Side::b : anchor::Side::a;
  if (!from_a) relay_->select_branch(*call.media, branch);
  if (auto sdp = sip::Sdp::parse(from.body())) {
    if (auto at = sip::media_address(*sdp)) relay_->set_advertised(*call.media, side, *at, branch);
  }
  std::string body(from.body());
  body = from.is_request() ? dtmf_offer(call, from_a, std::move(body)) : dtmf_answer(call, from_a, std::move(body));
  to.set_body(std::string(from.content_type().value_or("application/sdp")),
              sip::anchor_sdp(body, relay_->local(*call.media, other, branch)));
}

// A leg given up (failed, cancelled, lost the race): its branch's ports go back, so its late
// media reaches no one.
void Trunk::release_leg_media(Call& call, Leg& leg) {
  if (!call.media || !leg.media_branch) return;
  relay_->release_branch(*call.media, *leg.media_branch);
  leg.media_branch.reset();
}

void Trunk::watch_media(Call& call) {
  if (!call.media || call.media_timer != rt::kNoTimer) return;
  call.answered_at = clock_.now();
  const auto every = std::max<rt::Duration>(config_->media.timeout / 4, std::chrono::seconds{1});
  const auto id = call.id;
  call.media_timer = timers_.start_timer(every, [this, id] { on_media_check(id); });
}

void Trunk::on_media_check(std::uint64_t call_id) {
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return;
  auto& call = *it->second;
  call.media_timer = rt::kNoTimer;
  if (call.ended || !call.media) return;
  const auto heard = std::max(relay_->last_activity(*call.media), call.answered_at);
  if (clock_.now() - heard < config_->media.timeout) {
    call.media_timer = timers_.start_timer(std::max<rt::Duration>(config_->media.timeout / 4, std::chrono::seconds{1}),
                                           [this, call_id] { on_media_check(call_id); });
    return;
  }
  ++counters_.media_timeouts;
  set_hangup(call, "trunk", "media timeout");
  if (call.winner) bye_leg(call.legs[*call.winner]);
  auto bye = call.a.request("BYE");
  bye.add("Reason", reason_header(408, "media timeout"));
  endpoint_.add_via(bye, call.a.remote_address);
  auto id = endpoint_.send_request(std::move(bye), call.a.remote_address);
  client_txns_[id.value] = TxnRef{TxnRole::cancel, 0, 0, std::nullopt, false, nullptr};
  end_call(call);
}

void Trunk::release_media(Call& call) {
  if (call.media_timer != rt::kNoTimer) timers_.cancel_timer(call.media_timer);
  call.media_timer = rt::kNoTimer;
  if (call.media && relay_) relay_->close(*call.media);
  call.media.reset();
}

}  // namespace trunklab::trunk
