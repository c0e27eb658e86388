#include "scenario/media_checks.hpp"

#include "media/emodel.hpp"
#include "media/probe_payload.hpp"
#include "media/rtp.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <cmath>
#include <map>

namespace trunklab::scenario::detail {

namespace {

std::string ms(rt::Duration d) {
  return fmt::format("{:.1f} ms", static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(d).count()) / 1000.0);
}

std::string codec_of(const media::Session& session, int payload_type) {
  if (payload_type < 0) return {};
  const auto& plan = session.plan();
  if (plan && plan->payload_type == payload_type) return std::string(media::codec_info(plan->codec).name);
  auto codec = media::codec_from_payload_type(static_cast<std::uint8_t>(payload_type));
  return codec ? std::string(media::codec_info(*codec).name) : std::string{};
}

void rate(MediaFigures& f) {
  media::EmodelInput in;
  in.loss_ratio = f.loss_ratio();
  in.jitter = f.jitter;
  in.one_way_delay = f.mean_delay.value_or(rt::Duration{0});
  auto codec = media::codec_from_name(f.codec);
  auto figures = codec ? media::emodel_codec(*codec) : std::nullopt;
  in.codec = figures.value_or(media::EmodelCodec{});
  const auto result = media::emodel(in);
  f.r_factor = result.r;
  f.mos = result.mos;
}

MediaFigures figures_of(const media::HeardStream& s, const media::Session& session,
                        const std::map<std::uint32_t, std::string>& senders) {
  MediaFigures f;
  auto who = s.sender ? senders.find(*s.sender) : senders.end();
  f.from = who != senders.end() ? who->second : kReferenceName;
  f.ssrc = s.ssrc;
  f.payload_type = s.payload_type ? *s.payload_type : -1;
  f.codec = codec_of(session, f.payload_type);
  f.packets = s.stats.received();
  f.expected = s.stats.expected();
  f.lost = static_cast<std::uint64_t>(std::max<std::int64_t>(0, s.stats.cumulative_lost()));
  f.duplicates = s.stats.duplicates();
  f.jitter = s.stats.jitter();
  f.mean_delay = s.mean_delay();
  f.first_at = s.stats.first_arrival().value_or(rt::Instant{});
  f.last_at = s.stats.last_arrival().value_or(rt::Instant{});
  f.digits_rfc4733 = s.events.digit_string();
  f.digits_inband = s.tones.digit_string();
  f.src = s.source.to_string();
  if (auto local = session.local_address()) {
    f.dst = local->to_string();
    f.dst_address = *local;
  }
  rate(f);
  return f;
}

// The pair's streams, summed: what one direction between two parties carried.
struct Heard {
  std::uint64_t packets = 0, expected = 0, lost = 0, streams = 0;
  rt::Duration jitter{};
  std::optional<rt::Duration> delay;
  std::optional<rt::Instant> first;
  std::vector<std::string> codecs;
  std::string rfc4733, inband;
  double r = 100.0, mos = 4.5;
  double loss() const { return expected == 0 ? 0.0 : static_cast<double>(lost) / static_cast<double>(expected); }
};

Heard sum(const std::vector<MediaFigures>& figures, const MediaCheck& c) {
  Heard h;
  for (const auto& f : figures) {
    if (f.from != c.from || f.to != c.to || (c.call && f.call != *c.call)) continue;
    ++h.streams;
    h.packets += f.packets;
    h.expected += f.expected;
    h.lost += f.lost;
    h.jitter = std::max(h.jitter, f.jitter);
    if (f.mean_delay) h.delay = std::max(h.delay.value_or(rt::Duration{0}), *f.mean_delay);
    if (!h.first || f.first_at < *h.first) h.first = f.first_at;
    if (!f.codec.empty() && std::find(h.codecs.begin(), h.codecs.end(), f.codec) == h.codecs.end()) h.codecs.push_back(f.codec);
    h.rfc4733 += f.digits_rfc4733;
    h.inband += f.digits_inband;
    if (f.payload_type >= 0) {
      h.r = std::min(h.r, f.r_factor);
      h.mos = std::min(h.mos, f.mos);
    }
  }
  return h;
}

// What the sender put on the wire toward the receiver, and what the network did with it: the
// capture's RTP records tagged by the sender, by drop reason.
std::string sender_side(const Scenario& scenario, const RunState& state, const MediaCheck& c,
                        const wiretap::Capture& capture) {
  const auto* sender = state.agent(c.from);
  if (!sender) return {};
  std::uint64_t sent = 0;
  std::string to;
  for (const auto* session : sender->media_sessions()) {
    if (!session) continue;
    sent += session->sent().packets;
    if (session->sent().packets > 0) to = session->sent().last_destination.to_string();
  }
  if (sent == 0) return fmt::format("; {} sent no RTP", c.from);
  const auto id = media::probe_stream_id(c.from);
  std::map<std::string, std::uint64_t> drops;
  for (const auto& r : capture.records()) {
    if (!r.dropped || r.src_host != c.from || !media::looks_like_rtp(r.bytes)) continue;
    auto packet = media::parse_rtp(r.bytes);
    auto tag = packet ? media::parse_probe_payload(packet->payload) : std::nullopt;
    if (tag && tag->stream_id == id) ++drops[r.drop_reason];
  }
  std::string text = fmt::format("; {} sent {} packet(s), the last to {}", c.from, sent, to);
  for (const auto& [reason, n] : drops) text += fmt::format("; {} dropped: {}", n, reason);
  (void)scenario;
  return text;
}

// RTP follows the real clock, a packet every ptime whatever --time-scale (a target relays and
// buffers it at its own rate), while a call lasts its scenario time scaled: a packet count is
// the scenario's at time scale 1 and is judged scaled, a minimum down and a maximum up.
std::uint64_t scaled_count(std::uint64_t n, double time_scale, bool up) {
  if (time_scale == 1.0) return n;
  const double v = static_cast<double>(n) * time_scale;
  return static_cast<std::uint64_t>(up ? std::ceil(v) : std::floor(v));
}

std::string scale_note(const char* key, std::uint64_t n, double time_scale) {
  if (time_scale == 1.0) return {};
  return fmt::format(" ({} {} at --time-scale {}: RTP keeps the real clock)", key, n, time_scale);
}

// In real time the harness's own timers (a sender's ptime tick, an emulated link's delivery)
// wake up late by a millisecond or so on a loaded machine: noise of the harness, not of the path
// under test, that RFC 3550's jitter estimate picks up.
constexpr rt::Duration kRealTimeJitterSlack = std::chrono::milliseconds(3);

std::optional<rt::Instant> line_time(const std::vector<WireLine>& lines, const std::string& text) {
  auto pattern = LinePattern::parse(text);
  if (!pattern) return std::nullopt;
  auto at = find_line(lines, *pattern, 1, 0, true);
  if (!at) return std::nullopt;
  return lines[*at].time;
}

// Every media session of every party, with the party's name and the call's number (1 = the
// party's first call), in the parties' order.
void for_each_session(const Scenario& scenario, const RunState& state,
                      const std::function<void(const std::string&, int, const media::Session&)>& visit) {
  for (const auto& p : scenario.parties) {
    const auto* agent = state.agent(p.name);
    if (!agent) continue;
    const auto sessions = agent->media_sessions();
    for (std::size_t i = 0; i < sessions.size(); ++i) {
      if (sessions[i]) visit(p.name, static_cast<int>(i + 1), *sessions[i]);
    }
  }
}

}  // namespace

std::vector<MediaSent> media_sent(const Scenario& scenario, const RunState& state) {
  std::vector<MediaSent> out;
  for_each_session(scenario, state, [&](const std::string& party, int call, const media::Session& session) {
    const auto& sent = session.sent();
    if (sent.packets == 0) return;
    MediaSent m;
    m.from = party;
    m.call = call;
    m.ssrc = sent.ssrc;
    if (auto src = session.sending_address()) m.src = src->to_string();
    m.last_destination = sent.last_destination.to_string();
    m.packets = sent.packets;
    m.event_packets = sent.event_packets;
    out.push_back(std::move(m));
  });
  return out;
}

// RTP packets the network delivered, by (the receiving socket's address, SSRC): what a capture
// at the receiver shows, whether or not its party listened then.
std::map<std::pair<rt::Address, std::uint32_t>, std::uint64_t> delivered_rtp(const wiretap::Capture& capture) {
  std::map<std::pair<rt::Address, std::uint32_t>, std::uint64_t> out;
  for (const auto& r : capture.records()) {
    if (!r.delivered_at || r.transport != rt::TransportKind::udp || !media::looks_like_rtp(r.bytes)) continue;
    if (auto packet = media::parse_rtp(r.bytes)) ++out[{r.dst, packet->header.ssrc}];
  }
  return out;
}

std::vector<MediaFigures> media_figures(const Scenario& scenario, const RunState& state,
                                        const wiretap::Capture& capture) {
  const auto delivered = delivered_rtp(capture);
  std::map<std::uint32_t, std::string> senders;
  for (const auto& p : scenario.parties) senders[media::probe_stream_id(p.name)] = p.name;
  // The sender's count per SSRC; an SSRC two senders drew (a 2^-32 chance) has no single count.
  std::map<std::uint32_t, std::optional<std::uint64_t>> sent_by_ssrc;
  for (const auto& m : media_sent(scenario, state)) {
    auto [it, fresh] = sent_by_ssrc.emplace(m.ssrc, m.packets);
    if (!fresh) it->second.reset();
  }
  std::vector<MediaFigures> out;
  for_each_session(scenario, state, [&](const std::string& party, int call, const media::Session& session) {
    for (const auto& s : session.heard()) {
      auto f = figures_of(*s, session, senders);
      // Both times from the run's start (the real stage's clock reads the epoch), as the ladder's.
      if (s->stats.first_arrival()) {
        f.first_at = rt::Instant{f.first_at - state.clock_origin()};
        f.last_at = rt::Instant{f.last_at - state.clock_origin()};
      }
      f.to = party;
      f.call = call;
      if (auto it = sent_by_ssrc.find(f.ssrc); it != sent_by_ssrc.end()) f.sent = it->second;
      if (auto it = delivered.find({f.dst_address, f.ssrc}); it != delivered.end()) f.delivered = it->second;
      out.push_back(std::move(f));
    }
  });
  return out;
}

std::vector<std::string> check_media(const Scenario& scenario, const RunState& state,
                                     const std::vector<MediaFigures>& figures, const std::vector<WireLine>& lines,
                                     const wiretap::Capture& capture) {
  std::vector<std::string> failures;
  // A session's own caps reached are failures too, whatever the expectations.
  for_each_session(scenario, state, [&](const std::string& party, int call, const media::Session& session) {
    if (session.sent().limit_reached) {
      failures.push_back(fmt::format("limit reached: {} call {} sent {} RTP packets, the most one call may send",
                                     party, call, session.sent().packets));
    }
    if (session.untracked_packets() > 0) {
      failures.push_back(fmt::format("limit reached: {} call {} heard more RTP sources (SSRCs) than it tracks; {} "
                                     "packet(s) not judged", party, call, session.untracked_packets()));
    }
  });
  for (const auto& c : scenario.expect.media) {
    const auto h = sum(figures, c);
    const auto where = fmt::format("{} ({} -> {}{})", c.json_path, c.from, c.to,
                                   c.call ? fmt::format(", call {}", *c.call) : std::string{});
    auto fail = [&](std::string text) { failures.push_back(where + ": " + text); };
    const double scale = state.time_scale();
    if (c.min_packets && h.packets < scaled_count(*c.min_packets, scale, false)) {
      fail(fmt::format("{} received {} RTP packet(s) from {}, expected at least {}{}{}", c.to, h.packets, c.from,
                       scaled_count(*c.min_packets, scale, false), scale_note("min_packets", *c.min_packets, scale),
                       sender_side(scenario, state, c, capture)));
    }
    if (const auto most = c.max_packets ? scaled_count(*c.max_packets, scale, true) : 0; c.max_packets && h.packets > most) {
      fail(fmt::format("{} received {} RTP packet(s) from {}, expected {}{}{}", c.to, h.packets, c.from,
                       most == 0 ? std::string("none") : fmt::format("at most {}", most),
                       most == 0 ? std::string{} : scale_note("max_packets", *c.max_packets, scale),
                       h.first ? fmt::format(" (the first at {})", config::format_duration(h.first->time_since_epoch())) : ""));
    }
    const bool heard = h.packets > 0;
    auto need = [&](bool present, const char* what) {
      if (!present) fail(fmt::format("no RTP from {} reached {}: cannot judge {}", c.from, c.to, what));
      return present;
    };
    if (c.max_loss && need(heard, "loss") && h.loss() > *c.max_loss) {
      fail(fmt::format("loss {:.2f}% ({} of {} packets), expected at most {:.2f}%", 100 * h.loss(), h.lost, h.expected, 100 * *c.max_loss));
    }
    if (c.min_loss && need(heard, "loss") && h.loss() < *c.min_loss) {
      fail(fmt::format("loss {:.2f}% ({} of {} packets), expected at least {:.2f}%", 100 * h.loss(), h.lost, h.expected, 100 * *c.min_loss));
    }
    const auto jitter_slack = state.real_time() ? kRealTimeJitterSlack : rt::Duration{0};
    if (c.max_jitter && need(heard, "jitter") && h.jitter > *c.max_jitter + jitter_slack) {
      fail(fmt::format("interarrival jitter {}, expected at most {}{}", ms(h.jitter), ms(*c.max_jitter),
                       state.real_time() ? fmt::format(" (+ {} in real time)", ms(jitter_slack)) : std::string{}));
    }
    if (c.max_delay && need(heard, "delay") && h.delay && *h.delay > *c.max_delay) {
      fail(fmt::format("mean one-way delay {}, expected at most {}", ms(*h.delay), ms(*c.max_delay)));
    }
    if (c.codec && need(heard, "the codec") && (h.codecs.size() != 1 || h.codecs.front() != *c.codec)) {
      std::string got;
      for (const auto& name : h.codecs) got += (got.empty() ? "" : ", ") + name;
      fail(fmt::format("codec {}, expected {}", got.empty() ? "unknown" : got, *c.codec));
    }
    for (const auto& [bound, before] : {std::pair{c.starts_before, true}, std::pair{c.starts_after, false}}) {
      if (!bound || !need(heard, "when media started")) continue;
      auto at = line_time(lines, *bound);
      const auto first = config::format_duration(h.first->time_since_epoch());
      if (!at) {
        fail(fmt::format("no message \"{}\" on the wire to compare the first packet ({}) with", *bound, first));
      } else if (before ? *h.first >= *at : *h.first <= *at) {
        fail(fmt::format("the first packet arrived at {}, expected {} \"{}\" at {}", first, before ? "before" : "after",
                         *bound, config::format_duration(at->time_since_epoch())));
      }
    }
    if (c.digits) {
      const std::string& got = !c.digits_method ? (h.rfc4733.empty() ? h.inband : h.rfc4733)
                               : *c.digits_method == media::DtmfMethod::rfc4733 ? h.rfc4733 : h.inband;
      if (got != *c.digits) {
        fail(fmt::format("digits {} \"{}\", expected \"{}\" (RFC 4733 events: \"{}\", inband tones: \"{}\")",
                         c.digits_method ? std::string(media::to_string(*c.digits_method)) : std::string("heard"), got,
                         *c.digits, h.rfc4733, h.inband));
      }
    }
    if (c.min_r && need(heard, "the R-factor") && h.r < *c.min_r) {
      fail(fmt::format("R-factor {:.1f}, expected at least {:.1f} (loss {:.2f}%, jitter {})", h.r, *c.min_r, 100 * h.loss(), ms(h.jitter)));
    }
    if (c.min_mos && need(heard, "the MOS") && h.mos < *c.min_mos) {
      fail(fmt::format("MOS {:.2f}, expected at least {:.2f} (loss {:.2f}%, jitter {})", h.mos, *c.min_mos, 100 * h.loss(), ms(h.jitter)));
    }
    if (c.max_mos && need(heard, "the MOS") && h.mos > *c.max_mos) {
      fail(fmt::format("MOS {:.2f}, expected at most {:.2f} (loss {:.2f}%, jitter {})", h.mos, *c.max_mos, 100 * h.loss(), ms(h.jitter)));
    }
  }
  return failures;
}

}  // namespace trunklab::scenario::detail
