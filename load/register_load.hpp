// The REGISTER-with-digest load driver behind `trunklab load`: registrations started at a
// fixed rate, round-robin over N accounts, each one the full RFC 3261 §22 exchange
// (REGISTER -> 401 -> REGISTER with Authorization -> 200). Requests are retransmitted as a
// non-INVITE client transaction does (timer E: T1 doubling up to T2), and a registration
// that has not finished within `timeout` counts as failed, so every wait is bounded.
#pragma once

#include "reference/rt/random.hpp"
#include "reference/sip/message.hpp"
#include "reference/rt/transport.hpp"
#include "reference/config/config.hpp"
#include "reference/realtime/event_loop.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace trunklab::load {

struct LoadOptions {
  rt::Address target;
  double rate_per_s = 100;  // registrations (both exchanges) started per second
  rt::Duration duration = std::chrono::seconds(10);
  std::size_t users = 100;  // accounts {user_prefix}1 .. {user_prefix}{users}
  std::string user_prefix = "load";
  std::string password = "load-secret";
  std::string domain = "default.registrar.example.test";  // Request-URI and AOR host
  std::uint32_t expires_s = 3600;
  rt::Duration timeout = std::chrono::seconds(5);  // per registration
  rt::Duration t1 = std::chrono::milliseconds(500);
  rt::Duration t2 = std::chrono::seconds(4);
  double max_failure_ratio = 0.001;  // above it, the run failed
};

struct LoadReport {
  std::uint64_t planned = 0;      // rate x duration
  std::uint64_t started = 0;
  std::uint64_t not_offered = 0;  // due while every account was still busy
  std::uint64_t succeeded = 0;
  std::uint64_t timed_out = 0;
  std::uint64_t retransmissions = 0;
  std::uint64_t unparsable = 0;   // datagrams that were not a SIP response of ours
  std::map<int, std::uint64_t> failed_by_status;  // final answers other than 401-then-200
  std::uint64_t no_usable_challenge = 0;          // 401 without a digest challenge we can answer
  std::vector<rt::Duration> latencies;            // first REGISTER sent to 200, sorted
  rt::Duration elapsed{};

  std::uint64_t failed() const;
  // Failures, plus registrations not offered (the server kept every account busy), over planned.
  double failure_ratio() const;
  rt::Duration latency_percentile(double p) const;  // p in [0, 1]; zero without samples
  std::string summary(const LoadOptions& options) const;
};

class RegisterLoad final : public rt::DatagramHandler {
public:
  RegisterLoad(rt::Timers& timers, rt::Transport& transport, rt::Random& random, LoadOptions options);
  ~RegisterLoad() override;

  void start();                         // the first registration goes out now
  bool finished() const { return finished_; }  // duration over and nothing in flight
  LoadReport report() const;

  void on_datagram(const rt::Address& local, const rt::Address& remote, std::string_view bytes) override;

private:
  enum class Phase { idle, challenge, authorized };
  struct User {
    std::string name;
    std::string call_id;
    std::string from_tag;
    std::uint32_t cseq = 0;
    Phase phase = Phase::idle;
    std::string branch;
    std::string request;   // bytes of the request in flight, for retransmission
    rt::Duration started{};  // monotonic
    rt::Duration retransmit_interval{};
    rt::TimerId retransmit_timer = rt::kNoTimer;
    rt::TimerId deadline_timer = rt::kNoTimer;
  };

  void pace();
  void begin(std::size_t user);
  void send_request(std::size_t user, const std::string* authorization);
  void retransmit(std::size_t user);
  void finish(std::size_t user);
  void on_challenge(std::size_t user, const sip::Message& response);
  void check_finished();

  rt::Timers& timers_;
  rt::Transport& transport_;
  rt::Random& random_;
  LoadOptions options_;
  std::vector<User> users_;
  std::deque<std::size_t> idle_;
  std::unordered_map<std::string, std::size_t> by_branch_;
  std::size_t in_flight_ = 0;
  rt::Duration start_time_{};
  rt::Duration end_time_{};
  rt::TimerId pace_timer_ = rt::kNoTimer;
  bool pacing_done_ = false;
  bool finished_ = false;
  LoadReport report_;
};

// Runs a whole load on its own event loop and socket (bound on the target's loopback family,
// port chosen by the kernel). Returns the report, or why the run could not start.
std::variant<LoadReport, std::string> run_register_load(const LoadOptions& options);

// Adds `count` extensions named {prefix}{1..count} with `password`, the accounts
// `trunklab load` registers (for `trunklab load --print-config`).
void add_load_users(config::Config& config, const std::string& prefix, std::size_t count,
                    const std::string& password);

}  // namespace trunklab::load
