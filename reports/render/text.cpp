// The text ladder, in the style of RFC 3665 and the product's own docs:
//
//   F1  +0.000s      alice                  trunk
//                      |                      |
//   F1  +0.000s        |------- INVITE ------>|
#include "reports/render/escape.hpp"
#include "reports/render/render.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <string_view>
#include <vector>

namespace trunklab::reports {
namespace {

constexpr std::size_t kMinColumn = 12;
constexpr std::size_t kMaxColumn = 40;
constexpr std::size_t kMaxAutoColumn = 48;

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

// The label a message's arrow carries, and how many lifeline gaps it spans.
std::size_t span_of(const LadderMessage& m) { return m.party_from > m.party_to ? m.party_from - m.party_to : m.party_to - m.party_from; }

// With width 0: the gap between lifelines that fits every label on one row (up to
// kMaxAutoColumn, beyond which labels wrap) and every pair of neighbouring names.
std::size_t auto_column(const Ladder& ladder) {
  std::size_t column = kMinColumn;
  for (const auto& m : ladder.messages) {
    const std::size_t span = span_of(m);
    if (span == 0 || m.note) continue;
    const std::size_t need = (display_label(m).size() + 6 + span - 1) / span;
    column = std::max(column, std::min(need, kMaxAutoColumn));
  }
  for (std::size_t p = 0; p + 1 < ladder.parties.size(); ++p) {
    const auto left = ladder.parties[p].name.size();
    const auto right = ladder.parties[p + 1].name.size();
    column = std::max(column, std::min(left - left / 2 + right / 2 + 2, kMaxAutoColumn));
  }
  return column;
}

Layout layout_of(const Ladder& ladder, const RenderOptions& options) {
  Layout l;
  std::size_t numbered = 0;
  for (const auto& m : ladder.messages) numbered += m.note ? 0 : 1;
  l.number_w = fmt::format("F{}", numbered).size();
  for (std::size_t c = 0; ladder.calls.size() > 1 && c < ladder.calls.size(); ++c) {
    l.letter_w = std::max(l.letter_w, call_tag(ladder, c).size() + 1);
  }
  for (const auto& m : ladder.messages) {
    l.time_w = std::max(l.time_w, display_time(ladder, m, options.time_absolute).size());
  }
  l.prefix_w = l.number_w + 1 + l.letter_w + l.time_w + 2;
  const std::size_t parties = std::max<std::size_t>(ladder.parties.size(), 1);
  auto half_name = [&](std::size_t p) {
    return p < ladder.parties.size() ? std::max<std::size_t>(ladder.parties[p].name.size() / 2, 1) : 1;
  };
  // put_centered puts size/2 characters left of the lifeline and the rest from it rightwards.
  auto right_of = [&](std::size_t p) {
    const auto size = p < ladder.parties.size() ? ladder.parties[p].name.size() : 1;
    return std::max<std::size_t>(size - size / 2, 1);
  };
  l.first_w = std::min(half_name(0), kMaxAutoColumn / 2) + 1;
  if (options.width == 0) {
    l.column_w = auto_column(ladder);
    return l;
  }
  // Lifelines as far apart as the width allows: only the outer parties' names need room beyond
  // them, so labels between neighbours get all the rest.
  const std::size_t used = l.prefix_w + l.first_w + right_of(parties - 1);
  const std::size_t room = options.width > used ? options.width - used : 0;
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

// Splits a label into lines of at most `room` characters, at spaces where it can: nothing is
// ever cut away (a reason phrase is what the reader looks for).
std::vector<std::string> wrap(const std::string& label, std::size_t room) {
  room = std::max<std::size_t>(room, 1);
  std::vector<std::string> lines;
  std::string_view rest = label;
  while (rest.size() > room) {
    auto cut = rest.substr(0, room + 1).rfind(' ');
    if (cut == std::string_view::npos || cut == 0) {
      lines.emplace_back(rest.substr(0, room));
      rest.remove_prefix(room);
    } else {
      lines.emplace_back(rest.substr(0, cut));
      rest.remove_prefix(cut + 1);
    }
  }
  lines.emplace_back(rest);
  return lines;
}

std::size_t label_room(std::size_t from, std::size_t to) {
  const std::size_t span = (from > to ? from - to : to - from) - 1;
  return span >= 6 ? span - 5 : 1;
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
  if (room > 0 && label.size() <= room) {
    std::string text = " " + label + " ";
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

// `number`: the message's F number (notes have none).
std::string prefix(const Ladder& ladder, const Layout& l, std::size_t index, std::size_t number, bool absolute) {
  const auto& m = ladder.messages[index];
  std::string letter;
  if (l.letter_w > 0 && !m.note) {
    letter = call_tag(ladder, m.call);
  }
  return fmt::format("{:<{}} {:<{}}{:>{}}  ", m.note ? std::string() : fmt::format("F{}", number), l.number_w,
                     letter, l.letter_w, display_time(ladder, m, absolute), l.time_w);
}

void trim_right(std::string& s) {
  s.erase(s.find_last_not_of(' ') + 1);
}

// Party names over their lifelines; a name wider than a column goes on several rows.
std::string header(const Ladder& ladder, const Layout& l) {
  std::vector<std::vector<std::string>> names;
  std::size_t rows = 1;
  for (const auto& party : ladder.parties) {
    names.push_back(wrap(party.name, std::max<std::size_t>(l.column_w, 2) - 1));
    rows = std::max(rows, names.back().size());
  }
  std::string out;
  for (std::size_t r = 0; r < rows; ++r) {
    std::string row(l.line_w(ladder.parties.size()), ' ');
    for (std::size_t p = 0; p < ladder.parties.size(); ++p) {
      if (r < names[p].size()) put_centered(row, l.lifeline(p), names[p][r]);
    }
    trim_right(row);
    out += row + '\n';
  }
  return out;
}

// The parties with more than one address (a NAT's inside and public sides, several ports).
std::string address_list(const Ladder& ladder) {
  std::string out;
  for (const auto& party : ladder.parties) {
    if (party.addresses.size() < 2 && party.behind_nat.empty()) continue;
    out += "  " + party.name + ":";
    std::vector<rt::Address> all = party.addresses;
    all.insert(all.end(), party.behind_nat.begin(), party.behind_nat.end());
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    for (std::size_t i = 0; i < all.size(); ++i) {
      const auto& a = all[i];
      const bool inside = std::find(party.behind_nat.begin(), party.behind_nat.end(), a) != party.behind_nat.end();
      out += fmt::format("{} {}{}", i == 0 ? "" : ",", a.to_string(), inside ? " (behind NAT)" : "");
    }
    out += '\n';
  }
  return out.empty() ? out : "\nParties with several addresses:\n" + out;
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

void append_full_text(std::string& out, const Ladder& ladder, bool absolute) {
  std::size_t number = 0;
  for (std::size_t i = 0; i < ladder.messages.size(); ++i) {
    const auto& m = ladder.messages[i];
    if (m.note) continue;
    out += fmt::format("\nF{} {} {} -> {} ({} -> {}) {}{}\n\n", ++number, display_label(m),
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
  std::string out = header(ladder, l);
  std::string blank = empty_row(ladder, l);
  out += blank + '\n';
  std::size_t number = 0;
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
    row.replace(0, l.prefix_w, prefix(ladder, l, i, m.note ? number : ++number, options.time_absolute));
    const std::size_t from = l.lifeline(m.party_from);
    const std::size_t to = l.lifeline(m.party_to);
    if (m.note) {  // a marker on the party's lifeline, over the others
      const std::string text = "* " + display_label(m);
      row.resize(std::max(row.size(), from + 2 + text.size()), ' ');
      row.replace(from + 2, text.size(), text);
      trim_right(row);
      out += row + '\n';
      continue;
    }
    std::vector<std::string> lines =
        from == to ? std::vector<std::string>{display_label(m)} : wrap(display_label(m), label_room(from, to));
    draw_arrow(row, from, to, lines.front(), m.media ? '=' : '-');
    row += annotation(m);
    trim_right(row);
    out += row + '\n';
    // The rest of a long label under its arrow, centred between the same lifelines.
    for (std::size_t k = 1; k < lines.size(); ++k) {
      std::string more = blank;
      const std::size_t left = std::min(from, to);
      const std::size_t span = std::max(from, to) - left - 1;
      const std::size_t start = left + 1 + (span - lines[k].size()) / 2;
      more.replace(start, lines[k].size(), lines[k]);
      trim_right(more);
      out += more + '\n';
    }
  }
  out += blank + '\n';
  out += address_list(ladder);
  if (options.full) {
    append_full_text(out, ladder, options.time_absolute);
  }
  return out;
}

}  // namespace trunklab::reports
