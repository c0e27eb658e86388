// The text ladder, in the style of RFC 3665 and the product's own docs:
//
//   F1  +0.000s      alice                  trunk
//                      |                      |
//   F1  +0.000s        |------- INVITE ------>|
#include "reports/render/escape.hpp"
#include "reports/render/render.hpp"

#include <fmt/core.h>

#include <algorithm>

namespace trunklab::reports {
namespace {

constexpr std::size_t kMinColumn = 12;
constexpr std::size_t kMaxColumn = 40;

struct Layout {
  std::size_t number_w = 0;  // "F123"
  std::size_t letter_w = 0;  // call letter column, 0 when there is one call
  std::size_t time_w = 0;    // "+12.345s"
  std::size_t prefix_w = 0;
  std::size_t first_w = 0;   // from the prefix to the first lifeline: room for half its name
  std::size_t column_w = 0;  // from one lifeline to the next
  std::size_t lifeline(std::size_t party) const { return prefix_w + first_w + party * column_w; }
  std::size_t line_w(std::size_t parties) const { return parties == 0 ? prefix_w : lifeline(parties - 1) + 1; }
};

Layout layout_of(const Ladder& ladder, const RenderOptions& options) {
  Layout l;
  l.number_w = fmt::format("F{}", ladder.messages.size()).size();
  for (std::size_t c = 0; ladder.calls.size() > 1 && c < ladder.calls.size(); ++c) {
    l.letter_w = std::max(l.letter_w, call_tag(ladder, c).size() + 1);
  }
  for (const auto& m : ladder.messages) {
    l.time_w = std::max(l.time_w, display_time(ladder, m, options.time_absolute).size());
  }
  l.prefix_w = l.number_w + 1 + l.letter_w + l.time_w + 2;
  // Lifelines as far apart as the width allows: only the outer parties' names need room beyond
  // them, so labels between neighbours get all the rest (a 407's reason phrase fits with three
  // parties in 100 columns).
  const std::size_t parties = std::max<std::size_t>(ladder.parties.size(), 1);
  auto half_name = [&](std::size_t p) {
    return p < ladder.parties.size() ? std::max<std::size_t>(ladder.parties[p].name.size() / 2, 1) : 1;
  };
  // put_centered puts size/2 characters left of the lifeline and the rest from it rightwards.
  auto right_of = [&](std::size_t p) {
    const auto size = p < ladder.parties.size() ? ladder.parties[p].name.size() : 1;
    return std::max<std::size_t>(size - size / 2, 1);
  };
  l.first_w = half_name(0) + 1;
  const std::size_t used = l.prefix_w + l.first_w + right_of(parties - 1);
  const std::size_t width = options.width == 0 ? 100 : options.width;
  const std::size_t room = width > used ? width - used : 0;
  l.column_w = parties > 1 ? std::clamp(room / (parties - 1), kMinColumn, kMaxColumn) : kMinColumn;
  return l;
}

std::string empty_row(const Ladder& ladder, const Layout& l) {
  std::string row(l.line_w(ladder.parties.size()), ' ');
  for (std::size_t p = 0; p < ladder.parties.size(); ++p) {
    row[l.lifeline(p)] = '|';
  }
  return row;
}

void put_centered(std::string& row, std::size_t centre, std::string_view text) {
  std::size_t start = centre >= text.size() / 2 ? centre - text.size() / 2 : 0;
  if (row.size() < start + text.size()) {
    row.resize(start + text.size(), ' ');
  }
  row.replace(start, text.size(), text);
}

// Shortens a label to `room` characters: the status code or method always stays.
std::string fit_label(const std::string& label, std::size_t room) {
  if (label.size() <= room) {
    return label;
  }
  if (room <= 2) {
    return label.substr(0, room);
  }
  return label.substr(0, room - 2) + "..";
}

// `stroke`: '-' for SIP, '=' for a media stream (RFC 3665 draws "RTP Media" apart).
void draw_arrow(std::string& row, std::size_t from, std::size_t to, const std::string& label, char stroke) {
  if (from == to) {  // to itself: a short loop
    std::string loop = "<-' " + label;
    row.resize(std::max(row.size(), from + 1 + loop.size()), ' ');
    row.replace(from + 1, loop.size(), loop);
    return;
  }
  std::size_t left = std::min(from, to);
  std::size_t right = std::max(from, to);
  std::size_t span = right - left - 1;  // cells between the two lifelines
  std::string body(span, stroke);
  if (from < to) {
    body.back() = '>';
  } else {
    body.front() = '<';
  }
  // The head, a '-' on each side and a space around the label: "<- label -".
  std::size_t room = span >= 5 ? span - 5 : 0;
  if (room > 0) {
    std::string text = " " + fit_label(label, room) + " ";
    // Centre the label between "<-" and "-" (or "-" and "->"), never touching the head.
    const std::size_t lead = from < to ? 1 : 2;
    const std::size_t free = span - 3 - text.size();
    body.replace(lead + free / 2, text.size(), text);
  }
  row.replace(left + 1, span, body);
}

std::string annotation(const LadderMessage& m) {
  std::string note;
  if (m.drop == DropState::dropped) {
    note += m.drop_reason.empty() ? " DROPPED" : " DROPPED (" + m.drop_reason + ")";
  }
  if (m.retransmission) {
    note += " retransmission";
  } else if (m.duplicate) {
    note += " duplicate";
  }
  return note;
}

std::string prefix(const Ladder& ladder, const Layout& l, std::size_t index, bool absolute) {
  const auto& m = ladder.messages[index];
  std::string letter;
  if (l.letter_w > 0) {
    letter = call_tag(ladder, m.call);
  }
  return fmt::format("{:<{}} {:<{}}{:>{}}  ", fmt::format("F{}", index + 1), l.number_w, letter,
                     l.letter_w, display_time(ladder, m, absolute), l.time_w);
}

std::string header(const Ladder& ladder, const Layout& l, bool& truncated) {
  std::string row(l.line_w(ladder.parties.size()), ' ');
  for (std::size_t p = 0; p < ladder.parties.size(); ++p) {
    std::string name = ladder.parties[p].name;
    if (name.size() > l.column_w - 1) {
      name = fit_label(name, l.column_w - 1);
      truncated = true;
    }
    put_centered(row, l.lifeline(p), name);
  }
  return row;
}

std::string section_row(const Ladder& ladder, const Layout& l, std::size_t call) {
  std::string title = call < ladder.calls.size()
                          ? fmt::format(" Call {}  Call-ID: {} ", call_tag(ladder, call), ladder.calls[call])
                          : std::string(" Messages without a Call-ID ");
  std::string row(l.prefix_w, ' ');
  std::string rule = "==" + title;
  std::size_t end = l.line_w(ladder.parties.size());
  if (row.size() + rule.size() < end) {
    rule.append(end - row.size() - rule.size(), '=');
  }
  return row + rule;
}

void trim_right(std::string& s) {
  s.erase(s.find_last_not_of(' ') + 1);
}

void append_full_text(std::string& out, const Ladder& ladder, bool absolute) {
  for (std::size_t i = 0; i < ladder.messages.size(); ++i) {
    const auto& m = ladder.messages[i];
    out += fmt::format("\nF{} {} {} -> {} ({} -> {}) {}{}\n\n", i + 1, display_label(m),
                       ladder.parties[m.party_from].name, ladder.parties[m.party_to].name,
                       m.src.to_string(), m.dst.to_string(), display_time(ladder, m, absolute),
                       annotation(m));
    std::string text = printable_text(m.bytes);
    out += text;
    if (!text.empty() && text.back() != '\n') {
      out += '\n';
    }
  }
}

}  // namespace

std::string render_text(const Ladder& ladder, const RenderOptions& options) {
  if (ladder.messages.empty()) {
    return "(no SIP messages)\n";
  }
  Layout l = layout_of(ladder, options);
  bool truncated = false;
  std::string out = header(ladder, l, truncated);
  trim_right(out);
  out += '\n';
  std::string blank = empty_row(ladder, l);
  out += blank + '\n';
  for (std::size_t i = 0; i < ladder.messages.size(); ++i) {
    const auto& m = ladder.messages[i];
    if (ladder.grouped && (i == 0 || ladder.messages[i - 1].call != m.call)) {
      if (i != 0) {
        out += blank + '\n';
      }
      out += section_row(ladder, l, m.call) + '\n';
      out += blank + '\n';
    }
    std::string row = blank;
    row.replace(0, l.prefix_w, prefix(ladder, l, i, options.time_absolute));
    draw_arrow(row, l.lifeline(m.party_from), l.lifeline(m.party_to), display_label(m), m.media ? '=' : '-');
    row += annotation(m);
    trim_right(row);
    out += row + '\n';
  }
  out += blank + '\n';
  if (truncated) {
    out += "\nParties:\n";
    for (const auto& party : ladder.parties) {
      out += "  " + party.name + '\n';
    }
  }
  if (options.full) {
    append_full_text(out, ladder, options.time_absolute);
  }
  return out;
}

}  // namespace trunklab::reports
