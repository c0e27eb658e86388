// Capturing SIP-over-UDP live with libpcap (`trunklab run --target ... --capture-iface lo`):
// what the kernel saw on an interface, rather than what trunklab's own sockets sent and
// received. Needs root or CAP_NET_RAW. The BPF filter keeps only the ports of the run.
#pragma once

#include "reports/ladder/ladder.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

struct pcap;

namespace trunklab::reports {

class LiveCapture {
public:
  // Opens `interface` in immediate mode with the filter "udp and (port A or port B ...)".
  // The error names the interface and says what libpcap answered (e.g. no permission).
  static std::variant<std::unique_ptr<LiveCapture>, std::string> open(const std::string& interface,
                                                                      const std::vector<std::uint16_t>& ports);
  ~LiveCapture();
  LiveCapture(const LiveCapture&) = delete;
  LiveCapture& operator=(const LiveCapture&) = delete;

  // A descriptor that becomes readable when frames are waiting (for an event loop).
  int selectable_fd() const;
  // Hands every frame captured so far to `on_datagram` (time: microseconds since the Unix epoch);
  // never blocks. Returns "" or what libpcap reported.
  std::string drain(const std::function<void(Datagram)>& on_datagram);
  std::uint64_t not_udp() const { return not_udp_; }

private:
  explicit LiveCapture(pcap* handle);
  pcap* handle_;
  int link_type_;
  std::uint64_t not_udp_ = 0;
};

// "udp and (port 5060 or port 5070)": the filter open() installs.
std::string udp_ports_filter(const std::vector<std::uint16_t>& ports);

}  // namespace trunklab::reports
