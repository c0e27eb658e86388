// The RTP pump: sends from both sides of every session at an even total rate, reads what the
// relay delivers, and reads the relay's CPU time from /proc around it. Packets carry the step's
// tag in their first payload byte, so a late packet of an earlier step is never counted twice.
#include "bench/relay/relay_bench.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace trunklab::bench_relay {
namespace {

constexpr std::size_t kRtpHeader = 12;
constexpr std::size_t kPacketBytes = kRtpHeader + 160;  // 20 ms of PCMU
constexpr std::size_t kBatch = 64;
constexpr std::uint32_t kSsrcBase = 0x7e1a0000;

using Clock = std::chrono::steady_clock;

// One direction of one session: the socket it leaves from and the relay port it goes to.
struct Stream {
  int fd = -1;
  sockaddr_in to{};
  std::uint32_t ssrc = 0;
  std::uint16_t seq = 0;
  std::uint32_t timestamp = 0;
};

void write_rtp(Stream& s, std::uint8_t tag, std::uint8_t* out) {
  out[0] = 0x80;  // version 2, no padding, extension or CSRC
  out[1] = 0;     // marker 0, payload type 0 (PCMU)
  const std::uint16_t seq = htons(s.seq++);
  const std::uint32_t ts = htonl(s.timestamp);
  const std::uint32_t ssrc = htonl(s.ssrc);
  s.timestamp += 160;
  std::memcpy(out + 2, &seq, 2);
  std::memcpy(out + 4, &ts, 4);
  std::memcpy(out + 8, &ssrc, 4);
  std::memset(out + kRtpHeader, 0xFF, kPacketBytes - kRtpHeader);  // PCMU silence
  out[kRtpHeader] = tag;
}

// Streams ordered by the socket they leave from, so consecutive packets share one sendmmsg.
std::vector<Stream> make_streams(const Endpoints& endpoints, const std::vector<Session>& sessions) {
  std::vector<Stream> streams;
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    streams.push_back({endpoints.a[i % endpoints.a.size()], sessions[i].relay_facing_a,
                       kSsrcBase + static_cast<std::uint32_t>(2 * i), 0, 0});
    streams.push_back({endpoints.b[i % endpoints.b.size()], sessions[i].relay_facing_b,
                       kSsrcBase + static_cast<std::uint32_t>(2 * i + 1), 0, 0});
  }
  std::stable_sort(streams.begin(), streams.end(), [](const Stream& x, const Stream& y) { return x.fd < y.fd; });
  return streams;
}

double relay_cpu_seconds(int pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const auto close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) throw std::runtime_error(fmt::format("/proc/{}/stat: not readable", pid));
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // fields 14 and 15 (1-based) are utime, stime
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

class Pump {
public:
  Pump(const Endpoints& endpoints, std::vector<Stream>& streams, std::uint8_t tag)
      : streams_(streams), tag_(tag) {
    receivers_ = endpoints.a;
    receivers_.insert(receivers_.end(), endpoints.b.begin(), endpoints.b.end());
    for (std::size_t i = 0; i < kBatch; ++i) {
      in_iov_[i] = {in_buffers_[i].data(), in_buffers_[i].size()};
      in_headers_[i].msg_hdr.msg_iov = &in_iov_[i];
      in_headers_[i].msg_hdr.msg_iovlen = 1;
    }
  }

  // Sends the next `count` packets in stream order, batched per socket.
  void send(std::size_t count) {
    while (count > 0) {
      const int fd = streams_[next_].fd;
      std::size_t n = 0;
      while (n < kBatch && n < count && streams_[next_].fd == fd) {
        auto& s = streams_[next_];
        write_rtp(s, tag_, out_buffers_[n].data());
        out_iov_[n] = {out_buffers_[n].data(), kPacketBytes};
        out_headers_[n] = {};
        out_headers_[n].msg_hdr.msg_name = &s.to;
        out_headers_[n].msg_hdr.msg_namelen = sizeof s.to;
        out_headers_[n].msg_hdr.msg_iov = &out_iov_[n];
        out_headers_[n].msg_hdr.msg_iovlen = 1;
        ++n;
        next_ = (next_ + 1) % streams_.size();
      }
      const int done = ::sendmmsg(fd, out_headers_.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
      const auto took = done > 0 ? static_cast<std::size_t>(done) : 0;
      sent_ += took;
      send_errors_ += n - took;  // not resent: counted apart from the relay's loss
      count -= n;
    }
  }

  // Reads every socket once; returns how many packets came in.
  std::size_t receive() {
    std::size_t total = 0;
    for (int fd : receivers_) {
      for (;;) {
        const int n = ::recvmmsg(fd, in_headers_.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (n <= 0) break;
        for (int k = 0; k < n; ++k) {
          const auto& h = in_headers_[static_cast<std::size_t>(k)];
          const auto* p = in_buffers_[static_cast<std::size_t>(k)].data();
          if (h.msg_len == kPacketBytes && p[kRtpHeader] == tag_) ++received_;
        }
        total += static_cast<std::size_t>(n);
        if (n < static_cast<int>(kBatch)) break;
      }
    }
    return total;
  }

  std::uint64_t sent() const { return sent_; }
  std::uint64_t send_errors() const { return send_errors_; }
  std::uint64_t received() const { return received_; }

private:
  std::vector<Stream>& streams_;
  std::vector<int> receivers_;
  std::uint8_t tag_;
  std::size_t next_ = 0;
  std::uint64_t sent_ = 0, send_errors_ = 0, received_ = 0;
  std::array<std::array<std::uint8_t, kPacketBytes>, kBatch> out_buffers_{};
  std::array<iovec, kBatch> out_iov_{};
  std::array<mmsghdr, kBatch> out_headers_{};
  std::array<std::array<std::uint8_t, 2048>, kBatch> in_buffers_{};
  std::array<iovec, kBatch> in_iov_{};
  std::array<mmsghdr, kBatch> in_headers_{};
};

}  // namespace

int open_udp(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(fmt::format("socket: {}", std::strerror(errno)));
  int bytes = 4 * 1024 * 1024;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
  const auto address = loopback(port);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error(fmt::format("bind 127.0.0.1:{}: {}", port, std::strerror(errno)));
  }
  return fd;
}

std::uint16_t bound_port(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

StepResult run_step(const Endpoints& endpoints, const std::vector<Session>& sessions, double pps, double seconds,
                    int relay_pid, std::uint8_t step_tag) {
  static std::vector<Stream> streams;  // sequence numbers and timestamps carry on across steps
  if (streams.size() != 2 * sessions.size()) streams = make_streams(endpoints, sessions);
  Pump pump(endpoints, streams, step_tag);
  const double cpu_before = relay_cpu_seconds(relay_pid);
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (auto now = start; now < end; now = Clock::now()) {
    const double elapsed = std::chrono::duration<double>(now - start).count();
    const auto due = static_cast<std::uint64_t>(elapsed * pps);
    const auto owed = due - std::min(due, pump.sent() + pump.send_errors());
    if (owed > 0) pump.send(std::min<std::uint64_t>(owed, 4 * kBatch));
    if (pump.receive() == 0 && owed == 0) std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
  const double sending_s = std::chrono::duration<double>(Clock::now() - start).count();
  // Drain: until 200 ms pass without a packet, at most 3 s.
  auto quiet_since = Clock::now();
  const auto drain_end = quiet_since + std::chrono::seconds(3);
  while (Clock::now() - quiet_since < std::chrono::milliseconds(200) && Clock::now() < drain_end) {
    if (pump.receive() > 0) quiet_since = Clock::now();
    else std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  StepResult result;
  result.relay_cpu_s = relay_cpu_seconds(relay_pid) - cpu_before;
  result.offered_pps = pps;
  result.sent = pump.sent();
  result.send_errors = pump.send_errors();
  result.received = pump.received();
  result.sent_pps = static_cast<double>(pump.sent()) / sending_s;
  result.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

}  // namespace trunklab::bench_relay
