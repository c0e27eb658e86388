#include "reports/ladder/media_streams.hpp"

#include "media/codec.hpp"
#include "media/receiver_stats.hpp"
#include "media/rtp.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>
#include <tuple>

namespace trunklab::reports {
namespace {

std::string_view body_of(std::string_view message) {
  auto at = message.find("\r\n\r\n");
  return at == std::string_view::npos ? std::string_view{} : message.substr(at + 4);
}

std::optional<int> number(std::string_view text) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end == text.data()) return std::nullopt;
  return value;
}

// One m=audio section of an SDP body (RFC 4566 §5.7, §5.14, §6): its connection address (its
// own c= or the session's), port and a=rtpmap encodings.
struct SdpAudio {
  std::string ip;
  int port = 0;
  std::map<int, std::string> encodings;
};

std::vector<SdpAudio> audio_sections(std::string_view body) {
  std::vector<SdpAudio> out;
  std::string session_ip;
  bool in_audio = false;
  while (!body.empty()) {
    auto end = body.find('\n');
    std::string_view line = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view{} : body.substr(end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.starts_with("c=IN IP4 ")) {
      std::string ip(line.substr(9, line.find('/', 9) - 9));
      if (in_audio) {
        out.back().ip = ip;
      } else if (out.empty()) {
        session_ip = ip;
      }
    } else if (line.starts_with("m=")) {
      in_audio = line.starts_with("m=audio ");
      if (!in_audio) continue;
      auto port = number(line.substr(8, line.find(' ', 8) - 8));
      out.push_back(SdpAudio{session_ip, port.value_or(0), {}});
    } else if (in_audio && line.starts_with("a=rtpmap:")) {
      auto rest = line.substr(9);
      auto space = rest.find(' ');
      auto pt = number(rest.substr(0, space));
      if (pt && space != std::string_view::npos) out.back().encodings[*pt] = std::string(rest.substr(space + 1));
    }
  }
  return out;
}

// "PCMA/8000" -> ("PCMA", 8000).
std::pair<std::string, std::uint32_t> encoding_of(const std::string& rtpmap) {
  auto slash = rtpmap.find('/');
  std::string name = rtpmap.substr(0, slash);
  std::uint32_t rate = 8000;
  if (slash != std::string::npos) {
    if (auto r = number(std::string_view(rtpmap).substr(slash + 1, rtpmap.find('/', slash + 1) - slash - 1))) {
      rate = static_cast<std::uint32_t>(*r);
    }
  }
  return {name, rate};
}

// A DTMF event code (RFC 4733 §3.2) as the digit people dialled.
char digit_of(std::uint8_t event) {
  static constexpr std::string_view kDigits = "0123456789*#ABCD";
  return event < kDigits.size() ? kDigits[event] : '?';
}

struct Tally {
  const Datagram* first = nullptr;
  std::uint8_t payload_type = 0;
  std::uint64_t packets = 0;
  media::ReceiverStats stats;
  std::optional<std::uint16_t> last_sequence;
  std::optional<std::uint32_t> last_timestamp;
  std::optional<std::uint32_t> timestamp_step;  // per packet, from two packets in sequence
  std::vector<std::uint32_t> ended_events;      // timestamps of events seen with the E bit
  std::string digits;

  void add(const media::RtpPacket& packet, const Datagram& d) {
    ++packets;
    stats.on_packet(packet, d.time);
    const auto& h = packet.header;
    const bool next = last_sequence && static_cast<std::uint16_t>(*last_sequence + 1) == h.sequence;
    consecutive = consecutive || next;
    if (next && last_timestamp && h.timestamp > *last_timestamp && !timestamp_step) {
      timestamp_step = h.timestamp - *last_timestamp;
    }
    last_sequence = h.sequence;
    last_timestamp = h.timestamp;
    // RFC 4733 §2.5.1.4: the end packet is sent three times; one digit per event timestamp.
    // (Read only when the stream turns out to be telephone-event: an event payload is 4 bytes.)
    if (packet.payload.size() == 4 && (static_cast<std::uint8_t>(packet.payload[1]) & 0x80) != 0 &&
        std::find(ended_events.begin(), ended_events.end(), h.timestamp) == ended_events.end()) {
      ended_events.push_back(h.timestamp);
      digits += digit_of(static_cast<std::uint8_t>(packet.payload[0]));
    }
  }
  bool consecutive = false;  // two packets with consecutive sequence numbers seen
  bool in_sequence() const { return consecutive; }
};

using StreamKey = std::tuple<rt::Address, rt::Address, std::uint32_t>;

// The encoding: the receiver's SDP names what it accepts, the sender's what it offered (an
// answer may leave out the telephone-event the offer had); else the static payload type.
std::string stream_label(const Tally& t, const MediaOwner* receiver, const MediaOwner* sender) {
  std::string name;
  std::uint32_t rate = 8000;
  for (const MediaOwner* owner : {receiver, sender}) {
    if (!owner || !name.empty()) continue;
    if (auto it = owner->encodings.find(t.payload_type); it != owner->encodings.end()) {
      std::tie(name, rate) = encoding_of(it->second);
    }
  }
  if (name.empty()) {
    if (auto codec = media::codec_from_payload_type(t.payload_type)) {
      name = std::string(media::codec_info(*codec).name);
      rate = media::codec_info(*codec).clock_rate_hz;
    } else {
      name = fmt::format("PT {}", t.payload_type);
    }
  }
  const std::string packets = fmt::format("{} pkt{}", with_thousands(t.packets), t.packets == 1 ? "" : "s");
  if (name == "telephone-event") {
    return fmt::format("RTP telephone-event, {}{}", packets, t.digits.empty() ? "" : ", digits " + t.digits);
  }
  std::string label = "RTP " + name;
  if (t.timestamp_step && rate >= 1000) label += fmt::format(" {} ms", *t.timestamp_step / (rate / 1000));
  const auto expected = t.stats.expected();
  const auto lost = std::max<std::int64_t>(0, t.stats.cumulative_lost());
  const double percent = expected == 0 ? 0.0 : 100.0 * static_cast<double>(lost) / static_cast<double>(expected);
  return label + fmt::format(", {}, {:.1f}% loss", packets, percent);
}

}  // namespace

std::string with_thousands(std::uint64_t n) {
  std::string digits = std::to_string(n);
  for (auto at = digits.size(); at > 3; at -= 3) digits.insert(at - 3, ",");
  return digits;
}

void MediaBook::learn(const LadderMessage& message) {
  for (const auto& audio : audio_sections(body_of(message.bytes))) {
    auto ip = rt::Address::parse(audio.ip);
    if (!ip || audio.port <= 0 || audio.port > 65535) continue;
    // The first message advertising an address names its owner: a B2BUA or proxy that relays
    // the SDP unchanged does not own the media (one that rewrites it advertises its own).
    owners_.try_emplace(ip->with_port(static_cast<std::uint16_t>(audio.port)),
                        MediaOwner{message.party_from, message.call, audio.encodings});
  }
}

const MediaOwner* MediaBook::find(const rt::Address& address) const {
  auto it = owners_.find(address);
  return it == owners_.end() ? nullptr : &it->second;
}

std::vector<LadderMessage> media_lines(const std::vector<const Datagram*>& datagrams, const MediaBook& book,
                                       rt::Instant origin,
                                       const std::function<std::size_t(const Datagram&, bool src)>& column,
                                       std::size_t no_call, std::size_t& not_media) {
  std::map<StreamKey, Tally> streams;  // ordered: the order of equal-time lines is the key's
  for (const Datagram* d : datagrams) {
    if (!media::looks_like_rtp(d->bytes)) {
      ++not_media;
      continue;
    }
    auto packet = media::parse_rtp(d->bytes);
    if (!packet) {
      ++not_media;
      continue;
    }
    auto [it, inserted] = streams.try_emplace(StreamKey{d->src, d->dst, packet->header.ssrc});
    if (inserted) {
      it->second.first = d;
      it->second.payload_type = packet->header.payload_type;
    }
    it->second.add(*packet, *d);
  }
  std::vector<LadderMessage> lines;
  for (const auto& [key, tally] : streams) {
    const Datagram& d = *tally.first;
    const MediaOwner* from = book.find(d.src);
    const MediaOwner* to = book.find(d.dst);
    if (!from && !to && !tally.in_sequence()) {  // heuristics alone: one packet is no stream
      not_media += tally.packets;
      continue;
    }
    LadderMessage m;
    m.media = true;
    m.party_from = from ? from->column : column(d, true);
    m.party_to = to ? to->column : column(d, false);
    m.call = to ? to->call : from ? from->call : no_call;
    m.offset = d.time - origin;
    m.label = stream_label(tally, to, from);
    m.src = d.src;
    m.dst = d.dst;
    m.drop = d.drop;
    lines.push_back(std::move(m));
  }
  return lines;
}

}  // namespace trunklab::reports
