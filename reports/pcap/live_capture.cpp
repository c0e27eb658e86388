#include "reports/pcap/live_capture.hpp"

#include "reports/pcap/pcap_reader.hpp"

#include <fmt/format.h>
#include <pcap/pcap.h>

#include <array>
#include <set>

namespace trunklab::reports {

namespace {

constexpr int kSnapLen = 65535;     // a whole UDP datagram
constexpr int kBufferBytes = 4 << 20;  // bursts of a load run fit

std::string pcap_failure(const std::string& interface, pcap_t* handle, int rc) {
  std::string why = rc == PCAP_ERROR_PERM_DENIED ? "permission denied (live capture needs root or CAP_NET_RAW)"
                                                  : pcap_geterr(handle);
  return fmt::format("capture on {}: {}", interface, why);
}

}  // namespace

std::string udp_ports_filter(const std::vector<std::uint16_t>& ports) {
  std::set<std::uint16_t> unique(ports.begin(), ports.end());
  std::string filter = "udp";
  const char* separator = " and (";
  for (auto port : unique) {
    filter += fmt::format("{}port {}", separator, port);
    separator = " or ";
  }
  if (!unique.empty()) filter += ")";
  return filter;
}

std::variant<std::unique_ptr<LiveCapture>, std::string> LiveCapture::open(
    const std::string& interface, const std::vector<std::uint16_t>& ports) {
  std::array<char, PCAP_ERRBUF_SIZE> errbuf{};
  pcap_t* handle = pcap_create(interface.c_str(), errbuf.data());
  if (!handle) return fmt::format("capture on {}: {}", interface, errbuf.data());
  std::unique_ptr<LiveCapture> capture(new LiveCapture(handle));
  pcap_set_snaplen(handle, kSnapLen);
  pcap_set_immediate_mode(handle, 1);  // each frame as it comes: the run's timing is real time
  pcap_set_buffer_size(handle, kBufferBytes);
  if (int rc = pcap_activate(handle); rc < 0) return pcap_failure(interface, handle, rc);
  capture->link_type_ = pcap_datalink(handle);
  bpf_program program{};
  const auto filter = udp_ports_filter(ports);
  if (pcap_compile(handle, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    return fmt::format("capture on {}: filter \"{}\": {}", interface, filter, pcap_geterr(handle));
  }
  const int rc = pcap_setfilter(handle, &program);
  pcap_freecode(&program);
  if (rc != 0) return fmt::format("capture on {}: filter \"{}\": {}", interface, filter, pcap_geterr(handle));
  if (pcap_setnonblock(handle, 1, errbuf.data()) != 0) return fmt::format("capture on {}: {}", interface, errbuf.data());
  return capture;
}

LiveCapture::LiveCapture(pcap* handle) : handle_(handle), link_type_(DLT_EN10MB) {}

LiveCapture::~LiveCapture() { pcap_close(handle_); }

int LiveCapture::selectable_fd() const { return pcap_get_selectable_fd(handle_); }

std::string LiveCapture::drain(const std::function<void(Datagram)>& on_datagram) {
  for (;;) {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(handle_, &header, &data);
    if (rc == 0) return {};  // nothing more buffered
    if (rc != 1) return pcap_geterr(handle_);
    auto datagram = datagram_of(link_type_, std::span<const std::uint8_t>(data, header->caplen));
    if (!datagram) {
      ++not_udp_;
      continue;
    }
    datagram->time = rt::Instant{rt::Duration{std::int64_t{header->ts.tv_sec} * 1'000'000 +
                                              std::int64_t{header->ts.tv_usec}}};
    on_datagram(std::move(*datagram));
  }
}

}  // namespace trunklab::reports
