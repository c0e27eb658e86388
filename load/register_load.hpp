// The REGISTER-with-digest load driver behind `trunklab load`: registrations started at a
// fixed rate, round-robin over N accounts, each one the full RFC 3261 §22 exchange
// (REGISTER -> 401 -> REGISTER with Authorization -> 200). Each REGISTER is a client
// transaction of the shared transaction layer (txn::Endpoint: timer E retransmits, T1 doubling
// up to T2), and a registration that has not finished within `timeout` counts as failed, so
// every wait is bounded. Clock, timers, transport and randomness are injected: `trunklab load`
// runs it on a socket in real time (run_register_load), the tests also in virtual time.
#pragma once

#include "reference/config/config.hpp"
#include "reference/rt/random.hpp"
#include "reference/rt/time.hpp"
#include "reference/rt/transport.hpp"
#include "reference/sip/message.hpp"
#include "reference/txn/endpoint.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
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
  std::uint64_t unparsable = 0;   // requests and responses that answer no request of ours
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

class RegisterLoad final : public rt::DatagramHandler, private txn::TransactionUser {
public:
  // The transport delivers its datagrams to this object (set_handler / bind with it).
  RegisterLoad(rt::Clock& clock, rt::Timers& timers, rt::Transport& transport, rt::Random& random,
               LoadOptions options);
  ~RegisterLoad() override;
  RegisterLoad(const RegisterLoad&) = delete;
  RegisterLoad& operator=(const RegisterLoad&) = delete;

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
    std::optional<txn::ClientTxnId> txn;  // the REGISTER in flight
    rt::Instant started{};
    rt::TimerId deadline_timer = rt::kNoTimer;
  };
  // Counts what goes on the wire: every send beyond our own requests is a retransmission.
  struct CountingTransport final : rt::Transport {
    explicit CountingTransport(rt::Transport& inner_in) : inner(inner_in) {}
    rt::TransportKind kind() const override { return inner.kind(); }
    rt::Address local_address() const override { return inner.local_address(); }
    void send(const rt::Address& to, std::string_view bytes) override {
      ++sent;
      inner.send(to, bytes);
    }
    std::size_t max_datagram_bytes() const override { return inner.max_datagram_bytes(); }
    rt::Transport& inner;
    std::uint64_t sent = 0;
  };

  void pace();
  void begin(std::size_t user);
  void send_request(std::size_t user, const std::string* authorization);
  void finish(std::size_t user);
  void on_challenge(std::size_t user, const sip::Message& response);
  void check_finished();
  std::optional<std::size_t> take_user(txn::ClientTxnId id);

  // txn::TransactionUser
  void on_request(txn::ServerTxnId id, const sip::Message& request, const rt::Address& source) override;
  void on_response(txn::ClientTxnId id, const sip::Message& response) override;
  void on_timeout(txn::ClientTxnId id) override;
  void on_ack(const sip::Message&, const rt::Address&) override { ++report_.unparsable; }
  void on_stray_response(const sip::Message&, const rt::Address&) override { ++report_.unparsable; }
  void on_transport_error(txn::ClientTxnId id) override { on_timeout(id); }

  rt::Clock& clock_;
  rt::Timers& timers_;
  rt::Random& random_;
  LoadOptions options_;
  CountingTransport transport_;
  txn::Endpoint endpoint_;
  std::vector<User> users_;
  std::deque<std::size_t> idle_;
  std::unordered_map<std::uint64_t, std::size_t> by_txn_;  // ClientTxnId.value -> user
  std::size_t in_flight_ = 0;
  std::uint64_t own_sends_ = 0;  // requests we started, and answers to stray requests
  rt::Instant start_time_{};
  rt::Instant end_time_{};
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
