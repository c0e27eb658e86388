// Internal to trunklab_auth: OpenSSL EVP digests and HMAC behind a small RAII class.
// Digest objects are fetched once per Hasher and contexts are reused, because in OpenSSL 3 the
// implicit fetch behind EVP_md5() and a fresh context per hash cost more than the hash itself
// for inputs this short (the verify path runs four hashes and one HMAC per request).
#pragma once

#include "reference/auth/digest.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>

struct evp_md_st;
struct evp_md_ctx_st;
struct evp_mac_ctx_st;

namespace trunklab::auth::detail {

// A lower-case hex digest held inline (no allocation on the hot path).
class HexDigest {
public:
  static constexpr std::size_t kMaxChars = 64;
  std::string_view view() const { return {chars_.data(), size_}; }
  std::string str() const { return std::string{view()}; }
  void assign_bytes(std::span<const std::uint8_t> bytes);

private:
  std::array<char, kMaxChars> chars_{};
  std::size_t size_ = 0;
};

// Hex of raw bytes, lower case.
void append_hex(std::string& out, std::span<const std::uint8_t> bytes);

// Constant-time equality of equal-length strings (false when lengths differ).
bool equal_constant_time(std::string_view a, std::string_view b);

class Hasher {
public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  // H(parts[0] ":" parts[1] ":" ...) without building the joined string.
  HexDigest joined(Algorithm algorithm, std::initializer_list<std::string_view> parts);

private:
  const evp_md_st* md(Algorithm algorithm);

  struct MdFree {
    void operator()(evp_md_st* md) const;
  };
  struct CtxFree {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::array<std::unique_ptr<evp_md_st, MdFree>, 3> mds_;
  std::unique_ptr<evp_md_ctx_st, CtxFree> ctx_;
};

// HMAC-SHA-256 with a fixed key; the key schedule is computed once and reused per message.
class HmacSha256 {
public:
  static constexpr std::size_t kSize = 32;
  explicit HmacSha256(std::span<const std::uint8_t> key);
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  std::array<std::uint8_t, kSize> mac(std::initializer_list<std::span<const std::uint8_t>> parts);

private:
  struct CtxFree {
    void operator()(evp_mac_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_mac_ctx_st, CtxFree> ctx_;
};

// The bytes of a string view, for HMAC input.
inline std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace trunklab::auth::detail
