// bench_relay: how many RTP packets per second a running relay forwards with under 0.1% loss,
// and its CPU per packet. It sets up --calls sessions in the relay (SIP through `trunklab
// serve`, or ng commands to rtpengine), then pumps RTP from both sides of every session at
// stepped total rates (each step --step-seconds long, --factor above the last), counting what
// arrives at the far side and reading the relay's utime+stime from /proc/PID/stat. It stops at
// the first rate lost twice at >= 0.1% (once could be a neighbour on a shared machine), or
// when the pump itself twice falls short of the rate (then the relay's limit is above it).
// bench/relay/compare.sh starts both relays pinned to one core and runs this on the other.
#include "bench/relay/relay_bench.hpp"

#include <arpa/inet.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <stdexcept>

namespace {

using namespace trunklab::bench_relay;

constexpr double kMaxLoss = 0.001;
constexpr double kPumpShortfall = 0.99;  // the pump achieved less than this share of the rate

struct Options {
  std::string relay = "serve";
  std::uint16_t sip_port = 0, provider_port = 0, ng_port = 0;
  int pid = 0;
  std::size_t calls = 500;
  std::size_t sockets = 16;
  double start_pps = 10000, factor = 1.25, max_pps = 2'000'000, step_s = 3;
};

void print(const std::string& relay, const StepResult& r) {
  std::printf("%-9s offered %8.0f/s sent %8.0f/s  received %9llu of %9llu  loss %7.4f%%  relay CPU %6.2f s "
              "= %5.2f µs/packet (%3.0f%% of a core)%s\n",
              relay.c_str(), r.offered_pps, r.sent_pps, static_cast<unsigned long long>(r.received),
              static_cast<unsigned long long>(r.sent), 100 * r.loss(), r.relay_cpu_s, r.cpu_us_per_packet(),
              100 * r.relay_cpu_s / r.wall_s,
              r.send_errors ? fmt::format("  ({} refused by the pump's kernel)", r.send_errors).c_str() : "");
  std::fflush(stdout);
}

int run(const Options& o) {
  Endpoints endpoints;
  const auto per_side = std::min(o.sockets, o.calls);
  for (std::size_t i = 0; i < per_side; ++i) {
    endpoints.a.push_back(open_udp(0));
    endpoints.a_port.push_back(bound_port(endpoints.a.back()));
    endpoints.b.push_back(open_udp(0));
    endpoints.b_port.push_back(bound_port(endpoints.b.back()));
  }
  const auto sessions = o.relay == "serve" ? setup_serve(o.sip_port, o.provider_port, o.calls, endpoints)
                                           : setup_rtpengine(o.ng_port, o.calls, endpoints);
  // A relay that passed the SDP through would leave the pump talking to itself.
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    const auto a = ntohs(sessions[i].relay_facing_a.sin_port), b = ntohs(sessions[i].relay_facing_b.sin_port);
    if (a == endpoints.b_port_of(i) || b == endpoints.a_port_of(i)) {
      throw std::runtime_error(fmt::format("call {}: the SDP was passed through, not anchored on the relay", i));
    }
  }
  std::printf("%s: %zu sessions set up, %zu streams, %zu sockets per side\n", o.relay.c_str(), sessions.size(),
              2 * sessions.size(), per_side);
  // Latch every stream (and settle the relay) before measuring.
  run_step(endpoints, sessions, 2.0 * static_cast<double>(sessions.size()) * 50, 1.0, o.pid, 1);
  StepResult best, first;
  bool have_best = false, pump_limited = false;
  std::uint8_t tag = 2;
  for (double pps = o.start_pps; pps <= o.max_pps; pps *= o.factor) {
    StepResult r;
    bool passed = false;
    for (int attempt = 0; attempt < 2 && !passed; ++attempt) {
      r = run_step(endpoints, sessions, pps, o.step_s, o.pid, tag);
      tag = static_cast<std::uint8_t>(tag == 255 ? 2 : tag + 1);
      print(o.relay, r);
      // A shortfall of the pump, or loss, may be a neighbour taking the core: one more try.
      passed = r.sent_pps >= kPumpShortfall * pps && r.loss() < kMaxLoss;
    }
    if (r.sent_pps < kPumpShortfall * pps) {
      pump_limited = true;
      break;
    }
    if (!passed) break;
    if (!have_best) first = r;
    best = r;
    have_best = true;
  }
  if (!have_best) {
    std::printf("RESULT relay=%s calls=%zu max_pps=0 (lost >= 0.1%% at the first rate)\n", o.relay.c_str(), o.calls);
    return 1;
  }
  std::printf("RESULT relay=%s calls=%zu max_pps=%.0f%s cpu_us_per_packet=%.2f at_first_rate=%.0f cpu_us_per_packet_first=%.2f\n",
              o.relay.c_str(), o.calls, best.offered_pps, pump_limited ? "+ (the pump's limit)" : "",
              best.cpu_us_per_packet(), first.offered_pps, first.cpu_us_per_packet());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"RTP relay throughput on loopback: serve's relay or rtpengine's, same pump"};
  Options o;
  app.add_option("--relay", o.relay, "serve or rtpengine")->check(CLI::IsMember({"serve", "rtpengine"}))->required();
  app.add_option("--sip-port", o.sip_port, "serve's SIP port on 127.0.0.1 (--relay serve)");
  app.add_option("--provider-port", o.provider_port, "where serve's configuration has its provider (--relay serve)");
  app.add_option("--ng-port", o.ng_port, "rtpengine's --listen-ng port on 127.0.0.1 (--relay rtpengine)");
  app.add_option("--pid", o.pid, "the relay's process id (CPU from /proc/PID/stat)")->required();
  app.add_option("--calls", o.calls, "sessions to set up")->check(CLI::Range(1, 5000));
  app.add_option("--sockets", o.sockets, "pump sockets per side, shared round robin by the sessions")
      ->check(CLI::Range(1, 5000));
  app.add_option("--start", o.start_pps, "first total rate, packets/s (both directions)")->check(CLI::Range(100.0, 1e7));
  app.add_option("--factor", o.factor, "each step's rate over the last")->check(CLI::Range(1.01, 4.0));
  app.add_option("--max", o.max_pps, "highest rate tried")->check(CLI::Range(100.0, 1e8));
  app.add_option("--step-seconds", o.step_s, "length of a step")->check(CLI::Range(0.5, 60.0));
  CLI11_PARSE(app, argc, argv);
  if (o.relay == "serve" && (o.sip_port == 0 || o.provider_port == 0)) {
    std::fprintf(stderr, "bench_relay: --relay serve needs --sip-port and --provider-port\n");
    return 2;
  }
  if (o.relay == "rtpengine" && o.ng_port == 0) {
    std::fprintf(stderr, "bench_relay: --relay rtpengine needs --ng-port\n");
    return 2;
  }
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_relay: %s\n", e.what());
    return 1;
  }
}
