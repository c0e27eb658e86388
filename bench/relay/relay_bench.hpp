// RTP relay throughput bench: the sessions a relay is asked for, and the pieces that set them
// up (SIP through `trunklab serve`, the ng control protocol to rtpengine) and pump RTP
// through them. Loopback only: every socket is bound on 127.0.0.1.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <vector>

namespace trunklab::bench_relay {

// The caller's (a) and the called side's (b) RTP sockets, shared round robin by the sessions
// (session i uses a[i % size] and b[i % size]): fewer sockets let the pump batch its system
// calls, and a relay sees one source per port either way.
struct Endpoints {
  std::vector<int> a, b;
  std::vector<std::uint16_t> a_port, b_port;
  std::uint16_t a_port_of(std::size_t session) const { return a_port[session % a_port.size()]; }
  std::uint16_t b_port_of(std::size_t session) const { return b_port[session % b_port.size()]; }
};

// One relayed call: where each side sends its RTP (the relay's port facing it).
struct Session {
  sockaddr_in relay_facing_a{};
  sockaddr_in relay_facing_b{};
};

// A non-blocking UDP socket on 127.0.0.1:`port` (0: any) with large buffers; throws on error.
int open_udp(std::uint16_t port);
std::uint16_t bound_port(int fd);
sockaddr_in loopback(std::uint16_t port);

// `calls` calls through `trunklab serve` at 127.0.0.1:`sip_port` (a trunk trusting 127.0.0.1,
// "media": "relay", routing to the provider this process plays on `provider_port`). Throws
// std::runtime_error naming the call and what went wrong.
std::vector<Session> setup_serve(std::uint16_t sip_port, std::uint16_t provider_port, std::size_t calls,
                                 const Endpoints& endpoints);
// The same through rtpengine's ng control protocol at 127.0.0.1:`ng_port` (offer, answer).
std::vector<Session> setup_rtpengine(std::uint16_t ng_port, std::size_t calls, const Endpoints& endpoints);

struct StepResult {
  double offered_pps = 0;   // asked for
  double sent_pps = 0;      // what the pump achieved
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::uint64_t send_errors = 0;  // refused by the pump's own kernel (not the relay's loss)
  double relay_cpu_s = 0;   // utime+stime of the relay process over the step and its drain
  double wall_s = 0;        // the step and its drain
  double loss() const { return sent == 0 ? 0 : 1.0 - static_cast<double>(received) / static_cast<double>(sent); }
  double cpu_us_per_packet() const { return received == 0 ? 0 : relay_cpu_s * 1e6 / static_cast<double>(received); }
};

// Sends 172-byte PCMU RTP packets from both sides of every session, spread evenly over the
// streams and over time, at `pps` in total for `seconds`; then waits until nothing more
// arrives (at most 3 s) and counts what reached the far side.
StepResult run_step(const Endpoints& endpoints, const std::vector<Session>& sessions, double pps, double seconds,
                    int relay_pid, std::uint8_t step_tag);

}  // namespace trunklab::bench_relay
