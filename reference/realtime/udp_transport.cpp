#include "reference/realtime/udp_transport.hpp"

#include "reference/realtime/sockaddr.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

namespace trunklab::realtime {
namespace {

// A SIP datagram is bounded by the UDP maximum; recvmmsg takes a batch per system call,
// which is where a busy registrar spends its time otherwise.
constexpr std::size_t kMaxDatagram = 65535;
constexpr std::size_t kBatch = 16;
// Larger socket buffers absorb bursts from a load driver (the kernel caps them at
// net.core.rmem_max / wmem_max; failing to enlarge is not an error).
constexpr int kSocketBufferBytes = 4 * 1024 * 1024;

// The receive buffers, one set per thread for every socket: a handler is done with its
// datagram before the next read, so sockets need not own 1 MiB each (a relay has thousands).
// A handler that runs a loop of its own (nested reads) gets a set of its own for that read.
class ReceiveBuffers {
public:
  ReceiveBuffers() : in_use_(shared_depth()++ > 0) {
    if (in_use_) own_.resize(kBatch * kMaxDatagram);
  }
  ~ReceiveBuffers() { --shared_depth(); }
  ReceiveBuffers(const ReceiveBuffers&) = delete;
  ReceiveBuffers& operator=(const ReceiveBuffers&) = delete;
  char* slot(std::size_t i) { return (in_use_ ? own_ : shared()).data() + i * kMaxDatagram; }

private:
  static int& shared_depth() {
    thread_local int depth = 0;
    return depth;
  }
  static std::vector<char>& shared() {
    thread_local std::vector<char> buffers(kBatch * kMaxDatagram);
    return buffers;
  }
  bool in_use_;
  std::vector<char> own_;
};

std::string system_error(const rt::Address& address, const char* call) {
  return "udp:" + address.to_string() + ": " + call + ": " + std::strerror(errno);
}

}  // namespace

std::variant<std::unique_ptr<UdpTransport>, std::string> UdpTransport::open(
    EventLoop& loop, const rt::Address& address) {
  const int family = address.is_v6() ? AF_INET6 : AF_INET;
  Fd socket(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!socket.valid()) return system_error(address, "socket");
  if (address.is_v6()) {
    // One family per socket: an IPv6 listener does not silently take IPv4-mapped traffic.
    int on = 1;
    setsockopt(socket.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  }
  int bytes = kSocketBufferBytes;
  setsockopt(socket.get(), SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  setsockopt(socket.get(), SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
  sockaddr_storage storage{};
  const socklen_t length = to_sockaddr(address, storage);
  if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&storage), length) != 0) {
    return system_error(address, "bind");
  }
  socklen_t bound_length = sizeof storage;
  if (::getsockname(socket.get(), reinterpret_cast<sockaddr*>(&storage), &bound_length) != 0) {
    return system_error(address, "getsockname");
  }
  return std::unique_ptr<UdpTransport>(
      new UdpTransport(loop, std::move(socket), from_sockaddr(storage)));
}

UdpTransport::UdpTransport(EventLoop& loop, Fd socket, rt::Address local)
    : loop_(loop), socket_(std::move(socket)), local_(local) {
  loop_.watch_readable(socket_.get(), [this] { on_readable(); });
}

UdpTransport::~UdpTransport() { loop_.unwatch(socket_.get()); }

void UdpTransport::send(const rt::Address& to, std::string_view bytes) {
  sockaddr_storage storage{};
  const socklen_t length = to_sockaddr(to, storage);
  const auto sent = ::sendto(socket_.get(), bytes.data(), bytes.size(), MSG_DONTWAIT,
                             reinterpret_cast<const sockaddr*>(&storage), length);
  if (sent == static_cast<ssize_t>(bytes.size())) {
    ++stats_.sent;
    tap_.report(wiretap::Direction::sent, rt::TransportKind::udp, local_, to, bytes);
  } else {
    ++stats_.send_errors;
  }
}

void UdpTransport::on_readable() {
  std::array<mmsghdr, kBatch> headers{};
  std::array<iovec, kBatch> iovecs{};
  std::array<sockaddr_storage, kBatch> sources{};
  ReceiveBuffers buffers;
  for (std::size_t i = 0; i < kBatch; ++i) {
    iovecs[i].iov_base = buffers.slot(i);
    iovecs[i].iov_len = kMaxDatagram;
    headers[i].msg_hdr.msg_iov = &iovecs[i];
    headers[i].msg_hdr.msg_iovlen = 1;
    headers[i].msg_hdr.msg_name = &sources[i];
    headers[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
  }
  // One batch per readiness: epoll is level-triggered, so the rest comes next round, after
  // due timers have had their turn.
  const int n = ::recvmmsg(socket_.get(), headers.data(), kBatch, MSG_DONTWAIT, nullptr);
  for (int k = 0; k < n; ++k) {
    const auto i = static_cast<std::size_t>(k);
    if ((headers[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) {
      ++stats_.truncated;
      continue;
    }
    ++stats_.received;
    const rt::Address remote = from_sockaddr(sources[i]);
    const std::string_view bytes(buffers.slot(i), headers[i].msg_len);
    tap_.report(wiretap::Direction::received, rt::TransportKind::udp, remote, local_, bytes);
    if (handler_ == nullptr) continue;
    handler_->on_datagram(local_, remote, bytes);
  }
}

}  // namespace trunklab::realtime
