#include "reference/sip/text.hpp"

#include <fmt/format.h>

#include <array>
#include <limits>
#include <utility>

namespace trunklab::sip::text {
namespace {

constexpr char lower(char c) { return lower_ascii(c); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// RFC 3261 §7.3.3 and the IANA SIP header registry's compact forms.
constexpr std::array<std::pair<char, std::string_view>, 20> kCompactForms{{
    {'a', "Accept-Contact"},  {'b', "Referred-By"},      {'c', "Content-Type"},
    {'d', "Request-Disposition"}, {'e', "Content-Encoding"}, {'f', "From"},
    {'i', "Call-ID"},         {'j', "Reject-Contact"},   {'k', "Supported"},
    {'l', "Content-Length"},  {'m', "Contact"},          {'n', "Identity-Info"},
    {'o', "Event"},           {'r', "Refer-To"},         {'s', "Subject"},
    {'t', "To"},              {'u', "Allow-Events"},     {'v', "Via"},
    {'x', "Session-Expires"}, {'y', "Identity"},
}};

// Headers whose values contain commas that do not separate list items.
constexpr std::array<std::string_view, 6> kNotLists{
    "Date", "WWW-Authenticate", "Proxy-Authenticate", "Authorization", "Proxy-Authorization",
    "Authentication-Info"};

}  // namespace

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("-.!%*_+`'~").find(c) == std::string_view::npos) return false;
  }
  return true;
}

namespace {
bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7F;
}
}  // namespace

std::size_t find_bad_octet(std::string_view line, bool& in_quotes) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_quotes && c == '\\' && i + 1 < line.size()) {
      // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F): any octet but CR and LF.
      ++i;
      if (line[i] == '\r' || line[i] == '\n') return i;
      continue;
    }
    if (c == '"') {
      in_quotes = !in_quotes;
    } else if (is_control(c) && c != '\t') {
      return i;
    }
  }
  return std::string_view::npos;
}

std::string describe_octet(char c) {
  if (c == '\r') return "bare CR";
  if (c == '\n') return "bare LF";
  return fmt::format("control character 0x{:02X}", static_cast<unsigned char>(c));
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::size_t find_lws(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ' ' || s[i] == '\t') return i;
  }
  return std::string_view::npos;
}

std::string_view long_name(std::string_view name) {
  if (name.size() != 1) return name;
  const char c = lower(name[0]);
  for (const auto& [compact, full] : kCompactForms) {
    if (compact == c) return full;
  }
  return name;
}

bool same_header(std::string_view a, std::string_view b) {
  return iequals(long_name(a), long_name(b));
}

std::optional<std::uint64_t> parse_decimal(std::string_view s) {
  if (s.empty()) return std::nullopt;
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t value = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    value = (value > (kMax - digit) / 10) ? kMax : value * 10 + digit;
  }
  return value;
}

std::vector<std::string> split_list(std::string_view header_name, std::string_view value) {
  for (const auto not_list : kNotLists) {
    if (same_header(header_name, not_list)) return {std::string(trim(value))};
  }
  std::vector<std::string> items;
  bool in_quotes = false;
  int angle_depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (in_quotes) {
      if (c == '\\') ++i;  // quoted-pair
      else if (c == '"') in_quotes = false;
    } else if (c == '"') {
      in_quotes = true;
    } else if (c == '<') {
      ++angle_depth;
    } else if (c == '>' && angle_depth > 0) {
      --angle_depth;
    } else if (c == ',' && angle_depth == 0) {
      if (auto item = trim(value.substr(start, i - start)); !item.empty()) items.emplace_back(item);
      start = i + 1;
    }
  }
  if (start < value.size()) {
    if (auto item = trim(value.substr(start)); !item.empty()) items.emplace_back(item);
  }
  return items;
}

std::size_t find_body_offset(std::string_view bytes) {
  for (std::size_t i = bytes.find('\n'); i != std::string_view::npos;
       i = bytes.find('\n', i + 1)) {
    std::size_t next = i + 1;
    if (next < bytes.size() && bytes[next] == '\r') ++next;
    if (next < bytes.size() && bytes[next] == '\n') return next + 1;
  }
  return std::string_view::npos;
}

namespace {

// Appends a continuation line to the last header, moving its value into `out.unfolded`
// the first time it is folded.
void unfold(HeaderSection& out, std::string_view more, bool& last_in_buffer) {
  HeaderView& last = out.headers.back();
  if (!last_in_buffer) {
    if (out.unfolded.capacity() < out.body_offset + 16) out.unfolded.reserve(out.body_offset + 16);
    const std::size_t start = out.unfolded.size();
    out.unfolded.append(last.value);
    last.value = std::string_view(out.unfolded).substr(start);
    last_in_buffer = true;
  }
  if (more.empty()) return;
  const std::size_t start = out.unfolded.size() - last.value.size();
  if (!last.value.empty()) out.unfolded += ' ';
  out.unfolded.append(more);
  last.value = std::string_view(out.unfolded).substr(start);
}

}  // namespace

namespace {

ParseError scan_error(std::string rule, std::string detail) {
  return ParseError{std::move(rule), std::move(detail)};
}

// The name a reason phrase may show for a header line: its name when that is a token.
std::string shown_name(std::string_view line) {
  const auto name = trim(line.substr(0, line.find(':')));
  return is_token(name) ? std::string(name) : std::string("a header name");
}

}  // namespace

namespace {

// One line of `section`, its CR (if any) and LF removed from both.
std::string_view cut_line(std::string_view& section, bool& ended_crlf) {
  const std::size_t eol = section.find('\n');
  std::string_view line = section.substr(0, eol);
  section.remove_prefix(eol == std::string_view::npos ? section.size() : eol + 1);
  ended_crlf = !line.empty() && line.back() == '\r';
  if (ended_crlf) line.remove_suffix(1);
  return line;
}

std::string_view trim_lws(std::string_view s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

}  // namespace

RawMessage scan_lenient(std::string_view bytes) {
  RawMessage out;
  bool crlf = false;
  out.start_line = std::string(cut_line(bytes, crlf));
  bool ended = false;
  while (!bytes.empty()) {
    const auto line = cut_line(bytes, crlf);
    if (line.empty()) {
      ended = true;
      break;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !out.headers.empty()) {
      out.headers.back().value += ' ';
      out.headers.back().value += trim_lws(line);
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    out.headers.push_back({std::string(trim_lws(line.substr(0, colon))), std::string(trim_lws(line.substr(colon + 1)))});
  }
  if (ended) out.body = std::string(bytes);
  return out;
}

std::vector<std::string> RawMessage::values(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& h : headers) {
    if (same_header(h.name, name)) out.push_back(h.value);
  }
  return out;
}

std::optional<ParseError> scan_headers(std::string_view bytes, std::size_t body_offset,
                                       HeaderSection& out) {
  out.body_offset = body_offset;
  out.headers.clear();
  out.headers.reserve(24);
  std::string_view section = bytes.substr(0, body_offset);
  bool first = true;
  bool last_in_buffer = false;
  bool in_quotes = false;
  std::optional<bool> crlf;  // the line-end convention of the first line
  std::string_view last_line;
  while (!section.empty()) {
    bool ends_crlf = false;
    std::string_view line = cut_line(section, ends_crlf);
    if (!crlf) crlf = ends_crlf;
    if (*crlf && !ends_crlf && !line.empty()) {
      const bool folded = line.front() == ' ' || line.front() == '\t';
      return scan_error("bare-lf", first ? "bare LF in the start line"
                                         : fmt::format("bare LF in {}",
                                                       shown_name(folded ? last_line : line)));
    }
    if (first) {
      out.start_line = line;  // its octets are checked with its grammar (message.cpp)
      first = false;
      continue;
    }
    if (line.empty()) break;  // the empty line that ends the headers
    const bool continuation = line.front() == ' ' || line.front() == '\t';
    if (!continuation) {
      in_quotes = false;
      last_line = line;
    }
    if (const auto at = find_bad_octet(line, in_quotes); at != std::string_view::npos) {
      return scan_error("control-character",
                        fmt::format("{} in {}", describe_octet(line[at]), shown_name(last_line)));
    }
    if (continuation) {
      if (out.headers.empty()) return scan_error("syntax", "continuation line before any header");
      unfold(out, trim(line), last_in_buffer);
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return scan_error("syntax", "header line without a colon");
    const auto name = trim(line.substr(0, colon));
    if (!is_token(name)) return scan_error("syntax", "malformed header name");
    out.headers.push_back(HeaderView{name, trim(line.substr(colon + 1))});
    last_in_buffer = false;
  }
  return std::nullopt;
}

}  // namespace trunklab::sip::text
