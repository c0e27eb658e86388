#include "agents/registration.hpp"

#include "reference/auth/digest.hpp"
#include "reference/dialog/request.hpp"

#include <fmt/format.h>

namespace trunklab::agents {

Registration::Registration(Party& party) : party_(party) {
  call_id_ = sip::new_call_id(party_.random, party_.local_address().ip_string());
  from_tag_ = sip::new_tag(party_.random);
  const auto& c = party_.config;
  if (c.keepalive_interval && c.registrar) {
    keepalive_timer_ = party_.timers.start_timer(*c.keepalive_interval, [this] { send_keepalive(); });
  }
}

Registration::~Registration() {
  party_.timers.cancel_timer(refresh_timer_);
  party_.timers.cancel_timer(keepalive_timer_);
}

void Registration::register_now() {
  auth_attempts_ = 0;
  send_register(party_.config.expires_s, false, std::nullopt);
}

void Registration::unregister() {
  auth_attempts_ = 0;
  send_register(0, false, std::nullopt);
}

void Registration::unregister_all() {
  auth_attempts_ = 0;
  send_register(0, true, std::nullopt);
}

void Registration::send_register(std::uint32_t expires_s, bool star, std::optional<std::string> authorization) {
  const auto& c = party_.config;
  if (!c.registrar) return party_.record("register-failed", "no registrar configured");
  pending_expires_s_ = expires_s;
  pending_star_ = star;
  const auto aor = fmt::format("<sip:{}@{}>", party_.user(), c.registrar_domain);
  auto r = dialog::build_request({.method = "REGISTER",
                                  .request_uri = "sip:" + c.registrar_domain,
                                  .from = aor,
                                  .from_tag = from_tag_,
                                  .to = aor,
                                  .call_id = call_id_,
                                  .cseq = ++cseq_,
                                  .contact = star ? std::string("*") : party_.contact()});
  r.add("Expires", std::to_string(expires_s));
  if (authorization) r.add("Authorization", *authorization);
  party_.endpoint->add_via(r, *c.registrar);
  party_.send_tracked(std::move(r), *c.registrar, TxnKind::register_, {});
}

// One answer per challenge; a second only when the server says the nonce went stale.
bool Registration::answer_challenge(const sip::Message& response) {
  const int status = response.status();
  if ((status != 401 && status != 407) || auth_attempts_ >= 2) return false;
  bool stale = false;
  for (const auto& v : response.header_values(status == 407 ? "Proxy-Authenticate" : "WWW-Authenticate")) {
    if (auto c = auth::Challenge::parse(v); c && c->stale) stale = true;
  }
  if (auth_attempts_ != 0 && !stale) return false;
  ++auth_attempts_;
  auto creds = party_.credentials_for(response, "REGISTER", "sip:" + party_.config.registrar_domain, nc_);
  if (!creds) return false;
  send_register(pending_expires_s_, pending_star_, creds);
  return true;
}

void Registration::on_response(const sip::Message& response) {
  const int status = response.status();
  if (status < 200) return;
  last_status_ = status;
  if (answer_challenge(response)) return;
  auth_attempts_ = 0;
  if (status == 423) {
    auto min = response.min_expires();
    party_.record("register-too-brief", fmt::format("Min-Expires {}", min.value_or(0)), status);
    if (min && *min > pending_expires_s_) send_register(*min, false, std::nullopt);
    return;
  }
  if (status >= 300) {
    registered_ = false;
    return party_.record("register-failed", response.reason(), status);
  }
  if (pending_expires_s_ == 0) {
    registered_ = false;
    party_.timers.cancel_timer(refresh_timer_);
    refresh_timer_ = rt::kNoTimer;
    return party_.record("unregistered", {}, status);
  }
  on_success(response);
}

void Registration::on_success(const sip::Message& response) {
  const auto granted = granted_s(response);
  registered_ = true;
  party_.record("registered", fmt::format("expires {}", granted), response.status());
  schedule_refresh(granted);
}

// The expiry the registrar granted our contact: its Contact's expires, else Expires, else ours.
std::uint32_t Registration::granted_s(const sip::Message& response) const {
  std::uint32_t granted = response.expires().value_or(pending_expires_s_);
  const auto mine = fmt::format("sip:{}@{}", party_.user(), party_.local_address().to_string());
  for (const auto& c : response.contacts()) {
    if (!c.star && c.address.uri.to_string() == mine) granted = c.expires().value_or(granted);
  }
  return granted;
}

void Registration::on_timeout() {
  registered_ = false;
  last_status_ = 408;
  party_.record("register-failed", "timeout", 408);
}

void Registration::schedule_refresh(std::uint32_t granted_s) {
  party_.timers.cancel_timer(refresh_timer_);
  refresh_timer_ = rt::kNoTimer;
  if (!party_.config.refresh || granted_s == 0) return;
  // Refresh at half the granted time, as most phones do: well before the binding dies.
  auto after = std::chrono::duration_cast<rt::Duration>(std::chrono::seconds(granted_s)) / 2;
  refresh_timer_ = party_.timers.start_timer(after, [this] {
    refresh_timer_ = rt::kNoTimer;
    register_now();
  });
}

void Registration::send_keepalive() {
  party_.transport->send(*party_.config.registrar, "\r\n\r\n");
  keepalive_timer_ = party_.timers.start_timer(*party_.config.keepalive_interval, [this] { send_keepalive(); });
}

}  // namespace trunklab::agents
