// Client side: choosing among challenges and answering one.
#include "reference/auth/digest.hpp"
#include "reference/auth/hasher.hpp"

#include <algorithm>
#include <cassert>

namespace trunklab::auth {

std::optional<std::size_t> select_challenge(std::span<const Challenge> challenges,
                                            std::span<const Algorithm> supported) {
  for (std::size_t i = 0; i < challenges.size(); ++i) {
    const Challenge& c = challenges[i];
    const bool algorithm_ok = std::find(supported.begin(), supported.end(), c.algorithm) != supported.end();
    const bool qop_ok = c.qop.empty() || c.offers_qop_auth();
    if (algorithm_ok && qop_ok) return i;
  }
  return std::nullopt;
}

Credentials answer(const Challenge& challenge, const Account& account, std::string_view method,
                   std::string_view uri, std::uint32_t nc, rt::Random& cnonce_source) {
  assert((challenge.qop.empty() || challenge.offers_qop_auth()) && "challenge needs qop=auth or none");
  const Algorithm algorithm = challenge.algorithm;
  detail::Hasher hasher;

  Credentials c;
  c.realm = challenge.realm;
  c.nonce = challenge.nonce;
  c.uri = std::string{uri};
  c.algorithm = algorithm;
  c.opaque = challenge.opaque;
  c.userhash = challenge.userhash;
  c.username = challenge.userhash ? hasher.joined(algorithm, {account.username, challenge.realm}).str()
                                  : std::string{account.username};
  if (challenge.offers_qop_auth()) {
    assert(nc > 0 && "the nonce-count starts at 1");
    c.qop = "auth";
    c.nc = nc;
    c.cnonce.reserve(16);
    std::uint64_t random = cnonce_source.next_u64();
    std::array<std::uint8_t, 8> bytes{};
    for (std::size_t i = bytes.size(); i-- > 0; random >>= 8) bytes[i] = static_cast<std::uint8_t>(random & 0xff);
    detail::append_hex(c.cnonce, bytes);
  }

  auto ha1 = hasher.joined(algorithm, {account.username, challenge.realm, account.password});
  auto ha2 = hasher.joined(algorithm, {method, uri});
  if (c.qop.empty()) {
    c.response = hasher.joined(algorithm, {ha1.view(), c.nonce, ha2.view()}).str();
  } else {
    const std::string nc_hex = c.nc_hex();
    c.response = hasher.joined(algorithm, {ha1.view(), c.nonce, nc_hex, c.cnonce, c.qop, ha2.view()}).str();
  }
  return c;
}

}  // namespace trunklab::auth
