#include "agents/call_media.hpp"

#include "agents/party.hpp"
#include "media/probe_payload.hpp"
#include "reference/sip/text.hpp"

#include <algorithm>

namespace trunklab::agents {

namespace {

constexpr std::uint16_t kFirstMediaPort = 40000;
constexpr std::size_t kMediaPorts = 1000;  // ports 40000-41999, RTP even, RTCP odd
// T.38 UDPTL on ports apart from RTP's (42000-43998), as gateways keep them (Asterisk's
// udptl.conf range is not rtp.conf's): a fax switch moves the media to another port, so RTP
// still in flight to the audio port, or going on after a refused switch, stays RTP for whoever
// reads the capture (tshark sets a port up as T.38 from the offer that names it).
constexpr std::uint16_t kFirstFaxPort = 42000;

bool is_event(std::string_view encoding) { return sip::text::iequals(encoding, "telephone-event"); }

std::optional<media::Codec> audio_codec(const sip::SdpCodec& c) {
  auto codec = media::codec_from_name(c.encoding);
  if (!codec || *codec == media::Codec::cn) return std::nullopt;
  return codec;
}

}  // namespace

// One media port of the party: the RTP socket (and RTCP's, and asymmetric RTP's source),
// delivering to the session of the call that holds the port now.
struct CallMedia::Port {
  struct Handler final : rt::DatagramHandler {
    Port* port = nullptr;
    bool rtcp = false;
    void on_datagram(const rt::Address&, const rt::Address& remote, std::string_view bytes) override {
      if (!port->session) return;
      if (rtcp) {
        port->session->on_rtcp(remote, bytes);
      } else {
        port->session->on_rtp(remote, bytes);
      }
    }
  };
  Port() {
    rtp_handler.port = rtcp_handler.port = this;
    rtcp_handler.rtcp = true;
  }
  Handler rtp_handler;
  Handler rtcp_handler;
  rt::Transport* rtp = nullptr;
  rt::Transport* rtcp = nullptr;
  rt::Transport* source = nullptr;
  media::Session* session = nullptr;
};

CallMedia::CallMedia(Party& party) : party_(party) {}
CallMedia::~CallMedia() = default;

void CallMedia::set_hooks(MediaHooks hooks) {
  binder_ = std::move(hooks.bind);
  random_ = hooks.random;
  packets_sent_ = hooks.packets_sent;
}

CallMedia::Port* CallMedia::port_for(std::size_t slot) {
  if (!binder_ || !party_.config.media.enabled) return nullptr;
  const auto key = slot % kMediaPorts;
  if (auto it = ports_.find(key); it != ports_.end()) return it->second.get();
  auto port = std::make_unique<Port>();
  const auto wish = static_cast<std::uint16_t>(kFirstMediaPort + 2 * key);
  port->rtp = binder_(wish, port->rtp_handler);
  if (!port->rtp) return nullptr;
  const auto& c = party_.config.media;
  if (c.rtcp) port->rtcp = binder_(static_cast<std::uint16_t>(port->rtp->local_address().port() + 1), port->rtcp_handler);
  if (c.send_from_port != 0) {
    port->source = binder_(static_cast<std::uint16_t>(c.send_from_port + 2 * key), port->rtp_handler);
  }
  return ports_.emplace(key, std::move(port)).first->second.get();
}

// Where our SDP says our media is: the port's socket, or (no media) where it would be.
rt::Address CallMedia::advertised(std::size_t slot) {
  if (auto* port = port_for(slot)) return port->rtp->local_address();
  return party_.local_address().with_port(static_cast<std::uint16_t>(kFirstMediaPort + 2 * (slot % kMediaPorts)));
}

// Where our fax offer or answer says UDPTL is (nothing is bound there: UDPTL is not emulated).
rt::Address CallMedia::fax_address(std::size_t slot) {
  return advertised(slot).with_port(static_cast<std::uint16_t>(kFirstFaxPort + 2 * (slot % kMediaPorts)));
}

std::string CallMedia::offer(Call& call) {
  auto& m = call.media;
  const auto at = advertised(m.slot);
  const auto& session = call.dialog.local_tag;
  std::string body;
  if (m.offer_t38) {
    const auto udptl = fax_address(m.slot);
    body = sip::make_t38_sdp(session, udptl.ip_string(), udptl.port(), m.sdp_version++);
  } else {
    sip::SdpOptions options;
    options.direction = m.wanted;
    options.version = m.sdp_version++;
    if (party_.config.media.ptime != std::chrono::milliseconds{20}) {
      options.ptime_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(party_.config.media.ptime).count());
    }
    body = sip::make_audio_sdp(session, at.ip_string(), at.port(), party_.config.codecs, options);
  }
  m.local = sip::Sdp::parse(body);
  m.offering = true;
  ensure_session(call);
  return body;
}

std::optional<std::string> CallMedia::on_offer(Call& call, std::string_view body) {
  auto& m = call.media;
  auto sdp = sip::Sdp::parse(body);
  if (!sdp) return std::nullopt;
  const auto at = advertised(m.slot);
  const auto& session = call.dialog.local_tag;
  const auto* image = sdp->first_of("image");
  const auto* audio = sdp->first_of("audio");
  const bool fax = image && image->is_t38() && image->port != 0 && (!audio || audio->port == 0);
  if (fax) {
    if (!party_.config.media.accept_t38) return std::nullopt;
    m.remote = std::move(sdp);
    m.t38 = true;
    const auto udptl = fax_address(m.slot);
    auto answer = sip::make_t38_sdp(session, udptl.ip_string(), udptl.port(), m.sdp_version++);
    m.local = sip::Sdp::parse(answer);
    m.offering = false;
    return answer;
  }
  if (!audio) return std::nullopt;
  std::vector<std::string> names;
  sip::SdpOptions options;
  bool has_audio = false;
  for (const auto& c : audio->codecs) {
    const auto ours = std::find_if(party_.config.codecs.begin(), party_.config.codecs.end(),
                                   [&](const std::string& n) { return sip::text::iequals(n, c.encoding); });
    if (ours == party_.config.codecs.end() || std::find(names.begin(), names.end(), *ours) != names.end()) continue;
    names.push_back(*ours);
    if (c.payload_type >= 96) options.dynamic_payload_types[*ours] = c.payload_type;
    if (audio_codec(c)) has_audio = true;
  }
  if (!has_audio) return std::nullopt;  // RFC 3264 §6: nothing in common
  options.direction = sip::answer_direction(audio->direction);
  options.version = m.sdp_version++;
  auto answer = sip::make_audio_sdp(session, at.ip_string(), at.port(), names, options);
  m.remote = std::move(sdp);
  m.local = sip::Sdp::parse(answer);
  m.t38 = false;
  m.offering = false;
  m.answered_by_us = true;
  return answer;
}

void CallMedia::answer_sent(Call& call) { update(call); }

void CallMedia::on_answer(Call& call, std::string_view body) {
  auto& m = call.media;
  auto sdp = sip::Sdp::parse(body);
  if (!sdp) return;
  m.remote = std::move(sdp);
  m.offering = false;
  m.answered_by_us = false;
  m.t38 = m.offer_t38 && m.remote->first_of("image") && m.remote->first_of("image")->port != 0;
  m.offer_t38 = false;
  update(call);
}

void CallMedia::offer_refused(Call& call) {
  auto& m = call.media;
  m.offering = false;
  m.offer_t38 = false;
  // Back to what the previous exchange settled (RFC 3261 §14.1).
  if (m.remote && m.local) {
    const auto* local = m.local->first_of("audio");
    if (local) m.wanted = local->direction;
  }
}

void CallMedia::stop(Call& call) {
  if (call.media.session) call.media.session->stop();
}

// The plan the last offer/answer exchange settled: the codec is the answer's first audio one
// (RFC 3264 §6.1: the answerer lists what it will use, most preferred first).
std::optional<media::MediaPlan> CallMedia::plan_for(const Call& call) const {
  const auto& m = call.media;
  if (!m.local || !m.remote) return std::nullopt;
  media::MediaPlan plan;
  const auto* local = m.local->first_of("audio");
  const auto* remote = m.remote->first_of("audio");
  if (m.t38 || !local || !remote) {
    plan.send = plan.receive = false;  // fax: the audio stops (UDPTL is not emulated)
    return plan;
  }
  // Whichever SDP is the answer names the codecs in use; both list them in the same order.
  const auto& answer = m.answered_by_us ? *local : *remote;
  const auto chosen = std::find_if(answer.codecs.begin(), answer.codecs.end(),
                                    [](const sip::SdpCodec& c) { return audio_codec(c).has_value(); });
  if (chosen == answer.codecs.end()) return std::nullopt;
  plan.codec = *audio_codec(*chosen);
  plan.payload_type = static_cast<std::uint8_t>(chosen->payload_type);
  for (const auto& c : answer.codecs) {
    if (is_event(c.encoding)) plan.telephone_event = static_cast<std::uint8_t>(c.payload_type);
  }
  const auto ip = rt::Address::parse(remote->connection_address, remote->port);
  plan.remote = ip ? ip->with_port(remote->port) : rt::Address{};
  plan.ptime = remote->ptime_ms ? std::chrono::milliseconds{*remote->ptime_ms} : party_.config.media.ptime;
  plan.send = sip::sends(local->direction) && sip::receives(remote->direction) && remote->port != 0;
  plan.receive = sip::receives(local->direction);
  try {
    (void)media::frame_bytes(plan.codec, plan.ptime);
  } catch (const std::invalid_argument&) {
    plan.ptime = party_.config.media.ptime;  // a ptime the codec cannot carry: ours
  }
  return plan;
}

void CallMedia::update(Call& call) {
  auto* session = ensure_session(call);
  if (!session) return;
  if (auto plan = plan_for(call)) session->apply(*plan);
}

// RFC 3264 §5.1: once it has sent an offer, a party must be ready for media, so the session
// (and what it hears) exists from our first SDP on, before the answer says where to send.
media::Session* CallMedia::ensure_session(Call& call) {
  auto& m = call.media;
  auto* port = port_for(m.slot);
  if (!port || !random_) return nullptr;
  if (!m.session) {
    media::SessionConfig config;
    const auto& c = party_.config.media;
    config.stream_id = media::probe_stream_id(party_.config.name);
    config.symmetric_rtp = c.symmetric_rtp;
    config.rtcp = c.rtcp;
    config.packets_sent = packets_sent_;
    m.session = std::make_unique<media::Session>(party_.clock, party_.timers, *random_, config);
    m.session->bind(*port->rtp, port->rtcp, port->source);
  }
  port->session = m.session.get();
  return m.session.get();
}

}  // namespace trunklab::agents
