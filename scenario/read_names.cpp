// Names a scenario file refers to (parties, NATs, extensions, providers, trunks, counters) are
// checked when it is loaded: an unknown one is an error with its JSON path and the names that
// exist, not a failure (or a silent pass) at run time.
#include "scenario/ladder_match.hpp"
#include "scenario/reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace trunklab::scenario::detail {

namespace {

std::string plural(std::string_view noun) {
  if (noun.ends_with('y')) return std::string(noun.substr(0, noun.size() - 1)) + "ies";
  return std::string(noun) + "s";
}

}  // namespace

void require_name(const config::Node& n, const std::string& name, std::string_view kind,
                  const std::vector<std::string>& known) {
  if (std::find(known.begin(), known.end(), name) != known.end()) return;
  const std::set<std::string> sorted(known.begin(), known.end());
  std::string list;
  for (const auto& k : sorted) list += (list.empty() ? "" : ", ") + k;
  if (list.empty()) n.fail(fmt::format("unknown {} \"{}\"; there are no {}", kind, name, plural(kind)));
  n.fail(fmt::format("unknown {} \"{}\"; {} are: {}", kind, name, plural(kind), list));
}

std::vector<std::string> party_names(const Scenario& s, bool (*keep)(const PartySpec&)) {
  std::vector<std::string> names;
  for (const auto& p : s.parties) {
    if (!keep || keep(p)) names.push_back(p.name);
  }
  return names;
}

std::vector<std::string> wire_names(const Scenario& s) {
  auto names = party_names(s, [](const PartySpec& p) { return p.on_wire(); });
  names.emplace_back(kReferenceName);
  return names;
}

std::vector<std::string> nat_names(const Scenario& s) {
  std::vector<std::string> names;
  for (const auto& n : s.nats) names.push_back(n.name);
  return names;
}

std::vector<std::string> extension_names(const config::Config& c) {
  std::vector<std::string> names;
  for (const auto& e : c.extensions) names.push_back(e.name);
  return names;
}

std::vector<std::string> provider_names(const config::Config& c) {
  std::vector<std::string> names;
  for (const auto& p : c.providers) names.push_back(p.name);
  return names;
}

std::vector<std::string> trunk_names(const config::Config& c) {
  std::vector<std::string> names;
  for (const auto& t : c.trunks) names.push_back(t.name);
  return names;
}

const std::vector<std::string>& trunk_counter_names() {
  static const std::vector<std::string> names = {"calls",     "answered",        "failed",    "challenged",
                                                 "forbidden", "channel_rejects", "failovers", "cancelled",
                                                 "media_relayed", "media_ports_exhausted", "media_timeouts"};
  return names;
}

std::string check_number(const config::Node& n, const std::string& text) {
  const auto digits = std::string_view(text).substr(text.starts_with('+') ? 1 : 0);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    n.fail(fmt::format("expected a number: digits with an optional leading '+', such as \"+15551234567\"; got \"{}\"", text));
  }
  return text;
}

std::string read_number(const config::Node& n) { return check_number(n, n.as_string()); }

void check_ladder_line(const config::Node& n, const Scenario& s) {
  const auto text = n.as_string();
  auto line = LinePattern::parse(text);
  if (!line) n.fail(fmt::format("expected a ladder line \"FROM -> TO LABEL\" such as \"alice -> trunk INVITE\", got \"{}\"", text));
  // The two ends of a line: a party on the wire, "trunk", a NAT (addressed before it maps the
  // party), or an address no party has.
  auto known = wire_names(s);
  for (const auto& nat : s.nats) known.push_back(nat.name);
  for (const auto* end : {&line->from, &line->to}) {
    if (rt::Address::parse(*end)) continue;
    require_name(n, *end, "party", known);
  }
}

}  // namespace trunklab::scenario::detail
