#include "reference/txn/fsm.hpp"

#include "reference/txn/wire.hpp"

#include "reference/sip/text.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <string>
#include <utility>

namespace trunklab::txn {
namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};

bool is_provisional(int status) { return status >= 100 && status < 200; }
bool is_2xx(int status) { return status >= 200 && status < 300; }
bool is_final_non2xx(int status) { return status >= 300 && status < 700; }

std::string cseq_number(std::string_view cseq) {
  const auto start = cseq.find_first_not_of(" \t");
  if (start == std::string_view::npos) return "0";
  const auto end = cseq.find_first_of(" \t", start);
  return std::string(cseq.substr(start, end - start));
}

}  // namespace

sip::OutgoingMessage build_non2xx_ack(const sip::OutgoingMessage& invite,
                                      const sip::Message& response) {
  auto ack = sip::OutgoingMessage::request("ACK", invite.request_uri());
  if (auto via = first_via(invite)) ack.add("Via", std::string(*via));
  ack.add("Max-Forwards", "70");  // §8.1.1: mandatory in every request
  if (auto from = invite.header("From")) ack.add("From", std::string(*from));
  if (auto to = response.header("To")) ack.add("To", std::string(*to));
  if (auto call_id = invite.header("Call-ID")) ack.add("Call-ID", std::string(*call_id));
  ack.add("CSeq", cseq_number(invite.header("CSeq").value_or("")) + " ACK");
  for (const auto& header : invite.headers()) {
    if (sip::text::iequals(header.name, "Route")) ack.add("Route", header.value);
  }
  return ack;
}

// ---- INVITE client --------------------------------------------------------------------------

InviteClient::InviteClient(const Config& config, sip::OutgoingMessage invite,
                           rt::Address destination)
    : config_(config), invite_(std::move(invite)), invite_bytes_(invite_.to_string()),
      destination_(destination), timer_a_(config.t1) {}

Actions InviteClient::start() {
  Actions actions{Send{destination_, invite_bytes_}};
  if (!config_.reliable) actions.emplace_back(StartTimer{TimerName::a, timer_a_});
  actions.emplace_back(StartTimer{TimerName::b, config_.timer_b()});
  return actions;
}

Actions InviteClient::on_event(const Event& event) {
  return std::visit(
      Overloaded{
          [&](const ResponseFromWire& e) { return on_response(e.response); },
          [&](const TimerFired& e) { return on_timer(e.name); },
          [&](const TransportError&) {
            if (state_ != State::calling) return Actions{};
            return to_terminated(Actions{DeliverTransportError{}});
          },
          [](const auto&) { return Actions{}; },
      },
      event);
}

Actions InviteClient::to_terminated(Actions actions) {
  state_ = State::terminated;
  actions.emplace_back(Terminated{});
  return actions;
}

Actions InviteClient::on_response(const sip::Message& response) {
  const int status = response.status();
  switch (state_) {
    case State::calling:
    case State::proceeding:
      if (is_provisional(status)) {
        Actions actions;
        if (state_ == State::calling) {
          actions = {CancelTimer{TimerName::a}, CancelTimer{TimerName::b}};
        }
        state_ = State::proceeding;
        actions.emplace_back(DeliverResponse{});
        return actions;
      }
      if (is_2xx(status)) {
        // RFC 3261: the transaction ends; the TU ACKs and absorbs 2xx retransmissions.
        return to_terminated({CancelTimer{TimerName::a}, CancelTimer{TimerName::b},
                              DeliverResponse{}});
      }
      if (is_final_non2xx(status)) {
        ack_bytes_ = build_non2xx_ack(invite_, response).to_string();
        state_ = State::completed;
        return {CancelTimer{TimerName::a}, CancelTimer{TimerName::b},
                Send{destination_, ack_bytes_},
                StartTimer{TimerName::d, config_.timer_d_effective()}, DeliverResponse{}};
      }
      return {};
    case State::completed:
      // Retransmitted final response: resend the ACK, the TU already has it.
      if (is_final_non2xx(status)) return {Send{destination_, ack_bytes_}};
      return {};
    case State::terminated:
      return {};
  }
  return {};
}

Actions InviteClient::on_timer(TimerName name) {
  if (name == TimerName::a && state_ == State::calling) {
    timer_a_ *= 2;  // no T2 cap for INVITE (§17.1.1.2)
    return {Send{destination_, invite_bytes_}, StartTimer{TimerName::a, timer_a_}};
  }
  if (name == TimerName::b && state_ == State::calling) {
    return to_terminated({CancelTimer{TimerName::a}, DeliverTimeout{}});
  }
  if (name == TimerName::d && state_ == State::completed) return to_terminated({});
  return {};
}

// ---- non-INVITE client ----------------------------------------------------------------------

NonInviteClient::NonInviteClient(const Config& config, std::string request_bytes,
                                 rt::Address destination)
    : config_(config), request_bytes_(std::move(request_bytes)), destination_(destination),
      timer_e_(config.t1) {}

Actions NonInviteClient::start() {
  Actions actions{Send{destination_, request_bytes_}};
  if (!config_.reliable) actions.emplace_back(StartTimer{TimerName::e, timer_e_});
  actions.emplace_back(StartTimer{TimerName::f, config_.timer_f()});
  return actions;
}

Actions NonInviteClient::on_event(const Event& event) {
  return std::visit(
      Overloaded{
          [&](const ResponseFromWire& e) { return on_response(e.response); },
          [&](const TimerFired& e) { return on_timer(e.name); },
          [&](const TransportError&) {
            if (state_ != State::trying && state_ != State::proceeding) return Actions{};
            state_ = State::terminated;
            return Actions{CancelTimer{TimerName::e}, CancelTimer{TimerName::f},
                           DeliverTransportError{}, Terminated{}};
          },
          [](const auto&) { return Actions{}; },
      },
      event);
}

Actions NonInviteClient::on_response(const sip::Message& response) {
  if (state_ != State::trying && state_ != State::proceeding) return {};  // absorbed
  const int status = response.status();
  if (is_provisional(status)) {
    state_ = State::proceeding;
    return {DeliverResponse{}};
  }
  if (status < 200 || status >= 700) return {};
  state_ = State::completed;
  return {CancelTimer{TimerName::e}, CancelTimer{TimerName::f},
          StartTimer{TimerName::k, config_.timer_k()}, DeliverResponse{}};
}

Actions NonInviteClient::on_timer(TimerName name) {
  const bool waiting = state_ == State::trying || state_ == State::proceeding;
  if (name == TimerName::e && waiting) {
    // Trying: double up to T2; Proceeding: every T2 (§17.1.2.2).
    timer_e_ = state_ == State::trying ? std::min(2 * timer_e_, config_.t2) : config_.t2;
    return {Send{destination_, request_bytes_}, StartTimer{TimerName::e, timer_e_}};
  }
  if (name == TimerName::f && waiting) {
    state_ = State::terminated;
    return {CancelTimer{TimerName::e}, DeliverTimeout{}, Terminated{}};
  }
  if (name == TimerName::k && state_ == State::completed) {
    state_ = State::terminated;
    return {Terminated{}};
  }
  return {};
}

// ---- INVITE server --------------------------------------------------------------------------

InviteServer::InviteServer(const Config& config, std::string trying_bytes, rt::Address source)
    : config_(config), trying_bytes_(std::move(trying_bytes)), source_(source),
      timer_g_(config.t1) {}

Actions InviteServer::start() {
  if (config_.trying_after <= rt::Duration{0}) {
    last_response_ = trying_bytes_;
    return {Send{source_, last_response_}};
  }
  return {StartTimer{TimerName::trying, config_.trying_after}};
}

Actions InviteServer::on_event(const Event& event) {
  return std::visit(
      Overloaded{
          [&](const ResponseFromTu& e) { return on_tu_response(e); },
          [&](const RequestFromWire& e) { return on_request(e); },
          [&](const TimerFired& e) { return on_timer(e.name); },
          [&](const TransportError&) {
            if (state_ != State::proceeding && state_ != State::completed) return Actions{};
            state_ = State::terminated;
            return Actions{CancelTimer{TimerName::trying}, CancelTimer{TimerName::g},
                           CancelTimer{TimerName::h}, DeliverTransportError{}, Terminated{}};
          },
          [](const auto&) { return Actions{}; },
      },
      event);
}

Actions InviteServer::on_tu_response(const ResponseFromTu& response) {
  if (state_ == State::accepted && is_2xx(response.status)) {
    return {Send{source_, response.bytes}};  // RFC 6026 §7.1: the TU's own 2xx retransmission
  }
  if (state_ != State::proceeding) return {};  // the TU answered twice: nothing to send
  last_response_ = response.bytes;
  Actions actions{CancelTimer{TimerName::trying}, Send{source_, last_response_}};
  if (is_provisional(response.status)) return actions;
  if (is_2xx(response.status)) {
    // The TU (UAS core) retransmits its 2xx and receives the ACK (§17.2.1); the transaction
    // only absorbs INVITE retransmissions until timer L (RFC 6026 §7.1).
    state_ = State::accepted;
    actions.emplace_back(StartTimer{TimerName::l, config_.timer_l()});
    return actions;
  }
  state_ = State::completed;
  if (!config_.reliable) actions.emplace_back(StartTimer{TimerName::g, timer_g_});
  actions.emplace_back(StartTimer{TimerName::h, config_.timer_h()});
  return actions;
}

Actions InviteServer::on_request(const RequestFromWire& request) {
  if (request.is_ack) {
    if (state_ != State::completed) return {};  // Confirmed absorbs further ACKs
    state_ = State::confirmed;
    return {CancelTimer{TimerName::g}, CancelTimer{TimerName::h},
            StartTimer{TimerName::i, config_.timer_i()}};
  }
  // A retransmitted INVITE: resend the last response, if any (§17.2.1); in Accepted it is
  // absorbed, since the TU retransmits the 2xx itself (RFC 6026 §8.5).
  if ((state_ == State::proceeding || state_ == State::completed) && !last_response_.empty()) {
    return {Send{source_, last_response_}};
  }
  return {};
}

Actions InviteServer::on_timer(TimerName name) {
  switch (name) {
    case TimerName::trying:
      if (state_ != State::proceeding || !last_response_.empty()) return {};
      last_response_ = trying_bytes_;
      return {Send{source_, last_response_}};
    case TimerName::g:
      if (state_ != State::completed) return {};
      timer_g_ = std::min(2 * timer_g_, config_.t2);
      return {Send{source_, last_response_}, StartTimer{TimerName::g, timer_g_}};
    case TimerName::h:
      if (state_ != State::completed) return {};
      state_ = State::terminated;
      return {CancelTimer{TimerName::g}, DeliverTimeout{}, Terminated{}};
    case TimerName::i:
      if (state_ != State::confirmed) return {};
      state_ = State::terminated;
      return {Terminated{}};
    case TimerName::l:
      if (state_ != State::accepted) return {};
      state_ = State::terminated;
      return {Terminated{}};
    default:
      return {};
  }
}

// ---- non-INVITE server ----------------------------------------------------------------------

NonInviteServer::NonInviteServer(const Config& config, rt::Address source)
    : config_(config), source_(source) {}

Actions NonInviteServer::on_event(const Event& event) {
  return std::visit(
      Overloaded{
          [&](const ResponseFromTu& e) { return on_tu_response(e); },
          [&](const RequestFromWire&) {
            // Trying absorbs; Proceeding and Completed resend the last response.
            if (last_response_.empty() || state_ == State::terminated) return Actions{};
            return Actions{Send{source_, last_response_}};
          },
          [&](const TimerFired& e) {
            if (e.name != TimerName::j || state_ != State::completed) return Actions{};
            state_ = State::terminated;
            return Actions{Terminated{}};
          },
          [&](const TransportError&) {
            if (state_ != State::proceeding && state_ != State::completed) return Actions{};
            state_ = State::terminated;
            return Actions{CancelTimer{TimerName::j}, DeliverTransportError{}, Terminated{}};
          },
          [](const auto&) { return Actions{}; },
      },
      event);
}

Actions NonInviteServer::on_tu_response(const ResponseFromTu& response) {
  if (state_ != State::trying && state_ != State::proceeding) return {};
  last_response_ = response.bytes;
  Actions actions{Send{source_, last_response_}};
  if (is_provisional(response.status)) {
    state_ = State::proceeding;
    return actions;
  }
  state_ = State::completed;
  actions.emplace_back(StartTimer{TimerName::j, config_.timer_j()});
  return actions;
}

}  // namespace trunklab::txn
