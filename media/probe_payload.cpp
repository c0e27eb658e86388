#include "media/probe_payload.hpp"

#include <stdexcept>

#include "media/bytes.hpp"

namespace trunklab::media {

std::uint32_t probe_stream_id(std::string_view sender_name) {
  std::uint32_t h = 2166136261u;
  for (char c : sender_name) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 16777619u;
  }
  return h;
}

void append_probe_payload(std::string& out, const ProbeTag& tag, std::size_t frame_bytes,
                          std::uint8_t fill_byte) {
  if (frame_bytes < kProbeTagBytes) {
    throw std::invalid_argument("frame of " + std::to_string(frame_bytes) +
                                " bytes cannot hold the 12-byte probe tag");
  }
  bytes::put_u32(out, kProbeMagic);
  bytes::put_u32(out, tag.stream_id);
  bytes::put_u32(out, tag.packet_index);
  out.append(frame_bytes - kProbeTagBytes, static_cast<char>(fill_byte));
}

std::string write_probe_payload(const ProbeTag& tag, std::size_t frame_bytes,
                                std::uint8_t fill_byte) {
  std::string out;
  out.reserve(frame_bytes);
  append_probe_payload(out, tag, frame_bytes, fill_byte);
  return out;
}

std::optional<ProbeTag> parse_probe_payload(std::string_view payload) {
  if (payload.size() < kProbeTagBytes || bytes::u32(payload, 0) != kProbeMagic) {
    return std::nullopt;
  }
  return ProbeTag{bytes::u32(payload, 4), bytes::u32(payload, 8)};
}

}  // namespace trunklab::media
