#include "reports/render/svg_text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace trunklab::reports::svg {
namespace {

// Advance widths in thousandths of an em of ' ' (0x20) .. '~' (0x7E), measured in Chromium
// (canvas measureText) with DejaVu Sans Book and Bold.
constexpr std::array<std::uint16_t, 95> kSans{
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337,
    636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
    1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
    603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
    500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
    635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
};
constexpr std::array<std::uint16_t, 95> kSansBold{
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365,
    696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580,
    1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850,
    733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500,
    500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687,
    716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
};
constexpr std::uint16_t kMono = 602;  // DejaVu Sans Mono; Courier and Menlo are 600..602
constexpr std::uint16_t kOther = 1000;

// The length of the UTF-8 sequence starting at text[i], 0 when it is not valid UTF-8.
std::size_t sequence_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  std::size_t length = lead < 0x80 ? 1 : lead >= 0xC2 && lead <= 0xDF ? 2
                       : lead >= 0xE0 && lead <= 0xEF                 ? 3
                       : lead >= 0xF0 && lead <= 0xF4                 ? 4
                                                                      : 0;
  if (length == 0 || i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  // Overlong 3- and 4-byte forms, surrogates and code points above U+10FFFF.
  if (lead == 0xE0 && byte(i + 1) < 0xA0) return 0;
  if (lead == 0xED && byte(i + 1) >= 0xA0) return 0;
  if (lead == 0xF0 && byte(i + 1) < 0x90) return 0;
  if (lead == 0xF4 && byte(i + 1) >= 0x90) return 0;
  return length;
}

std::uint16_t advance(unsigned char c, Font font) {
  if (font == Font::mono) return kMono;
  if (c < 0x20 || c > 0x7E) return kOther;
  return font == Font::sans_bold ? kSansBold[c - 0x20] : kSans[c - 0x20];
}

bool break_after(char c) { return c == '.' || c == '-' || c == ':' || c == '@' || c == '/' || c == ';'; }

std::string trimmed(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return std::string(text);
}

}  // namespace

double text_width(std::string_view text, Font font, double font_px) {
  std::uint64_t thousandths = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t length = std::max<std::size_t>(sequence_length(text, i), 1);
    thousandths += length == 1 ? advance(static_cast<unsigned char>(text[i]), font)
                               : (font == Font::mono ? kMono : kOther);
    i += length;
  }
  return static_cast<double>(thousandths) * font_px / 1000.0;
}

namespace {

struct Split {
  std::vector<std::string> lines;
  double px = 0;
};

// The cut among `cuts` whose wider line is narrowest.
Split best_split(const std::string& text, const std::vector<std::size_t>& cuts, Font font, double font_px) {
  Split best{{text}, text_width(text, font, font_px)};
  for (std::size_t cut : cuts) {
    std::string first = trimmed(std::string_view(text).substr(0, cut));
    std::string second = trimmed(std::string_view(text).substr(cut));
    if (first.empty() || second.empty()) continue;
    double px = std::max(text_width(first, font, font_px), text_width(second, font, font_px));
    if (px < best.px) best = {{first, second}, px};
  }
  return best;
}

}  // namespace

std::vector<std::string> wrap_two_lines(const std::string& text, Font font, double font_px,
                                        double max_px) {
  if (text_width(text, font, font_px) <= max_px) return {text};
  // Cuts at spaces read best; after a break character (host names, addresses) next; between
  // any two characters when there is neither.
  std::vector<std::size_t> spaces;
  std::vector<std::size_t> breaks;
  std::vector<std::size_t> anywhere;
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i] == ' ') spaces.push_back(i);
    if (text[i] == ' ' || break_after(text[i - 1])) breaks.push_back(i);
    if (sequence_length(text, i) != 0) anywhere.push_back(i);
  }
  Split at_space = best_split(text, spaces, font, font_px);
  Split at_break = best_split(text, breaks, font, font_px);
  // A space unless a break character balances the lines much better.
  Split best = at_space.lines.size() == 2 && at_space.px <= 1.25 * at_break.px ? at_space : at_break;
  if (best.lines.size() == 1) best = best_split(text, anywhere, font, font_px);
  return best.lines;
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::size_t length = sequence_length(text, i);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

}  // namespace trunklab::reports::svg
