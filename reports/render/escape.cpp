#include "reports/render/escape.hpp"

#include <fmt/core.h>

namespace trunklab::reports {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          out += "\xEF\xBF\xBD";  // U+FFFD: XML 1.0 has no way to carry these
        } else {
          out += c;
        }
      }
    }
  }
  return out;
}

std::string printable_text(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (c == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') {
      continue;
    }
    auto byte = static_cast<unsigned char>(c);
    out += (byte < 0x20 && c != '\n' && c != '\t') || byte == 0x7F ? '.' : c;
  }
  return out;
}

std::string format_offset(long long microseconds) {
  long long ms = microseconds / 1000;
  return fmt::format("+{}.{:03}s", ms / 1000, ms % 1000);
}

}  // namespace trunklab::reports
