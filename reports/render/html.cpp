// One self-contained HTML page (no external resources): the SVG ladder inline, the messages as
// JSON in the page, and a script (html_assets.hpp) for selection, deep links, keys and filter.
#include "reports/render/escape.hpp"
#include "reports/render/html_assets.hpp"
#include "reports/render/render.hpp"
#include "reports/render/svg_layout.hpp"

#include <fmt/core.h>

#include <cctype>

namespace trunklab::reports {
namespace {

const char* drop_name(DropState drop) {
  switch (drop) {
    case DropState::delivered: return "delivered";
    case DropState::dropped: return "dropped";
    case DropState::unknown: break;
  }
  return "unknown";
}

std::string html_text(std::string_view raw) { return xml_escape(svg::valid_utf8(raw)); }

// JSON string content, safe inside <script>: '<' as \u003c so "</script>" cannot end the
// element early. Streamed by hand rather than through nlohmann::json: a 100,000-message page
// would otherwise build a DOM of 1.3 million nodes first (measured: 3x slower).
void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (byte < 0x20 || c == '<') {
      out += fmt::format("\\u{:04x}", byte);
    } else {
      out += c;
    }
  }
  out += '"';
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  append_json_string(out, value);
}

// The method a message belongs to: its CSeq's ("200 OK" to a CANCEL is CANCEL), else the
// request line's.
std::string method_of(const LadderMessage& m) {
  if (auto space = m.cseq.find(' '); space != std::string::npos) return m.cseq.substr(space + 1);
  return m.is_request ? m.label.substr(0, m.label.find(' ')) : std::string();
}

// The SDP body of a message that declares one (Content-Type: application/sdp), else "".
std::string sdp_body(std::string_view bytes) {
  auto end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos) return {};
  std::string headers(bytes.substr(0, end));
  for (char& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool sdp = headers.find("\ncontent-type: application/sdp") != std::string::npos ||
             headers.find("\nc: application/sdp") != std::string::npos;
  return sdp ? printable_text(bytes.substr(end + 4)) : std::string();
}

std::string messages_json(const Ladder& ladder, const RenderOptions& options) {
  std::string out = "[";
  for (std::size_t i = 0; i < ladder.messages.size(); ++i) {
    const auto& m = ladder.messages[i];
    out += i == 0 ? "{" : ",\n{";
    out += fmt::format("\"i\":{},\"note\":{}", i, m.note);
    append_field(out, "n", svg::number_of(i));
    append_field(out, "label", svg::label_of(m));
    append_field(out, "tag", svg::tag_of(ladder, m.call));
    append_field(out, "from", ladder.parties[m.party_from].name);
    append_field(out, "to", ladder.parties[m.party_to].name);
    append_field(out, "src", m.src.to_string());
    append_field(out, "dst", m.dst.to_string());
    append_field(out, "offset", display_time(ladder, m, options.time_absolute));
    append_field(out, "call_id", m.call_id);
    append_field(out, "cseq", m.cseq);
    append_field(out, "method", method_of(m));
    append_field(out, "mark", svg::mark_of(m));
    append_field(out, "drop", drop_name(m.drop));
    append_field(out, "sdp", m.sdp);
    append_field(out, "sdp_body", sdp_body(m.bytes));
    append_field(out, "text", printable_text(m.bytes));
    out += '}';
  }
  out += "]";
  return out;
}

std::string summary(const Ladder& ladder) {
  std::size_t retransmissions = 0;
  std::size_t dropped = 0;
  bool delivery_known = true;
  for (const auto& m : ladder.messages) {
    if (m.note) continue;
    retransmissions += m.retransmission ? 1 : 0;
    dropped += m.drop == DropState::dropped ? 1 : 0;
    delivery_known = delivery_known && m.drop != DropState::unknown;
  }
  return fmt::format("{}, {} retransmissions, {}", svg::summary_of(ladder), retransmissions,
                     delivery_known ? fmt::format("{} dropped by the network", dropped)
                                    : std::string("delivery unknown (capture from a real network)"));
}

}  // namespace

std::string render_html(const Ladder& ladder, const RenderOptions& options) {
  std::string title = options.title.empty() ? std::string("SIP call ladder") : options.title;
  std::string out;
  out.reserve(ladder.messages.size() * 2000 + 16384);
  out += fmt::format("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width\">\n"
                     "<title>{}</title>\n<style>\n{}\n</style>\n</head>\n<body>\n",
                     html_text(title), html::kStyle);
  out += fmt::format("<header>\n<h1>{}</h1>\n<p>{}</p>\n", html_text(title), html_text(summary(ladder)));
  out += "<div id=\"tools\"><label for=\"filter\">Filter</label><input id=\"filter\" type=\"search\" "
         "autocomplete=\"off\" placeholder=\"Call-ID, method or party (call: method: party: tag:)\">"
         "<span id=\"filter-count\"></span><span id=\"keys\"><kbd>j</kbd>/<kbd>k</kbd> or "
         "<kbd>&#8595;</kbd>/<kbd>&#8593;</kbd> next/previous, <kbd>/</kbd> filter, click a message "
         "to read it; #F8 links to F8</span></div>\n</header>\n<main>\n<div id=\"ladder\">\n";
  out += svg::document(ladder, options, false);
  out += "</div>\n<div id=\"detail\">\n<h1 id=\"detail-title\">No message</h1>\n"
         "<p id=\"detail-meta\"></p>\n<pre id=\"detail-text\"></pre>\n"
         "<section id=\"detail-sdp-section\" hidden>\n<h2>SDP <span id=\"detail-sdp-summary\"></span></h2>\n"
         "<pre id=\"detail-sdp\"></pre>\n</section>\n</div>\n</main>\n";
  out += "<script type=\"application/json\" id=\"messages\">" + messages_json(ladder, options) + "</script>\n";
  out += fmt::format("<script>\n{}\n</script>\n</body>\n</html>\n", html::kScript);
  return out;
}

}  // namespace trunklab::reports
