// The trunk's per-call state, shared by the files that implement Trunk, one responsibility
// each: b2bua.cpp (calls, the A side, transaction callbacks), admission.cpp (which calls it
// takes, and which way), outbound.cpp (digest of the caller, channels, provider failover),
// inbound.cpp (a provider's call forked to the registered contacts), legs.cpp (the B-side
// legs: INVITE, responses, CANCEL, late answers, how long a call is kept), relay.cpp
// (in-dialog requests, ACK, CANCEL from the A side). OPTIONS probing is its own class
// (probing.hpp).
#pragma once

#include "reference/trunk/b2bua.hpp"

#include "reference/dialog/invite_2xx.hpp"

#include <fmt/format.h>

#include <deque>

namespace trunklab::trunk {

// One leg a hunt starts: a registered contact, a trunk address, or a provider towards a number.
struct Trunk::HuntTarget {
  std::string name;  // what the outcome and the record call it
  rt::Address address;
  std::string request_uri;
  std::string remote_uri;  // the To of the leg
  bool provider = false;
};

struct Trunk::HuntGroup {
  std::string trunk;  // the trunk whose channel the group holds while it rings ("" for none)
  std::vector<HuntTarget> targets;
  std::optional<rt::Duration> timeout;
};

struct Trunk::Leg {
  std::string target_name;  // provider name, or the contact URI of a registered phone
  rt::Address address;
  std::string request_uri;
  std::optional<rt::Duration> timeout;
  dialog::Dialog dialog;
  sip::OutgoingMessage invite = sip::OutgoingMessage::request("INVITE", "");
  txn::ClientTxnId invite_txn;
  rt::TimerId timeout_timer = rt::kNoTimer;
  rt::TimerId linger_timer = rt::kNoTimer;  // §9.1: 64*T1 after the CANCEL, the INVITE is over
  int auth_attempts = 0;
  std::uint32_t auth_nc = 0;
  bool provisional = false;   // a 1xx arrived: CANCEL may be sent (§9.1)
  bool final = false;         // a final answer arrived, or we gave up on the leg
  bool closed = false;        // a final response arrived (or timer B fired): nothing more can come
  bool abandoned = false;     // given up before any 1xx: its transaction is gone, replies are strays
  bool answered = false;
  bool acked = false;
  bool cancel_pending = false;  // CANCEL wanted before any provisional arrived
  bool cancel_sent = false;
  std::optional<std::size_t> media_branch;  // its ports on the call's relay session
  bool to_provider = false;  // a provider's leg: its own digest challenge is answered
  int final_status = 0;  // for the call record
  std::string final_reason;
};

struct Trunk::Call {
  std::uint64_t id = 0;
  // The configuration the call started with: its providers and trunk point into it, and a
  // change through the management API must not pull it from under the call.
  std::shared_ptr<const config::Config> config;
  bool inbound = false;
  CallOutcome outcome;
  std::string customer;
  std::string trunk;
  bool holds_channel = false;
  // A side: the party that called in; the trunk is its UAS.
  txn::ServerTxnId a_txn;
  std::optional<sip::Message> a_invite;
  dialog::Dialog a;
  bool a_final_sent = false;
  std::optional<dialog::Retransmit2xx> a_2xx;  // our 2xx to the A side, until its ACK
  std::string offer_type, offer;  // the caller's SDP, passed through
  // B side.
  std::vector<const config::Provider*> providers;
  std::size_t next_provider = 0;
  std::vector<Leg> legs;
  std::optional<std::size_t> winner;
  std::optional<std::pair<int, std::string>> last_5xx;
  // Inbound hunting (hunting.cpp): the entries not yet tried, the groups of the entry being
  // tried (each group's legs ring together: a fork), and where the current group's legs start.
  std::deque<config::CallRouteEntry> hunt_entries;
  std::deque<HuntGroup> hunt_groups;
  std::size_t group_first_leg = 0;
  std::optional<std::pair<int, std::string>> best_inbound;
  std::optional<sip::Message> best_inbound_response;
  // Media anchoring: the relay session, and the media timeout's watch from the answer on.
  std::optional<std::uint64_t> media;
  std::size_t sdp_leg = 0;  // the leg whose provisional answer is being relayed to the caller
  rt::TimerId media_timer = rt::kNoTimer;
  rt::Instant answered_at{};
  // DTMF interworking: what the last offer said of telephone-event, and the type the trunk
  // added to it for the other side (media.dtmf "interwork").
  struct OfferDtmf {
    bool from_a = true;
    std::optional<int> offered;
    std::optional<int> added;
  };
  std::optional<OfferDtmf> offer_dtmf;
  // For the call record.
  rt::Instant started_at{};
  std::optional<rt::Instant> ringing_at, answer_time;
  std::string final_reason;
  std::string hangup_side, hangup_cause;  // set by whoever ends the answered call first
  bool cancelled = false;
  bool ended = false;
  rt::Instant ended_at{};
};


inline std::string reason_header(int status, std::string_view reason) {
  return fmt::format("SIP;cause={};text=\"{}\"", status, reason);
}

// Text from a request (a number, a host) inside a reason phrase we write: printable ASCII only
// and at most 64 bytes, so a reason phrase never carries what a header must not (RFC 3261 §25.1).
inline std::string phrase_text(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

inline bool is_2xx(int status) { return status >= 200 && status < 300; }

inline bool same_ip(const rt::Address& a, const rt::Address& b) { return a.is_v6() == b.is_v6() && a.bytes() == b.bytes(); }

inline void copy_body(sip::OutgoingMessage& to, const sip::Message& from) {
  if (from.body().empty()) return;
  to.set_body(std::string(from.content_type().value_or("application/sdp")), from.body());
}

// RFC 3261 §16.7 step 6: a 6xx wins; otherwise the lowest class, first received.
inline bool better_inbound(int candidate, int current) {
  if (current >= 600) return false;
  if (candidate >= 600) return true;
  return candidate / 100 < current / 100;
}

// How long a registered phone may ring before the inbound call gives up, and how long a leg we
// gave up on may still answer (RFC 3261 timer C, > 3 minutes).
inline constexpr rt::Duration kRingTimeout = std::chrono::minutes(3);

}  // namespace trunklab::trunk
