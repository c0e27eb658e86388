// Shared helpers for the simulator tests: a handler that records what arrives.
#pragma once

#include "reference/rt/transport.hpp"
#include "sim/kernel/world.hpp"

#include <string>
#include <vector>

namespace trunklab::sim::testing {

inline rt::Address ip(const char* text) { return *rt::Address::parse(text, 0); }

struct Received {
  rt::Instant at;
  rt::Address local;
  rt::Address remote;
  std::string bytes;
};

class Recorder final : public rt::DatagramHandler {
public:
  explicit Recorder(const rt::Clock& clock) : clock_(clock) {}
  void on_datagram(const rt::Address& local, const rt::Address& remote,
                   std::string_view bytes) override {
    received.push_back(Received{clock_.now(), local, remote, std::string(bytes)});
  }
  std::vector<std::string> payloads() const {
    std::vector<std::string> out;
    for (const auto& r : received) out.push_back(r.bytes);
    return out;
  }
  void on_unreachable(const rt::Address& local, const rt::Address& remote) override {
    unreachable.push_back(Received{clock_.now(), local, remote, {}});
  }
  std::vector<Received> received;
  std::vector<Received> unreachable;  // connections refused, reset or given up (TCP)

private:
  const rt::Clock& clock_;
};

}  // namespace trunklab::sim::testing
