#include "media/codec.hpp"

#include <array>
#include <bit>
#include <stdexcept>

namespace trunklab::media {

namespace {

using std::chrono::milliseconds;

// RFC 3551 table 4 (and §4.5 for each codec's frame and rate).
constexpr std::array<CodecInfo, 5> kCodecs{{
    {Codec::pcmu, 0, "PCMU", 8000, 64000, milliseconds{1}, 0xFF},
    {Codec::pcma, 8, "PCMA", 8000, 64000, milliseconds{1}, 0xD5},
    {Codec::g722, 9, "G722", 8000, 64000, milliseconds{1}, 0x00},
    {Codec::cn, 13, "CN", 8000, 0, milliseconds{1}, 0x7F},  // RFC 3389: noise level -127 dBov
    {Codec::g729, 18, "G729", 8000, 8000, milliseconds{10}, 0x00},
}};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

void check_ptime(const CodecInfo& c, rt::Duration ptime) {
  if (ptime <= rt::Duration::zero() || ptime % c.frame != rt::Duration::zero()) {
    throw std::invalid_argument("ptime is not a positive multiple of the " + std::string(c.name) +
                                " frame");
  }
}

// μ-law (G.711 §2): bias 132 so that every segment starts at a power of two; 8 segments of 16
// steps, the step doubling per segment; the code is sent inverted.
constexpr int kUlawBias = 0x84;
constexpr int kUlawClip = 32635;

// A-law (G.711 §3): 13-bit magnitude, segment 0 and 1 with the same step, even bits inverted.
constexpr int kAlawClip = 4095;

}  // namespace

const CodecInfo& codec_info(Codec codec) {
  for (const CodecInfo& c : kCodecs) {
    if (c.codec == codec) return c;
  }
  throw std::invalid_argument("unknown codec");
}

std::optional<Codec> codec_from_payload_type(std::uint8_t payload_type) {
  for (const CodecInfo& c : kCodecs) {
    if (c.payload_type == payload_type) return c.codec;
  }
  return std::nullopt;
}

std::optional<Codec> codec_from_name(std::string_view name) {
  for (const CodecInfo& c : kCodecs) {
    if (iequals(c.name, name)) return c.codec;
  }
  return std::nullopt;
}

std::size_t frame_bytes(Codec codec, rt::Duration ptime) {
  const CodecInfo& c = codec_info(codec);
  check_ptime(c, ptime);
  if (c.bits_per_second == 0) return 1;
  return static_cast<std::size_t>(static_cast<std::int64_t>(c.bits_per_second) * ptime.count() /
                                  8 / 1'000'000);
}

std::uint32_t timestamp_units(Codec codec, rt::Duration ptime) {
  const CodecInfo& c = codec_info(codec);
  check_ptime(c, ptime);
  return static_cast<std::uint32_t>(static_cast<std::int64_t>(c.clock_rate_hz) * ptime.count() /
                                    1'000'000);
}

std::uint8_t linear_to_ulaw(std::int16_t sample) {
  int value = sample;
  const unsigned sign = value < 0 ? 0x80u : 0u;
  int magnitude = value < 0 ? -value : value;
  if (magnitude > kUlawClip) magnitude = kUlawClip;
  magnitude += kUlawBias;  // now 132..32767: bit 7 or higher is set
  const auto biased = static_cast<unsigned>(magnitude);
  const unsigned exponent = static_cast<unsigned>(std::bit_width(biased)) - 8u;  // 0..7
  const unsigned mantissa = (biased >> (exponent + 3u)) & 0x0Fu;
  return static_cast<std::uint8_t>(~(sign | (exponent << 4) | mantissa));
}

std::int16_t ulaw_to_linear(std::uint8_t code) {
  const unsigned u = static_cast<std::uint8_t>(~code);
  const unsigned exponent = (u >> 4) & 0x07u;
  const unsigned mantissa = u & 0x0Fu;
  const int magnitude = static_cast<int>(((mantissa << 3) + kUlawBias) << exponent) - kUlawBias;
  return static_cast<std::int16_t>((u & 0x80u) != 0 ? -magnitude : magnitude);
}

std::uint8_t linear_to_alaw(std::int16_t sample) {
  const int value = sample;
  // Positive codes carry the sign bit; a negative sample maps to -x-1 so that the two halves
  // of the scale are symmetric around the zero code.
  const unsigned sign = value >= 0 ? 0x80u : 0u;
  int magnitude = (value >= 0 ? value : -value - 1) >> 3;
  if (magnitude > kAlawClip) magnitude = kAlawClip;
  const auto m = static_cast<unsigned>(magnitude);
  unsigned exponent = 0;
  unsigned mantissa = m >> 1;
  if (m >= 32) {
    exponent = static_cast<unsigned>(std::bit_width(m)) - 5u;  // 1..7
    mantissa = (m >> exponent) & 0x0Fu;
  }
  return static_cast<std::uint8_t>((sign | (exponent << 4) | mantissa) ^ 0x55u);
}

std::int16_t alaw_to_linear(std::uint8_t code) {
  const unsigned a = code ^ 0x55u;
  const unsigned exponent = (a >> 4) & 0x07u;
  const unsigned mantissa = a & 0x0Fu;
  // The decoder reconstructs the middle of the step (the +8 / +0x108 half steps).
  unsigned magnitude = (mantissa << 4) + 8u;
  if (exponent > 0) magnitude = ((mantissa << 4) + 0x108u) << (exponent - 1u);
  const int v = static_cast<int>(magnitude);
  return static_cast<std::int16_t>((a & 0x80u) != 0 ? v : -v);
}

std::string encode_g711(Codec codec, std::span<const std::int16_t> samples) {
  if (codec != Codec::pcmu && codec != Codec::pcma) throw std::invalid_argument("not G.711");
  std::string out(samples.size(), '\0');
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const std::uint8_t code =
        codec == Codec::pcmu ? linear_to_ulaw(samples[i]) : linear_to_alaw(samples[i]);
    out[i] = static_cast<char>(code);
  }
  return out;
}

void decode_g711(Codec codec, std::string_view payload, std::vector<std::int16_t>& out) {
  if (codec != Codec::pcmu && codec != Codec::pcma) throw std::invalid_argument("not G.711");
  out.reserve(out.size() + payload.size());
  for (char c : payload) {
    const auto code = static_cast<std::uint8_t>(c);
    out.push_back(codec == Codec::pcmu ? ulaw_to_linear(code) : alaw_to_linear(code));
  }
}

std::vector<std::int16_t> decode_g711(Codec codec, std::string_view payload) {
  std::vector<std::int16_t> out;
  decode_g711(codec, payload, out);
  return out;
}

}  // namespace trunklab::media
