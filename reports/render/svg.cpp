// A standalone SVG ladder, sized to its content (svg_layout.hpp): no external fonts (installed
// families, then generic ones), no scripts. Each message is a <g class="msg" id="F8" data-i="7"
// data-from="0" data-to="2"> (its parties' columns; lifelines carry data-party) with a
// row-wide hit area, so the HTML page can select it and the browser tests can measure it.
//
// Styles (the legend repeats them): request solid, response dashed, retransmission or
// duplicate dotted with a mark on the right, dropped stops short at a red cross, RTP stream a
// thick translucent line, note a yellow box. Colour is the call group: the legs of one B2BUA
// call share it.
#include "reports/render/escape.hpp"
#include "reports/render/render.hpp"
#include "reports/render/svg_layout.hpp"

#include <fmt/core.h>

namespace trunklab::reports {
namespace svg {
namespace {

constexpr const char* kDropColour = "#c62828";
constexpr const char* kRepeatColour = "#8a5a00";
constexpr const char* kLegendColour = "#333333";

// Text for the document: valid UTF-8, then escaped for XML.
std::string text(std::string_view raw) { return xml_escape(valid_utf8(raw)); }

std::string px(double v) { return fmt::format("{:.1f}", v); }

const char* dash_of(Kind kind, bool is_request) {
  if (kind == Kind::media) return "";
  if (kind == Kind::repeat) return " stroke-dasharray=\"2 3\"";
  return is_request ? "" : " stroke-dasharray=\"6 3\"";
}

void arrowhead(std::string& out, double tip, double y, double direction, const char* colour, bool open) {
  double back = tip - 9 * direction;
  if (open) {
    out += fmt::format("<path d=\"M{} {} L{} {} L{} {}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"/>\n",
                       px(back), px(y - 5), px(tip), px(y), px(back), px(y + 5), colour);
  } else {
    out += fmt::format("<path d=\"M{} {} L{} {} L{} {} z\" fill=\"{}\"/>\n", px(tip), px(y), px(back),
                       px(y - 4.5), px(back), px(y + 4.5), colour);
  }
}

void cross(std::string& out, double x, double y) {
  out += fmt::format("<path d=\"M{} {} l10 10 M{} {} l-10 10\" stroke=\"{}\" stroke-width=\"2.5\"/>\n",
                     px(x - 5), px(y - 5), px(x + 5), px(y - 5), kDropColour);
}

// A line from x1 to x2 at y in the style of `kind`.
void line(std::string& out, double x1, double x2, double y, Kind kind, bool is_request, const char* colour) {
  const double direction = x2 > x1 ? 1 : -1;
  const bool media = kind == Kind::media;
  double end = kind == Kind::dropped ? x1 + (x2 - x1) * 0.65 : x2 - 2 * direction;
  out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"{}\"{}{}/>\n",
                     px(x1), px(y), px(end), px(y), colour, media ? 4 : 1.5, dash_of(kind, is_request),
                     media ? " stroke-opacity=\"0.5\"" : "");
  if (kind == Kind::dropped) {
    cross(out, end, y);
  } else {
    arrowhead(out, end, y, direction, colour, media);
  }
}

void self_loop(std::string& out, double x, double y, Kind kind, bool is_request, const char* colour) {
  out += fmt::format("<path d=\"M{} {} h30 v10 h-26\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"{}/>\n",
                     px(x), px(y - 5), colour, dash_of(kind, is_request));
  arrowhead(out, x + 2, y + 5, -1, colour, kind == Kind::media);
}

void label_lines(std::string& out, const Row& row, double first_baseline, const char* colour, const char* cls) {
  for (std::size_t k = 0; k < row.lines.size(); ++k) {
    out += fmt::format("<text x=\"{}\" y=\"{}\"{} class=\"{}\" fill=\"{}\">{}</text>\n", px(row.label_x),
                       px(first_baseline + static_cast<double>(k) * kLineStep),
                       row.label_start ? "" : " text-anchor=\"middle\"", cls, colour, text(row.lines[k]));
  }
}

void draw_message(std::string& out, const Ladder& ladder, const Layout& l, const Row& row) {
  const auto& m = ladder.messages[row.index];
  const Kind kind = kind_of(m);
  const char* colour = group_colour(ladder, m.call);
  out += fmt::format("<g class=\"msg{}\" id=\"{}\" data-i=\"{}\" data-from=\"{}\" data-to=\"{}\"><title>{}</title>\n",
                     kind == Kind::note ? " note" : "", number_of(row.index), row.index, m.party_from, m.party_to,
                     text(fmt::format("{} {} {} -> {}{}", number_of(row.index), label_of(m), m.src.to_string(),
                                      m.dst.to_string(), m.cseq.empty() ? "" : " CSeq: " + m.cseq)));
  out += fmt::format("<rect class=\"hit\" x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"transparent\"/>\n",
                     px(row.top), px(l.width), px(row.height));
  out += fmt::format("<text x=\"{}\" y=\"{}\" class=\"num\">{}</text>\n", px(l.gutter_x), px(row.arrow_y + 4),
                     text(row.gutter));
  const double x1 = l.lifeline_x[m.party_from];
  const double x2 = l.lifeline_x[m.party_to];
  if (kind == Kind::note) {
    const double box_h = static_cast<double>(row.lines.size()) * kLineStep + 8;
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" class=\"note-box\"/>\n",
                       px(x1 - 6), px(row.top + 5), px(row.note_width), px(box_h));
    label_lines(out, row, row.top + 20, "#4a3b00", "note");
  } else {
    if (x1 == x2) {
      self_loop(out, x1, row.arrow_y, kind, m.is_request, colour);
    } else {
      line(out, x1, x2, row.arrow_y, kind, m.is_request, colour);
    }
    label_lines(out, row, row.arrow_y - 5 - static_cast<double>(row.lines.size() - 1) * kLineStep, colour, "label");
  }
  if (!row.mark.empty()) {
    out += fmt::format("<text x=\"{}\" y=\"{}\" class=\"mark\" fill=\"{}\">{}</text>\n", px(l.mark_x),
                       px(row.arrow_y + 4), kind == Kind::dropped ? kDropColour : kRepeatColour, text(row.mark));
  }
  out += "</g>\n";
}

void draw_section(std::string& out, const Layout& l, const Row& row) {
  out += fmt::format("<rect x=\"4\" y=\"{}\" width=\"{}\" height=\"22\" class=\"section\"/>\n", px(row.top + 4),
                     px(l.width - 8));
  out += fmt::format("<text x=\"10\" y=\"{}\" class=\"section-title\">{}</text>\n", px(row.top + 19),
                     text(row.lines[0]));
}

void draw_legend(std::string& out, const Ladder& ladder, const Layout& l) {
  for (const auto& e : l.legend) {
    if (e.type == LegendEntry::Type::call) {
      out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"6\"/>\n",
                         px(e.x), px(e.y), px(e.x + 30), px(e.y), group_colour(ladder, e.call));
    } else if (e.kind == Kind::note) {
      out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"30\" height=\"12\" rx=\"3\" class=\"note-box\"/>\n",
                         px(e.x), px(e.y - 6));
    } else {
      line(out, e.x, e.x + 30, e.y, e.kind, e.kind != Kind::response, kLegendColour);
    }
    out += fmt::format("<text x=\"{}\" y=\"{}\" class=\"legend\">{}</text>\n", px(e.x + 36), px(e.y + 4),
                       text(e.text));
  }
}

void draw_parties(std::string& out, const Layout& l) {
  for (std::size_t p = 0; p < l.headers.size(); ++p) {
    const auto& h = l.headers[p];
    const double x = l.lifeline_x[p];
    double y = l.header_top + 12;
    for (const auto& name : h.name) {
      out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"party\">{}</text>\n", px(x),
                         px(y), text(name));
      y += 16;
    }
    y -= 1;
    for (const auto& address : h.addresses) {
      out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"addr\">{}</text>\n", px(x),
                         px(y), text(address));
      y += 14;
    }
    out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#999\" data-party=\"{3}\"/>\n",
                       px(x), px(l.lifeline_top), px(l.height - kMargin), p);
  }
}

constexpr const char* kStyle =
    "<style>text{font-family:'DejaVu Sans','Bitstream Vera Sans',Arial,Helvetica,sans-serif;font-size:12px}"
    ".num,.addr{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:11px;fill:#555}"
    ".title{font-size:16px;font-weight:bold}.summary{fill:#555}.party{font-size:13px;font-weight:bold}"
    ".label{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}"
    ".mark{font-style:italic}.note-box{fill:#fff6c2;stroke:#c9a800}"
    ".section{fill:#eef2fb;stroke:#9fa8da}.section-title{fill:#283593}</style>\n";

}  // namespace

std::string document(const Ladder& ladder, const RenderOptions& options, bool with_title) {
  const Layout l = lay_out(ladder, options, with_title);
  std::string out;
  out.reserve(ladder.messages.size() * 700 + 4096);
  out += fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
                     "viewBox=\"0 0 {0} {1}\" font-size=\"12\">\n",
                     px(l.width), px(l.height));
  if (with_title) out += fmt::format("<title>{}</title>\n", text(l.title.text));
  out += kStyle;
  out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (with_title) {
    out += fmt::format("<text x=\"{}\" y=\"{}\" class=\"title\">{}</text>\n", px(l.title.x), px(l.title.y),
                       text(l.title.text));
    out += fmt::format("<text x=\"{}\" y=\"{}\" class=\"summary\">{}</text>\n", px(l.summary.x),
                       px(l.summary.y), text(l.summary.text));
  }
  draw_legend(out, ladder, l);
  draw_parties(out, l);
  for (const auto& row : l.rows) {
    if (row.type == Row::Type::section) {
      draw_section(out, l, row);
    } else {
      draw_message(out, ladder, l, row);
    }
  }
  out += "</svg>\n";
  return out;
}

}  // namespace svg

std::string render_svg(const Ladder& ladder, const RenderOptions& options) {
  return svg::document(ladder, options, true);
}

}  // namespace trunklab::reports
