// `trunklab load` in real time: the driver on its own event loop, UDP socket, monotonic clock
// and OS randomness (the only part of load/ that touches them).
#include "load/register_load.hpp"

#include "reference/realtime/clock.hpp"
#include "reference/realtime/event_loop.hpp"
#include "reference/realtime/real_random.hpp"
#include "reference/realtime/udp_transport.hpp"

namespace trunklab::load {

std::variant<LoadReport, std::string> run_register_load(const LoadOptions& options) {
  realtime::EventLoop loop;
  const auto bind_to = options.target.is_v6()
                           ? rt::Address::parse("::1")->with_port(0)
                           : rt::Address::ipv4(0x7f000001, 0);
  auto opened = realtime::UdpTransport::open(loop, bind_to);
  if (auto* error = std::get_if<std::string>(&opened)) return *error;
  auto& udp = *std::get<std::unique_ptr<realtime::UdpTransport>>(opened);
  realtime::OsRandom random;
  realtime::MonotonicClock clock;
  RegisterLoad load(clock, loop, udp, random, options);
  udp.set_handler(&load);
  load.start();
  // Bounded: pacing ends after `duration`, the last registration `timeout` later.
  const auto limit = options.duration + options.timeout + std::chrono::seconds(1);
  const auto give_up = realtime::monotonic_now() + limit;
  while (!load.finished() && realtime::monotonic_now() < give_up) {
    loop.run_for(std::chrono::milliseconds(50));
  }
  return load.report();
}

}  // namespace trunklab::load
