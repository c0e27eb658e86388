// A scenario: the whole topology of one test in one file (the reference's configuration, the
// emulated parties and their behaviours, NAT boxes, network faults, the seed), the steps on the
// virtual timeline, and the expectations (ladder, message checks, timing, final state).
//
// load_scenario_file() reads scenarios/*.json (comments allowed); every error is a
// config::InputError naming the file, the JSON path and what was expected. The format's JSON
// Schema is scenarios/schema.json.
#pragma once

#include "reference/config/config.hpp"
#include "reference/rt/address.hpp"
#include "reference/rt/time.hpp"
#include "agents/user_agent.hpp"
#include "media/session.hpp"
#include "reference/sip/sdp.hpp"
#include "sim/net/fault.hpp"
#include "sim/net/network.hpp"
#include "scenario/swarm_bounds.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace trunklab::scenario {

inline constexpr const char* kReferenceName = "trunk";  // the reference's party name in ladders

// A phone or PBX registering an extension of the reference and calling out through the trunk.
struct PhoneSpec {
  std::string extension;       // the reference's extension name; "" = an IP-authenticated PBX
  std::string username;        // from the extension unless overridden
  std::string password;        // from the extension unless overridden (wrong-password tests)
  std::string trunk;           // the trunk whose domain calls go to
  std::uint32_t expires_s = 3600;
  bool refresh = true;
  bool register_at_start = false;  // "register": true registers at 0s
  std::optional<rt::Duration> keepalive;
  agents::AnswerScript answer;        // how it answers inbound calls
};

// A SIP provider the trunk routes calls to, and the PSTN numbers behind it.
struct ProviderSpec {
  agents::AnswerScript invite;                              // default answer
  std::map<std::string, agents::AnswerScript> destinations;  // dialled prefix -> script
  bool options = true;
  std::optional<agents::DigestChallengeConfig> challenge;
};

// A PSTN number behind a provider: becomes a destination script of that provider.
struct PstnSpec {
  std::string provider;
  std::string number;
  std::string behaviour;  // answer | busy | not_found | ring_out | early_media
};

struct RawSpec {};  // sends hand-written messages (malformed requests, fuzzing)

struct PartySpec {
  std::string name;
  std::variant<PhoneSpec, ProviderSpec, PstnSpec, RawSpec> role;
  std::string behind;                   // NAT name, "" = public
  std::optional<rt::Address> address;   // fixed address (port 5060 unless given)
  // What it sends its requests to the trunk on ("transport": "udp" | "tcp"); it listens on
  // both, as an RFC 3261 §18 element does, and answers on the transport a request came in on.
  // Unset: UDP in virtual time, the --target's transport against a target.
  std::optional<rt::TransportKind> transport;
  // "media": its RTP (ptime, symmetric RTP, asymmetric source port, RTCP, T.38) and codecs.
  agents::MediaConfig media;
  std::optional<std::vector<std::string>> codecs;  // default: PCMU, PCMA, telephone-event
  bool on_wire() const { return !std::holds_alternative<PstnSpec>(role); }
};

struct NatSpec {
  std::string name;
  std::optional<rt::Address> public_ip;
  rt::Duration idle_timeout = std::chrono::seconds(60);
};

struct LinkSpec {
  std::string a;
  std::string b;
  sim::Link link;
};

// What a step does to a party or to the network.
enum class Action {
  register_, unregister, unregister_all, call, hangup, cancel, reinvite, send, set_answer,
  set_options, nat_rebind, host_down, host_up,
  hold, resume, fax, dtmf,  // media: re-INVITEs (sendonly/inactive, sendrecv, T.38) and digits
  api  // a request to the reference's management API (the built-in one, or the target's)
};

struct Step {
  rt::Instant at{};
  std::string party;  // the acting party; the NAT or host name for network actions
  Action action = Action::register_;
  std::string argument;       // call: the number; send: the message text (placeholders expanded later)
  std::string target;         // send: the party it goes to
  agents::AnswerScript answer;   // set_answer
  bool flag = false;          // set_options
  sip::SdpDirection direction = sip::SdpDirection::sendonly;  // hold: sendonly or inactive
  media::DtmfRequest dtmf;    // dtmf (its method "auto": rfc4733 if negotiated, else inband)
  bool dtmf_auto = true;
  std::string json_path;      // for messages
  // api: the request ({"method", "path", "body"}: argument holds the body's JSON text, its
  // party placeholders expanded when it runs) and the status it must get (0: any 2xx).
  std::string api_method, api_path;
  int api_status = 0;
};

// A management API request of an "api" step, and what came back (`error`: it was not answered).
struct ApiCall {
  std::string method, path, body;
};
struct ApiAnswer {
  int status = 0;
  std::string body;
  std::string error;
};

struct MessageCheck {
  std::string match;   // a ladder line ("trunk -> alice 404")
  int occurrence = 1;  // which matching message (1 = first)
  std::optional<std::string> status_line;                 // the first line, exactly
  std::optional<std::string> start_line_contains;         // ... or a part of it (a Request-URI's user)
  std::optional<rt::Address> sent_to;                     // the destination address it was sent to
  std::optional<rt::TransportKind> transport;             // what carried it: udp or tcp
  std::map<std::string, std::string> headers;            // header value, exactly
  std::map<std::string, std::string> header_contains;     // header value contains
  std::vector<std::string> absent_headers;
  std::vector<std::string> body_contains;
  std::vector<std::string> body_lacks;  // none of these anywhere in the body
  std::string json_path;
};

struct TimingCheck {
  std::optional<std::string> from;  // absent: from the start of the run
  std::string to;
  int to_occurrence = 1;
  std::optional<rt::Duration> max;
  std::optional<rt::Duration> min;
  std::string json_path;
};

struct CallCheck {
  std::optional<int> status;
  std::optional<bool> answered;
  std::optional<bool> early_media;
  std::optional<std::string> reason;
};

struct FinalChecks {
  std::optional<std::int64_t> channels_in_use;
  std::map<std::string, std::string> answered;     // caller party -> answering party ("" = none)
  std::map<std::string, bool> registered;          // party -> registered
  std::map<std::string, int> register_status;      // party -> last REGISTER final status
  std::map<std::string, std::int64_t> bindings;    // extension -> live contacts
  std::map<std::string, std::vector<CallCheck>> calls;  // party -> its calls, in order
  std::map<std::string, std::int64_t> trunk_counters;     // "failovers", "channel_rejects", ...
  std::map<std::string, std::int64_t> raw_responses;      // raw party -> responses it received
  std::optional<std::int64_t> ghost_answers;  // incoming calls answered that no caller got
  std::optional<std::int64_t> left_ringing;   // incoming calls with no final response at the end
};

// exact_per_pair: never read from a file; a swarm run judges an exact ladder per pair (swarm.hpp).
enum class LadderMode { exact, subset, exact_per_pair };

// What a party heard from another (RFC 3550 receiver figures of every stream the sender's
// probe tag names), per direction: "from" sends, "to" receives. "trunk" as "from" means media
// not sent by an emulated party (a target's own announcements).
struct MediaCheck {
  std::string from;
  std::string to;
  std::optional<int> call;  // the receiver's call (1 = its first); absent: every call
  std::optional<std::uint64_t> min_packets;  // "packets": N sets both; 0 = none at all
  std::optional<std::uint64_t> max_packets;
  std::optional<double> max_loss;  // lost / expected (RFC 3550 A.3), 0..1
  std::optional<double> min_loss;  // a degraded path asserted as degraded
  std::optional<rt::Duration> max_jitter;  // interarrival jitter (RFC 3550 §6.4.1)
  std::optional<rt::Duration> max_delay;   // mean one-way delay
  std::optional<std::string> codec;        // "PCMU"
  std::optional<std::string> starts_before;  // a ladder line: the first packet came before it
  std::optional<std::string> starts_after;
  std::optional<std::string> digits;              // digits heard, in order
  std::optional<media::DtmfMethod> digits_method;  // and how they came
  std::optional<double> min_r;    // ITU-T G.107 R-factor
  std::optional<double> min_mos;  // its MOS
  std::optional<double> max_mos;
  std::string json_path;
};

struct Expectations {
  std::vector<MediaCheck> media;
  std::vector<std::string> ladder;
  LadderMode ladder_mode = LadderMode::exact;
  std::vector<MessageCheck> messages;
  std::vector<TimingCheck> within;
  FinalChecks finally;
};

// Caps on one run in virtual time (a limit on everything): reaching any of them ends the run
// with a FAIL that names the cap. `limits` in the scenario, or `trunklab run --max-...`.
struct Limits {
  rt::Duration virtual_time = std::chrono::hours(24);     // virtual time the run may cover
  std::uint64_t events = 10'000'000;                     // events the scheduler may execute
  std::uint64_t messages = 100'000;                      // SIP datagrams the parties may send
  std::uint64_t media_packets = 10'000'000;              // RTP and RTCP packets they may send
  std::uint64_t output_bytes = std::uint64_t{64} << 20;  // size of the capture as a pcap
};

struct Scenario {
  std::string name;  // from "name" or the file name without .json
  std::string file;
  std::string description;
  std::uint64_t seed = 1;
  config::Config reference;
  rt::Address reference_address;
  std::vector<PartySpec> parties;  // sorted by name
  std::vector<NatSpec> nats;       // sorted by name
  sim::Link default_link;
  std::vector<LinkSpec> links;
  std::vector<sim::FaultRule> faults;  // in file order
  std::vector<Step> steps;             // sorted by time, stable
  // absent ("idle"): until the run is idle (runner.hpp says what that is), within `limits`.
  std::optional<rt::Duration> run_until;
  // The scenario wrote its run_until; else it is the loader's default (the last step plus 40 s),
  // which a run against a target may end early once settled (live_run.cpp).
  bool run_until_written = false;
  Limits limits;
  Expectations expect;
  std::optional<SwarmBounds> swarm;  // "swarm": what `run --swarm` may draw; absent: seed only

  const PartySpec* find_party(std::string_view name) const;
};

// Parses a scenario document. `file` names it in errors. Throws config::InputError.
Scenario read_scenario(const nlohmann::json& document, const std::string& file,
                       const std::string& default_name);
Scenario load_scenario_text(std::string_view text, const std::string& file);
Scenario load_scenario_file(const std::string& path);

}  // namespace trunklab::scenario
