// SIP digest authentication (RFC 3261 §22, RFC 2617, RFC 7616, RFC 8760): MD5, SHA-256 and
// SHA-512-256, qop=auth, stateless server nonces, nonce-count replay checks, userhash.
//
// This module works on header VALUE strings only: the SIP layer hands over the value of an
// `Authorization` / `Proxy-Authorization` header and receives values for `WWW-Authenticate` /
// `Proxy-Authenticate` (one challenge per header field, RFC 8760 §2.4). It does not depend on
// the SIP message module. Time comes only through rt::Clock, randomness only through rt::Random.
//
// Server side (registrar 401, trunk 407):
//   DigestServer server{config, clock, random};
//   for (auto& c : server.challenge(realm)) add_header("WWW-Authenticate", c.to_header_value());
//   auto creds = Credentials::parse(authorization_value);           // nullopt: malformed
//   switch (server.verify(*creds, realm, method, Secret::from_password(user, pass))) {
//     case Verdict::ok: ...; case Verdict::stale_nonce: re-challenge with stale=true; ...
//   }
// Client side (simulated phones; the trunk answering a provider's 401/407):
//   auto idx = select_challenge(challenges);                         // nullopt: none usable
//   Credentials c = answer(challenges[*idx], {user, pass}, method, request_uri, nc, random);
//   add_header("Authorization", c.to_header_value());
//
// Not supported: the "-sess" algorithms, qop=auth-int (SIP bodies are not hashed), and the
// RFC 7616 `username*` extended notation. Parsers reject them with a message.
#pragma once

#include "reference/rt/random.hpp"
#include "reference/rt/time.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace trunklab::auth {

// ---------------------------------------------------------------------------------------------
// Algorithms and hash helpers
// ---------------------------------------------------------------------------------------------

// The digest algorithms of RFC 7616 §3.1 / RFC 8760, strongest last in declaration order.
enum class Algorithm { md5, sha256, sha512_256 };

// Every supported algorithm, strongest first: the default server preference order.
inline constexpr std::array<Algorithm, 3> kAllAlgorithms{Algorithm::sha512_256, Algorithm::sha256,
                                                         Algorithm::md5};

// "MD5", "SHA-256", "SHA-512-256" (the wire tokens).
std::string_view algorithm_name(Algorithm algorithm);
// Case-insensitive wire token to enum; nullopt for unknown tokens and for "-sess" variants.
std::optional<Algorithm> parse_algorithm(std::string_view token);

// Lower-case hex of H(data) for the algorithm (32 hex chars for MD5, 64 for the others).
std::string hash_hex(Algorithm algorithm, std::string_view data);

// HA1 = H(username ":" realm ":" password), lower-case hex. What a user database may store
// instead of the plaintext password (one per algorithm: HA1 differs per algorithm).
std::string compute_ha1(Algorithm algorithm, std::string_view username, std::string_view realm,
                        std::string_view password);

// RFC 7616 §3.4.4: userhash = H(username ":" realm), lower-case hex.
std::string compute_userhash(Algorithm algorithm, std::string_view username, std::string_view realm);

// The inputs of the request-digest besides HA1 (RFC 7616 §3.4.1).
struct ResponseInput {
  std::string_view method;   // SIP method of the request, e.g. "REGISTER"
  std::string_view uri;      // the digest-uri ("uri" parameter), verbatim
  std::string_view nonce;
  std::string_view nc;       // 8 hex digits as sent, e.g. "00000001"; empty when qop is empty
  std::string_view cnonce;   // empty when qop is empty
  std::string_view qop;      // "auth" or empty (RFC 2069 compatibility: no nc/cnonce)
};

// response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2) with HA2 = H(method ":" uri),
// or H(HA1 ":" nonce ":" HA2) when qop is empty. Lower-case hex.
std::string compute_response(Algorithm algorithm, std::string_view ha1_hex, const ResponseInput& in);

// ---------------------------------------------------------------------------------------------
// Header values
// ---------------------------------------------------------------------------------------------

// One `Digest` challenge: the value of one WWW-Authenticate / Proxy-Authenticate header.
struct Challenge {
  std::string realm;
  std::string nonce;
  std::string opaque;                  // empty: absent
  Algorithm algorithm = Algorithm::md5;  // absent on the wire means MD5
  std::vector<std::string> qop;        // offered qop options, e.g. {"auth"}; empty: absent
  bool stale = false;                  // the previous nonce was authentic but expired
  bool userhash = false;               // RFC 7616 §3.4.4: the client should hash the username

  bool offers_qop_auth() const;
  // `Digest realm="...", nonce="...", opaque="...", algorithm=SHA-256, qop="auth", stale=TRUE`
  // (opaque, qop, stale and userhash only when set).
  std::string to_header_value() const;
  // Parses one challenge. Scheme, parameter names and token values are case-insensitive;
  // values may be quoted (with backslash escapes) or bare tokens; spaces and tabs around
  // `=` and `,` are allowed. Unknown parameters are ignored; duplicated ones are an error.
  // On failure returns nullopt and, when `error` is given, stores a one-line reason there.
  static std::optional<Challenge> parse(std::string_view header_value, std::string* error = nullptr);

  bool operator==(const Challenge&) const = default;
};

// `Digest` credentials: the value of one Authorization / Proxy-Authorization header.
struct Credentials {
  std::string username;                // the userhash when `userhash` is true
  std::string realm;
  std::string nonce;
  std::string uri;
  std::string response;                // lower-case hex (parse lower-cases it)
  Algorithm algorithm = Algorithm::md5;
  std::string cnonce;                  // empty when qop is empty
  std::uint32_t nc = 0;                // nonce-count; 0 when qop is empty
  std::string qop;                     // "auth" or empty
  std::string opaque;                  // empty: absent
  bool userhash = false;

  // nc as the 8 lower-case hex digits that enter the hash ("00000001").
  std::string nc_hex() const;
  // `Digest username="...", realm="...", nonce="...", uri="...", response="...",
  //  algorithm=MD5, cnonce="...", opaque="...", qop=auth, nc=00000001` (optional ones when set).
  std::string to_header_value() const;
  // Parses one credentials value, same lexical rules as Challenge::parse. Requires username,
  // realm, nonce, uri and response; with qop requires cnonce and an 8-hex-digit nc.
  static std::optional<Credentials> parse(std::string_view header_value,
                                          std::string* error = nullptr);

  bool operator==(const Credentials&) const = default;
};

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

// What the server knows about one account. Either the plaintext password or HA1 values
// (per algorithm) or both; an HA1 for the algorithm the client used takes precedence.
struct Secret {
  std::string username;
  std::optional<std::string> password;
  std::map<Algorithm, std::string> ha1_hex;

  static Secret from_password(std::string username, std::string password);
  static Secret from_ha1(std::string username, Algorithm algorithm, std::string ha1_hex);
};

enum class Verdict {
  ok,
  wrong_password,         // response mismatch: answer 401/407 (or 403 after repeated failures)
  stale_nonce,            // authentic nonce past its lifetime: re-challenge with stale=true
  bad_nonce,              // not issued by this server (forged, tampered, other realm)
  replayed_nc,            // nonce-count not greater than the highest seen for this nonce
  realm_mismatch,         // credentials for another realm
  username_mismatch,      // credentials username (or userhash) is not the secret's account
  unsupported_algorithm,  // an algorithm this server does not offer
  opaque_mismatch,        // opaque not echoed as issued
  missing_qop,            // the server requires qop=auth and the client sent none
  no_secret,              // the Secret holds neither a password nor an HA1 for the algorithm
};

// "ok", "wrong password", ...: a short human-readable reason for logs and test output.
std::string_view describe(Verdict verdict);

// What a registrar or proxy answers for a verdict: accept; challenge again with a fresh nonce
// (the nonce was not ours, was replayed, or the parameters did not fit); challenge with
// stale=true (right password, old nonce); or refuse (403: wrong credentials).
enum class ServerAction { accept, challenge, challenge_stale, forbid };
ServerAction server_action(Verdict verdict);

struct ServerConfig {
  // HMAC-SHA-256 key for nonces. Servers sharing a key accept each other's nonces, and a
  // restart with the same key does not invalidate nonces already handed out. 16+ bytes.
  std::vector<std::uint8_t> secret_key;
  // An authentic nonce older than this is stale (the client retries without prompting).
  rt::Duration nonce_lifetime = std::chrono::minutes(5);
  // Challenges are issued in this order (RFC 8760: strongest first); at least one.
  std::vector<Algorithm> algorithms{kAllAlgorithms.begin(), kAllAlgorithms.end()};
  // Offer and require qop=auth (enables the nonce-count replay check). false = RFC 2069 mode
  // for old clients: no replay protection beyond the nonce lifetime.
  bool qop_auth = true;
  // Offer userhash=true (RFC 7616 §3.4.4).
  bool userhash = false;
  // Sent with every challenge and required back verbatim when non-empty.
  std::string opaque;
  // Bound on the nonce-count table; the oldest-issued nonces are forgotten first, and a
  // forgotten nonce is answered as stale so a replay can never slip through.
  std::size_t max_tracked_nonces = 4096;

  // Why this configuration cannot work ("secret_key needs at least 16 bytes", ...), or nullopt.
  // For configuration loaders; DigestServer asserts it.
  std::optional<std::string> problem() const;
};

// Issues challenges and verifies credentials. Nonces are stateless:
//   hex(issued_us: 8 bytes) hex(random: 8 bytes) hex(HMAC-SHA-256(key, issued|random|realm)[0..16))
// so the server stores nothing per challenge; only nonces that were used (qop=auth) are
// remembered, with their highest nonce-count, in a bounded table.
// Not thread-safe: one instance per protocol core (which is single-threaded).
class DigestServer {
public:
  // Precondition: !config.problem().
  DigestServer(ServerConfig config, const rt::Clock& clock, rt::Random& random);
  ~DigestServer();
  DigestServer(DigestServer&&) noexcept;  // movable into containers (one server per realm)
  DigestServer(const DigestServer&) = delete;
  DigestServer& operator=(const DigestServer&) = delete;

  // One challenge per configured algorithm, in preference order, all sharing one fresh nonce.
  std::vector<Challenge> challenge(std::string_view realm, bool stale = false);

  // Checks credentials for a request with `method` against the account's `secret` in the
  // protected `realm`. Comparing the credentials' uri with the Request-URI is the SIP layer's
  // business (SIP URI equality is not byte equality). Records the nonce-count on success only.
  Verdict verify(const Credentials& credentials, std::string_view realm, std::string_view method,
                 const Secret& secret);

  const ServerConfig& config() const { return config_; }
  std::size_t tracked_nonces() const;

private:
  class Impl;
  ServerConfig config_;
  const rt::Clock& clock_;
  rt::Random& random_;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

struct Account {
  std::string_view username;
  std::string_view password;
};

// RFC 7616 §3.7 / RFC 8760 §2.4: the first challenge (top-most header) whose algorithm is in
// `supported` and whose qop is usable (absent, or offering "auth"). nullopt: none usable.
std::optional<std::size_t> select_challenge(
    std::span<const Challenge> challenges,
    std::span<const Algorithm> supported = std::span<const Algorithm>{kAllAlgorithms});

// Builds credentials answering `challenge` for a request (`method`, Request-URI `uri`).
// With qop=auth: a fresh 16-hex-digit cnonce from `cnonce_source` and nonce-count `nc`
// (the caller counts requests per nonce, starting at 1). Hashes the username when the
// challenge asks for userhash. Precondition: the challenge is usable (see select_challenge).
Credentials answer(const Challenge& challenge, const Account& account, std::string_view method,
                   std::string_view uri, std::uint32_t nc, rt::Random& cnonce_source);

}  // namespace trunklab::auth
