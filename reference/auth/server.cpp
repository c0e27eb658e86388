// DigestServer: stateless nonces and the verification of credentials.
#include "reference/auth/auth_params.hpp"
#include "reference/auth/digest.hpp"
#include "reference/auth/hasher.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <utility>

namespace trunklab::auth {
namespace {

// Nonce layout, all lower-case hex: issued_us (16) | random (16) | HMAC prefix (32).
constexpr std::size_t kIssuedChars = 16;
constexpr std::size_t kRandomChars = 16;
constexpr std::size_t kMacBytes = 16;  // 128-bit truncated HMAC-SHA-256: ample against forgery
constexpr std::size_t kNonceChars = kIssuedChars + kRandomChars + 2 * kMacBytes;

std::array<std::uint8_t, 8> big_endian(std::uint64_t value) {
  std::array<std::uint8_t, 8> out{};
  for (std::size_t i = out.size(); i-- > 0; value >>= 8) out[i] = static_cast<std::uint8_t>(value & 0xff);
  return out;
}

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::uint64_t parse_hex_u64(std::string_view text) {
  std::uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value, 16);
  return value;
}

struct NonceFields {
  std::uint64_t issued_us = 0;
  std::uint64_t random = 0;
};

bool username_matches(detail::Hasher& hasher, const Credentials& credentials, std::string_view realm,
                      const Secret& secret) {
  if (!credentials.userhash) return credentials.username == secret.username;
  return detail::equal_constant_time(
      credentials.username, hasher.joined(credentials.algorithm, {secret.username, realm}).view());
}

// The response the client should have sent; nullopt when the secret holds nothing usable for
// the algorithm. A stored HA1 wins over the password (it avoids one hash).
std::optional<detail::HexDigest> expected_response(detail::Hasher& hasher, const Credentials& credentials,
                                                   std::string_view realm, std::string_view method,
                                                   const Secret& secret) {
  const Algorithm algorithm = credentials.algorithm;
  detail::HexDigest computed_ha1;
  std::string_view ha1;
  if (auto it = secret.ha1_hex.find(algorithm); it != secret.ha1_hex.end()) {
    ha1 = it->second;
  } else if (secret.password) {
    computed_ha1 = hasher.joined(algorithm, {secret.username, realm, *secret.password});
    ha1 = computed_ha1.view();
  } else {
    return std::nullopt;
  }
  auto ha2 = hasher.joined(algorithm, {method, credentials.uri});
  if (credentials.qop.empty()) return hasher.joined(algorithm, {ha1, credentials.nonce, ha2.view()});
  const std::string nc = credentials.nc_hex();
  return hasher.joined(algorithm,
                       {ha1, credentials.nonce, nc, credentials.cnonce, credentials.qop, ha2.view()});
}

}  // namespace

ServerAction server_action(Verdict verdict) {
  switch (verdict) {
    case Verdict::ok:
      return ServerAction::accept;
    case Verdict::stale_nonce:
      return ServerAction::challenge_stale;
    case Verdict::bad_nonce:
    case Verdict::replayed_nc:
    case Verdict::realm_mismatch:
    case Verdict::unsupported_algorithm:
    case Verdict::opaque_mismatch:
    case Verdict::missing_qop:
      return ServerAction::challenge;
    case Verdict::wrong_password:
    case Verdict::username_mismatch:
    case Verdict::no_secret:
      return ServerAction::forbid;
  }
  return ServerAction::forbid;
}

std::string_view describe(Verdict verdict) {
  switch (verdict) {
    case Verdict::ok: return "ok";
    case Verdict::wrong_password: return "wrong password (response mismatch)";
    case Verdict::stale_nonce: return "stale nonce";
    case Verdict::bad_nonce: return "nonce not issued by this server";
    case Verdict::replayed_nc: return "replayed nonce-count";
    case Verdict::realm_mismatch: return "realm mismatch";
    case Verdict::username_mismatch: return "username mismatch";
    case Verdict::unsupported_algorithm: return "algorithm not offered";
    case Verdict::opaque_mismatch: return "opaque not echoed";
    case Verdict::missing_qop: return "qop=auth required";
    case Verdict::no_secret: return "no password or HA1 for this algorithm";
  }
  return "unknown verdict";
}

Secret Secret::from_password(std::string username, std::string password) {
  Secret s;
  s.username = std::move(username);
  s.password = std::move(password);
  return s;
}

Secret Secret::from_ha1(std::string username, Algorithm algorithm, std::string ha1_hex) {
  Secret s;
  s.username = std::move(username);
  s.ha1_hex.emplace(algorithm, detail::to_lower(ha1_hex));  // the hash input is lower-case hex
  return s;
}

// ---------------------------------------------------------------------------------------------

class DigestServer::Impl {
public:
  explicit Impl(const ServerConfig& config) : hmac_(config.secret_key) {}

  std::string make_nonce(std::string_view realm, std::uint64_t issued_us, std::uint64_t random) {
    std::string nonce;
    nonce.reserve(kNonceChars);
    auto issued = big_endian(issued_us);
    auto rnd = big_endian(random);
    detail::append_hex(nonce, issued);
    detail::append_hex(nonce, rnd);
    auto mac = mac_of(issued, rnd, realm);
    detail::append_hex(nonce, std::span<const std::uint8_t>{mac.data(), kMacBytes});
    return nonce;
  }

  // The issue time and random part of an authentic nonce for `realm`; nullopt when the nonce
  // is malformed, tampered with, or bound to another realm.
  std::optional<NonceFields> open_nonce(std::string_view nonce, std::string_view realm) {
    if (nonce.size() != kNonceChars || !is_lower_hex(nonce)) return std::nullopt;
    NonceFields fields{parse_hex_u64(nonce.substr(0, kIssuedChars)),
                       parse_hex_u64(nonce.substr(kIssuedChars, kRandomChars))};
    auto mac = mac_of(big_endian(fields.issued_us), big_endian(fields.random), realm);
    std::string expected;
    expected.reserve(2 * kMacBytes);
    detail::append_hex(expected, std::span<const std::uint8_t>{mac.data(), kMacBytes});
    if (!detail::equal_constant_time(nonce.substr(kIssuedChars + kRandomChars), expected))
      return std::nullopt;
    return fields;
  }

  detail::Hasher& hasher() { return hasher_; }

  // Nonce-count bookkeeping (qop=auth). Keyed by issue time first so the oldest nonces are
  // forgotten first; `forgotten_up_to_us_` makes a forgotten nonce stale rather than fresh.
  bool was_forgotten(std::int64_t issued_us, const std::string& nonce) const {
    return forgotten_up_to_us_ && issued_us <= *forgotten_up_to_us_ &&
           !highest_nc_.contains({issued_us, nonce});
  }
  std::uint32_t highest_nc(std::int64_t issued_us, const std::string& nonce) const {
    auto it = highest_nc_.find({issued_us, nonce});
    return it == highest_nc_.end() ? 0 : it->second;
  }
  void record_nc(std::int64_t issued_us, const std::string& nonce, std::uint32_t nc,
                 std::int64_t expired_before_us, std::size_t capacity) {
    highest_nc_[{issued_us, nonce}] = nc;
    // Expired entries go silently: any later use of them is stale by age anyway.
    while (!highest_nc_.empty() && highest_nc_.begin()->first.first < expired_before_us)
      highest_nc_.erase(highest_nc_.begin());
    while (highest_nc_.size() > capacity) {
      std::int64_t issued = highest_nc_.begin()->first.first;
      forgotten_up_to_us_ = std::max(forgotten_up_to_us_.value_or(issued), issued);
      highest_nc_.erase(highest_nc_.begin());
    }
  }
  std::size_t tracked() const { return highest_nc_.size(); }

private:
  std::array<std::uint8_t, detail::HmacSha256::kSize> mac_of(std::span<const std::uint8_t> issued,
                                                              std::span<const std::uint8_t> random,
                                                              std::string_view realm) {
    return hmac_.mac({issued, random, detail::as_bytes(realm)});
  }

  detail::Hasher hasher_;
  detail::HmacSha256 hmac_;
  std::map<std::pair<std::int64_t, std::string>, std::uint32_t> highest_nc_;
  std::optional<std::int64_t> forgotten_up_to_us_;
};

// ---------------------------------------------------------------------------------------------

DigestServer::DigestServer(ServerConfig config, const rt::Clock& clock, rt::Random& random)
    : config_(std::move(config)), clock_(clock), random_(random) {
  assert(!config_.problem() && "invalid ServerConfig: check ServerConfig::problem() first");
  impl_ = std::make_unique<Impl>(config_);
}

DigestServer::~DigestServer() = default;
DigestServer::DigestServer(DigestServer&&) noexcept = default;

std::optional<std::string> ServerConfig::problem() const {
  if (secret_key.size() < 16) return "secret_key needs at least 16 bytes";
  if (algorithms.empty()) return "algorithms needs at least one algorithm";
  if (nonce_lifetime <= rt::Duration::zero()) return "nonce_lifetime must be positive";
  if (max_tracked_nonces == 0) return "max_tracked_nonces must be positive";
  return std::nullopt;
}

std::size_t DigestServer::tracked_nonces() const { return impl_->tracked(); }

std::vector<Challenge> DigestServer::challenge(std::string_view realm, bool stale) {
  auto issued_us = static_cast<std::uint64_t>(clock_.now().time_since_epoch().count());
  std::string nonce = impl_->make_nonce(realm, issued_us, random_.next_u64());
  std::vector<Challenge> out;
  out.reserve(config_.algorithms.size());
  for (Algorithm algorithm : config_.algorithms) {
    Challenge c;
    c.realm = std::string{realm};
    c.nonce = nonce;
    c.opaque = config_.opaque;
    c.algorithm = algorithm;
    if (config_.qop_auth) c.qop = {"auth"};
    c.stale = stale;
    c.userhash = config_.userhash;
    out.push_back(std::move(c));
  }
  return out;
}

Verdict DigestServer::verify(const Credentials& credentials, std::string_view realm,
                             std::string_view method, const Secret& secret) {
  const Algorithm algorithm = credentials.algorithm;
  if (std::find(config_.algorithms.begin(), config_.algorithms.end(), algorithm) ==
      config_.algorithms.end())
    return Verdict::unsupported_algorithm;
  if (credentials.realm != realm) return Verdict::realm_mismatch;
  auto nonce = impl_->open_nonce(credentials.nonce, realm);
  if (!nonce) return Verdict::bad_nonce;
  if (!config_.opaque.empty() && credentials.opaque != config_.opaque) return Verdict::opaque_mismatch;
  if (config_.qop_auth && credentials.qop.empty()) return Verdict::missing_qop;

  detail::Hasher& hasher = impl_->hasher();
  if (!username_matches(hasher, credentials, realm, secret)) return Verdict::username_mismatch;
  auto expected = expected_response(hasher, credentials, realm, method, secret);
  if (!expected) return Verdict::no_secret;
  if (!detail::equal_constant_time(credentials.response, expected->view())) return Verdict::wrong_password;

  // Only now, with a correct response, may the nonce be called stale (RFC 7616 §3.3).
  const std::int64_t now_us = clock_.now().time_since_epoch().count();
  const auto issued_us = static_cast<std::int64_t>(nonce->issued_us);
  const std::int64_t lifetime_us = config_.nonce_lifetime.count();
  if (issued_us > now_us || now_us - issued_us > lifetime_us) return Verdict::stale_nonce;

  if (credentials.qop.empty()) return Verdict::ok;
  if (impl_->was_forgotten(issued_us, credentials.nonce)) return Verdict::stale_nonce;
  if (credentials.nc <= impl_->highest_nc(issued_us, credentials.nonce)) return Verdict::replayed_nc;
  impl_->record_nc(issued_us, credentials.nonce, credentials.nc, now_us - lifetime_us,
                   config_.max_tracked_nonces);
  return Verdict::ok;
}

}  // namespace trunklab::auth
