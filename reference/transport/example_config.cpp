#include "reference/transport/example_config.hpp"

#include "reference/config/json_reader.hpp"

namespace trunklab::realtime {
namespace {

// "main" (main.trunk.example.test) challenges every caller; "local" trusts callers on this
// machine that address the trunk by IP (SIPp's built-in `-sn uac`, which cannot answer a 407,
// sends `INVITE sip:service@127.0.0.1:5060`). MD5 challenges: see config::AuthPolicy.
constexpr const char* kExample = R"json({
  "base_domain": "example.test",
  "extensions": [
    { "name": "alice", "username": "alice", "password": "alice-secret" },
    { "name": "bob", "username": "bob", "password": "bob-secret" },
    { "name": "office-1", "username": "office1", "password": "office1-secret" }
  ],
  "providers": [
    { "name": "carrier", "hostname": "sip.carrier.example", "address": "127.0.0.1:5070",
      "invite_timeout": "8s" }
  ],
  "routes": [ { "provider": "carrier", "priority": 1 } ],
  "numbers": [ { "number": "+15550100", "dial_extension": "office-1" } ],
  "trunks": [ { "name": "main", "channels": 10, "trusted_addresses": [] },
              { "name": "local", "channels": 10, "trusted_addresses": ["127.0.0.1"] } ],
  "registrar": { "min_expires_s": 60, "max_expires_s": 3600, "default_expires_s": 3600 },
  "auth": { "algorithms": ["MD5"], "nonce_lifetime": "5m",
            "secret": "change-me-example-nonce-secret" }
})json";

}  // namespace

config::Config example_config() {
  const auto json = config::parse_json_text(kExample, "<built-in example>");
  return config::read_config(config::Node(json, "<built-in example>"));
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

}  // namespace trunklab::realtime
