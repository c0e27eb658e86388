// SDP (RFC 4566) as far as the trunk needs it: codecs offered, media address, direction.
#pragma once

#include "reference/rt/address.hpp"

#include <cstdint>
#include <functional>
#include <map>
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

// RFC 3264 §5.1 / RFC 4566 §6: the direction attributes.
enum class SdpDirection { sendrecv, sendonly, recvonly, inactive };
std::string_view to_string(SdpDirection direction);
// The direction an answer gives to an offer's (RFC 3264 §6.1): sendonly -> recvonly, ...
SdpDirection answer_direction(SdpDirection offered);
inline bool sends(SdpDirection d) { return d == SdpDirection::sendrecv || d == SdpDirection::sendonly; }
inline bool receives(SdpDirection d) { return d == SdpDirection::sendrecv || d == SdpDirection::recvonly; }

struct SdpMedia {
  std::string type;  // "audio", "image" (T.38)
  std::uint16_t port = 0;  // 0: the stream is rejected or disabled (RFC 3264 §6)
  std::string protocol;  // "RTP/AVP", "udptl"
  std::vector<SdpCodec> codecs;  // RTP media, in offer order; static types named per RFC 3551
  std::vector<std::string> formats;  // the m= line's formats as written ("0 8 101", "t38")
  std::string connection_address;  // media-level c=, or the session's
  SdpDirection direction = SdpDirection::sendrecv;  // media-level, else the session's
  std::optional<int> ptime_ms;                      // a=ptime (RFC 4566 §6)
  bool is_t38() const { return type == "image" && !formats.empty() && formats.front() == "t38"; }
};

struct Sdp {
  std::string origin_address;
  std::string connection_address;
  std::vector<SdpMedia> media;
  // Parsed with libosip2's sdp_message_parse; nullopt when it refuses the text.
  static std::optional<Sdp> parse(std::string_view text);
  std::vector<std::string> codec_names() const;  // every media, in order, unique
  const SdpMedia* first_of(std::string_view type) const;  // "audio", "image"
};

// How an emulated party's offer or answer reads beyond its codecs.
struct SdpOptions {
  SdpDirection direction = SdpDirection::sendrecv;
  std::optional<int> ptime_ms;
  std::uint64_t version = 0;  // o= session version: + 1 per changed offer (RFC 3264 §8)
  // Payload types for dynamic encodings ("telephone-event" -> 96): an answer uses the offer's
  // (RFC 3264 §6.1); unlisted ones get 101, 102, ...
  std::map<std::string, int, std::less<>> dynamic_payload_types;
};

// Where an SDP says its first media stream is: its c= address and m= port (0: rejected).
std::optional<rt::Address> media_address(const Sdp& sdp);
// The SDP with every c= address replaced by `anchor`'s IP, the first m= line's port by its port
// and later m= lines' ports by 0 (one stream anchored; the others refused, RFC 3264 §6): what a
// media relay sends on. Line by line, so what it does not touch stays byte for byte.
std::string anchor_sdp(std::string_view body, const rt::Address& anchor);

// A minimal, valid audio offer/answer, for the emulated parties.
std::string make_audio_sdp(std::string_view session_id, std::string_view address,
                           std::uint16_t rtp_port, const std::vector<std::string>& codecs,
                           const SdpOptions& options = {});
// A T.38 fax offer or answer (ITU-T T.38 annex D, RFC 3362's image/t38): m=image udptl t38
// with the usual attributes (version 0, 14400 bit/s, transferred TCF, redundancy).
std::string make_t38_sdp(std::string_view session_id, std::string_view address, std::uint16_t udptl_port,
                         std::uint64_t version = 0);

}  // namespace trunklab::sip
