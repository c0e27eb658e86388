// The reference registrar (RFC 3261 §10.3): digest-challenged REGISTER, bindings with
// expiry, several contacts per AOR, unregister, 423 Interval Too Brief, per-tenant domains
// ({customer}.registrar.<base>), NAT-aware bindings (RFC 3581: the source address of the
// REGISTER is where inbound requests go).
//
// It is a transaction user: the element above the transaction layer hands it a REGISTER
// and sends back the response it returns. No socket, no system clock.
#pragma once

#include "reference/auth/digest.hpp"
#include "reference/config/config.hpp"
#include "reference/registrar/store.hpp"
#include "reference/rt/random.hpp"
#include "reference/rt/time.hpp"
#include "reference/sip/message.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace trunklab::registrar {

struct Counters {
  std::uint64_t registers = 0;
  std::uint64_t challenged = 0;    // 401 sent
  std::uint64_t accepted = 0;      // 200 sent
  std::uint64_t forbidden = 0;     // 403 sent (wrong password, unknown user, wrong AOR)
  std::uint64_t too_brief = 0;     // 423 sent
  std::uint64_t bad_requests = 0;  // 400 sent
  std::uint64_t expired = 0;       // bindings removed by expiry
  std::map<int, std::uint64_t> failures;  // final answers 300-699 by status (not the 401 challenges)
};

class Registrar {
public:
  Registrar(const config::Config& config, BindingStore& store, const rt::Clock& clock,
            rt::Timers& timers, rt::Random& random);

  // Handles one REGISTER that arrived from `source`; returns the response to send.
  sip::OutgoingMessage handle_register(const sip::Message& request, const rt::Address& source);

  // The customer whose registrar domain `host` is ("acme" for acme.registrar.<base>), if any.
  std::optional<std::string> customer_of_domain(std::string_view host) const;

  // Inbound side: the live contacts of an extension, each with the address it registered from.
  std::vector<Binding> live_contacts(std::string_view customer, std::string_view extension) const;
  std::vector<Binding> live_bindings() const;  // every AOR, ordered
  // A registered trunk's live contacts: its PBX registers username@{trunk}.trunk.<base>.
  std::vector<Binding> trunk_contacts(const config::Trunk& trunk) const;
  const config::Trunk* registered_trunk_of_domain(std::string_view host) const;

  std::string aor_of(std::string_view username, std::string_view customer) const;
  // Accounts from `config` for the REGISTERs from now on; bindings stay as they are.
  void set_config(const config::Config& config);
  const Counters& counters() const { return counters_; }
  BindingStore& store() { return store_; }
  const BindingStore& store() const { return store_; }

private:
  struct Account {
    const config::Extension* extension;
    std::string realm;
  };
  sip::OutgoingMessage reply(const sip::Message& request, int status, std::string_view reason = {});
  sip::OutgoingMessage challenge(const sip::Message& request, const std::string& realm, bool stale,
                                 std::string_view why = {});
  sip::OutgoingMessage update_bindings(const sip::Message& request, const rt::Address& source,
                                       const std::string& aor);
  sip::OutgoingMessage ok_with_bindings(const sip::Message& request, const std::string& aor);
  void schedule_purge(rt::Instant at);

  const config::Config* config_;
  BindingStore& store_;
  const rt::Clock& clock_;
  rt::Timers& timers_;
  rt::Random& random_;
  auth::DigestServer digest_;
  std::map<std::pair<std::string, std::string>, const config::Extension*> by_username_;
  Counters counters_;
};

// The digest server configuration that a config's auth policy describes.
auth::ServerConfig digest_config(const config::AuthPolicy& policy);

}  // namespace trunklab::registrar
