// Deterministic fakes for the transaction tests: a virtual clock whose timers fire in
// (deadline, start order), a recording transport and a recording transaction user.
#pragma once

#include "reference/rt/time.hpp"
#include "reference/rt/transport.hpp"
#include "reference/sip/message.hpp"
#include "reference/txn/endpoint.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace trunklab::txn::test {

class FakeTime final : public rt::Clock, public rt::Timers {
public:
  rt::Instant now() const override { return now_; }
  rt::TimerId start_timer(rt::Duration after, std::function<void()> on_fire) override {
    const rt::TimerId id = next_id_++;
    pending_.emplace(std::pair{now_ + after, id}, std::move(on_fire));
    deadlines_.emplace(id, now_ + after);
    return id;
  }
  void cancel_timer(rt::TimerId id) override {
    auto it = deadlines_.find(id);
    if (it == deadlines_.end()) return;
    pending_.erase(std::pair{it->second, id});
    deadlines_.erase(it);
  }
  // Fires every timer due up to `until`, in order, then sets the clock to `until`.
  void run_until(rt::Instant until) {
    while (!pending_.empty() && pending_.begin()->first.first <= until) {
      auto node = pending_.extract(pending_.begin());
      now_ = node.key().first;
      deadlines_.erase(node.key().second);
      node.mapped()();
    }
    now_ = until;
  }
  void run_for(rt::Duration d) { run_until(now_ + d); }
  std::size_t pending() const { return pending_.size(); }

private:
  rt::Instant now_{};
  rt::TimerId next_id_ = 1;
  std::map<std::pair<rt::Instant, rt::TimerId>, std::function<void()>> pending_;
  std::unordered_map<rt::TimerId, rt::Instant> deadlines_;
};

struct Sent {
  std::int64_t at_ms;
  rt::Address to;
  std::string bytes;
};

class FakeTransport final : public rt::Transport {
public:
  FakeTransport(const rt::Clock& clock, rt::Address local, rt::TransportKind kind = rt::TransportKind::udp)
      : clock_(clock), local_(local), kind_(kind) {}
  rt::TransportKind kind() const override { return kind_; }
  rt::Address local_address() const override { return local_; }
  bool connected_to(const rt::Address& to) const override { return connections.contains(to); }
  void send(const rt::Address& to, std::string_view bytes) override {
    sent.push_back({rt::to_ms(clock_.now()), to, std::string(bytes)});
  }
  std::size_t max_datagram_bytes() const override { return limit; }
  std::vector<Sent> sent;
  std::size_t limit = rt::kMaxUdpPayloadIpv4;
  std::set<rt::Address> connections;  // a stream transport's open connections

private:
  const rt::Clock& clock_;
  rt::Address local_;
  rt::TransportKind kind_;
};

struct RecordingUser final : TransactionUser {
  explicit RecordingUser(const rt::Clock& clock) : clock_(clock) {}
  void on_request(ServerTxnId id, const sip::Message& request, const rt::Address& source) override {
    requests.push_back({id, std::string(request.raw()), source});
    if (on_request_hook) on_request_hook(id, request);
  }
  void on_response(ClientTxnId id, const sip::Message& response) override {
    responses.push_back({id, response.status()});
  }
  void on_timeout(ClientTxnId id) override { timeouts.push_back({id, rt::to_ms(clock_.now())}); }
  void on_ack(const sip::Message& ack, const rt::Address&) override {
    acks.emplace_back(ack.raw());
  }
  void on_stray_response(const sip::Message& response, const rt::Address&) override {
    strays.push_back(response.status());
  }
  void on_server_timeout(ServerTxnId id) override {
    server_timeouts.push_back({id, rt::to_ms(clock_.now())});
  }
  void on_keepalive(const rt::Address& source) override { keepalives.push_back(source); }
  void on_transport_error(ClientTxnId id) override { transport_errors.push_back(id); }

  struct Request {
    ServerTxnId id;
    std::string raw;
    rt::Address source;
  };
  std::vector<Request> requests;
  std::vector<std::pair<ClientTxnId, int>> responses;
  std::vector<std::pair<ClientTxnId, std::int64_t>> timeouts;
  std::vector<std::string> acks;
  std::vector<int> strays;
  std::vector<std::pair<ServerTxnId, std::int64_t>> server_timeouts;
  std::vector<rt::Address> keepalives;
  std::vector<ClientTxnId> transport_errors;
  std::function<void(ServerTxnId, const sip::Message&)> on_request_hook;

private:
  const rt::Clock& clock_;
};

}  // namespace trunklab::txn::test
