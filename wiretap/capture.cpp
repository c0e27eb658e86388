#include "wiretap/capture.hpp"

#include <pcap/pcap.h>

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <utility>

namespace trunklab::wiretap {

namespace {

struct PcapCloser {
  void operator()(pcap_t* p) const { pcap_close(p); }
};
struct DumperCloser {
  void operator()(pcap_dumper_t* d) const { pcap_dump_close(d); }
};

bool wanted(const CaptureRecord& r, const PcapOptions& options) {
  if (options.delivered_view) {
    const bool reached = r.transport == rt::TransportKind::udp ? r.delivered_at.has_value() : !r.dropped;
    return reached && !r.src.is_v6() && !r.dst.is_v6();
  }
  if (r.view == CaptureView::nat_translated && !options.include_nat_translated) return false;
  if (r.dropped && !options.include_dropped) return false;
  return !r.src.is_v6() && !r.dst.is_v6();
}

// The records the pcap holds, each with its timestamp, in file order: capture order, or for the
// delivered view arrival order (stable: a tie keeps capture order, so the bytes stay a
// function of the run).
std::vector<std::pair<rt::Instant, std::size_t>> in_pcap_order(const std::vector<CaptureRecord>& records,
                                                               const PcapOptions& options) {
  std::vector<std::pair<rt::Instant, std::size_t>> out;
  out.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    if (!wanted(r, options)) continue;
    out.emplace_back(options.delivered_view ? r.delivered_at.value_or(r.time) : r.time, i);
  }
  if (options.delivered_view) {
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  return out;
}

}  // namespace

std::vector<std::string> frames_of(const CaptureRecord& record, TcpFlows& flows, std::uint16_t& ip_id) {
  if (record.transport == rt::TransportKind::udp) return {build_udp_frame(record.src, record.dst, record.bytes, ++ip_id)};
  return flows.frames(record.src, record.dst, record.bytes, ip_id);  // TLS records would be TCP segments too
}

Capture::RecordIndex Capture::record(CaptureRecord record) {
  if (!enabled_) return kNoRecord;
  if (record.transport == rt::TransportKind::udp) {
    payload_bytes_ += std::min<std::uint64_t>(record.bytes.size(), kMaxUdpPayload);  // as framed
    ++udp_records_;
  } else {
    tcp_bytes_ += size_flows_.account(record.src, record.dst, record.bytes.size());
  }
  records_.push_back(std::move(record));
  return records_.size() - 1;
}

WireId Capture::on_wire(const WireEvent& event) {
  if (!enabled_) return kNoWire;
  CaptureRecord r;
  r.time = event.time;
  r.src_host = std::string(event.src_host);
  r.dst_host = std::string(event.dst_host);
  r.src = event.src;
  r.dst = event.dst;
  r.bytes = std::string(event.bytes);
  r.view = event.view;
  r.duplicate = event.duplicate;
  r.transport = event.transport;
  return record(std::move(r));
}

void Capture::mark_dropped(RecordIndex index, std::string_view reason) {
  if (index >= records_.size()) return;  // kNoRecord, or capture was disabled / cleared
  records_[index].dropped = true;
  records_[index].drop_reason = std::string(reason);
}

Capture::PcapBytes Capture::pcap_bytes(const PcapOptions& options) const {
  PcapBytes out;
  std::unique_ptr<pcap_t, PcapCloser> handle(pcap_open_dead(DLT_EN10MB, kPcapSnapLen));
  if (!handle) {
    out.error = "pcap_open_dead failed";
    return out;
  }
  // libpcap writes to a FILE*; open_memstream gives us the bytes without a temporary file.
  char* buffer = nullptr;
  std::size_t size = 0;
  FILE* stream = open_memstream(&buffer, &size);
  if (stream == nullptr) {
    out.error = "open_memstream failed";
    return out;
  }
  {
    std::unique_ptr<pcap_dumper_t, DumperCloser> dumper(pcap_dump_fopen(handle.get(), stream));
    if (!dumper) {
      std::fclose(stream);
      std::free(buffer);
      out.error = std::string("pcap_dump_fopen: ") + pcap_geterr(handle.get());
      return out;
    }
    std::uint16_t ip_id = 0;
    TcpFlows flows;
    for (const auto& [at, index] : in_pcap_order(records_, options)) {
      const auto& r = records_[index];
      const auto since_start = at.time_since_epoch().count();
      pcap_pkthdr header{};
      header.ts.tv_sec = static_cast<time_t>(kPcapEpochUnixSeconds + since_start / 1'000'000);
      header.ts.tv_usec = static_cast<suseconds_t>(since_start % 1'000'000);
      for (const auto& frame : frames_of(r, flows, ip_id)) {
        header.caplen = static_cast<bpf_u_int32>(frame.size());
        header.len = header.caplen;
        pcap_dump(reinterpret_cast<u_char*>(dumper.get()), &header,
                  reinterpret_cast<const u_char*>(frame.data()));
      }
    }
  }  // pcap_dump_close flushes and closes the memstream, which publishes buffer/size
  out.bytes.assign(buffer, size);
  std::free(buffer);
  return out;
}

std::optional<std::string> Capture::write_pcap(const std::string& path,
                                               const PcapOptions& options) const {
  PcapBytes pcap = pcap_bytes(options);
  if (!pcap.error.empty()) return pcap.error;
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return "cannot open " + path + " for writing";
  file.write(pcap.bytes.data(), static_cast<std::streamsize>(pcap.bytes.size()));
  if (!file) return "write to " + path + " failed";
  return std::nullopt;
}

}  // namespace trunklab::wiretap
