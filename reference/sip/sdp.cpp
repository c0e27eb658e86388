// SDP through libosip2's sdp_message_parse; codec names for static payload types per RFC 3551.
#include "reference/sip/sdp.hpp"

#include "reference/sip/osip.hpp"
#include "reference/sip/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

namespace trunklab::sip {
namespace {

struct StaticCodec {
  int payload_type;
  std::string_view encoding;
  int clock_rate;
};

// RFC 3551 §6, audio: the static payload types a trunk meets.
constexpr auto kStaticCodecs = std::to_array<StaticCodec>({
    {0, "PCMU", 8000}, {3, "GSM", 8000}, {4, "G723", 8000}, {8, "PCMA", 8000},
    {9, "G722", 8000}, {13, "CN", 8000}, {18, "G729", 8000},
});

std::string_view view(const char* s) { return s == nullptr ? std::string_view() : s; }

std::optional<int> small_number(std::string_view s) {
  const auto value = text::parse_decimal(text::trim(s));
  if (!value || *value > 65535) return std::nullopt;
  return static_cast<int>(*value);
}

// "a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>]" for payload type `pt` in media `m`.
std::optional<SdpCodec> rtpmap(sdp_message_t* sdp, int m, int pt) {
  for (int a = 0; sdp_message_a_att_field_get(sdp, m, a) != nullptr; ++a) {
    if (view(sdp_message_a_att_field_get(sdp, m, a)) != "rtpmap") continue;
    const std::string_view value = text::trim(view(sdp_message_a_att_value_get(sdp, m, a)));
    const std::size_t sp = value.find(' ');
    if (sp == std::string_view::npos || small_number(value.substr(0, sp)) != pt) continue;
    const std::string_view format = text::trim(value.substr(sp + 1));
    const std::size_t slash = format.find('/');
    SdpCodec codec{pt, std::string(format.substr(0, slash)), 8000};
    if (slash != std::string_view::npos) {
      const std::string_view rate = format.substr(slash + 1);
      codec.clock_rate = small_number(rate.substr(0, rate.find('/'))).value_or(8000);
    }
    return codec;
  }
  return std::nullopt;
}

SdpCodec codec_for(sdp_message_t* sdp, int m, int pt) {
  if (auto mapped = rtpmap(sdp, m, pt)) return *mapped;
  for (const auto& known : kStaticCodecs) {
    if (known.payload_type == pt) return SdpCodec{pt, std::string(known.encoding), known.clock_rate};
  }
  return SdpCodec{pt, "", 8000};  // dynamic type without rtpmap: unnamed
}

std::optional<SdpDirection> direction_attribute(sdp_message_t* sdp, int m) {
  for (int a = 0; sdp_message_a_att_field_get(sdp, m, a) != nullptr; ++a) {
    const auto field = view(sdp_message_a_att_field_get(sdp, m, a));
    if (field == "sendrecv") return SdpDirection::sendrecv;
    if (field == "sendonly") return SdpDirection::sendonly;
    if (field == "recvonly") return SdpDirection::recvonly;
    if (field == "inactive") return SdpDirection::inactive;
  }
  return std::nullopt;
}

std::optional<int> ptime_attribute(sdp_message_t* sdp, int m) {
  for (int a = 0; sdp_message_a_att_field_get(sdp, m, a) != nullptr; ++a) {
    if (view(sdp_message_a_att_field_get(sdp, m, a)) == "ptime") {
      return small_number(view(sdp_message_a_att_value_get(sdp, m, a)));
    }
  }
  return std::nullopt;
}

SdpMedia media_at(sdp_message_t* sdp, int m, const std::string& session_address, SdpDirection session_direction) {
  SdpMedia media;
  media.type = std::string(view(sdp_message_m_media_get(sdp, m)));
  media.port = static_cast<std::uint16_t>(small_number(view(sdp_message_m_port_get(sdp, m))).value_or(0));
  media.protocol = std::string(view(sdp_message_m_proto_get(sdp, m)));
  const bool rtp = media.protocol.starts_with("RTP/");
  for (int p = 0; sdp_message_m_payload_get(sdp, m, p) != nullptr; ++p) {
    const auto format = view(sdp_message_m_payload_get(sdp, m, p));
    media.formats.emplace_back(format);
    const auto pt = small_number(format);
    if (rtp && pt && *pt <= 127) media.codecs.push_back(codec_for(sdp, m, *pt));
  }
  media.direction = direction_attribute(sdp, m).value_or(session_direction);
  media.ptime_ms = ptime_attribute(sdp, m);
  const char* address = sdp_message_c_addr_get(sdp, m, 0);
  media.connection_address = address != nullptr ? std::string(address) : session_address;
  return media;
}

}  // namespace

std::optional<Sdp> Sdp::parse(std::string_view text) {
  osip::ensure_initialized();
  sdp_message_t* raw = nullptr;
  if (sdp_message_init(&raw) != 0) return std::nullopt;
  osip::SdpPtr sdp(raw);
  const std::string nul_terminated(text);  // libosip2 wants a C string
  if (sdp_message_parse(sdp.get(), nul_terminated.c_str()) != 0) return std::nullopt;
  Sdp out;
  out.origin_address = std::string(view(sdp_message_o_addr_get(sdp.get())));
  out.connection_address = std::string(view(sdp_message_c_addr_get(sdp.get(), -1, 0)));
  const auto session_direction = direction_attribute(sdp.get(), -1).value_or(SdpDirection::sendrecv);
  for (int m = 0; sdp_message_endof_media(sdp.get(), m) == 0; ++m) {
    out.media.push_back(media_at(sdp.get(), m, out.connection_address, session_direction));
  }
  return out;
}

std::vector<std::string> Sdp::codec_names() const {
  std::vector<std::string> names;
  for (const SdpMedia& m : media) {
    for (const SdpCodec& c : m.codecs) {
      if (!c.encoding.empty() && std::find(names.begin(), names.end(), c.encoding) == names.end()) {
        names.push_back(c.encoding);
      }
    }
  }
  return names;
}

std::string_view to_string(SdpDirection direction) {
  switch (direction) {
    case SdpDirection::sendrecv: return "sendrecv";
    case SdpDirection::sendonly: return "sendonly";
    case SdpDirection::recvonly: return "recvonly";
    case SdpDirection::inactive: return "inactive";
  }
  return "sendrecv";
}

SdpDirection answer_direction(SdpDirection offered) {
  switch (offered) {
    case SdpDirection::sendonly: return SdpDirection::recvonly;
    case SdpDirection::recvonly: return SdpDirection::sendonly;
    case SdpDirection::inactive: return SdpDirection::inactive;
    case SdpDirection::sendrecv: return SdpDirection::sendrecv;
  }
  return SdpDirection::sendrecv;
}

std::optional<rt::Address> media_address(const Sdp& sdp) {
  if (sdp.media.empty()) return std::nullopt;
  const auto& m = sdp.media.front();
  auto ip = rt::Address::parse(m.connection_address);
  if (!ip) return std::nullopt;
  return ip->with_port(m.port);
}

std::string anchor_sdp(std::string_view body, const rt::Address& anchor) {
  const std::string ip_version = anchor.is_v6() ? "IP6" : "IP4";
  std::string out;
  int media_lines = 0;
  while (!body.empty()) {
    const auto end = body.find('\n');
    std::string_view line = body.substr(0, end == std::string_view::npos ? body.size() : end + 1);
    body.remove_prefix(line.size());
    std::string_view eol = line.ends_with("\r\n") ? "\r\n" : line.ends_with('\n') ? "\n" : "";
    std::string_view text = line.substr(0, line.size() - eol.size());
    if (text.starts_with("c=IN ")) {
      out += fmt::format("c=IN {} {}{}", ip_version, anchor.ip_string(), eol);
    } else if (text.starts_with("m=")) {
      // m=<media> <port>[/<count>] <proto> <fmt> ...
      const auto first_space = text.find(' ');
      const auto second_space = first_space == std::string_view::npos ? first_space : text.find(' ', first_space + 1);
      if (second_space == std::string_view::npos) {
        out += line;
        continue;
      }
      const auto port = media_lines++ == 0 ? anchor.port() : 0;
      out += fmt::format("{} {}{}{}", text.substr(0, first_space), port, text.substr(second_space), eol);
    } else {
      out += line;
    }
  }
  return out;
}

const SdpMedia* Sdp::first_of(std::string_view type) const {
  for (const auto& m : media) {
    if (m.type == type) return &m;
  }
  return nullptr;
}

namespace {

std::string_view ip_version_of(std::string_view address) {
  return address.find(':') != std::string_view::npos ? "IP6" : "IP4";
}

}  // namespace

std::string make_t38_sdp(std::string_view session_id, std::string_view address, std::uint16_t udptl_port,
                         std::uint64_t version) {
  return fmt::format(
      "v=0\r\n"
      "o=trunklab {0} {1} IN {2} {3}\r\n"
      "s=trunklab\r\n"
      "c=IN {2} {3}\r\n"
      "t=0 0\r\n"
      "m=image {4} udptl t38\r\n"
      "a=T38FaxVersion:0\r\n"
      "a=T38MaxBitRate:14400\r\n"
      "a=T38FaxRateManagement:transferredTCF\r\n"
      "a=T38FaxMaxDatagram:400\r\n"
      "a=T38FaxUdpEC:t38UDPRedundancy\r\n",
      session_id, version, ip_version_of(address), address, udptl_port);
}

std::string make_audio_sdp(std::string_view session_id, std::string_view address,
                           std::uint16_t rtp_port, const std::vector<std::string>& codecs,
                           const SdpOptions& options) {
  const std::string_view ip_version = ip_version_of(address);
  std::string formats;
  std::string attributes;
  int next_dynamic = 101;  // customary for telephone-event (RFC 4733)
  for (const std::string& name : codecs) {
    const auto known = std::find_if(kStaticCodecs.begin(), kStaticCodecs.end(),
                                    [&](const StaticCodec& c) { return text::iequals(c.encoding, name); });
    int pt = 0;
    if (known != kStaticCodecs.end()) {
      pt = known->payload_type;
    } else {
      const auto mapped = options.dynamic_payload_types.find(name);
      pt = mapped != options.dynamic_payload_types.end() ? mapped->second : next_dynamic++;
      fmt::format_to(std::back_inserter(attributes), "a=rtpmap:{} {}/8000\r\n", pt, name);
      if (text::iequals(name, "telephone-event")) {
        fmt::format_to(std::back_inserter(attributes), "a=fmtp:{} 0-16\r\n", pt);
      }
    }
    fmt::format_to(std::back_inserter(formats), " {}", pt);
  }
  if (options.ptime_ms) fmt::format_to(std::back_inserter(attributes), "a=ptime:{}\r\n", *options.ptime_ms);
  return fmt::format(
      "v=0\r\n"
      "o=trunklab {0} {6} IN {1} {2}\r\n"
      "s=trunklab\r\n"
      "c=IN {1} {2}\r\n"
      "t=0 0\r\n"
      "m=audio {3} RTP/AVP{4}\r\n"
      "{5}"
      "a={7}\r\n",
      session_id, ip_version, address, rtp_port, formats, attributes, options.version, to_string(options.direction));
}

}  // namespace trunklab::sip
