// Drawing a ladder: text in the RFC 3665 style, Mermaid sequenceDiagram, standalone SVG, and a
// self-contained HTML page (click a message to read it). All pure functions of the ladder.
#pragma once

#include "reports/ladder/ladder.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace trunklab::reports {

enum class Format { text, mermaid, svg, html };

// "text", "mermaid", "svg", "html" -> Format.
std::optional<Format> parse_format(std::string_view name);

struct RenderOptions {
  bool full = false;          // text: the full message text after the ladder
  std::size_t width = 0;      // text: the line width to fill; 0 = as wide as the content needs
  bool time_absolute = false;  // capture times (UTC for pcaps) instead of offsets (display_time)
  std::string title;          // svg/html: a title ("" = none)
};

std::string render_text(const Ladder& ladder, const RenderOptions& options = {});
std::string render_mermaid(const Ladder& ladder, const RenderOptions& options = {});
std::string render_svg(const Ladder& ladder, const RenderOptions& options = {});
std::string render_html(const Ladder& ladder, const RenderOptions& options = {});
std::string render(Format format, const Ladder& ladder, const RenderOptions& options = {});

}  // namespace trunklab::reports
