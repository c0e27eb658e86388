// Reads the expectations of a scenario file: ladder, message checks, timings, final state.
#include "scenario/reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace trunklab::scenario::detail {

using config::Node;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> read_strings(const Node& n) {
  std::vector<std::string> out;
  if (n.is_string()) return {n.as_string()};
  for (const auto& item : n.items()) out.push_back(item.as_string());
  return out;
}

std::map<std::string, std::string> read_string_map(const Node& n) {
  if (!n.is_object()) n.fail("expected an object of strings");
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : n.members()) out[k] = v.as_string();
  return out;
}

// A ladder line, checked: its parties exist.
std::string read_line(const Node& n, const Scenario& s) {
  check_ladder_line(n, s);
  return n.as_string();
}

MessageCheck read_message_check(const Node& n, const Scenario& scenario) {
  n.expect_only({"match", "occurrence", "status_line", "sent_to", "transport", "headers", "header_contains",
                 "absent_headers", "body_contains", "body_lacks", "start_line_contains"});
  MessageCheck c;
  c.match = read_line(n.at("match"), scenario);
  c.occurrence = static_cast<int>(n.int_or("occurrence", 1, 1, 1000000));
  if (auto s = n.get("status_line")) c.status_line = s->as_string();
  if (auto s = n.get("start_line_contains")) c.start_line_contains = s->as_string();
  if (auto s = n.get("sent_to")) c.sent_to = read_address(*s);
  if (auto t = n.get("transport")) c.transport = config::read_transport(*t);
  if (auto h = n.get("headers")) c.headers = read_string_map(*h);
  if (auto h = n.get("header_contains")) c.header_contains = read_string_map(*h);
  if (auto h = n.get("absent_headers")) c.absent_headers = read_strings(*h);
  if (auto b = n.get("body_contains")) c.body_contains = read_strings(*b);
  if (auto b = n.get("body_lacks")) c.body_lacks = read_strings(*b);
  c.json_path = n.path();
  return c;
}

TimingCheck read_timing(const Node& n, const Scenario& s) {
  n.expect_only({"from", "to", "occurrence", "max", "min"});
  TimingCheck t;
  if (auto f = n.get("from")) t.from = read_line(*f, s);
  t.to = read_line(n.at("to"), s);
  t.to_occurrence = static_cast<int>(n.int_or("occurrence", 1, 1, 1000000));
  if (auto m = n.get("max")) t.max = m->as_duration();
  if (auto m = n.get("min")) t.min = m->as_duration();
  if (!t.max && !t.min) n.fail("expected \"max\" and/or \"min\"");
  t.json_path = n.path();
  return t;
}

bool is_phone(const PartySpec& p) { return std::holds_alternative<PhoneSpec>(p.role); }
bool is_raw(const PartySpec& p) { return std::holds_alternative<RawSpec>(p.role); }
// Parties that place or answer calls: phones and providers.
bool is_caller(const PartySpec& p) { return is_phone(p) || std::holds_alternative<ProviderSpec>(p.role); }

// The member names of `n` must be names of parties that `keep` accepts (the path is the
// member's: $.expect.finally.registered.bob).
void require_parties(const Node& n, const Scenario& s, std::string_view kind, bool (*keep)(const PartySpec&)) {
  const auto known = party_names(s, keep);
  for (const auto& [name, value] : n.members()) require_name(value, name, kind, known);
}

FinalChecks read_finally(const Node& n, const Scenario& s) {
  n.expect_only({"channels_in_use", "answered", "registered", "register_status", "bindings", "calls",
                 "trunk_counters", "raw_responses", "ghost_answers", "left_ringing"});
  FinalChecks f;
  if (auto c = n.get("channels_in_use")) f.channels_in_use = c->as_int(0, 1000000);
  if (auto a = n.get("answered")) {
    require_parties(*a, s, "calling party", is_caller);
    const auto answerers = party_names(s, is_caller);
    for (const auto& [k, v] : a->members()) {
      f.answered[k] = v.json().is_null() ? "" : v.as_string();
      if (!v.json().is_null()) require_name(v, f.answered[k], "answering party", answerers);
    }
  }
  if (auto r = n.get("registered")) {
    require_parties(*r, s, "phone", is_phone);
    for (const auto& [k, v] : r->members()) f.registered[k] = v.as_bool();
  }
  if (auto r = n.get("register_status")) {
    require_parties(*r, s, "phone", is_phone);
    for (const auto& [k, v] : r->members()) f.register_status[k] = static_cast<int>(v.as_int(0, 699));
  }
  if (auto b = n.get("bindings")) {
    const auto extensions = extension_names(s.reference);
    for (const auto& [k, v] : b->members()) {
      require_name(v, k, "extension", extensions);
      f.bindings[k] = v.as_int(0, 1000000);
    }
  }
  if (auto c = n.get("calls")) {
    require_parties(*c, s, "calling party", is_caller);
    for (const auto& [k, v] : c->members()) {
      for (const auto& item : v.items()) {
        item.expect_only({"status", "answered", "early_media", "reason"});
        CallCheck cc;
        if (auto x = item.get("status")) cc.status = static_cast<int>(x->as_int(0, 699));
        if (auto x = item.get("answered")) cc.answered = x->as_bool();
        if (auto x = item.get("early_media")) cc.early_media = x->as_bool();
        if (auto x = item.get("reason")) cc.reason = x->as_string();
        f.calls[k].push_back(cc);
      }
    }
  }
  if (auto t = n.get("trunk_counters")) {
    for (const auto& [k, v] : t->members()) {
      require_name(v, k, "trunk counter", trunk_counter_names());
      f.trunk_counters[k] = v.as_int(0, 1000000000);
    }
  }
  if (auto g = n.get("ghost_answers")) f.ghost_answers = g->as_int(0, 1000000);
  if (auto r = n.get("left_ringing")) f.left_ringing = r->as_int(0, 1000000);
  if (auto r = n.get("raw_responses")) {
    require_parties(*r, s, "raw party", is_raw);
    for (const auto& [k, v] : r->members()) f.raw_responses[k] = v.as_int(0, 1000000);
  }
  return f;
}

}  // namespace

Expectations read_expect(const Node& n, const Scenario& s) {
  n.expect_only({"ladder", "ladder_mode", "messages", "within", "finally", "media"});
  Expectations e;
  if (auto l = n.get("ladder")) {
    if (l->is_string()) {
      e.ladder = {read_line(*l, s)};
    } else {
      for (const auto& line : l->items()) e.ladder.push_back(read_line(line, s));
    }
  }
  auto mode = n.string_or("ladder_mode", "exact");
  if (mode == "subset") {
    e.ladder_mode = LadderMode::subset;
  } else if (mode != "exact") {
    n.at("ladder_mode").fail("expected \"exact\" or \"subset\"");
  }
  if (auto m = n.get("messages")) {
    for (const auto& item : m->items()) e.messages.push_back(read_message_check(item, s));
  }
  if (auto w = n.get("within")) {
    for (const auto& item : w->items()) e.within.push_back(read_timing(item, s));
  }
  if (auto f = n.get("finally")) e.finally = read_finally(*f, s);
  if (auto m = n.get("media")) e.media = read_media_checks(*m, s);
  return e;
}

}  // namespace trunklab::scenario::detail
