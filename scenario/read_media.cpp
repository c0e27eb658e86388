// Reads the media parts of a scenario file: a party's "media", the media steps (hold, resume,
// fax, dtmf) and the media expectations ($.expect.media).
#include "scenario/reader.hpp"

#include "media/codec.hpp"
#include "media/dtmf.hpp"
#include "media/session.hpp"
#include "reference/sip/text.hpp"

#include <fmt/format.h>

namespace trunklab::scenario::detail {

using config::Node;

namespace {

double ratio(const Node& n) {
  if (!n.json().is_number() || n.json().get<double>() < 0.0 || n.json().get<double>() > 1.0) {
    n.fail("expected a ratio between 0 and 1 (0.01 = 1%)");
  }
  return n.json().get<double>();
}

double number_in(const Node& n, double min, double max) {
  if (!n.json().is_number() || n.json().get<double>() < min || n.json().get<double>() > max) {
    n.fail(fmt::format("expected a number from {} to {}", min, max));
  }
  return n.json().get<double>();
}

media::DtmfMethod dtmf_method(const Node& n) {
  const auto text = n.as_string();
  if (text == "rfc4733" || text == "rfc2833") return media::DtmfMethod::rfc4733;
  if (text == "inband") return media::DtmfMethod::inband;
  n.fail("expected \"rfc4733\" (or its old name \"rfc2833\") or \"inband\"");
}

std::string codec_name(const Node& n) {
  const auto name = n.as_string();
  if (sip::text::iequals(name, "telephone-event")) return "telephone-event";
  const auto codec = media::codec_from_name(name);
  if (!codec) n.fail("expected a codec: \"PCMU\", \"PCMA\", \"G722\", \"G729\", \"CN\" or \"telephone-event\"");
  return std::string(media::codec_info(*codec).name);
}

}  // namespace

void read_party_media(const Node& n, PartySpec& party) {
  n.expect_only({"enabled", "codecs", "ptime", "symmetric_rtp", "send_from_port", "rtcp", "t38"});
  auto& m = party.media;
  m.enabled = n.bool_or("enabled", true);
  if (auto c = n.get("codecs")) {
    std::vector<std::string> codecs;
    for (const auto& item : c->items()) codecs.push_back(codec_name(item));
    if (codecs.empty()) c->fail("expected at least one codec");
    party.codecs = std::move(codecs);
  }
  if (auto p = n.get("ptime")) {
    m.ptime = p->as_duration();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(m.ptime).count();
    if (m.ptime != std::chrono::milliseconds{ms} || ms < 10 || ms > 60 || ms % 10 != 0) {
      p->fail("expected a packet time of 10ms, 20ms, 30ms, 40ms, 50ms or 60ms");
    }
  }
  m.symmetric_rtp = n.bool_or("symmetric_rtp", false);
  m.send_from_port = static_cast<std::uint16_t>(n.int_or("send_from_port", 0, 0, 63000));
  if (m.send_from_port != 0 && m.send_from_port >= 40000 && m.send_from_port < 42000) {
    n.at("send_from_port").fail("expected a port outside the media ports 40000-41999");
  }
  m.rtcp = n.bool_or("rtcp", false);
  if (auto t = n.get("t38")) {
    const auto v = t->as_string();
    if (v != "accept" && v != "reject") t->fail("expected \"accept\" or \"reject\"");
    m.accept_t38 = v == "accept";
  }
}

bool read_media_step(const Node& n, Step& step) {
  if (auto h = n.get("hold")) {
    step.action = Action::hold;
    const auto how = h->as_string();
    if (how != "sendonly" && how != "inactive") h->fail("expected \"sendonly\" or \"inactive\"");
    step.direction = how == "inactive" ? sip::SdpDirection::inactive : sip::SdpDirection::sendonly;
    return true;
  }
  auto d = n.get("dtmf");
  if (!d) return false;
  step.action = Action::dtmf;
  if (d->is_string()) {
    step.dtmf.digits = d->as_string();
  } else {
    d->expect_only({"digits", "method", "duration", "gap", "volume"});
    step.dtmf.digits = d->at("digits").as_string();
    if (auto m = d->get("method"); m && m->as_string() != "auto") {
      step.dtmf.method = dtmf_method(*m);
      step.dtmf_auto = false;
    }
    step.dtmf.duration = d->duration_or("duration", step.dtmf.duration);
    step.dtmf.gap = d->duration_or("gap", step.dtmf.gap);
    step.dtmf.volume = static_cast<std::uint8_t>(d->int_or("volume", 10, 0, 63));
  }
  const auto where = d->is_string() ? *d : d->at("digits");
  if (step.dtmf.digits.empty() || step.dtmf.digits.size() > 64) where.fail("expected 1 to 64 digits");
  for (char ch : step.dtmf.digits) {
    if (!media::dtmf_event_code(ch)) where.fail(fmt::format("expected DTMF digits 0-9 * # A-D, got '{}'", ch));
  }
  if (step.dtmf.duration < std::chrono::milliseconds{40} || step.dtmf.duration > std::chrono::seconds{8}) {
    d->fail("expected a digit duration from 40ms to 8s");
  }
  if (!step.dtmf_auto && step.dtmf.method == media::DtmfMethod::inband && step.dtmf.duration < media::kInbandMinTone) {
    d->at("duration").fail("expected an inband digit of at least 60ms (the Goertzel detector needs two 25.6 ms blocks)");
  }
  return true;
}

std::vector<MediaCheck> read_media_checks(const Node& n, const Scenario& s) {
  std::vector<MediaCheck> checks;
  for (const auto& item : n.items()) {
    item.expect_only({"from", "to", "call", "packets", "min_packets", "max_packets", "max_loss", "min_loss", "max_jitter",
                      "max_delay", "codec", "starts_before", "starts_after", "digits", "dtmf", "min_r", "min_mos", "max_mos"});
    MediaCheck c;
    c.json_path = item.path();
    c.from = item.at("from").as_string();
    c.to = item.at("to").as_string();
    require_name(item.at("from"), c.from, "party", wire_names(s));
    require_name(item.at("to"), c.to, "party", party_names(s, [](const PartySpec& p) { return p.on_wire(); }));
    if (c.from == c.to) item.at("to").fail("expected another party than \"from\"");
    if (auto v = item.get("call")) c.call = static_cast<int>(v->as_int(1, 100000));
    if (auto v = item.get("packets")) c.min_packets = c.max_packets = static_cast<std::uint64_t>(v->as_int(0, 1'000'000'000));
    if (auto v = item.get("min_packets")) c.min_packets = static_cast<std::uint64_t>(v->as_int(0, 1'000'000'000));
    if (auto v = item.get("max_packets")) c.max_packets = static_cast<std::uint64_t>(v->as_int(0, 1'000'000'000));
    if (auto v = item.get("max_loss")) c.max_loss = ratio(*v);
    if (auto v = item.get("min_loss")) c.min_loss = ratio(*v);
    if (auto v = item.get("max_jitter")) c.max_jitter = v->as_duration();
    if (auto v = item.get("max_delay")) c.max_delay = v->as_duration();
    if (auto v = item.get("codec")) c.codec = codec_name(*v);
    for (const auto* key : {"starts_before", "starts_after"}) {
      if (auto v = item.get(key)) {
        check_ladder_line(*v, s);
        (std::string_view(key) == "starts_before" ? c.starts_before : c.starts_after) = v->as_string();
      }
    }
    if (auto v = item.get("digits")) c.digits = v->as_string();
    if (auto v = item.get("dtmf")) c.digits_method = dtmf_method(*v);
    if (auto v = item.get("min_r")) c.min_r = number_in(*v, 0, 100);
    if (auto v = item.get("min_mos")) c.min_mos = number_in(*v, 1, 4.5);
    if (auto v = item.get("max_mos")) c.max_mos = number_in(*v, 1, 4.5);
    checks.push_back(std::move(c));
  }
  return checks;
}

}  // namespace trunklab::scenario::detail
