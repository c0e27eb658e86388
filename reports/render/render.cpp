#include "reports/render/render.hpp"

namespace trunklab::reports {

std::optional<Format> parse_format(std::string_view name) {
  if (name == "text") return Format::text;
  if (name == "mermaid") return Format::mermaid;
  if (name == "svg") return Format::svg;
  if (name == "html") return Format::html;
  return std::nullopt;
}

std::string render(Format format, const Ladder& ladder, const RenderOptions& options) {
  switch (format) {
    case Format::text: return render_text(ladder, options);
    case Format::mermaid: return render_mermaid(ladder, options);
    case Format::svg: return render_svg(ladder, options);
    case Format::html: return render_html(ladder, options);
  }
  return render_text(ladder, options);
}

}  // namespace trunklab::reports
