// A standalone SVG ladder: no external fonts (generic families only), no scripts. Each message
// is a <g class="msg" data-i="N"> so the HTML page can make it clickable.
#include "reports/render/escape.hpp"
#include "reports/render/render.hpp"

#include <fmt/core.h>

#include <algorithm>

namespace trunklab::reports {
namespace {

constexpr int kLeft = 120;      // room for "F12 +1.234s"
constexpr int kColumn = 200;    // between lifelines
constexpr int kTop = 50;        // party names
constexpr int kRow = 30;        // one message
constexpr int kRight = 180;     // room for annotations
constexpr int kFontPx = 12;
constexpr std::size_t kMaxLabel = 30;  // characters that fit between neighbouring lifelines

int lifeline_x(std::size_t party) { return kLeft + static_cast<int>(party) * kColumn + kColumn / 2; }

// Message kinds, each with its colour and its own arrow-head marker (context-stroke is too new
// to rely on in every viewer).
struct Kind {
  const char* id;
  const char* colour;
};
constexpr Kind kRequest{"req", "#1a237e"};
constexpr Kind kResponse{"resp", "#1b5e20"};
constexpr Kind kRepeat{"rtx", "#ef6c00"};
constexpr Kind kDropped{"drop", "#c62828"};
constexpr Kind kMedia{"media", "#6a1b9a"};

Kind kind_of(const LadderMessage& m) {
  if (m.drop == DropState::dropped) return kDropped;
  if (m.media) return kMedia;
  if (m.retransmission || m.duplicate) return kRepeat;
  return m.is_request ? kRequest : kResponse;
}

std::string markers() {
  std::string out = "<defs>";
  for (const Kind& k : {kRequest, kResponse, kRepeat, kDropped, kMedia}) {
    out += fmt::format("<marker id=\"head-{}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
                       "markerWidth=\"9\" markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path "
                       "d=\"M0 0 L10 5 L0 10 z\" fill=\"{}\"/></marker>",
                       k.id, k.colour);
  }
  return out + "</defs>\n";
}

std::string note_of(const LadderMessage& m) {
  std::string note;
  if (m.drop == DropState::dropped) note += "✕ dropped ";
  if (m.retransmission) {
    note += "retransmission";
  } else if (m.duplicate) {
    note += "duplicate";
  }
  return note;
}

std::string short_label(const std::string& label) {
  return label.size() <= kMaxLabel ? label : label.substr(0, kMaxLabel - 1) + "…";
}

void draw_message(std::string& out, const Ladder& ladder, std::size_t i, int y) {
  const auto& m = ladder.messages[i];
  int x1 = lifeline_x(m.party_from);
  int x2 = lifeline_x(m.party_to);
  Kind kind = kind_of(m);
  std::string colour = kind.colour;
  // A media stream: a thick solid line, as RFC 3665's "RTP Media" bars.
  std::string dash = m.media || m.is_request ? "" : " stroke-dasharray=\"6 3\"";
  const char* width = m.media ? "4" : "1.5";
  out += fmt::format("<g class=\"msg\" data-i=\"{}\" id=\"F{}\"><title>{}</title>\n", i, i + 1,
                     xml_escape(fmt::format("F{} {} {} -> {}{}", i + 1, m.label, m.src.to_string(),
                                            m.dst.to_string(), m.cseq.empty() ? "" : " CSeq: " + m.cseq)));
  out += fmt::format("<text x=\"8\" y=\"{}\" class=\"num\">F{} {}</text>\n", y, i + 1,
                     format_offset(m.offset.count()));
  if (x1 == x2) {
    out += fmt::format("<path d=\"M{} {} h30 v10 h-28\" fill=\"none\" stroke=\"{}\"{} "
                       "marker-end=\"url(#head-{})\"/>\n",
                       x1, y - 5, colour, dash, kind.id);
  } else {
    int tip = x2 > x1 ? x2 - 2 : x2 + 2;
    out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" "
                       "stroke-width=\"{}\"{} marker-end=\"url(#head-{})\"/>\n",
                       x1, y, tip, y, colour, width, dash, kind.id);
  }
  int label_x = x1 == x2 ? x1 + 36 : (x1 + x2) / 2;
  std::string anchor = x1 == x2 ? "start" : "middle";
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"{}\" fill=\"{}\">{}</text>\n", label_x,
                     y - 5, anchor, colour, xml_escape(short_label(m.label)));
  std::string note = note_of(m);
  if (!note.empty()) {
    int right = lifeline_x(ladder.parties.size() - 1) + 12;
    out += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"{}\" class=\"note\">{}</text>\n", right, y,
                       colour, xml_escape(note));
  }
  out += "</g>\n";
}

void draw_section(std::string& out, const Ladder& ladder, std::size_t call, int y, int width) {
  std::string title = call < ladder.calls.size()
                          ? fmt::format("Call {}: {}", call_letter(call), ladder.calls[call])
                          : std::string("Messages without a Call-ID");
  out += fmt::format("<rect x=\"4\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"section\"/>\n",
                     y - kRow + 8, width - 8, kRow - 6);
  out += fmt::format("<text x=\"10\" y=\"{}\" class=\"section-title\">{}</text>\n", y - 4,
                     xml_escape(title));
}

// Rows: one per message, plus one per call section when grouped.
std::size_t row_count(const Ladder& ladder) {
  std::size_t rows = ladder.messages.size();
  for (std::size_t i = 0; ladder.grouped && i < ladder.messages.size(); ++i) {
    if (i == 0 || ladder.messages[i - 1].call != ladder.messages[i].call) ++rows;
  }
  return rows;
}

}  // namespace

std::string render_svg(const Ladder& ladder, const RenderOptions& options) {
  std::size_t parties = std::max<std::size_t>(ladder.parties.size(), 1);
  int width = kLeft + static_cast<int>(parties) * kColumn + kRight;
  int height = kTop + static_cast<int>(row_count(ladder) + 1) * kRow + 10;
  std::string out;
  out.reserve(ladder.messages.size() * 600 + 2048);
  out += fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
                     "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"{2}\">\n",
                     width, height, kFontPx);
  if (!options.title.empty()) {
    out += fmt::format("<title>{}</title>\n", xml_escape(options.title));
  }
  out += markers();
  out += "<style>.num{font-family:monospace;fill:#555}.note{font-style:italic}"
         ".party{font-weight:bold}.section{fill:#eef2fb;stroke:#9fa8da}"
         ".section-title{font-family:monospace;fill:#283593}</style>\n"
         "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  for (std::size_t p = 0; p < ladder.parties.size(); ++p) {
    int x = lifeline_x(p);
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"party\">{}"
                       "</text>\n<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/>\n",
                       x, kTop - 20, xml_escape(ladder.parties[p].name), x, kTop - 10, x,
                       height - 10);
  }
  int y = kTop;
  for (std::size_t i = 0; i < ladder.messages.size(); ++i) {
    y += kRow;
    if (ladder.grouped && (i == 0 || ladder.messages[i - 1].call != ladder.messages[i].call)) {
      draw_section(out, ladder, ladder.messages[i].call, y, width);
      y += kRow;
    }
    draw_message(out, ladder, i, y);
  }
  out += "</svg>\n";
  return out;
}

}  // namespace trunklab::reports
