// An Observer that writes what it sees to a PcapFile as it happens (`trunklab serve --pcap`):
// UDP datagrams as UDP frames, TCP messages as segments of a made-up but consistent stream
// per connection (tcp_flows.hpp), restarted with a handshake in each new file so every file
// is readable alone. IPv4 only: an IPv6 event is counted, not written.
#pragma once

#include "wiretap/observer.hpp"
#include "wiretap/pcap_file.hpp"
#include "wiretap/tcp_flows.hpp"

#include <cstdint>
#include <memory>

namespace trunklab::wiretap {

class PcapRecorder final : public Observer {
public:
  // `clock_epoch_unix_us`: the Unix time, in microseconds, of the events' clock's zero (0 for
  // the real clock, whose instants already count from the Unix epoch).
  explicit PcapRecorder(std::unique_ptr<PcapFile> file, std::int64_t clock_epoch_unix_us = 0)
      : file_(std::move(file)), epoch_us_(clock_epoch_unix_us) {}

  WireId on_wire(const WireEvent& event) override;

  const PcapFile& file() const { return *file_; }
  std::uint64_t not_ipv4() const { return not_ipv4_; }
  std::uint64_t tcp_flows_forgotten() const { return flows_.forgotten(); }

private:
  std::unique_ptr<PcapFile> file_;
  std::int64_t epoch_us_;
  TcpFlows flows_;
  std::uint16_t ip_id_ = 0;
  std::uint64_t not_ipv4_ = 0;
};

}  // namespace trunklab::wiretap
