// `trunklab run --target`: the scenario's parties on real UDP sockets around a system under
// test, in real time, judged as in virtual time.
#include "scenario/run_state.hpp"

#include "reference/realtime/clock.hpp"
#include "reference/realtime/event_loop.hpp"
#include "reference/realtime/real_random.hpp"
#include "reference/realtime/udp_transport.hpp"
#include "reports/pcap/live_capture.hpp"
#include "sim/kernel/random_streams.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <memory>

namespace trunklab::scenario {
namespace detail {
namespace {

rt::Duration scaled(rt::Duration d, double time_scale) {
  return rt::Duration{static_cast<std::int64_t>(static_cast<double>(d.count()) * time_scale)};
}

// The target as "trunk" and every party at its real socket.
AddressBook live_addresses(const Scenario& scenario, const LiveOptions& live) {
  AddressBook book{{kReferenceName, live.target}};
  for (const auto& party : scenario.parties) {
    if (party.on_wire()) book[party.name] = live_address(scenario, live, party.name);
  }
  return book;
}

// The emulated parties on real UDP sockets around a target. Every datagram a party sends, and
// every one the target sends to a party, is recorded once, with the time since the start, into
// a wiretap::Capture: the ladder, the pcap and the reports then work as in virtual time.
class LiveRun final : public RunState {
public:
  LiveRun(const Scenario& scenario, const LiveOptions& live, std::uint64_t seed, const Limits& limits)
      : scenario_(scenario), live_(live), limits_(limits), random_(seed), scenario_book_(scenario_addresses(scenario)),
        live_book_(live_addresses(scenario, live)) {
    names_[live.target] = kReferenceName;
  }

  // Binds every party's socket; an error names the party and the address.
  std::optional<std::string> start() {
    start_ = clock_.now();
    last_datagram_ = start_;
    for (const auto& party : scenario_.parties) {
      if (!party.on_wire()) continue;
      auto address = live_address(scenario_, live_, party.name);
      auto opened = realtime::UdpTransport::open(loop_, address);
      if (auto* error = std::get_if<std::string>(&opened)) return fmt::format("party {}: {}", party.name, *error);
      auto tap = std::make_unique<Tap>(*this, party.name, std::move(std::get<0>(opened)));
      names_[tap->local_address()] = party.name;
      auto* raw_tap = tap.get();
      auto binder = [raw_tap](rt::DatagramHandler& handler) -> rt::Transport& {
        raw_tap->inner = &handler;
        return *raw_tap;
      };
      agents_.emplace(party.name, std::make_unique<agents::UserAgent>(
                                      party_config(scenario_, party, live_.target, live_.time_scale), binder,
                                      clock_, loop_, random_.stream(party.name)));
      taps_.push_back(std::move(tap));
      const auto* phone = std::get_if<PhoneSpec>(&party.role);
      if (phone && phone->register_at_start) {
        auto* agent = agents_.at(party.name).get();
        loop_.start_timer(rt::Duration{0}, [agent] { agent->register_now(); });
      }
    }
    if (!live_.capture_iface.empty()) {
      if (auto error = start_live_capture()) return error;
    }
    for (const auto& step : scenario_.steps) {
      loop_.start_timer(scaled(step.at.time_since_epoch(), live_.time_scale), [this, &step] {
        ++steps_done_;
        execute(step);
      });
    }
    return std::nullopt;
  }

  // Real time, bounded: run_until (scaled), else the last step plus 40 s for the flows to end.
  // The run ends sooner once it has settled: every step done, no party waiting for an answer
  // or a call set-up, nothing on the wire for kSettledQuiet, and `expectations_met` says the
  // verdict would be a pass (a scenario that waits for the target's own timers, such as its
  // OPTIONS probes, runs on until they show or run_until comes).
  void run(std::function<bool()> expectations_met) {
    expectations_met_ = std::move(expectations_met);
    rt::Duration last{0};
    for (const auto& step : scenario_.steps) last = std::max(last, step.at.time_since_epoch());
    auto until = scenario_.run_until.value_or(last + std::chrono::seconds(40));
    watch_settled();
    loop_.run_for(scaled(until, live_.time_scale));
    if (pcap_) {
      // Frames the kernel captured before the loop stopped are still buffered.
      drain_live_capture();
      loop_.unwatch(pcap_->selectable_fd());
    }
    elapsed_ = clock_.now() - start_;
  }
  // What went wrong with live capture during the run ("" = nothing).
  const std::string& capture_error() const { return capture_error_; }

  const element::ReferenceServer* server() const override { return nullptr; }
  bool real_time() const override { return true; }
  std::string expected_text(const std::string& text) const override {
    return translate_addresses(text, scenario_book_, live_book_);
  }
  const agents::UserAgent* agent(const std::string& name) const override {
    auto it = agents_.find(name);
    return it == agents_.end() ? nullptr : it->second.get();
  }
  const wiretap::Capture& capture() const { return capture_; }
  rt::Duration elapsed() const { return elapsed_; }
  std::uint64_t calls_started() const { return calls_started_; }

private:
  struct Tap final : rt::Transport, rt::DatagramHandler {
    Tap(LiveRun& owner, std::string party, std::unique_ptr<realtime::UdpTransport> socket)
        : run(owner), name(std::move(party)), udp(std::move(socket)) {
      udp->set_handler(this);
    }
    rt::Address local_address() const override { return udp->local_address(); }
    void send(const rt::Address& to, std::string_view bytes) override {
      run.record(local_address(), to, bytes);
      udp->send(to, bytes);
    }
    void on_datagram(const rt::Address& local, const rt::Address& remote, std::string_view bytes) override {
      if (!run.is_party(remote)) run.record(remote, local, bytes);  // parties' own sends are recorded already
      if (inner) inner->on_datagram(local, remote, bytes);
    }
    LiveRun& run;
    std::string name;
    std::unique_ptr<realtime::UdpTransport> udp;
    rt::DatagramHandler* inner = nullptr;
  };

  // libpcap on live_.capture_iface replaces the sockets' own record: the capture then shows
  // what the kernel carried, on the target's port and the parties'.
  std::optional<std::string> start_live_capture() {
    std::vector<std::uint16_t> ports;
    for (const auto& [name, address] : live_book_) ports.push_back(address.port());
    auto opened = reports::LiveCapture::open(live_.capture_iface, ports);
    if (auto* error = std::get_if<std::string>(&opened)) return *error;
    pcap_ = std::move(std::get<0>(opened));
    loop_.watch_readable(pcap_->selectable_fd(), [this] { drain_live_capture(); });
    return std::nullopt;
  }
  void drain_live_capture() {
    auto error = pcap_->drain([this](reports::Datagram d) {
      record_at(rt::Instant{d.time - start_}, d.src, d.dst, d.bytes);
    });
    if (!error.empty() && capture_error_.empty()) capture_error_ = "capture on " + live_.capture_iface + ": " + error;
  }

  void execute(const Step& step) {
    auto& agent = *agents_.at(step.party);
    if (step.action == Action::send) {
      agent.send_raw(expand_raw(scenario_, step, live_book_, ++raw_counter_), live_book_.at(step.target));
      return;
    }
    if (apply_party_step(agent, step, *scenario_.find_party(step.party), live_.target)) ++calls_started_;
  }

  // Long enough for a target's retransmission of a final response (T1 = 500 ms) or an ACK to
  // come in, short beside any scenario.
  static constexpr rt::Duration kSettledQuiet = std::chrono::milliseconds(1500);
  static constexpr rt::Duration kSettledPoll = std::chrono::milliseconds(100);

  void watch_settled() {
    loop_.start_timer(kSettledPoll, [this] {
      if (settled()) {
        loop_.stop();
        return;
      }
      watch_settled();
    });
  }
  bool settled() const {
    if (steps_done_ < scenario_.steps.size()) return false;
    if (clock_.now() - last_datagram_ < kSettledQuiet) return false;
    if (std::any_of(agents_.begin(), agents_.end(), [](const auto& entry) { return entry.second->waiting(); })) {
      return false;
    }
    return expectations_met_ && expectations_met_();
  }

  bool is_party(const rt::Address& address) const {
    auto it = names_.find(address);
    return it != names_.end() && it->second != kReferenceName;
  }
  std::string name_of(const rt::Address& address) const {
    auto it = names_.find(address);
    return it == names_.end() ? std::string{} : it->second;
  }
  // What a party's socket sent or received; with live capture, libpcap records instead.
  void record(const rt::Address& src, const rt::Address& dst, std::string_view bytes) {
    if (pcap_) {
      last_datagram_ = clock_.now();
      return;
    }
    record_at(rt::Instant{clock_.now() - start_}, src, dst, bytes);
  }
  void record_at(rt::Instant since_start, const rt::Address& src, const rt::Address& dst, std::string_view bytes) {
    wiretap::CaptureRecord r;
    r.time = since_start;
    r.src = src;
    r.dst = dst;
    r.src_host = name_of(src);
    r.dst_host = name_of(dst);
    r.bytes = std::string(bytes);
    capture_.record(std::move(r));
    last_datagram_ = clock_.now();
    // Real time is bounded by run_until; a target that floods is bounded here.
    if (cap_.empty() && capture_.records().size() > limits_.messages) {
      cap_ = fmt::format("limits.messages: more than {} messages on the wire", limits_.messages);
    } else if (cap_.empty() && capture_.pcap_size() > limits_.output_bytes) {
      cap_ = fmt::format("limits.output_bytes: the capture grew past {} bytes", limits_.output_bytes);
    }
    if (!cap_.empty()) loop_.stop();
  }

public:
  // The cap of limits the run reached ("" = none), as "limits.NAME: why".
  const std::string& cap() const { return cap_; }

private:

  const Scenario& scenario_;
  const LiveOptions& live_;
  Limits limits_;
  std::string cap_;
  realtime::EventLoop loop_;
  realtime::SystemClock clock_;
  sim::RandomStreams random_;
  wiretap::Capture capture_;
  rt::Instant start_{};
  rt::Instant last_datagram_{};
  rt::Duration elapsed_{0};
  std::size_t steps_done_ = 0;
  std::uint64_t raw_counter_ = 0;
  std::unique_ptr<reports::LiveCapture> pcap_;
  std::string capture_error_;
  std::function<bool()> expectations_met_;
  AddressBook scenario_book_;
  AddressBook live_book_;
  std::map<rt::Address, std::string> names_;
  std::vector<std::unique_ptr<Tap>> taps_;
  std::map<std::string, std::unique_ptr<agents::UserAgent>> agents_;
  std::uint64_t calls_started_ = 0;
};

}  // namespace

Verdict run_live(const Scenario& scenario, const RunOptions& options, Verdict verdict) {
  verdict.real_time = true;
  verdict.target = "udp:" + options.live->target.to_string();
  // A target keeps state between runs: the same scenario run twice within 32 s must not repeat
  // its Call-IDs, tags and branches (they would match the first run's transactions). Real time
  // is not reproducible anyway; --seed still fixes the identifiers when asked.
  if (!options.seed) verdict.seed = realtime::OsRandom().next_u64() >> 1;
  if (auto why = target_unsupported(scenario)) {
    verdict.failures.push_back(fmt::format("cannot run against a target: {}", *why));
    return verdict;
  }
  LiveRun run(scenario, *options.live, verdict.seed, options.limits.applied_to(scenario.limits));
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

std::optional<std::string> target_unsupported(const Scenario& scenario) {
  if (!scenario.nats.empty()) return "NAT boxes are simulated only";
  if (!scenario.faults.empty() || !scenario.links.empty()) return "network faults and links are simulated only";
  for (const auto& step : scenario.steps) {
    if (step.action == Action::nat_rebind || step.action == Action::host_down || step.action == Action::host_up) {
      return fmt::format("{}: network steps are simulated only", step.json_path);
    }
  }
  return std::nullopt;
}

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
  const AddressBook real = detail::live_addresses(scenario, live);
  for (auto& provider : c.providers) {
    if (scenario.find_party(provider.name)) provider.address = real.at(provider.name);
  }
  // An IP-authenticated PBX is trusted where it really sends from.
  for (auto& trunk : c.trunks) {
    for (auto& trusted : trunk.trusted_addresses) trusted = detail::translate_addresses(trusted, detail::scenario_addresses(scenario), real);
  }
  return c;
}

}  // namespace trunklab::scenario
