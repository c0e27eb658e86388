#include "reference/auth/hasher.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cassert>
#include <stdexcept>

namespace trunklab::auth::detail {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";

const char* openssl_name(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::md5: return "MD5";
    case Algorithm::sha256: return "SHA2-256";
    case Algorithm::sha512_256: return "SHA2-512/256";  // RFC 8760: SHA-512/256, not truncated SHA-512
  }
  return "";
}

std::size_t index_of(Algorithm algorithm) { return static_cast<std::size_t>(algorithm); }

// A library failure here means OpenSSL is missing a default-provider algorithm: an
// environment fault no caller can recover from, so it is reported by exception.
void check(int ok, const char* what) {
  if (ok != 1) throw std::runtime_error(std::string{"OpenSSL: "} + what + " failed");
}

}  // namespace

void HexDigest::assign_bytes(std::span<const std::uint8_t> bytes) {
  assert(bytes.size() * 2 <= kMaxChars);
  size_ = 0;
  for (std::uint8_t b : bytes) {
    chars_[size_++] = kHexDigits[b >> 4];
    chars_[size_++] = kHexDigits[b & 0x0f];
  }
}

void append_hex(std::string& out, std::span<const std::uint8_t> bytes) {
  for (std::uint8_t b : bytes) {
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0x0f]);
  }
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void Hasher::MdFree::operator()(evp_md_st* md) const { EVP_MD_free(md); }
void Hasher::CtxFree::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Hasher::Hasher() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) throw std::runtime_error("OpenSSL: EVP_MD_CTX_new failed");
}
Hasher::~Hasher() = default;

const evp_md_st* Hasher::md(Algorithm algorithm) {
  auto& slot = mds_[index_of(algorithm)];
  if (!slot) {
    slot.reset(EVP_MD_fetch(nullptr, openssl_name(algorithm), nullptr));
    if (!slot) throw std::runtime_error(std::string{"OpenSSL: no digest "} + openssl_name(algorithm));
  }
  return slot.get();
}

HexDigest Hasher::joined(Algorithm algorithm, std::initializer_list<std::string_view> parts) {
  check(EVP_DigestInit_ex2(ctx_.get(), md(algorithm), nullptr), "EVP_DigestInit_ex2");
  bool first = true;
  for (std::string_view part : parts) {
    if (!first) check(EVP_DigestUpdate(ctx_.get(), ":", 1), "EVP_DigestUpdate");
    first = false;
    check(EVP_DigestUpdate(ctx_.get(), part.data(), part.size()), "EVP_DigestUpdate");
  }
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> raw{};
  unsigned int raw_size = 0;
  check(EVP_DigestFinal_ex(ctx_.get(), raw.data(), &raw_size), "EVP_DigestFinal_ex");
  HexDigest out;
  out.assign_bytes(std::span<const std::uint8_t>{raw.data(), raw_size});
  return out;
}

void HmacSha256::CtxFree::operator()(evp_mac_ctx_st* ctx) const { EVP_MAC_CTX_free(ctx); }

HmacSha256::HmacSha256(std::span<const std::uint8_t> key) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) throw std::runtime_error("OpenSSL: no HMAC");
  ctx_.reset(EVP_MAC_CTX_new(mac));
  EVP_MAC_free(mac);  // the context holds its own reference
  if (!ctx_) throw std::runtime_error("OpenSSL: EVP_MAC_CTX_new failed");
  char digest_name[] = "SHA2-256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  check(EVP_MAC_init(ctx_.get(), key.data(), key.size(), params), "EVP_MAC_init");
}
HmacSha256::~HmacSha256() = default;

std::array<std::uint8_t, HmacSha256::kSize> HmacSha256::mac(
    std::initializer_list<std::span<const std::uint8_t>> parts) {
  // A null key re-initialises with the key given at construction (its pads are kept).
  check(EVP_MAC_init(ctx_.get(), nullptr, 0, nullptr), "EVP_MAC_init");
  for (auto part : parts) check(EVP_MAC_update(ctx_.get(), part.data(), part.size()), "EVP_MAC_update");
  std::array<std::uint8_t, kSize> out{};
  std::size_t out_size = 0;
  check(EVP_MAC_final(ctx_.get(), out.data(), &out_size, out.size()), "EVP_MAC_final");
  assert(out_size == kSize);
  return out;
}

}  // namespace trunklab::auth::detail
