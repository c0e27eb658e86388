// A small virtual-time lab for the reference's own tests: the reference element ("trunk")
// on 10.0.0.1:5060 and emulated parties around it, with the ladder read from the capture
// (what was on the wire). The scenario runner builds the same thing from JSON.
#pragma once

#include "reference/config/config.hpp"
#include "reference/element/reference_server.hpp"
#include "reference/registrar/store.hpp"
#include "agents/user_agent.hpp"
#include "sim/kernel/world.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace trunklab::testlab {

struct Forwarder final : rt::DatagramHandler {
  rt::DatagramHandler* target = nullptr;
  void on_datagram(const rt::Address& l, const rt::Address& r, std::string_view b) override {
    if (target) target->on_datagram(l, r, b);
  }
};

class Lab {
public:
  explicit Lab(config::Config config, std::uint64_t seed = 1) : world_(seed), config_(std::move(config)) {
    if (config_.trunks.empty()) config_.trunks.push_back([] { config::Trunk t; t.name = "default"; return t; }());
  }

  // TRUNKLAB_PRINT_LADDER=1 prints each test's ladder: handy when a flow changes.
  ~Lab() {
    if (std::getenv("TRUNKLAB_PRINT_LADDER")) fmt::print("{}\n", join_lines(ladder(true)));
  }
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  static std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }

  static rt::Address addr(const std::string& text) { return *rt::Address::parse(text); }
  rt::Address trunk_address() const { return addr("10.0.0.1:5060"); }

  // Providers must be added before start() so the reference knows their addresses.
  void add_provider_address(const std::string& name, const std::string& ip) {
    for (auto& p : config_.providers) {
      if (p.name == name) p.address = addr(ip + ":5060");
    }
  }

  void start() {
    auto& host = world_.network().add_host("trunk", addr("10.0.0.1"));
    auto& transport = host.bind(5060, reference_forwarder_);
    reference_ = std::make_unique<element::ReferenceServer>(config_, world_.clock(), world_.timers(),
                                                            transport, world_.random_stream("trunk"), store_);
    reference_forwarder_.target = &reference_->datagram_handler();
    reference_->start();
  }

  agents::UserAgent& add_agent(const std::string& name, const std::string& ip, agents::UserAgentConfig c,
                            const std::string& behind_nat = {}) {
    c.name = name;
    sim::Host* host = nullptr;
    if (behind_nat.empty()) {
      host = &world_.network().add_host(name, addr(ip));
    } else {
      host = &world_.network().add_host_behind(*world_.network().find_nat(behind_nat), name, addr(ip));
    }
    auto binder = [host](rt::DatagramHandler& h) -> rt::Transport& { return host->bind(5060, h); };
    auto agent = std::make_unique<agents::UserAgent>(std::move(c), binder, world_.clock(), world_.timers(),
                                                  world_.random_stream(name));
    auto& ref = *agent;
    agents_[name] = std::move(agent);
    return ref;
  }

  agents::UserAgentConfig phone(const std::string& extension, const std::string& customer = "default") {
    const auto* ext = config_.find_extension(customer, extension);
    agents::UserAgentConfig c;
    c.username = ext->username;
    c.password = ext->password;
    c.registrar_domain = config_.registrar_domain(customer);
    c.registrar = trunk_address();
    c.outbound_proxy = trunk_address();
    c.call_domain = config_.trunk_domain(config_.trunks.front().name);
    c.answer.steps = {{180, rt::Duration{0}, {}, {}}, {200, std::chrono::seconds(1), {}, {}}};
    return c;
  }

  agents::UserAgentConfig provider(std::vector<agents::ReplyStep> script) {
    agents::UserAgentConfig c;
    c.answer.steps = std::move(script);
    c.outbound_proxy = trunk_address();
    return c;
  }

  sim::World& world() { return world_; }
  element::ReferenceServer& reference() { return *reference_; }
  const config::Config& config() const { return config_; }
  void at_s(double seconds, std::function<void()> fn) {
    world_.at(rt::Instant{rt::Duration{static_cast<std::int64_t>(seconds * 1e6)}}, std::move(fn));
  }
  void run_for_s(double seconds) {
    world_.run_until(world_.now() + rt::Duration{static_cast<std::int64_t>(seconds * 1e6)});
  }

  // "alice -> trunk INVITE", "trunk -> alice 407" for every datagram on the wire (sent view).
  std::vector<std::string> ladder(bool with_reason = false) const {
    std::vector<std::string> out;
    for (const auto& r : const_cast<sim::World&>(world_).capture().records()) {
      if (r.view != wiretap::CaptureView::sent || r.duplicate) continue;
      auto first_line = r.bytes.substr(0, r.bytes.find("\r\n"));
      std::string label;
      if (first_line.starts_with("SIP/2.0 ")) {
        label = with_reason ? first_line.substr(8) : first_line.substr(8, 3);
      } else if (first_line.empty()) {
        label = "keep-alive";
      } else {
        label = first_line.substr(0, first_line.find(' '));
      }
      out.push_back(fmt::format("{} -> {} {}{}", r.src_host, r.dst_host.empty() ? r.dst.to_string() : r.dst_host,
                                label, r.dropped ? " (dropped)" : ""));
    }
    return out;
  }

  // The first datagram whose ladder line equals `line` (bytes).
  std::string message(const std::string& line, int nth = 0) const {
    auto lines = ladder();
    const auto& records = const_cast<sim::World&>(world_).capture().records();
    std::size_t li = 0;
    for (const auto& r : records) {
      if (r.view != wiretap::CaptureView::sent || r.duplicate) continue;
      if (lines[li++] == line && nth-- == 0) return r.bytes;
    }
    return {};
  }

private:
  sim::World world_;
  config::Config config_;
  registrar::MemoryStore store_;
  Forwarder reference_forwarder_;
  std::unique_ptr<element::ReferenceServer> reference_;
  std::map<std::string, std::unique_ptr<agents::UserAgent>> agents_;
};

inline std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace trunklab::testlab
