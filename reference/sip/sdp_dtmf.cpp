#include "reference/sip/sdp_dtmf.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace trunklab::sip {

namespace {

// One line of an SDP body, its end of line kept apart (SDP writes CRLF; LF is tolerated).
struct Line {
  std::string_view text;
  std::string_view eol;
};

template <typename F>
void for_each_line(std::string_view body, F&& f) {
  while (!body.empty()) {
    const auto end = body.find('\n');
    const auto line = body.substr(0, end == std::string_view::npos ? body.size() : end + 1);
    body.remove_prefix(line.size());
    const std::string_view eol = line.ends_with("\r\n") ? "\r\n" : line.ends_with('\n') ? "\n" : "";
    f(Line{line.substr(0, line.size() - eol.size()), eol});
  }
}

// "a=rtpmap:101 ..." or "a=fmtp:101 ...": the payload type it is about.
std::optional<int> attribute_type(std::string_view text) {
  for (std::string_view prefix : {"a=rtpmap:", "a=fmtp:"}) {
    if (!text.starts_with(prefix)) continue;
    text.remove_prefix(prefix.size());
    int pt = -1;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pt);
    if (ec == std::errc() && (end == text.data() + text.size() || *end == ' ')) return pt;
  }
  return std::nullopt;
}

// The m= line with its formats filtered or extended.
std::string m_line_without(std::string_view text, int payload_type) {
  std::string out;
  std::size_t field = 0;
  const auto pt = std::to_string(payload_type);
  while (!text.empty()) {
    const auto space = text.find(' ');
    const auto word = text.substr(0, space);
    text.remove_prefix(space == std::string_view::npos ? text.size() : space + 1);
    if (field++ >= 3 && word == pt) continue;  // m=<media> <port> <proto> <fmt>...
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

}  // namespace

std::optional<int> telephone_event_type(const SdpMedia& media) {
  for (const auto& c : media.codecs) {
    if (c.clock_rate == 8000 && c.encoding.size() == 15 &&
        std::equal(c.encoding.begin(), c.encoding.end(), "telephone-event",
                   [](char a, char b) { return (a | 0x20) == b; })) {
      return c.payload_type;
    }
  }
  return std::nullopt;
}

std::optional<int> audio_telephone_event_type(const Sdp& sdp) {
  const auto* audio = sdp.first_of("audio");
  return audio ? telephone_event_type(*audio) : std::nullopt;
}

std::optional<int> free_dynamic_type(const SdpMedia& media) {
  auto used = [&](int pt) {
    return std::any_of(media.codecs.begin(), media.codecs.end(), [pt](const auto& c) { return c.payload_type == pt; });
  };
  if (!used(101)) return 101;
  for (int pt = 96; pt <= 127; ++pt) {
    if (!used(pt)) return pt;
  }
  return std::nullopt;
}

std::string add_telephone_event(std::string_view body, int payload_type) {
  std::string out;
  bool done = false;
  for_each_line(body, [&](const Line& l) {
    out += l.text;
    out += l.eol;
    if (done || !l.text.starts_with("m=audio ")) return;
    done = true;
    const std::string_view eol = l.eol.empty() ? "\r\n" : l.eol;
    out.resize(out.size() - l.eol.size());
    out += fmt::format(" {}{}a=rtpmap:{} telephone-event/8000{}a=fmtp:{} 0-15{}", payload_type, eol, payload_type,
                       eol, payload_type, eol);
  });
  return out;
}

std::string remove_payload_type(std::string_view body, int payload_type) {
  std::string out;
  enum { before, in_audio, after } where = before;
  for_each_line(body, [&](const Line& l) {
    if (l.text.starts_with("m=")) {
      where = where == before && l.text.starts_with("m=audio ") ? in_audio : after;
      if (where == in_audio) {
        out += m_line_without(l.text, payload_type);
        out += l.eol;
        return;
      }
    } else if (where == in_audio && attribute_type(l.text) == payload_type) {
      return;
    }
    out += l.text;
    out += l.eol;
  });
  return out;
}

}  // namespace trunklab::sip
