// Capture: a run's wiretap (wiretap::Observer). The simulated network (UDP and TCP), the real
// stage's sockets and its libpcap capture all report here, so every datagram or message is
// recorded with its time, addresses, the names of both parties and its bytes; the record list
// feeds the judge, ladders and reports, and write_pcap() turns it into a pcap file (Ethernet /
// IPv4 / UDP, or TCP for records of a stream transport: see tcp_flows.hpp) that Wireshark,
// tshark and sngrep open. (`trunklab serve --pcap` reports to a PcapRecorder instead.)
//
// Where things appear (the reporters call on_wire() / on_dropped()):
// - A datagram is captured on the sender side when it is sent, as a capture on the sender's
//   interface would show it, even if the network drops it later. The record's `dropped` flag and
//   `drop_reason` say so, so ladders can mark the loss.
// - A duplicate made by a fault rule is a second record (`duplicate` = true) at the send time.
// - NAT: each wire segment is captured. The packet as the inside host sent it (private source)
//   is view `sent`; the same packet after translation on the public side is view
//   `nat_translated` (outbound: recorded at send time, public source; inbound: recorded when it
//   reaches the NAT, private destination). Ladders usually keep only `sent`.
#pragma once

#include "reference/rt/address.hpp"
#include "reference/rt/time.hpp"
#include "reference/rt/transport.hpp"
#include "wiretap/frames.hpp"
#include "wiretap/observer.hpp"
#include "wiretap/tcp_flows.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trunklab::wiretap {

struct CaptureRecord {
  rt::Instant time{};
  std::string src_host;  // the party that sent it ("alice", or the NAT's name for its view)
  std::string dst_host;  // the party it is addressed to, as resolved at send time; "" = unknown
  rt::Address src;
  rt::Address dst;
  std::string bytes;
  CaptureView view = CaptureView::sent;
  bool duplicate = false;
  bool dropped = false;
  std::string drop_reason;  // why the network dropped it; empty when delivered
  // When the receiver's socket got it (the simulated network says so for UDP; the copy the
  // receiver got when it crossed a NAT); unset while in flight, when dropped, on the real stage.
  std::optional<rt::Instant> delivered_at = std::nullopt;
  // udp: `bytes` is one datagram. tcp: one message (or piece of the stream) sent on the
  // connection between src and dst, in stream order per direction.
  rt::TransportKind transport = rt::TransportKind::udp;
};

// The Ethernet frames of one record in a pcap: one UDP frame, or TCP segments (with the
// handshake when `flows` has not seen the connection yet). IPv4 only.
std::vector<std::string> frames_of(const CaptureRecord& record, TcpFlows& flows, std::uint16_t& ip_id);

// Timestamps in the pcap: this epoch plus virtual time, so one scenario and seed always yield
// the same bytes. 2026-01-01T00:00:00Z.
inline constexpr std::int64_t kPcapEpochUnixSeconds = 1767225600;

struct PcapOptions {
  bool include_nat_translated = true;  // write the public-side copies of NAT'd packets
  bool include_dropped = true;         // datagrams the network dropped (seen on the sender)
  // The receivers' view instead (`trunklab run --pcap-delivered`): each UDP datagram once, as
  // its receiver got it (after any NAT), stamped with its arrival time, in arrival order; none
  // that the network dropped. TCP records as sent (the simulated TCP delivers them in order).
  // The two options above do not apply.
  bool delivered_view = false;
};

class Capture final : public Observer {
public:
  using RecordIndex = std::size_t;
  static constexpr RecordIndex kNoRecord = static_cast<RecordIndex>(-1);

  // Disabled capture records nothing (benchmarks); record() then returns kNoRecord.
  void set_enabled(bool enabled) { enabled_ = enabled; }
  bool enabled() const { return enabled_; }

  RecordIndex record(CaptureRecord record);
  void mark_dropped(RecordIndex index, std::string_view reason);
  // The wiretap: every stage and transport reports here (a record per event, both directions).
  WireId on_wire(const WireEvent& event) override;
  void on_dropped(WireId id, std::string_view reason) override { mark_dropped(id, reason); }
  void on_delivered(WireId id, rt::Instant at) override {
    if (id < records_.size()) records_[id].delivered_at = at;
  }
  bool observing() const override { return enabled_; }
  // Forgets the records (benchmarks). Only between runs: datagrams in flight keep record indices.
  void clear() {
    records_.clear();
    payload_bytes_ = 0;
    udp_records_ = 0;
    tcp_bytes_ = 0;
    size_flows_.clear();
  }

  const std::vector<CaptureRecord>& records() const { return records_; }
  // The size pcap_bytes() gives with the default options: the file header, then per UDP record
  // a pcap record header and Ethernet/IPv4/UDP headers around its bytes, and the TCP records'
  // segments. The runner caps it.
  std::uint64_t pcap_size() const {
    return kPcapFileHeader + payload_bytes_ + udp_records_ * kPcapPerRecord + tcp_bytes_;
  }
  static constexpr std::uint64_t kPcapFileHeader = 24;
  static constexpr std::uint64_t kPcapPerRecord = 16 + 14 + 20 + 8;

  // The pcap file as bytes (libpcap writes it into memory), or an error message.
  struct PcapBytes {
    std::string bytes;
    std::string error;  // empty on success
  };
  PcapBytes pcap_bytes(const PcapOptions& options = {}) const;
  // Writes the pcap to `path`; returns an error message, or nullopt on success.
  std::optional<std::string> write_pcap(const std::string& path,
                                        const PcapOptions& options = {}) const;

private:
  bool enabled_ = true;
  std::vector<CaptureRecord> records_;
  std::uint64_t payload_bytes_ = 0;  // UDP records, as framed
  std::uint64_t udp_records_ = 0;
  std::uint64_t tcp_bytes_ = 0;     // TCP records' frames with their pcap record headers
  TcpFlows size_flows_;             // the flows pcap_bytes() will see, for pcap_size()
};

}  // namespace trunklab::wiretap
