// The reference's configuration, mirroring the product's objects: extensions (registration),
// providers and routes (trunking), numbers with their flow (inbound), trunks (customer,
// channels, trusted addresses) and the domains they live under. Read from JSON, standalone
// (`trunklab serve --config`) or as the "reference" member of a scenario file.
#pragma once

#include "reference/config/json_reader.hpp"
#include "reference/rt/address.hpp"
#include "reference/rt/transport.hpp"
#include "reference/rt/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace trunklab::config {

inline constexpr const char* kDefaultCustomer = "default";

struct Extension {
  std::string name;      // "office-1": what number flows dial
  std::string username;  // digest username
  std::string password;
  std::string customer = kDefaultCustomer;  // selects the registrar domain
};

struct ProviderCredentials {  // for the provider's own 401/407, which the trunk answers
  std::string username;
  std::string password;
};

// Where a call's media goes: straight between the ends (the SDP passed through), or through
// the element's own relay ports (reference/anchor/relay.hpp: c=/m= rewritten, latching).
enum class MediaMode { direct, relay };

struct Provider {
  std::string name;
  std::string hostname;  // what goes in the Request-URI host ("sip.telnyx.example")
  std::optional<rt::Address> address;  // where datagrams go; scenario topology may fill it
  std::optional<ProviderCredentials> credentials;
  std::optional<rt::Duration> invite_timeout;  // no final answer within it: fail over
  std::optional<rt::Duration> options_interval;  // OPTIONS probing; absent = never probe
  // How the trunk reaches it: "udp" (default) or "tcp" (a connection, RFC 3261 §18; the
  // element must listen on TCP too).
  rt::TransportKind transport = rt::TransportKind::udp;
  MediaMode media = MediaMode::direct;  // "media": "relay" anchors the calls to and from it
};

struct Route {
  std::string name;
  std::string provider;
  int priority = 1;     // lower first
  std::string prefix;   // destination prefix; "" matches everything
  std::string customer = kDefaultCustomer;
};

// Where an inbound call for a number goes: exactly one of the three is set.
struct Number {
  std::string number;           // "+15551234567"
  std::string dial_extension;   // the flow: dial this extension (its registered contacts)
  std::string trunk;            // a DID of this trunk: its addresses, or its registration
  std::string call_route;       // hunt the entries of this call route in order
  std::string customer = kDefaultCustomer;
};

// A static trunk is IP-authenticated and reached at its configured addresses; a registered
// trunk's PBX registers at the trunk domain with the trunk's credentials, receives the trunk's
// DIDs at its registered contact, and authenticates its calls with the same credentials.
enum class TrunkType { static_ip, registered };

// How calls for a trunk with several addresses spread over them: in priority order (the next on
// failure), round-robin (each call starts at the next address), or weighted round-robin (smooth:
// an address of weight 3 starts three calls for one of weight 1, interleaved). Every policy
// falls over to the remaining addresses when the first fails.
enum class DestinationPolicy { failover, round_robin, weighted };

struct TrunkAddress {
  rt::Address address;
  int priority = 1;  // failover order, lower first
  int weight = 1;    // weighted share
};

struct Trunk {
  std::string name;  // the trunk domain is {name}.trunk.<base domain>
  std::string customer = kDefaultCustomer;
  int channels = 0;  // 0 = unlimited; inbound and outbound calls count together
  std::vector<std::string> trusted_addresses;  // IP authentication: no challenge from these
  MediaMode media = MediaMode::direct;  // "media": "relay" anchors every call of the trunk
  TrunkType type = TrunkType::static_ip;
  std::string username, password;  // registered: its REGISTER's and its calls' digest credentials
  std::vector<TrunkAddress> addresses;  // static: where its DIDs' calls go
  DestinationPolicy policy = DestinationPolicy::failover;
  std::optional<rt::Duration> options_interval;  // OPTIONS probing of its addresses
  std::optional<rt::Duration> invite_timeout;    // per address: no answer within it, next one
};

// Call routing (hunting): a number's call tries the entries in order, each a trunk, an
// extension or a phone number (reached through the customer's outbound routes); the next entry
// on no answer within the entry's timeout, on a 5xx/408/480, or when the entry is down.
struct CallRouteEntry {
  enum class Kind { trunk, extension, number };
  Kind kind = Kind::trunk;
  std::string target;                   // trunk name, extension name, or the phone number
  std::optional<rt::Duration> timeout;  // ring this long before the next entry
};

inline constexpr std::size_t kMaxCallRouteEntries = 10;

struct CallRoute {
  std::string name;
  std::string customer = kDefaultCustomer;
  std::vector<CallRouteEntry> entries;  // 1..kMaxCallRouteEntries
};

// The relay's ports and its media timeout ("media": {"ports": [30000, 39999], "timeout": "60s"}).
// DTMF between relayed legs: "pass" relays events and tones as they come; "interwork" offers
// telephone-event to a leg whose peer did not and converts events to inband tones and back.
enum class DtmfPolicy { pass, interwork };

struct MediaPolicy {
  std::uint16_t first_port = 30000;
  std::uint16_t last_port = 39999;
  rt::Duration timeout = std::chrono::seconds{60};  // no RTP either way: BYE both legs
  DtmfPolicy dtmf = DtmfPolicy::pass;
};

struct RegistrarPolicy {
  std::uint32_t min_expires_s = 60;
  std::uint32_t max_expires_s = 3600;
  std::uint32_t default_expires_s = 3600;
  std::optional<rt::Duration> keepalive_options_interval;  // OPTIONS to NATed contacts
};

struct AuthPolicy {
  // Challenge order = preference (RFC 8760 §2.4: a client uses the topmost it supports). MD5
  // alone by default: SIPp 3.6 and sipsak 0.9 read only the first challenge and know only MD5,
  // and baresip 1.0 (libre) gives up on a response carrying any non-MD5 challenge, even after an
  // MD5 one. SHA-256 and SHA-512-256 stay available: ["SHA-256", "MD5"] offers both.
  std::vector<std::string> algorithms{"MD5"};
  rt::Duration nonce_lifetime = std::chrono::seconds(300);
  std::string secret = "trunklab-nonce-secret";  // keys the stateless nonces
};

// What the trunk does with a re-INVITE that switches a call to T.38 fax (an offer with an
// active m=image ... udptl t38 stream): relay it to the other leg like any re-INVITE, or refuse
// it itself with 488 Not Acceptable Here (RFC 3261 §21.4.26) and a Warning 304 (§20.43), the
// call and its audio staying as they were (§14.1).
enum class T38Policy { relay, reject };

struct Config {
  std::string base_domain = "example.test";
  std::vector<Extension> extensions;
  std::vector<Provider> providers;
  std::vector<Route> routes;
  std::vector<Number> numbers;
  std::vector<Trunk> trunks;
  std::vector<CallRoute> call_routes;
  RegistrarPolicy registrar;
  AuthPolicy auth;
  std::vector<std::string> codecs{"PCMU", "PCMA", "G729", "telephone-event"};
  MediaPolicy media;
  T38Policy t38 = T38Policy::relay;

  std::string registrar_domain(const std::string& customer) const;  // {customer}.registrar.<base>
  std::string trunk_domain(const std::string& trunk) const;         // {trunk}.trunk.<base>
  const Provider* find_provider(std::string_view name) const;
  const Extension* find_extension(std::string_view customer, std::string_view name) const;
  const Trunk* find_trunk(std::string_view name) const;
  const CallRoute* find_call_route(std::string_view name) const;
};

// Reads a configuration object; every error names file, JSON path and what was expected.
// Cross-references are checked too (a route naming an unknown provider is an error).
Config read_config(const Node& node);
// One object of each kind, as the configuration file (and the management API) writes it.
Extension read_extension(const Node& node);
Provider read_provider(const Node& node);
Route read_route(const Node& node);  // "provider_id" is taken for "provider" (the product's name)
Number read_number(const Node& node);
Trunk read_trunk(const Node& node);
CallRoute read_call_route(const Node& node);
nlohmann::json to_json(const Extension& extension);
nlohmann::json to_json(const Provider& provider);
nlohmann::json to_json(const Route& route);
nlohmann::json to_json(const Number& number);
nlohmann::json to_json(const Trunk& trunk);
nlohmann::json to_json(const CallRoute& route);
// "udp" or "tcp" (a provider's, a scenario party's transport); anything else fails at `node`.
rt::TransportKind read_transport(const Node& node);
Config load_config_file(const std::string& path);
nlohmann::json to_json(const Config& config);  // for `trunklab serve --print-config`

}  // namespace trunklab::config
