// What an emulated party is told to do (UserAgentConfig, answer scripts, a provider's digest
// challenge) and what it reports (events, calls). The scenario engine fills the first and
// reads the second; agents::UserAgent does the rest.
#pragma once

#include "reference/rt/address.hpp"
#include "reference/rt/time.hpp"
#include "reference/rt/transport.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace trunklab::agents {

// One reply of an answer script: `status` sent `after` the INVITE arrived (not after the
// previous reply). 183 and 2xx carry SDP unless `sdp` says otherwise.
struct ReplyStep {
  int status = 200;
  rt::Duration after{0};
  std::string reason;        // "" = the standard phrase
  std::optional<bool> sdp;   // default: true for 183 and 2xx
};

// How an incoming INVITE is answered. No steps: never answered (rings out until CANCEL or
// the caller's timeout). The trunk sends 100 Trying by itself; a script may list 100 too.
struct AnswerScript {
  std::vector<ReplyStep> steps;
};

struct DigestChallengeConfig {  // a provider demanding digest auth of the trunk
  int status = 407;             // 401 or 407
  std::string realm;
  std::string username;
  std::string password;
};

// The party's media (RFC 3550 RTP as its SDP negotiated; media/session.hpp).
struct MediaConfig {
  bool enabled = true;  // false: SDP as usual but no RTP socket (a phone whose audio is dead)
  rt::Duration ptime{20000};
  bool symmetric_rtp = false;   // RFC 4961 latching: send back where the peer's RTP comes from
  std::uint16_t send_from_port = 0;  // asymmetric RTP: send from this port, not the advertised
  bool rtcp = false;            // SR/RR on the RTP port + 1
  bool accept_t38 = true;       // answer a T.38 re-INVITE 200 (false: 488, RFC 3261 §21.4.26)
};

struct UserAgentConfig {
  std::string name;  // the party's name: user part of From/Contact when no username
  // What it sends its requests on; a tcp party's Contact says ;transport=tcp (RFC 3261
  // §19.1.1), so requests to it come over a connection too.
  rt::TransportKind transport = rt::TransportKind::udp;
  // Registration (phones and PBXs).
  std::string username;
  std::string password;
  std::string registrar_domain;          // REGISTER Request-URI and AOR host
  std::optional<rt::Address> registrar;  // where REGISTERs go
  std::uint32_t expires_s = 3600;
  bool refresh = true;                   // re-register before expiry (at half the granted time)
  std::optional<rt::Duration> keepalive_interval;  // CRLF pings to the registrar
  // Calls out.
  std::string call_domain;               // INVITE Request-URI host (trunk domain)
  std::optional<rt::Address> outbound_proxy;  // where INVITEs go
  std::vector<std::string> codecs{"PCMU", "PCMA", "telephone-event"};
  MediaConfig media;
  // Calls in.
  AnswerScript answer;
  std::map<std::string, AnswerScript> answer_by_prefix;  // dialled-number prefix -> script
  std::optional<DigestChallengeConfig> challenge;
  bool answer_options = true;
  bool answer_bye = true;
};

struct AgentEvent {
  rt::Instant time;
  std::string kind;    // "registered", "register-failed", "unregistered", "call-answered", ...
  std::string detail;  // Call-ID, number, reason
  int status = 0;
};

struct AgentCall {
  std::string call_id;
  bool outgoing = true;
  std::string number;       // dialled (outgoing) or the Request-URI user (incoming)
  int final_status = 0;     // 0 while pending
  std::string final_reason;
  bool answered = false;
  bool ended = false;       // BYE done, or failed
  bool early_media = false; // a 183 with SDP arrived (outgoing) or was sent (incoming)
};

}  // namespace trunklab::agents
