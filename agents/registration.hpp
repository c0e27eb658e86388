// The party's registration (phones and PBXs): REGISTER with digest, a refresh at half the
// granted time, unregistering (one contact or `*`), 423 Interval Too Brief, CRLF keep-alives.
#pragma once

#include "agents/party.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace trunklab::agents {

class Registration {
public:
  explicit Registration(Party& party);  // draws the registration's Call-ID and From tag
  ~Registration();
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

  void register_now();    // REGISTER with config expires
  void unregister();      // REGISTER with Expires: 0
  void unregister_all();  // Contact: *, Expires: 0

  void on_response(const sip::Message& response);  // a final response to our REGISTER
  void on_timeout();

  bool registered() const { return registered_; }
  int last_status() const { return last_status_; }

private:
  void send_register(std::uint32_t expires_s, bool star, std::optional<std::string> authorization);
  bool answer_challenge(const sip::Message& response);
  void on_success(const sip::Message& response);
  std::uint32_t granted_s(const sip::Message& response) const;
  void schedule_refresh(std::uint32_t granted_s);
  void send_keepalive();

  Party& party_;
  std::string call_id_;
  std::string from_tag_;
  std::uint32_t cseq_ = 0;
  std::uint32_t nc_ = 0;
  int auth_attempts_ = 0;
  std::uint32_t pending_expires_s_ = 0;
  bool pending_star_ = false;
  bool registered_ = false;
  int last_status_ = 0;
  rt::TimerId refresh_timer_ = rt::kNoTimer;
  rt::TimerId keepalive_timer_ = rt::kNoTimer;
};

}  // namespace trunklab::agents
