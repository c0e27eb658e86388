#include "scenario/ladder_match.hpp"

#include "reference/sip/printable.hpp"
#include "reports/ladder/ladder.hpp"
#include "wiretap/capture.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

namespace trunklab::scenario {

namespace {

constexpr std::size_t kContextLines = 3;   // matched lines shown before the divergence
constexpr std::size_t kDiffRows = 12;      // rows shown from the divergence on
constexpr std::size_t kExpectedWidth = 44;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_status_code(std::string_view s) {
  return s.size() == 3 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string row(std::string_view marker, std::string_view number, std::string_view expected,
                std::string_view actual) {
  return fmt::format("{:>2} {:>4}  {:<{}} {}\n", marker, number, expected, kExpectedWidth, actual);
}

std::string side_by_side(const std::vector<std::string>& expected, const std::vector<WireLine>& actual,
                         const std::vector<std::size_t>& matched, std::size_t exp_at, std::size_t act_at) {
  std::string out = row("", "#", "expected", "actual");
  std::size_t first = exp_at > kContextLines ? exp_at - kContextLines : 0;
  for (std::size_t k = first; k < exp_at; ++k) {
    out += row("", std::to_string(k + 1), expected[k], actual[matched[k]].annotated());
  }
  for (std::size_t r = 0; r < kDiffRows; ++r) {
    std::size_t e = exp_at + r;
    std::size_t a = act_at + r;
    if (e >= expected.size() && a >= actual.size()) break;
    out += row(r == 0 ? ">" : "", e < expected.size() ? std::to_string(e + 1) : "",
               e < expected.size() ? expected[e] : "(end)",
               a < actual.size() ? actual[a].annotated() : "(end)");
  }
  return out;
}

LadderMatch diverged(std::string headline, const std::vector<std::string>& expected,
                     const std::vector<WireLine>& actual, const std::vector<std::size_t>& matched,
                     std::size_t exp_at, std::size_t act_at) {
  return {false, headline + "\n" + side_by_side(expected, actual, matched, exp_at, act_at)};
}

}  // namespace

std::string WireLine::text() const { return fmt::format("{} -> {} {}", from, to, label); }

std::string WireLine::annotated() const {
  auto micros = time.time_since_epoch().count();
  std::string out = fmt::format("{:>4}.{:03}s  {}", micros / 1'000'000, (micros / 1000) % 1000, text());
  if (retransmission) out += "  (retransmission)";
  if (duplicate) out += "  (network duplicate)";
  if (dropped) out += "  (dropped)";
  return out;
}

std::vector<WireLine> wire_lines(const std::vector<wiretap::CaptureRecord>& records) {
  std::vector<WireLine> lines;
  lines.reserve(records.size());
  // Retransmission: the same bytes between the same addresses as an earlier message.
  std::unordered_map<std::size_t, std::vector<std::size_t>> seen;  // hash -> line indices
  for (const auto& r : records) {
    if (r.view != wiretap::CaptureView::sent || !reports::looks_like_sip(r.bytes)) continue;
    WireLine line;
    line.time = r.time;
    line.from = r.src_host;
    line.to = r.dst_host.empty() ? r.dst.to_string() : r.dst_host;
    std::string_view first = r.bytes;
    first = first.substr(0, first.find("\r\n"));
    line.is_request = !first.starts_with("SIP/2.0 ");
    // Escaped: the label reaches terminals, wire.txt and verdict.json.
    line.label = sip::printable(line.is_request ? first.substr(0, first.find(' ')) : first.substr(8));
    line.duplicate = r.duplicate;
    line.dropped = r.dropped;
    line.src = r.src;
    line.dst = r.dst;
    line.transport = r.transport;
    line.bytes = r.bytes;
    auto& same_hash = seen[std::hash<std::string_view>{}(r.bytes)];
    line.retransmission = !r.duplicate && std::any_of(same_hash.begin(), same_hash.end(), [&](std::size_t i) {
      return lines[i].src == line.src && lines[i].dst == line.dst && lines[i].bytes == line.bytes;
    });
    same_hash.push_back(lines.size());
    lines.push_back(std::move(line));
  }
  return lines;
}

std::optional<LinePattern> LinePattern::parse(std::string_view text) {
  auto arrow = text.find("->");
  if (arrow == std::string_view::npos) return std::nullopt;
  LinePattern p;
  p.from = std::string(trim(text.substr(0, arrow)));
  auto rest = trim(text.substr(arrow + 2));
  auto space = rest.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  p.to = std::string(rest.substr(0, space));
  p.label = std::string(trim(rest.substr(space + 1)));
  if (p.from.empty() || p.to.empty() || p.label.empty()) return std::nullopt;
  return p;
}

bool LinePattern::matches(const WireLine& line) const {
  if (line.from != from || line.to != to) return false;
  if (line.is_request || !is_status_code(label)) return line.label == label;
  // "404" matches "404 Not Found"; "404 Not Found" must be exact (a relayed phrase is checked).
  return line.label.size() > 3 && line.label.compare(0, 3, label) == 0 && line.label[3] == ' ';
}

std::optional<std::size_t> find_line(const std::vector<WireLine>& lines, const LinePattern& pattern,
                                     int occurrence, std::size_t from, bool messages_only) {
  int seen = 0;
  for (std::size_t i = from; i < lines.size(); ++i) {
    if (messages_only && (lines[i].retransmission || lines[i].duplicate)) continue;
    if (pattern.matches(lines[i]) && ++seen == occurrence) return i;
  }
  return std::nullopt;
}

namespace {

using Pair = std::pair<std::string, std::string>;
Pair pair_of(std::string a, std::string b) {
  if (b < a) std::swap(a, b);
  return {std::move(a), std::move(b)};
}

// Exact, with each retransmission or network duplicate either matched by an expected line or
// left out, whichever lets the whole ladder match: a retransmission that happens to look like
// the next expected line (a REGISTER resent while its 401 was delayed) must not use up the line
// meant for the message after it. Memoised on (actual, expected) positions: O(n * m).
bool exact_match_exists(const std::vector<LinePattern>& patterns, const std::vector<WireLine>& actual) {
  const std::size_t n = actual.size();
  const std::size_t m = patterns.size();
  std::vector<signed char> memo((n + 1) * (m + 1), -1);
  // Iterative from the end: ok(i, k) = the actual lines from i match the patterns from k.
  for (std::size_t i = n + 1; i-- > 0;) {
    for (std::size_t k = m + 1; k-- > 0;) {
      bool ok;
      if (i == n) {
        ok = k == m;
      } else {
        const bool skippable = actual[i].retransmission || actual[i].duplicate;
        ok = (skippable && memo[(i + 1) * (m + 1) + k] == 1) ||
             (k < m && patterns[k].matches(actual[i]) && memo[(i + 1) * (m + 1) + k + 1] == 1);
      }
      memo[i * (m + 1) + k] = ok ? 1 : 0;
    }
  }
  return memo[0] == 1;
}

LadderMatch match_each_pair(const std::vector<std::string>& expected, const std::vector<WireLine>& actual) {
  std::vector<Pair> pairs;  // in order of first appearance, expected first
  auto note = [&pairs](Pair p) {
    if (std::find(pairs.begin(), pairs.end(), p) == pairs.end()) pairs.push_back(std::move(p));
  };
  std::vector<Pair> expected_pairs;
  for (const auto& text : expected) {
    auto p = LinePattern::parse(text);
    if (!p) return match_ladder(expected, actual, MatchMode::exact);  // reports the bad line
    expected_pairs.push_back(pair_of(p->from, p->to));
    note(expected_pairs.back());
  }
  for (const auto& line : actual) note(pair_of(line.from, line.to));
  for (const auto& pair : pairs) {
    std::vector<std::string> expected_here;
    for (std::size_t k = 0; k < expected.size(); ++k) {
      if (expected_pairs[k] == pair) expected_here.push_back(expected[k]);
    }
    std::vector<WireLine> actual_here;
    for (const auto& line : actual) {
      if (pair_of(line.from, line.to) == pair) actual_here.push_back(line);
    }
    auto match = match_ladder(expected_here, actual_here, MatchMode::exact);
    if (!match.passed) {
      return {false, fmt::format("between {} and {} (messages counted per pair): {}", pair.first, pair.second,
                                 match.diff)};
    }
  }
  return {true, {}};
}

}  // namespace

LadderMatch match_ladder(const std::vector<std::string>& expected, const std::vector<WireLine>& actual,
                         MatchMode mode) {
  if (mode == MatchMode::exact_per_pair) return match_each_pair(expected, actual);
  std::vector<LinePattern> patterns;
  for (std::size_t k = 0; k < expected.size(); ++k) {
    auto p = LinePattern::parse(expected[k]);
    if (!p) {
      return {false, fmt::format("expected ladder line {} \"{}\" is not of the form \"from -> to LABEL\"",
                                 k + 1, expected[k])};
    }
    patterns.push_back(*p);
  }
  std::vector<std::size_t> matched;  // actual index of each matched expected line
  if (mode == MatchMode::subset) {
    std::size_t pos = 0;
    for (std::size_t k = 0; k < patterns.size(); ++k) {
      auto at = find_line(actual, patterns[k], 1, pos);
      if (!at) {
        return diverged(fmt::format("ladder (subset): expected line {} \"{}\" does not occur after actual message {}",
                                    k + 1, expected[k], pos),
                        expected, actual, matched, k, pos);
      }
      matched.push_back(*at);
      pos = *at + 1;
    }
    return {true, {}};
  }
  if (exact_match_exists(patterns, actual)) return {true, {}};
  // No way to match: the greedy walk below finds the first divergence to show.
  std::size_t k = 0;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    if (k < patterns.size() && patterns[k].matches(actual[i])) {
      matched.push_back(i);
      ++k;
      continue;
    }
    if (actual[i].retransmission || actual[i].duplicate) continue;
    auto headline = k < patterns.size()
                        ? fmt::format("ladder (exact): expected line {} \"{}\", got \"{}\" (message {})",
                                      k + 1, expected[k], actual[i].text(), i + 1)
                        : fmt::format("ladder (exact): {} expected lines matched, then unexpected \"{}\" (message {})",
                                      k, actual[i].text(), i + 1);
    return diverged(headline, expected, actual, matched, k, i);
  }
  if (k < patterns.size()) {
    return diverged(fmt::format("ladder (exact): expected line {} \"{}\" never came; the capture ended",
                                k + 1, expected[k]),
                    expected, actual, matched, k, actual.size());
  }
  return {true, {}};
}

}  // namespace trunklab::scenario
