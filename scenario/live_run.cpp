// `trunklab run --target`: the scenario engine on the real stage (real_stage.hpp) around a
// system under test, in real time, judged as in virtual time.
#include "scenario/run_state.hpp"

#include "reference/realtime/real_random.hpp"
#include "reports/pcap/live_capture.hpp"
#include "scenario/engine.hpp"
#include "scenario/real_stage.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <memory>

namespace trunklab::scenario {
namespace detail {
namespace {


// The engine on the real stage around a target. Every datagram a party sends, and every one
// the target sends to a party, is recorded once, with the time since the start: the ladder,
// the pcap and the reports then work as in virtual time.
class LiveRun final : public RunState {
public:
  LiveRun(const Scenario& scenario, const LiveOptions& live, std::uint64_t seed, std::uint64_t network_seed,
          const Limits& limits)
      : scenario_(scenario), live_(live), limits_(limits), stage_(scenario, live, seed, network_seed),
        engine_(scenario, stage_) {
    stage_.set_on_record([this] { check_caps(); });
  }

  // Binds every party's socket; an error names the party and the address.
  std::optional<std::string> start() {
    if (auto error = stage_.open()) return error;
    if (!live_.capture_iface.empty()) {
      if (auto error = start_live_capture()) return error;
    }
    engine_.start();
    return std::nullopt;
  }

  // Real time, bounded. With run_until, the run lasts exactly that long (scaled), as in virtual
  // time: what the target does late in the window (its probes, its refreshes) is part of the
  // scenario. Without ("idle"), it lasts at most the last step plus 40 s and ends sooner once
  // it has settled: every step done, no party waiting for an answer or a call set-up, nothing
  // on the wire for kSettledQuiet, and `expectations_met` says the verdict would be a pass.
  void run(std::function<bool()> expectations_met) {
    expectations_met_ = std::move(expectations_met);
    rt::Duration last{0};
    for (const auto& step : scenario_.steps) last = std::max(last, step.at.time_since_epoch());
    auto until = scenario_.run_until.value_or(last + std::chrono::seconds(40));
    // The loader's default run_until (no "run_until" written) is a bound, not a window.
    if (!scenario_.run_until_written) watch_settled();
    stage_.loop().run_for(scaled(until, live_.time_scale));
    if (pcap_) {
      // Frames the kernel captured before the loop stopped are still buffered.
      drain_live_capture();
      stage_.loop().unwatch(pcap_->selectable_fd());
    }
    elapsed_ = stage_.elapsed();
  }
  // What went wrong with live capture during the run ("" = nothing).
  const std::string& capture_error() const { return capture_error_; }
  // The cap of limits the run reached ("" = none), as "limits.NAME: why".
  const std::string& cap() const { return cap_; }

  const element::ReferenceServer* server() const override { return nullptr; }
  bool real_time() const override { return true; }
  double time_scale() const override { return live_.time_scale; }
  rt::Duration timing_tolerance() const override { return kTimingTolerance; }
  std::string expected_text(const std::string& text) const override { return stage_.expected_text(text); }
  rt::Instant clock_origin() const override { return stage_.started_at(); }
  const agents::UserAgent* agent(const std::string& name) const override { return engine_.agent(name); }
  const wiretap::Capture& capture() const { return stage_.capture(); }
  rt::Duration elapsed() const { return elapsed_; }
  std::uint64_t calls_started() const { return engine_.calls_started(); }
  std::vector<std::string> step_failures() const override { return engine_.step_failures(); }
  std::size_t media_refused() const { return stage_.media_refused(); }

private:
  // libpcap on live_.capture_iface replaces the sockets' own record: the capture then shows
  // what the kernel carried, on the target's port and the parties'.
  std::optional<std::string> start_live_capture() {
    std::vector<std::uint16_t> ports;
    for (const auto& [name, address] : stage_.addresses()) ports.push_back(address.port());
    auto opened = reports::LiveCapture::open(live_.capture_iface, ports);
    if (auto* error = std::get_if<std::string>(&opened)) return *error;
    pcap_ = std::move(std::get<0>(opened));
    stage_.set_recording(false);
    stage_.loop().watch_readable(pcap_->selectable_fd(), [this] { drain_live_capture(); });
    return std::nullopt;
  }
  void drain_live_capture() {
    auto error = pcap_->drain([this](reports::Datagram d) {
      stage_.record_seen(rt::Instant{d.time - stage_.started_at()}, d.src, d.dst, d.bytes);
    });
    if (!error.empty() && capture_error_.empty()) capture_error_ = "capture on " + live_.capture_iface + ": " + error;
  }

  // Long enough for a target's retransmission of a final response (T1 = 500 ms) or an ACK to
  // come in, short beside any scenario.
  static constexpr rt::Duration kSettledQuiet = std::chrono::milliseconds(1500);
  static constexpr rt::Duration kSettledPoll = std::chrono::milliseconds(100);
  // Two event loops' timers (the target's, the harness's) and the kernel's scheduling between
  // them: 20 ms, far below any interval a scenario measures.
  static constexpr rt::Duration kTimingTolerance = std::chrono::milliseconds(20);

  void watch_settled() {
    stage_.loop().start_timer(kSettledPoll, [this] {
      if (settled()) {
        stage_.loop().stop();
        return;
      }
      watch_settled();
    });
  }
  // The judge runs again only when something new was recorded: a quiet run is not re-judged
  // every poll (judging is linear in the capture).
  bool settled() {
    if (engine_.steps_left() > 0 || stage_.datagrams_in_flight() > 0) return false;
    if (stage_.clock().now() - stage_.last_datagram() < kSettledQuiet) return false;
    if (engine_.any_party_waiting()) return false;
    const auto seen = stage_.capture().records().size();
    if (judged_at_ != seen) {
      judged_at_ = seen;
      judged_pass_ = expectations_met_ && expectations_met_();
    }
    return judged_pass_;
  }

  // Real time is bounded by run_until; a target that floods is bounded here.
  void check_caps() {
    const auto& capture = stage_.capture();
    // As in virtual time, limits.messages counts SIP and limits.media_packets what the parties'
    // media sessions sent.
    if (cap_.empty() && capture.records().size() - stage_.media_records() > limits_.messages) {
      cap_ = fmt::format("limits.messages: more than {} messages on the wire", limits_.messages);
    } else if (cap_.empty() && engine_.media_packets_sent() > limits_.media_packets) {
      cap_ = fmt::format("limits.media_packets: the parties sent more than {} RTP/RTCP packets", limits_.media_packets);
    } else if (cap_.empty() && capture.pcap_size() > limits_.output_bytes) {
      cap_ = fmt::format("limits.output_bytes: the capture grew past {} bytes", limits_.output_bytes);
    }
    if (!cap_.empty()) stage_.loop().stop();
  }

  const Scenario& scenario_;
  const LiveOptions& live_;
  Limits limits_;
  std::string cap_;
  RealStage stage_;
  Engine engine_;
  rt::Duration elapsed_{0};
  std::unique_ptr<reports::LiveCapture> pcap_;
  std::string capture_error_;
  std::function<bool()> expectations_met_;
  std::size_t judged_at_ = static_cast<std::size_t>(-1);
  bool judged_pass_ = false;
};

}  // namespace

Verdict run_live(const Scenario& scenario, const RunOptions& options, Verdict verdict) {
  verdict.real_time = true;
  verdict.target = "udp:" + options.live->target.to_string();
  // A target keeps state between runs: the same scenario run twice within 32 s must not repeat
  // its Call-IDs, tags and branches (they would match the first run's transactions). Real time
  // is not reproducible anyway; --seed still fixes the identifiers when asked.
  if (!options.seed) verdict.seed = realtime::OsRandom().next_u64() >> 1;
  // The network's dice (fault rules, link jitter) are the scenario's, as in virtual time.
  LiveRun run(scenario, *options.live, verdict.seed, options.seed.value_or(scenario.seed),
              options.limits.applied_to(scenario.limits));
  if (auto error = run.start()) {
    verdict.failures.push_back(*error);
    return verdict;
  }
  RunOptions quick = options;  // judging on the way: no ladder, no pcap
  quick.report_ladder = false;
  quick.keep_pcap = false;
  run.run([&] { return judge_run(scenario, quick, run, run.capture(), verdict).passed; });
  verdict.virtual_duration = run.elapsed();
  verdict.calls_started = run.calls_started();
  if (const auto& cap = run.cap(); !cap.empty()) {
    verdict.limit = cap.substr(7, cap.find(':') - 7);  // "limits.messages: ..." -> "messages"
    verdict.failures.push_back(fmt::format("limit reached: {} after {} of real time", cap,
                                           config::format_duration(run.elapsed())));
  }
  if (const auto refused = run.media_refused(); refused > 0) {
    verdict.failures.push_back(fmt::format("limit reached: more than {} media sockets in the run; {} call media "
                                           "port(s) went without RTP", RealStage::kMaxMediaSockets, refused));
  }
  if (!run.capture_error().empty()) verdict.failures.push_back(run.capture_error());
  if (!options.live->capture_iface.empty()) {
    verdict.notes.push_back(fmt::format("captured live with libpcap on {}: {} SIP datagrams on the run's ports",
                                        options.live->capture_iface, run.capture().records().size()));
  }
  if (run.capture().records().empty()) {
    verdict.failures.push_back("nothing was sent or received: the scenario has no steps for the parties");
  } else if (std::none_of(run.capture().records().begin(), run.capture().records().end(),
                          [](const wiretap::CaptureRecord& r) { return r.src_host == kReferenceName; })) {
    verdict.failures.push_back(fmt::format("no answer from the target udp:{} within the run",
                                           options.live->target.to_string()));
  }
  return judge_run(scenario, options, run, run.capture(), std::move(verdict));
}

}  // namespace detail

using detail::AddressBook;

rt::Address live_address(const Scenario& scenario, const LiveOptions& live, const std::string& party) {
  if (auto it = live.binds.find(party); it != live.binds.end()) return it->second;
  std::uint16_t index = 0;
  for (const auto& p : scenario.parties) {
    if (p.name == party) break;
    ++index;
  }
  return rt::Address::ipv4(0x7f000001, static_cast<std::uint16_t>(live.base_port + index));
}

config::Config target_config(const Scenario& scenario, const LiveOptions& live) {
  config::Config c = scenario.reference;
  AddressBook real{{kReferenceName, live.target}};
  for (const auto& party : scenario.parties) {
    if (party.on_wire()) real[party.name] = live_address(scenario, live, party.name);
  }
  for (auto& provider : c.providers) {
    if (scenario.find_party(provider.name)) provider.address = real.at(provider.name);
  }
  // An IP-authenticated PBX is trusted where it really sends from.
  for (auto& trunk : c.trunks) {
    for (auto& trusted : trunk.trusted_addresses) trusted = detail::translate_addresses(trusted, detail::scenario_addresses(scenario), real);
    // A static trunk's PBX is called where it really listens.
    for (auto& destination : trunk.addresses) {
      auto text = detail::translate_addresses(destination.address.to_string(), detail::scenario_addresses(scenario), real);
      if (auto moved = rt::Address::parse(text)) destination.address = *moved;
    }
  }
  return c;
}

}  // namespace trunklab::scenario
