// SDP (RFC 4566) as far as the trunk needs it: codecs offered, media address, direction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trunklab::sip {

struct SdpCodec {
  int payload_type = -1;
  std::string encoding;  // "PCMU", "PCMA", "G729", "telephone-event"
  int clock_rate = 8000;
};

struct SdpMedia {
  std::string type;  // "audio"
  std::uint16_t port = 0;
  std::string protocol;  // "RTP/AVP"
  std::vector<SdpCodec> codecs;  // in offer order; static payload types named per RFC 3551
  std::string connection_address;  // media-level c=, or the session's
};

struct Sdp {
  std::string origin_address;
  std::string connection_address;
  std::vector<SdpMedia> media;
  // Parsed with libosip2's sdp_message_parse; nullopt when it refuses the text.
  static std::optional<Sdp> parse(std::string_view text);
  std::vector<std::string> codec_names() const;  // every media, in order, unique
};

// A minimal, valid audio offer/answer, for the emulated parties.
std::string make_audio_sdp(std::string_view session_id, std::string_view address,
                           std::uint16_t rtp_port, const std::vector<std::string>& codecs);

}  // namespace trunklab::sip
