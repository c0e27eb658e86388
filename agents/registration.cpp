// The emulated UA's registration: REGISTER with digest, refreshes before expiry, unregister,
// keep-alives (split from user_agent.cpp, which keeps calls and incoming requests).
#include "agents/user_agent.hpp"

#include "reference/txn/wire.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace trunklab::agents {

using namespace std::chrono_literals;

// ---- registration -------------------------------------------------------------------------------

void UserAgent::register_now() {
  register_auth_attempts_ = 0;
  send_register(config_.expires_s, false, std::nullopt);
}

void UserAgent::unregister() {
  register_auth_attempts_ = 0;
  send_register(0, false, std::nullopt);
}

void UserAgent::unregister_all() {
  register_auth_attempts_ = 0;
  send_register(0, true, std::nullopt);
}

void UserAgent::send_register(std::uint32_t expires_s, bool star,
                              std::optional<std::string> authorization) {
  if (!config_.registrar) return record("register-failed", "no registrar configured");
  pending_expires_s_ = expires_s;
  pending_star_ = star;
  const auto aor = fmt::format("sip:{}@{}", user(), config_.registrar_domain);
  auto r = sip::OutgoingMessage::request("REGISTER", "sip:" + config_.registrar_domain);
  r.add("Max-Forwards", "70");
  r.add("From", fmt::format("<{}>;tag={}", aor, register_from_tag_));
  r.add("To", fmt::format("<{}>", aor));
  r.add("Call-ID", register_call_id_);
  r.add("CSeq", fmt::format("{} REGISTER", ++register_cseq_));
  r.add("Contact", star ? std::string("*") : contact());
  r.add("Expires", std::to_string(expires_s));
  if (authorization) r.add("Authorization", *authorization);
  endpoint_->add_via(r);
  auto id = endpoint_->send_request(std::move(r), *config_.registrar);
  txns_[id.value] = {TxnKind::register_, {}};
}

void UserAgent::on_register_response(const sip::Message& response) {
  const int status = response.status();
  if (status < 200) return;
  last_register_status_ = status;
  if ((status == 401 || status == 407) && register_auth_attempts_ < 2) {
    // One answer per challenge; a second only when the server says the nonce went stale.
    bool stale = false;
    for (const auto& v : response.header_values(status == 407 ? "Proxy-Authenticate" : "WWW-Authenticate")) {
      if (auto c = auth::Challenge::parse(v); c && c->stale) stale = true;
    }
    if (register_auth_attempts_ == 0 || stale) {
      ++register_auth_attempts_;
      auto creds = credentials_for(response, "REGISTER", "sip:" + config_.registrar_domain);
      if (creds) return send_register(pending_expires_s_, pending_star_, creds);
    }
  }
  register_auth_attempts_ = 0;
  if (status == 423) {
    auto min = response.min_expires();
    record("register-too-brief", fmt::format("Min-Expires {}", min.value_or(0)), status);
    if (min && *min > pending_expires_s_) return send_register(*min, false, std::nullopt);
    return;
  }
  if (status >= 300) {
    registered_ = false;
    return record("register-failed", response.reason(), status);
  }
  if (pending_expires_s_ == 0) {
    registered_ = false;
    timers_.cancel_timer(refresh_timer_);
    refresh_timer_ = rt::kNoTimer;
    return record("unregistered", {}, status);
  }
  std::uint32_t granted = response.expires().value_or(pending_expires_s_);
  const auto mine = fmt::format("sip:{}@{}", user(), transport_->local_address().to_string());
  for (const auto& c : response.contacts()) {
    if (!c.star && c.address.uri.to_string() == mine) granted = c.expires().value_or(granted);
  }
  registered_ = true;
  record("registered", fmt::format("expires {}", granted), status);
  schedule_refresh(granted);
}

void UserAgent::schedule_refresh(std::uint32_t granted_s) {
  timers_.cancel_timer(refresh_timer_);
  refresh_timer_ = rt::kNoTimer;
  if (!config_.refresh || granted_s == 0) return;
  // Refresh at half the granted time, as most phones do: well before the binding dies.
  auto after = std::chrono::duration_cast<rt::Duration>(std::chrono::seconds(granted_s)) / 2;
  refresh_timer_ = timers_.start_timer(after, [this] {
    refresh_timer_ = rt::kNoTimer;
    register_now();
  });
}

void UserAgent::send_keepalive() {
  transport_->send(*config_.registrar, "\r\n\r\n");
  keepalive_timer_ = timers_.start_timer(*config_.keepalive_interval, [this] { send_keepalive(); });
}

}  // namespace trunklab::agents
