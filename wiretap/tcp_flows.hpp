// TCP messages as a capture would show them: the transports report whole messages (what one
// send() queued, what the framer cut out of the stream), not the kernel's segments, so the
// pcap writer makes up a consistent TCP stream per flow: a SYN / SYN-ACK / ACK handshake when
// a flow is first seen (the first sender is taken as the client), then PSH/ACK data segments
// whose sequence numbers count every byte sent each way and whose acks acknowledge what the
// other side sent. Wireshark and tshark follow and reassemble such a stream like a real one.
#pragma once

#include "reference/rt/address.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trunklab::wiretap {

class TcpFlows {
public:
  // At most this many flows are remembered; beyond, the least recently used one is forgotten
  // (and counted): it gets a new handshake if it sends again.
  static constexpr std::size_t kDefaultMaxFlows = 16384;
  explicit TcpFlows(std::size_t max_flows = kDefaultMaxFlows) : max_flows_(max_flows) {}

  // The frames (Ethernet/IPv4/TCP) for one message from `src` to `dst`: the handshake first
  // when the flow is new, then one data segment per kMaxTcpSegmentPayload bytes. Each frame
  // takes the next IPv4 identification from `ip_id`.
  std::vector<std::string> frames(const rt::Address& src, const rt::Address& dst, std::string_view payload,
                                  std::uint16_t& ip_id);

  // Size accounting without making frames: the bytes (pcap record headers included) that
  // frames() would return for this message, remembering the flow as frames() would.
  std::uint64_t account(const rt::Address& src, const rt::Address& dst, std::size_t payload_size);

  // Forgets every flow (a new pcap file begins: its flows start with their own handshakes).
  void clear();
  std::size_t size() const { return flows_.size(); }
  std::uint64_t forgotten() const { return forgotten_; }

private:
  using Key = std::pair<rt::Address, rt::Address>;  // (lower, higher) endpoint
  struct Flow {
    rt::Address client;
    std::uint32_t client_next = 0;  // the next sequence number the client sends
    std::uint32_t server_next = 0;
    std::uint64_t last_use = 0;
  };
  static Key key_of(const rt::Address& a, const rt::Address& b) { return a < b ? Key{a, b} : Key{b, a}; }
  Flow& find_or_open(const Key& key, const rt::Address& src, const rt::Address& dst, std::uint16_t& ip_id,
                     std::vector<std::string>* out);
  Flow& open(const Key& key, const rt::Address& client, const rt::Address& server, std::uint16_t& ip_id,
             std::vector<std::string>* out);
  void forget_least_recent();

  std::size_t max_flows_;
  std::map<Key, Flow> flows_;
  std::map<std::uint64_t, Key> by_use_;  // last_use -> flow
  std::uint64_t uses_ = 0;
  std::uint64_t forgotten_ = 0;
};

}  // namespace trunklab::wiretap
