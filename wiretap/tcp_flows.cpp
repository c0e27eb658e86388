#include "wiretap/tcp_flows.hpp"

#include "wiretap/frames.hpp"

#include <algorithm>

namespace trunklab::wiretap {
namespace {

constexpr std::uint64_t kPcapRecordHeader = 16;
constexpr std::uint64_t kTcpFrameOverhead = kPcapRecordHeader + kEthernetHeader + kIpv4Header + kTcpHeader;
constexpr std::uint64_t kHandshakeFrames = 3;

// A fixed initial sequence number per endpoint: the same scenario gives the same bytes (a real
// stack randomises it against spoofing, which a capture file need not copy).
std::uint32_t initial_sequence(const rt::Address& a) {
  std::uint32_t h = 2166136261u;  // FNV-1a over the address and port
  for (std::size_t i = 0; i < (a.is_v6() ? 16u : 4u); ++i) h = (h ^ a.bytes()[i]) * 16777619u;
  h = (h ^ (a.port() & 0xffu)) * 16777619u;
  h = (h ^ (a.port() >> 8)) * 16777619u;
  return h;
}

std::uint64_t segments_of(std::size_t payload_size) {
  return std::max<std::uint64_t>(1, (payload_size + kMaxTcpSegmentPayload - 1) / kMaxTcpSegmentPayload);
}

}  // namespace

TcpFlows::Flow& TcpFlows::open(const Key& key, const rt::Address& client, const rt::Address& server,
                               std::uint16_t& ip_id, std::vector<std::string>* out) {
  if (flows_.size() >= max_flows_) forget_least_recent();
  Flow flow;
  flow.client = client;
  const std::uint32_t client_isn = initial_sequence(client);
  const std::uint32_t server_isn = initial_sequence(server);
  if (out != nullptr) {
    out->push_back(build_tcp_frame(client, server, {client_isn, 0, tcp_flag::syn}, {}, ++ip_id));
    out->push_back(build_tcp_frame(server, client, {server_isn, client_isn + 1, tcp_flag::syn | tcp_flag::ack}, {},
                                   ++ip_id));
    out->push_back(build_tcp_frame(client, server, {client_isn + 1, server_isn + 1, tcp_flag::ack}, {}, ++ip_id));
  }
  flow.client_next = client_isn + 1;  // a SYN takes one sequence number
  flow.server_next = server_isn + 1;
  return flows_.emplace(key, flow).first->second;
}

TcpFlows::Flow& TcpFlows::find_or_open(const Key& key, const rt::Address& src, const rt::Address& dst,
                                       std::uint16_t& ip_id, std::vector<std::string>* out) {
  auto it = flows_.find(key);
  Flow& flow = it != flows_.end() ? it->second : open(key, src, dst, ip_id, out);
  by_use_.erase(flow.last_use);
  flow.last_use = ++uses_;
  by_use_.emplace(flow.last_use, key);
  return flow;
}

void TcpFlows::forget_least_recent() {
  if (by_use_.empty()) return;
  flows_.erase(by_use_.begin()->second);
  by_use_.erase(by_use_.begin());
  ++forgotten_;
}

std::vector<std::string> TcpFlows::frames(const rt::Address& src, const rt::Address& dst, std::string_view payload,
                                          std::uint16_t& ip_id) {
  std::vector<std::string> out;
  Flow& flow = find_or_open(key_of(src, dst), src, dst, ip_id, &out);

  const bool from_client = src == flow.client;
  std::uint32_t& seq = from_client ? flow.client_next : flow.server_next;
  const std::uint32_t ack = from_client ? flow.server_next : flow.client_next;
  do {
    const auto piece = payload.substr(0, kMaxTcpSegmentPayload);
    out.push_back(build_tcp_frame(src, dst, {seq, ack, tcp_flag::psh | tcp_flag::ack}, piece, ++ip_id));
    seq += static_cast<std::uint32_t>(piece.size());  // wraps modulo 2^32, as TCP's does
    payload.remove_prefix(piece.size());
  } while (!payload.empty());
  return out;
}

std::uint64_t TcpFlows::account(const rt::Address& src, const rt::Address& dst, std::size_t payload_size) {
  const Key key = key_of(src, dst);
  const bool known = flows_.contains(key);
  std::uint16_t unused_ip_id = 0;
  find_or_open(key, src, dst, unused_ip_id, nullptr);
  return payload_size + (segments_of(payload_size) + (known ? 0 : kHandshakeFrames)) * kTcpFrameOverhead;
}

void TcpFlows::clear() {
  flows_.clear();
  by_use_.clear();
}

}  // namespace trunklab::wiretap
