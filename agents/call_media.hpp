// The media of a party's calls: SDP offers and answers (RFC 3264) from the party's codecs and
// each call's wanted direction, and one media::Session per call on a media port of the party
// (bound through the stage, so RTP crosses the same NAT boxes, faults and links as SIP).
// The callers are the UAC and UAS components: they hand over every SDP body they send or get.
#pragma once

#include "media/session.hpp"
#include "reference/rt/random.hpp"
#include "reference/rt/transport.hpp"
#include "reference/sip/sdp.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace trunklab::agents {

class Party;
struct Call;

// Binds a UDP socket of the party for media: `port` is a wish (the real stage may give another;
// the SDP says what local_address() is). Null: no socket (the port is taken, or the stage
// carries no media), and the call goes without RTP.
using MediaBinder = std::function<rt::Transport*(std::uint16_t port, rt::DatagramHandler& handler)>;

// Media sockets and the seeded stream media identifiers (SSRC, RTP sequence and timestamp)
// come from; without them a party negotiates SDP but sends and hears no RTP.
struct MediaHooks {
  MediaBinder bind;
  rt::Random* random = nullptr;
  std::uint64_t* packets_sent = nullptr;  // a run's count of RTP/RTCP packets sent (its limit)
};

// One call's offer/answer state and session.
struct CallMediaState {
  std::size_t slot = 0;  // which media port: the call's index at the party
  std::uint64_t sdp_version = 0;
  sip::SdpDirection wanted = sip::SdpDirection::sendrecv;  // what our next offer asks for
  bool offer_t38 = false;                                  // our next offer is a fax switch
  bool offering = false;        // our offer is out, its answer not yet in
  std::string offer_body;       // our last offer, repeated by a retry with credentials
  std::string answer_body;      // our answer to the INVITE's offer, in its 183 and 2xx
  bool answered_by_us = false;  // the last exchange: their offer, our answer
  std::optional<sip::Sdp> local;   // the last SDP we sent
  std::optional<sip::Sdp> remote;  // the last SDP we got
  bool t38 = false;                // the call switched to T.38 (no RTP audio)
  std::unique_ptr<media::Session> session;
};

class CallMedia {
public:
  explicit CallMedia(Party& party);
  ~CallMedia();
  CallMedia(const CallMedia&) = delete;
  CallMedia& operator=(const CallMedia&) = delete;

  // No binder: the party has no media (SDP only).
  void set_hooks(MediaHooks hooks);

  // Our offer for an INVITE or re-INVITE of `call`.
  std::string offer(Call& call);
  // The peer's offer arrived (INVITE, re-INVITE, or a 2xx to an INVITE without SDP). Returns
  // the answer, or nullopt when nothing is acceptable (no common codec, a refused fax switch):
  // the caller answers 488 (RFC 3264 §6).
  std::optional<std::string> on_offer(Call& call, std::string_view body);
  // Our answer went out (183 or 2xx): media starts or changes.
  void answer_sent(Call& call);
  // The peer's answer to our offer (183, 2xx, or the ACK of a late offer).
  void on_answer(Call& call, std::string_view body);
  // Our offer was refused (a non-2xx to a re-INVITE): the previous media stays (RFC 3261 §14.1).
  void offer_refused(Call& call);
  void stop(Call& call);

private:
  struct Port;
  Port* port_for(std::size_t slot);
  rt::Address advertised(std::size_t slot);
  rt::Address fax_address(std::size_t slot);
  void update(Call& call);
  media::Session* ensure_session(Call& call);
  std::optional<media::MediaPlan> plan_for(const Call& call) const;

  Party& party_;
  MediaBinder binder_;
  rt::Random* random_ = nullptr;
  std::uint64_t* packets_sent_ = nullptr;
  std::map<std::size_t, std::unique_ptr<Port>> ports_;  // by slot
};

}  // namespace trunklab::agents
