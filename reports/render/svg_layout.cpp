#include "reports/render/svg_layout.hpp"

#include "reports/render/escape.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

namespace trunklab::reports::svg {
namespace {

constexpr double kLabelPad = 12;      // between a label and the lifelines of its arrow
constexpr double kMinGap = 90;        // between neighbouring lifelines
constexpr double kHeaderPad = 24;     // between neighbouring party headers
constexpr double kNameWrapPx = 200;   // a party name wider than this wraps
constexpr double kSelfLoop = 30;      // width of a message's loop to its own party
constexpr std::size_t kMaxAddresses = 4;   // address lines under a party name, then "+N more"
constexpr std::size_t kMaxLegendCalls = 40;  // call entries in the legend, then "N more calls"

// Dark enough on white for text; neighbouring groups far apart in hue.
constexpr std::array<const char*, 8> kPalette{"#1f4e9a", "#2e7d32", "#8e24aa", "#b35900",
                                              "#00838f", "#ad1457", "#5d6b00", "#4e342e"};
constexpr const char* kNoCall = "#555555";

double width_of(const std::vector<std::string>& lines, Font font, double px) {
  double w = 0;
  for (const auto& line : lines) w = std::max(w, text_width(line, font, px));
  return w;
}

Header header_of(const Party& party) {
  Header h;
  h.name = wrap_two_lines(party.name, Font::sans_bold, kPartyPx, kNameWrapPx);
  bool only_its_name = party.addresses.size() == 1 && party.addresses[0].to_string() == party.name;
  for (std::size_t i = 0; !only_its_name && i < party.addresses.size(); ++i) {
    if (i == kMaxAddresses && party.addresses.size() > kMaxAddresses + 1) {
      h.addresses.push_back(fmt::format("+{} more", party.addresses.size() - kMaxAddresses));
      break;
    }
    h.addresses.push_back(party.addresses[i].to_string());
  }
  h.width = std::max(width_of(h.name, Font::sans_bold, kPartyPx),
                     width_of(h.addresses, Font::mono, kSmallPx));
  return h;
}

double header_height(const Header& h) {
  return static_cast<double>(h.name.size()) * 16 + static_cast<double>(h.addresses.size()) * 14;
}

std::string gutter_of(const Ladder& ladder, std::size_t i, std::size_t number_w, std::size_t tag_w,
                      bool time_absolute) {
  const auto& m = ladder.messages[i];
  std::string tag = tag_w == 0 ? "" : fmt::format(" {:<{}}", tag_of(ladder, m.call), tag_w);
  return fmt::format("{:<{}}{} {}", number_of(i), number_w, tag, display_time(ladder, m, time_absolute));
}

std::vector<Row> rows_of(const Ladder& ladder, bool time_absolute) {
  std::size_t number_w = number_of(ladder.messages.size() - 1).size();
  std::size_t tag_w = 0;
  for (std::size_t c = 0; ladder.calls.size() > 1 && c < ladder.calls.size(); ++c) {
    tag_w = std::max(tag_w, tag_of(ladder, c).size());
  }
  std::vector<Row> rows;
  for (std::size_t i = 0; i < ladder.messages.size(); ++i) {
    const auto& m = ladder.messages[i];
    if (ladder.grouped && (i == 0 || ladder.messages[i - 1].call != m.call)) {
      Row section;
      section.type = Row::Type::section;
      section.index = m.call;
      section.lines = {m.call < ladder.calls.size()
                           ? fmt::format("Call {}: {}", tag_of(ladder, m.call), ladder.calls[m.call])
                           : std::string("Messages without a Call-ID")};
      rows.push_back(std::move(section));
    }
    Row row;
    row.index = i;
    row.lines = wrap_two_lines(label_of(m), Font::sans, kTextPx, kWrapPx);
    row.gutter = gutter_of(ladder, i, number_w, tag_w, time_absolute);
    row.mark = mark_of(m);
    rows.push_back(std::move(row));
  }
  return rows;
}

// Lifelines: neighbouring headers apart, then every label between the lifelines of its arrow,
// the narrower spans first so that the wider ones only add what is still missing.
std::vector<double> lifelines(const Ladder& ladder, const std::vector<Header>& headers,
                              const std::vector<Row>& rows, double first_x) {
  const std::size_t n = ladder.parties.size();
  std::vector<double> gap(n > 1 ? n - 1 : 0, kMinGap);
  for (std::size_t p = 0; p + 1 < n; ++p) {
    gap[p] = std::max(gap[p], (headers[p].width + headers[p + 1].width) / 2 + kHeaderPad);
  }
  struct Span {
    std::size_t from, to;
    double need;
  };
  std::vector<Span> spans;
  for (const auto& row : rows) {
    if (row.type != Row::Type::message) continue;
    const auto& m = ladder.messages[row.index];
    double w = width_of(row.lines, Font::sans, kTextPx);
    if (kind_of(m) == Kind::note) continue;  // a note box may cover other lifelines
    if (m.party_from == m.party_to) {
      if (m.party_from + 1 < n) spans.push_back({m.party_from, m.party_from + 1, std::max(w + 8, kSelfLoop) + kLabelPad});
      continue;
    }
    spans.push_back({std::min(m.party_from, m.party_to), std::max(m.party_from, m.party_to), w + 2 * kLabelPad});
  }
  std::stable_sort(spans.begin(), spans.end(),
                   [](const Span& a, const Span& b) { return a.to - a.from < b.to - b.from; });
  for (const auto& s : spans) {
    double have = 0;
    for (std::size_t p = s.from; p < s.to; ++p) have += gap[p];
    if (have >= s.need) continue;
    double add = (s.need - have) / static_cast<double>(s.to - s.from);
    for (std::size_t p = s.from; p < s.to; ++p) gap[p] += add;
  }
  std::vector<double> x(n, first_x);
  for (std::size_t p = 1; p < n; ++p) x[p] = x[p - 1] + gap[p - 1];
  return x;
}

// Places the legend entries in rows no wider than `width`; returns the height used.
double flow_legend(std::vector<LegendEntry>& legend, double top, double width) {
  double x = kMargin;
  double y = top + 10;
  for (auto& e : legend) {
    double w = 30 + 6 + text_width(e.text, Font::sans, kTextPx);
    if (x > kMargin && x + w > width - kMargin) {
      x = kMargin;
      y += 20;
    }
    e.x = x;
    e.y = y;
    x += w + 18;
  }
  return legend.empty() ? 0 : y - top + 12;
}

std::vector<LegendEntry> legend_of(const Ladder& ladder) {
  std::array<bool, 6> present{true, true, false, false, false, false};
  for (const auto& m : ladder.messages) present[static_cast<std::size_t>(kind_of(m))] = true;
  constexpr std::array<const char*, 6> kText{"request", "response", "retransmission / duplicate",
                                             "dropped by the network", "RTP stream", "note"};
  std::vector<LegendEntry> legend;
  for (std::size_t k = 0; k < present.size(); ++k) {
    if (present[k]) legend.push_back({LegendEntry::Type::kind, static_cast<Kind>(k), 0, kText[k]});
  }
  for (std::size_t c = 0; ladder.calls.size() > 1 && c < ladder.calls.size(); ++c) {
    if (c == kMaxLegendCalls) {
      legend.push_back({LegendEntry::Type::kind, Kind::note, 0,
                        fmt::format("{} more calls", ladder.calls.size() - kMaxLegendCalls)});
      legend.back().type = LegendEntry::Type::call;
      legend.back().call = ladder.calls.size();
      break;
    }
    legend.push_back({LegendEntry::Type::call, Kind::request, c,
                      fmt::format("{} {}", tag_of(ladder, c), ladder.calls[c])});
  }
  return legend;
}

// Vertical positions of the rows from `top`; returns the bottom of the last one.
double stack_rows(const Ladder& ladder, std::vector<Row>& rows, const std::vector<double>& x, double top) {
  double y = top;
  for (auto& row : rows) {
    row.top = y;
    const double lines = static_cast<double>(row.lines.size());
    if (row.type == Row::Type::section) {
      row.height = 30;
    } else if (kind_of(ladder.messages[row.index]) == Kind::note) {
      const auto& m = ladder.messages[row.index];
      row.note_width = width_of(row.lines, Font::sans, kTextPx) + 12;
      row.label_x = x[m.party_from] - 6 + 6;
      row.label_start = true;
      row.height = lines * kLineStep + 18;
      row.arrow_y = y + 5 + (lines * kLineStep + 8) / 2;
    } else {
      const auto& m = ladder.messages[row.index];
      row.height = lines * kLineStep + 15;
      row.arrow_y = y + lines * kLineStep + 9;
      row.label_start = m.party_from == m.party_to;
      row.label_x = row.label_start ? x[m.party_from] + 8 : (x[m.party_from] + x[m.party_to]) / 2;
    }
    y += row.height;
  }
  return y;
}

}  // namespace

Kind kind_of(const LadderMessage& m) {
  if (m.note) return Kind::note;
  if (m.media) return Kind::media;  // a stream whose first packet was lost is still a stream
  if (m.drop == DropState::dropped) return Kind::dropped;
  if (m.retransmission || m.duplicate) return Kind::repeat;
  return m.is_request ? Kind::request : Kind::response;
}

std::string number_of(std::size_t message) { return fmt::format("F{}", message + 1); }

std::string label_of(const LadderMessage& m) { return display_label(m); }

std::string tag_of(const Ladder& ladder, std::size_t call) { return call_tag(ladder, call); }

std::size_t group_of(const Ladder& ladder, std::size_t call) {
  if (call >= ladder.calls.size()) return ladder.calls.size();
  return call < ladder.call_groups.size() ? ladder.call_groups[call] : call;
}

std::string mark_of(const LadderMessage& m) {
  std::string mark;
  if (m.drop == DropState::dropped && !m.media) {
    mark = m.drop_reason.empty() ? "dropped" : "dropped: " + m.drop_reason;
  }
  if (m.retransmission || m.duplicate) {
    mark += (mark.empty() ? "" : ", ") + std::string(m.retransmission ? "retransmission" : "duplicate");
  }
  return mark;
}

const char* group_colour(const Ladder& ladder, std::size_t call) {
  if (call >= ladder.calls.size()) return kNoCall;
  return kPalette[group_of(ladder, call) % kPalette.size()];
}

std::string summary_of(const Ladder& ladder) {
  auto count = [](std::size_t n, const char* one, const char* many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
  };
  std::size_t sip = 0;
  std::size_t streams = 0;
  for (const auto& m : ladder.messages) {
    sip += m.media || m.note ? 0 : 1;
    streams += m.media ? 1 : 0;
  }
  std::set<std::size_t> groups;
  for (std::size_t c = 0; c < ladder.calls.size(); ++c) groups.insert(group_of(ladder, c));
  std::string out = fmt::format("{}, {}, {}", count(sip, "SIP message", "SIP messages"),
                                count(ladder.parties.size(), "party", "parties"),
                                count(groups.size(), "call", "calls"));
  if (groups.size() != ladder.calls.size()) out += fmt::format(" ({} Call-IDs)", ladder.calls.size());
  if (streams > 0) out += ", " + count(streams, "RTP stream", "RTP streams");
  return out;
}

Layout lay_out(const Ladder& ladder, const RenderOptions& options, bool with_title) {
  Layout l;
  for (const auto& party : ladder.parties) l.headers.push_back(header_of(party));
  if (!ladder.messages.empty()) l.rows = rows_of(ladder, options.time_absolute);
  double gutter_w = 0;
  for (const auto& row : l.rows) gutter_w = std::max(gutter_w, text_width(row.gutter, Font::mono, kSmallPx));
  const double first_half = l.headers.empty() ? 0 : l.headers[0].width / 2;
  l.lifeline_x = lifelines(ladder, l.headers, l.rows, kMargin + gutter_w + 16 + std::max(first_half, 10.0));
  const double last_x = l.lifeline_x.empty() ? kMargin + gutter_w + 16 : l.lifeline_x.back();

  // Right of the last lifeline: its header, labels of messages to itself, then the marks.
  double right = last_x + (l.headers.empty() ? 0 : l.headers.back().width / 2);
  double labels_right = last_x;
  double marks_w = 0;
  for (const auto& row : l.rows) {
    if (row.type != Row::Type::message) continue;
    const auto& m = ladder.messages[row.index];
    double w = width_of(row.lines, Font::sans, kTextPx);
    if (kind_of(m) == Kind::note) {
      right = std::max(right, l.lifeline_x[m.party_from] + w + 12);
    } else if (m.party_from == m.party_to && m.party_from + 1 == ladder.parties.size()) {
      labels_right = std::max(labels_right, last_x + std::max(w + 8, kSelfLoop));
    }
    marks_w = std::max(marks_w, text_width(row.mark, Font::sans, kTextPx));
  }
  l.mark_x = labels_right + 14;
  right = std::max({right, labels_right, marks_w > 0 ? l.mark_x + marks_w : 0.0});
  l.width = right + kMargin;

  if (with_title) {
    l.title = {options.title.empty() ? std::string("SIP call ladder") : options.title, kMargin, kMargin + 14};
    l.summary = {summary_of(ladder), kMargin, kMargin + 34};
    l.width = std::max({l.width, text_width(l.title.text, Font::sans_bold, kTitlePx) + 2 * kMargin,
                        text_width(l.summary.text, Font::sans, kTextPx) + 2 * kMargin});
  }
  l.legend = legend_of(ladder);
  for (const auto& e : l.legend) {
    l.width = std::max(l.width, 30 + 6 + text_width(e.text, Font::sans, kTextPx) + 2 * kMargin);
  }
  l.width = std::ceil(l.width);
  double y = with_title ? kMargin + 44 : kMargin;
  y += flow_legend(l.legend, y, l.width) + 10;

  l.header_top = y;
  double header_h = 0;
  for (const auto& h : l.headers) header_h = std::max(header_h, header_height(h));
  l.lifeline_top = y + header_h + 4;
  l.height = std::ceil(stack_rows(ladder, l.rows, l.lifeline_x, l.lifeline_top + 4) + kMargin);
  return l;
}

}  // namespace trunklab::reports::svg
