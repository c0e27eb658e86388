// One self-contained HTML page: the SVG ladder inline, the messages as JSON in the page, and a
// small script that shows a message's full text when its arrow is clicked. No network access.
#include "reports/render/escape.hpp"
#include "reports/render/render.hpp"

#include <fmt/core.h>

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

std::string messages_json(const Ladder& ladder) {
  std::string out = "[";
  for (std::size_t i = 0; i < ladder.messages.size(); ++i) {
    const auto& m = ladder.messages[i];
    out += i == 0 ? "{" : ",\n{";
    out += fmt::format("\"i\":{},\"retransmission\":{},\"duplicate\":{}", i,
                       m.retransmission, m.duplicate);
    append_field(out, "n", fmt::format("F{}", i + 1));
    append_field(out, "label", m.label);
    append_field(out, "from", ladder.parties[m.party_from].name);
    append_field(out, "to", ladder.parties[m.party_to].name);
    append_field(out, "src", m.src.to_string());
    append_field(out, "dst", m.dst.to_string());
    append_field(out, "offset", format_offset(m.offset.count()));
    append_field(out, "call_id", m.call_id);
    append_field(out, "drop", drop_name(m.drop));
    append_field(out, "drop_reason", m.drop_reason);
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
    retransmissions += m.retransmission ? 1 : 0;
    dropped += m.drop == DropState::dropped ? 1 : 0;
    delivery_known = delivery_known && m.drop != DropState::unknown;
  }
  return fmt::format("{} messages, {} parties, {} calls, {} retransmissions, {}",
                     ladder.messages.size(), ladder.parties.size(), ladder.calls.size(),
                     retransmissions,
                     delivery_known ? fmt::format("{} dropped by the network", dropped)
                                    : std::string("delivery unknown (capture from a real network)"));
}

constexpr const char* kStyle = R"(body{font-family:sans-serif;margin:0;display:flex;height:100vh}
#ladder{flex:3;overflow:auto;padding:8px;border-right:1px solid #ccc}
#detail{flex:2;overflow:auto;padding:8px}
#detail pre{white-space:pre-wrap;font-size:12px;background:#f6f8fa;padding:8px}
.msg{cursor:pointer}.msg:hover text{text-decoration:underline}
.msg.selected line,.msg.selected path{stroke-width:3}
.legend span{margin-right:12px}
h1{font-size:16px;margin:4px 0}p{margin:4px 0;font-size:13px})";

constexpr const char* kScript = R"((function () {
  'use strict';
  var messages = JSON.parse(document.getElementById('messages').textContent);
  var title = document.getElementById('detail-title');
  var text = document.getElementById('detail-text');
  var selected = null;
  function show(i) {
    var m = messages[i];
    if (!m) { return; }
    var marks = [];
    if (m.retransmission) { marks.push('retransmission'); }
    if (m.duplicate) { marks.push('duplicate'); }
    if (m.drop === 'dropped') { marks.push('dropped' + (m.drop_reason ? ': ' + m.drop_reason : '')); }
    title.textContent = m.n + ' ' + m.label + '  ' + m.from + ' \u2192 ' + m.to + '  ' + m.offset +
        (marks.length ? '  [' + marks.join(', ') + ']' : '');
    text.textContent = m.src + ' \u2192 ' + m.dst + '\n\n' + m.text;
    if (selected) { selected.classList.remove('selected'); }
    selected = document.querySelector('.msg[data-i="' + i + '"]');
    if (selected) { selected.classList.add('selected'); }
  }
  document.getElementById('ladder').addEventListener('click', function (event) {
    var g = event.target.closest('.msg');
    if (g) { show(Number(g.getAttribute('data-i'))); }
  });
  show(0);
  document.body.setAttribute('data-ready', String(messages.length));
})();)";

}  // namespace

std::string render_html(const Ladder& ladder, const RenderOptions& options) {
  std::string title = options.title.empty() ? std::string("SIP call ladder") : options.title;
  std::string out;
  out.reserve(ladder.messages.size() * 1500 + 8192);
  out += fmt::format("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<title>{}</title>\n<style>\n{}\n</style>\n</head>\n<body>\n",
                     xml_escape(title), kStyle);
  out += fmt::format("<div id=\"ladder\">\n<h1>{}</h1>\n<p>{}</p>\n", xml_escape(title),
                     xml_escape(summary(ladder)));
  out += "<p class=\"legend\"><span style=\"color:#1a237e\">&#8594; request</span>"
         "<span style=\"color:#1b5e20\">&#8674; response</span>"
         "<span style=\"color:#ef6c00\">retransmission / duplicate</span>"
         "<span style=\"color:#c62828\">&#10005; dropped</span> Click a message to read it.</p>\n";
  out += render_svg(ladder, RenderOptions{});
  out += "</div>\n<div id=\"detail\">\n<h1 id=\"detail-title\">No message</h1>\n"
         "<pre id=\"detail-text\"></pre>\n</div>\n";
  out += "<script type=\"application/json\" id=\"messages\">" + messages_json(ladder) +
         "</script>\n";
  out += fmt::format("<script>\n{}\n</script>\n</body>\n</html>\n", kScript);
  return out;
}

}  // namespace trunklab::reports
