// Network byte order (big-endian) reads and writes, as RTP/RTCP lay out every field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace trunklab::media::bytes {

inline std::uint8_t u8(std::string_view b, std::size_t at) {
  return static_cast<std::uint8_t>(b[at]);
}
inline std::uint16_t u16(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>((u8(b, at) << 8) | u8(b, at + 1));
}
inline std::uint32_t u32(std::string_view b, std::size_t at) {
  return (static_cast<std::uint32_t>(u16(b, at)) << 16) | u16(b, at + 2);
}

inline void put_u8(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>(static_cast<std::uint8_t>(v & 0xFFu)));
}
inline void put_u16(std::string& out, std::uint32_t v) {
  put_u8(out, v >> 8);
  put_u8(out, v);
}
inline void put_u32(std::string& out, std::uint32_t v) {
  put_u16(out, v >> 16);
  put_u16(out, v);
}
// Overwrites two bytes already in `out` (length fields written after their contents).
inline void set_u16(std::string& out, std::size_t at, std::uint32_t v) {
  out[at] = static_cast<char>(static_cast<std::uint8_t>((v >> 8) & 0xFFu));
  out[at + 1] = static_cast<char>(static_cast<std::uint8_t>(v & 0xFFu));
}

}  // namespace trunklab::media::bytes
