// Runs a scenario in virtual time against the reference and judges it: builds the World (hosts,
// NATs, links, faults), the reference trunk/registrar at "trunk" and one emulated party per
// scenario party, schedules the steps, runs, then checks the expectations against the capture
// (what was on the wire) and the final state of the reference and the parties.
#pragma once

#include "reports/ladder/ladder.hpp"
#include "scenario/ladder_match.hpp"
#include "scenario/scenario.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace trunklab::scenario {

// Running against a real system under test instead of the built-in reference: every emulated
// party on a real UDP socket (behind an emulated NAT: one per public mapping), real time, the
// target in the place of the party "trunk"; NAT boxes, faults and links as in virtual time
// (real_stage.hpp).
struct LiveOptions {
  rt::Address target;
  // --target tcp:...: the target listens on TCP (and UDP, RFC 3261 §18) at `target`; parties
  // whose scenario names no transport send their requests over TCP.
  rt::TransportKind target_transport = rt::TransportKind::udp;
  std::map<std::string, rt::Address> binds;  // party -> its socket (--bind NAME=IP:PORT)
  std::uint16_t base_port = 5070;            // others: 127.0.0.1:(base_port + party index)
  double time_scale = 1.0;                   // scales step times, reply delays and run_until
  std::string capture_iface;                 // "" = record what the parties' sockets send and
                                             // receive; else libpcap on this interface (root)
  // The target's management API for "api" steps (`run --target-api URL --target-api-token`):
  // the app supplies the HTTP client; unset, an "api" step fails saying so.
  std::function<ApiAnswer(const ApiCall&)> api;
};

// `trunklab run --max-...`: caps that replace the scenario's `limits` (or their defaults).
struct LimitOverrides {
  std::optional<rt::Duration> virtual_time;
  std::optional<std::uint64_t> events;
  std::optional<std::uint64_t> messages;
  std::optional<std::uint64_t> output_bytes;
  std::optional<std::uint64_t> media_packets;
  Limits applied_to(Limits limits) const;
};

struct RunOptions {
  std::optional<std::uint64_t> seed;  // overrides the scenario's seed
  bool keep_pcap = true;              // fill Verdict::pcap
  bool report_ladder = true;          // fill Verdict::ladder (for the ladder.* files)
  bool keep_delivered_pcap = false;   // fill Verdict::delivered_pcap (virtual time only)
  std::optional<LiveOptions> live;    // against a target, in real time
  LimitOverrides limits;              // virtual time only
};

// One RTP stream as its receiver heard it (RFC 3550 receiver figures), for verdict.json and
// the media expectations.
struct MediaFigures {
  std::string from;  // the sending party (its probe tag), "trunk" for media no party sent
  std::string to;    // the receiving party
  int call = 0;      // the receiver's call, 1 = its first
  std::uint32_t ssrc = 0;
  int payload_type = -1;  // of the audio; -1 = events only
  std::string codec;      // "PCMU", "" when unknown
  std::uint64_t packets = 0;   // received, duplicates included (as RFC 3550 counts)
  std::uint64_t expected = 0;  // from the sequence numbers (RFC 3550 A.3)
  std::uint64_t lost = 0;      // expected - received, at least 0
  std::uint64_t duplicates = 0;
  rt::Duration jitter{};       // RFC 3550 §6.4.1
  std::optional<rt::Duration> mean_delay;  // one-way, from the probe's send times
  rt::Instant first_at{};
  rt::Instant last_at{};       // the last packet's arrival
  std::string digits_rfc4733;  // telephone-events heard
  std::string digits_inband;   // tones heard
  double r_factor = 0.0;       // ITU-T G.107, from loss, jitter and delay
  double mos = 1.0;
  double loss_ratio() const { return expected == 0 ? 0.0 : static_cast<double>(lost) / static_cast<double>(expected); }
  std::string src;  // where its first packet came from (IP:port), as the receiver saw it
  std::string dst;  // the receiver's RTP address
  rt::Address dst_address;
  std::optional<std::uint64_t> sent;  // what the sender of this SSRC sent (packets), if a party did
  // What the network delivered to the receiver's RTP address with this SSRC, heard or not: a
  // receiver-side capture's count (`--pcap-delivered`). Above `packets` by what arrived while
  // the party did not listen: before the answer reached it, after its BYE.
  std::uint64_t delivered = 0;
};

// One RTP stream as its sender sent it: what a sender-side capture shows, heard or not.
struct MediaSent {
  std::string from;  // the sending party
  int call = 0;      // the sender's call, 1 = its first
  std::uint32_t ssrc = 0;
  std::string src;   // the address it left from
  std::string last_destination;
  std::uint64_t packets = 0;  // every RTP packet, RFC 4733 events included
  std::uint64_t event_packets = 0;
};

struct Verdict {
  std::string name;
  std::string file;
  std::uint64_t seed = 0;
  bool passed = false;
  std::vector<std::string> failures;  // one per failed expectation, readable on their own
  std::vector<std::string> notes;     // checks that could not be made (against a target)
  std::vector<WireLine> lines;        // the actual ladder
  std::vector<MediaFigures> media;    // every RTP stream the parties heard
  std::vector<MediaSent> media_sent;  // every RTP stream the parties sent
  std::vector<nlohmann::json> call_records;  // the reference's, one per call (cdr.jsonl)
  std::string metrics;                // the reference's at the end, Prometheus text (metrics.prom)
  reports::Ladder ladder;             // for the report renderers (RunOptions::report_ladder)
  rt::Duration virtual_duration{};
  std::string pcap;                   // pcap file bytes (empty unless keep_pcap)
  std::string delivered_pcap;         // the receivers' view (empty unless keep_delivered_pcap)
  std::uint64_t calls_started = 0;    // calls the parties placed (benchmarks)
  std::string limit;                  // the cap the run reached ("messages", ...); "" = none
  bool real_time = false;             // run against a target (`--target`)
  std::string target;                 // "udp:IP:PORT" when real_time
  std::string swarm_draw;             // a swarm run: the network drawn for its seed (swarm.hpp)
  std::string reproduce;              // a swarm run: the command that reproduces it

  // The actual ladder, one annotated line per message: the golden file's content.
  std::string ladder_text() const;
  // Every failure, then the seed and how to reproduce the run.
  std::string failure_text() const;
  nlohmann::json to_json() const;
};

// Runs one scenario. Never throws for scenario-level problems: a topology the network refuses
// (duplicate addresses...) becomes a failed verdict with the message.
//
// In virtual time the run ends at `run_until`, or, for "idle" (no run_until), as soon as the run
// is idle: every step done, no party waiting for a final response or with a call being set up
// or up, no call in the reference's trunk, no datagram on the wire. Registration refreshes,
// keep-alives and OPTIONS probes are timers, not open work: they do not keep a run alive. Any cap
// of Scenario::limits (after RunOptions::limits) that the run reaches first ends it with a
// failure naming the cap and Verdict::limit set.
Verdict run_scenario(const Scenario& scenario, const RunOptions& options = {});

// The socket each party gets against a target, and the reference configuration the target must
// have for the scenario (providers at the emulated providers' sockets): `--print-target-config`.
rt::Address live_address(const Scenario& scenario, const LiveOptions& live, const std::string& party);
config::Config target_config(const Scenario& scenario, const LiveOptions& live);

// Golden ladders: <scenario dir>/golden/<name>.ladder.txt.
std::filesystem::path golden_path(const Scenario& scenario);
// Compares the verdict's ladder with the golden file; a difference is added to the verdict's
// failures. With `update`, (re)writes the file instead. A missing golden file is a failure when
// `required` or when the scenario's folder has a golden/ folder (the bundled scenarios: a new
// one gets its file with --update); otherwise there is nothing to compare. Returns an I/O error
// message, if any.
std::optional<std::string> check_golden(const Scenario& scenario, Verdict& verdict, bool update,
                                        bool required = false);

}  // namespace trunklab::scenario
