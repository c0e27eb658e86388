#include "load/register_load.hpp"

#include "reference/auth/digest.hpp"
#include "reference/dialog/request.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cassert>
#include <cmath>

namespace trunklab::load {
namespace {

double ms(rt::Duration d) { return static_cast<double>(d.count()) / 1000.0; }
double seconds(rt::Duration d) { return static_cast<double>(d.count()) / 1e6; }

}  // namespace

std::uint64_t LoadReport::failed() const {
  std::uint64_t total = timed_out + no_usable_challenge;
  for (const auto& [status, count] : failed_by_status) total += count;
  return total;
}

double LoadReport::failure_ratio() const {
  if (planned == 0) return 0;
  return static_cast<double>(failed() + not_offered) / static_cast<double>(planned);
}

rt::Duration LoadReport::latency_percentile(double p) const {
  if (latencies.empty()) return rt::Duration::zero();
  const auto last = static_cast<double>(latencies.size() - 1);
  return latencies[static_cast<std::size_t>(std::lround(std::clamp(p, 0.0, 1.0) * last))];
}

std::string LoadReport::summary(const LoadOptions& o) const {
  std::string statuses;
  for (const auto& [status, count] : failed_by_status) statuses += fmt::format(", {} x{}", status, count);
  const double achieved = elapsed.count() > 0 ? static_cast<double>(succeeded) / seconds(elapsed) : 0;
  return fmt::format(
      "trunklab load: udp:{} at {:.0f} REGISTER-with-digest/s for {:.1f} s over {} accounts\n"
      "  planned {}, started {}, not offered (every account busy) {}\n"
      "  succeeded {}, failed {} (timed out {}, no usable challenge {}{}), retransmissions {}\n"
      "  achieved {:.1f} registrations/s over {:.2f} s\n"
      "  latency first REGISTER to 200 OK: p50 {:.3f} ms, p90 {:.3f} ms, p99 {:.3f} ms, max {:.3f} ms\n"
      "  failure ratio {:.4f}% (threshold {:.4f}%): {}\n",
      o.target.to_string(), o.rate_per_s, seconds(o.duration), o.users, planned, started,
      not_offered, succeeded, failed(), timed_out, no_usable_challenge, statuses, retransmissions,
      achieved, seconds(elapsed), ms(latency_percentile(0.5)), ms(latency_percentile(0.9)),
      ms(latency_percentile(0.99)), ms(latency_percentile(1.0)), 100 * failure_ratio(),
      100 * o.max_failure_ratio, failure_ratio() > o.max_failure_ratio ? "FAILED" : "ok");
}

RegisterLoad::RegisterLoad(rt::Clock& clock, rt::Timers& timers, rt::Transport& transport, rt::Random& random,
                           LoadOptions options)
    : clock_(clock),
      timers_(timers),
      random_(random),
      options_(std::move(options)),
      transport_(transport),
      endpoint_(clock, timers, transport_, random, txn::Config{.t1 = options_.t1, .t2 = options_.t2}, *this) {
  assert(options_.users > 0 && options_.rate_per_s > 0);
  const auto host = transport_.local_address().ip_string();
  users_.resize(options_.users);
  for (std::size_t i = 0; i < users_.size(); ++i) {
    users_[i].name = options_.user_prefix + std::to_string(i + 1);
    // One Call-ID per account for all its registrations (RFC 3261 §10.2: SHOULD).
    users_[i].call_id = sip::new_call_id(random_, host);
    users_[i].from_tag = sip::new_tag(random_);
    idle_.push_back(i);
  }
  report_.planned = static_cast<std::uint64_t>(
      std::llround(options_.rate_per_s * seconds(options_.duration)));
}

RegisterLoad::~RegisterLoad() {
  timers_.cancel_timer(pace_timer_);
  for (auto& user : users_) timers_.cancel_timer(user.deadline_timer);
}

void RegisterLoad::start() {
  start_time_ = clock_.now();
  end_time_ = start_time_;
  pace();
}

// Registration k is due at start + k / rate; a late tick catches up on every one due.
void RegisterLoad::pace() {
  pace_timer_ = rt::kNoTimer;
  const auto now = clock_.now();
  const auto offered = [this] { return report_.started + report_.not_offered; };
  auto due_at = [this](std::uint64_t k) {
    return start_time_ + rt::Duration{static_cast<std::int64_t>(
                             std::llround(static_cast<double>(k) * 1e6 / options_.rate_per_s))};
  };
  while (offered() < report_.planned && due_at(offered()) <= now) {
    if (idle_.empty()) {
      ++report_.not_offered;
      continue;
    }
    const auto user = idle_.front();
    idle_.pop_front();
    begin(user);
  }
  if (offered() < report_.planned) {
    pace_timer_ = timers_.start_timer(due_at(offered()) - now, [this] { pace(); });
  } else {
    pacing_done_ = true;
    check_finished();
  }
}

void RegisterLoad::begin(std::size_t index) {
  auto& user = users_[index];
  ++report_.started;
  ++in_flight_;
  user.started = clock_.now();
  user.phase = Phase::challenge;
  send_request(index, nullptr);
  user.deadline_timer = timers_.start_timer(options_.timeout, [this, index] {
    users_[index].deadline_timer = rt::kNoTimer;
    ++report_.timed_out;
    finish(index);
  });
}

void RegisterLoad::send_request(std::size_t index, const std::string* authorization) {
  auto& user = users_[index];
  const auto aor = fmt::format("<sip:{}@{}>", user.name, options_.domain);
  auto request = dialog::build_request({.method = "REGISTER",
                                        .request_uri = "sip:" + options_.domain,
                                        .from = aor,
                                        .from_tag = user.from_tag,
                                        .to = aor,
                                        .call_id = user.call_id,
                                        .cseq = ++user.cseq,
                                        .contact = fmt::format("<sip:{}@{}>", user.name,
                                                               transport_.local_address().to_string())});
  request.add("Expires", std::to_string(options_.expires_s)).add("User-Agent", "trunklab-load");
  if (authorization) request.add("Authorization", *authorization);
  endpoint_.add_via(request, options_.target);
  ++own_sends_;
  user.txn = endpoint_.send_request(std::move(request), options_.target);
  by_txn_[user.txn->value] = index;
}

void RegisterLoad::finish(std::size_t index) {
  auto& user = users_[index];
  timers_.cancel_timer(user.deadline_timer);
  user.deadline_timer = rt::kNoTimer;
  if (user.txn) {  // given up on: no more retransmissions, a late answer is a stray
    endpoint_.abandon(*user.txn);
    by_txn_.erase(user.txn->value);
    user.txn.reset();
  }
  user.phase = Phase::idle;
  idle_.push_back(index);
  --in_flight_;
  end_time_ = clock_.now();
  check_finished();
}

void RegisterLoad::check_finished() {
  if (pacing_done_ && in_flight_ == 0) finished_ = true;
}

void RegisterLoad::on_challenge(std::size_t index, const sip::Message& response) {
  std::vector<auth::Challenge> challenges;
  for (const auto& value : response.header_values("WWW-Authenticate")) {
    if (auto challenge = auth::Challenge::parse(value)) challenges.push_back(std::move(*challenge));
  }
  const auto chosen = auth::select_challenge(challenges);
  if (!chosen) {
    ++report_.no_usable_challenge;
    finish(index);
    return;
  }
  const auto& user = users_[index];
  const auto credentials =
      auth::answer(challenges[*chosen], {user.name, options_.password}, "REGISTER",
                   "sip:" + options_.domain, 1, random_);
  users_[index].phase = Phase::authorized;
  const auto header = credentials.to_header_value();
  send_request(index, &header);
}

void RegisterLoad::on_datagram(const rt::Address& local, const rt::Address& remote, std::string_view bytes) {
  endpoint_.on_datagram(local, remote, bytes);
}

// The user whose REGISTER `id` was; its transaction is over (a final response or none).
std::optional<std::size_t> RegisterLoad::take_user(txn::ClientTxnId id) {
  auto it = by_txn_.find(id.value);
  if (it == by_txn_.end()) return std::nullopt;
  const auto index = it->second;
  by_txn_.erase(it);
  users_[index].txn.reset();
  return index;
}

void RegisterLoad::on_response(txn::ClientTxnId id, const sip::Message& response) {
  const int status = response.status();
  if (status < 200) return;
  const auto index = take_user(id);
  if (!index) return;
  if (status == 401 && users_[*index].phase == Phase::challenge) {
    on_challenge(*index, response);
    return;
  }
  if (status == 200 && users_[*index].phase == Phase::authorized) {
    ++report_.succeeded;
    report_.latencies.push_back(clock_.now() - users_[*index].started);
  } else {
    ++report_.failed_by_status[status];
  }
  finish(*index);
}

// Timer F (64*T1) before the registration's own timeout, or a transport error: no answer.
void RegisterLoad::on_timeout(txn::ClientTxnId id) {
  const auto index = take_user(id);
  if (!index) return;
  ++report_.timed_out;
  finish(*index);
}

// The load driver serves nobody: a request sent to it gets 405 (and counts as not ours).
void RegisterLoad::on_request(txn::ServerTxnId id, const sip::Message& request, const rt::Address&) {
  ++report_.unparsable;
  ++own_sends_;
  auto tag = request.to().tag().empty() ? sip::new_tag(random_) : std::string{};
  endpoint_.respond(id, sip::OutgoingMessage::response_to(request, 405, {}, tag));
}

LoadReport RegisterLoad::report() const {
  auto report = report_;
  std::sort(report.latencies.begin(), report.latencies.end());
  report.elapsed = end_time_ - start_time_;
  report.retransmissions = transport_.sent > own_sends_ ? transport_.sent - own_sends_ : 0;
  return report;
}

void add_load_users(config::Config& config, const std::string& prefix, std::size_t count,
                    const std::string& password) {
  for (std::size_t i = 1; i <= count; ++i) {
    config::Extension extension;
    extension.name = prefix + std::to_string(i);
    extension.username = extension.name;
    extension.password = password;
    config.extensions.push_back(std::move(extension));
  }
}

}  // namespace trunklab::load
