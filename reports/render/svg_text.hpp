// Text metrics for the SVG ladder: an SVG has no text layout, so its columns are spaced from
// estimated label widths. The estimate uses DejaVu Sans advance widths (the widest of the usual
// sans-serif fonts, and what Debian's fontconfig picks), so labels fit in narrower fonts too.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace trunklab::reports::svg {

enum class Font { sans, sans_bold, mono };

// The advance width of `text` (UTF-8) at `font_px`: per-character widths for ASCII, 1 em for
// anything else (CJK and symbols are at most that wide).
double text_width(std::string_view text, Font font, double font_px);

// `text` on at most two lines: unchanged when it fits in `max_px`, else split where the wider
// half is narrowest (at a space, or after '.', '-', ':', '@', or anywhere when there is none).
// Never cuts: a line may stay wider than `max_px`.
std::vector<std::string> wrap_two_lines(const std::string& text, Font font, double font_px,
                                        double max_px);

// Invalid UTF-8 replaced by U+FFFD: a standalone SVG is XML, which a browser refuses to draw at
// all when one byte of it is not UTF-8 (labels and Call-IDs come from captures).
std::string valid_utf8(std::string_view text);

}  // namespace trunklab::reports::svg
