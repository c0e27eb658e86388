#include "wiretap/pcap_recorder.hpp"

#include "wiretap/capture.hpp"

namespace trunklab::wiretap {
namespace {

constexpr std::uint64_t kRecordHeader = 16;

std::uint64_t size_of(const std::vector<std::string>& frames) {
  std::uint64_t bytes = 0;
  for (const auto& f : frames) bytes += kRecordHeader + f.size();
  return bytes;
}

}  // namespace

WireId PcapRecorder::on_wire(const WireEvent& event) {
  if (event.src.is_v6() || event.dst.is_v6()) {
    ++not_ipv4_;
    return kNoWire;
  }
  CaptureRecord record;
  record.src = event.src;
  record.dst = event.dst;
  record.bytes = std::string(event.bytes);
  record.transport = event.transport;
  auto frames = frames_of(record, flows_, ip_id_);
  if (file_->would_rotate(size_of(frames))) {
    file_->rotate();
    flows_.clear();  // the new file's flows begin with their handshakes
    frames = frames_of(record, flows_, ip_id_);
  }
  file_->write(rt::Instant{event.time.time_since_epoch() + rt::Duration{epoch_us_}}, frames);
  return kNoWire;  // written: nothing to mark later
}

}  // namespace trunklab::wiretap
