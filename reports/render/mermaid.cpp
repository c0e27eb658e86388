// Mermaid sequenceDiagram (GitHub and GitLab render it in Markdown). Participants get short
// ids (P1, P2...) aliased to their names, because addresses contain ':' and '.', and names may
// collide with keywords.
#include "reports/render/render.hpp"

#include <fmt/core.h>

namespace trunklab::reports {
namespace {

// Mermaid ends a statement at ';' and newline, reads '#...;' as an entity, and its parser
// trips on '<', '>' (arrows, HTML) and quotes in text: those are written as entity codes
// (Mermaid's own escape form, #lt; / #35; ...), so a label or name can hold anything.
std::string mermaid_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case ';': out += "#59;"; break;
      case '#': out += "#35;"; break;
      case '<': out += "#lt;"; break;
      case '>': out += "#gt;"; break;
      case '"': out += "#quot;"; break;
      case '\'': out += "#39;"; break;
      case '%': out += "#37;"; break;  // "%%" opens a comment
      case '{': out += "#123;"; break;
      case '}': out += "#125;"; break;
      case '\r':
      case '\n': out += ' '; break;
      default: out += c;
    }
  }
  return out;
}

std::string participant_id(std::size_t index) { return fmt::format("P{}", index + 1); }

std::string arrow(const LadderMessage& m) {
  bool lost = m.drop == DropState::dropped;
  if (m.media) return "-)";  // an open arrow: a stream, not a message
  if (m.is_request) {
    return lost ? "-x" : "->>";
  }
  return lost ? "--x" : "-->>";
}

std::string message_text(const Ladder& ladder, const LadderMessage& m) {
  // The call's tag on every message: the legs of one B2BUA call share its letter.
  std::string text = ladder.calls.size() > 1 && m.call < ladder.calls.size() ? "[" + call_tag(ladder, m.call) + "] " : "";
  text += display_label(m);
  if (m.retransmission) {
    text += " (retransmission)";
  } else if (m.duplicate) {
    text += " (duplicate)";
  }
  if (m.drop == DropState::dropped) {
    text += m.drop_reason.empty() ? " (dropped)" : " (dropped: " + m.drop_reason + ")";
  }
  return mermaid_text(text);
}

std::string section_note(const Ladder& ladder, std::size_t call) {
  std::string over = participant_id(0);
  if (ladder.parties.size() > 1) {
    over += "," + participant_id(ladder.parties.size() - 1);
  }
  std::string title = call < ladder.calls.size()
                          ? fmt::format("Call {}: {}", call_tag(ladder, call), ladder.calls[call])
                          : std::string("Messages without a Call-ID");
  return fmt::format("    Note over {}: {}\n", over, mermaid_text(title));
}

}  // namespace

std::string render_mermaid(const Ladder& ladder, const RenderOptions& /*options*/) {
  std::string out = "sequenceDiagram\n    autonumber\n";
  for (std::size_t p = 0; p < ladder.parties.size(); ++p) {
    out += fmt::format("    participant {} as {}\n", participant_id(p),
                       mermaid_text(ladder.parties[p].name));
  }
  bool in_section = false;
  for (std::size_t i = 0; i < ladder.messages.size(); ++i) {
    const auto& m = ladder.messages[i];
    if (ladder.grouped && (i == 0 || ladder.messages[i - 1].call != m.call)) {
      if (in_section) {
        out += "    end\n";
      }
      // Alternate shading so neighbouring calls are told apart.
      out += m.call % 2 == 0 ? "    rect rgb(235, 242, 255)\n" : "    rect rgb(255, 245, 230)\n";
      out += section_note(ladder, m.call);
      in_section = true;
    }
    if (m.note) {
      out += fmt::format("    Note over {}: {}\n", participant_id(m.party_from), mermaid_text(display_label(m)));
      continue;
    }
    out += fmt::format("    {}{}{}: {}\n", participant_id(m.party_from), arrow(m),
                       participant_id(m.party_to), message_text(ladder, m));
  }
  if (in_section) {
    out += "    end\n";
  }
  return out;
}

}  // namespace trunklab::reports
