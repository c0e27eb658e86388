// Reads the steps of a scenario file: actions of parties and of the network on the timeline.
#include "scenario/reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace trunklab::scenario::detail {

using config::Node;
using namespace std::chrono_literals;

namespace {

Step read_party_action(const Node& n, const Scenario& s, const std::string& party) {
  Step step;
  step.party = party;
  const PartySpec* spec = s.find_party(party);
  if (n.is_string()) {
    static const std::map<std::string, Action, std::less<>> simple = {
        {"register", Action::register_},   {"unregister", Action::unregister},
        {"unregister_all", Action::unregister_all}, {"hangup", Action::hangup},
        {"cancel", Action::cancel},        {"reinvite", Action::reinvite},
        {"hold", Action::hold},            {"resume", Action::resume},
        {"fax", Action::fax}};
    auto it = simple.find(n.as_string());
    if (it == simple.end()) {
      n.fail("expected \"register\", \"unregister\", \"unregister_all\", \"hangup\", \"cancel\", "
             "\"reinvite\", \"hold\", \"resume\", \"fax\" or an object such as {\"call\": \"+15551234567\"}");
    }
    step.action = it->second;
    bool registration = step.action == Action::register_ || step.action == Action::unregister ||
                        step.action == Action::unregister_all;
    if (registration && !std::holds_alternative<PhoneSpec>(spec->role)) {
      n.fail("expected a registration step on a phone party");
    }
    return step;
  }
  n.expect_only({"call", "send", "to", "answer", "options", "hold", "dtmf"});
  if (read_media_step(n, step)) return step;
  if (auto c = n.get("call")) {
    step.action = Action::call;
    step.argument = detail::read_number(*c);
    if (!std::holds_alternative<PhoneSpec>(spec->role) && !std::holds_alternative<ProviderSpec>(spec->role)) {
      c->fail("expected a call step on a phone (outbound) or provider (inbound) party");
    }
  } else if (auto t = n.get("send")) {
    step.action = Action::send;
    if (t->is_array()) {
      // A message as an array of lines reads better in JSON than one string with \r\n.
      for (const auto& line : t->items()) step.argument += line.as_string() + "\r\n";
    } else {
      step.argument = t->as_string();
    }
    auto to = n.at("to");
    step.target = to.as_string();
    require_name(to, step.target, "party", wire_names(s));
  } else if (auto a = n.get("answer")) {
    step.action = Action::set_answer;
    step.answer = read_script(*a);
  } else if (auto o = n.get("options")) {
    step.action = Action::set_options;
    step.flag = o->as_bool();
  } else {
    n.fail("expected one of \"call\", \"send\", \"answer\", \"options\", \"hold\", \"dtmf\"");
  }
  return step;
}

Step read_network_action(const Node& n, const std::string& key, const Scenario& s) {
  Step step;
  if (key == "nat") {
    n.expect_only({"rebind"});
    step.action = Action::nat_rebind;
    auto r = n.at("rebind");
    step.party = r.as_string();
    require_name(r, step.party, "NAT", nat_names(s));
  } else {
    n.expect_only({"down", "up"});
    auto which = n.get("down") ? n.at("down") : n.at("up");
    step.action = n.get("down") ? Action::host_down : Action::host_up;
    step.party = which.as_string();
    require_name(which, step.party, "party", wire_names(s));
  }
  return step;
}

// {"api": {"method": "POST", "path": "/v1.0/providers", "body": {...}, "status": 201}}
Step read_api_action(const Node& n) {
  n.expect_only({"method", "path", "body", "status"});
  Step step;
  step.action = Action::api;
  step.party = kReferenceName;
  step.api_method = n.at("method").as_string();
  static const std::set<std::string> methods = {"GET", "POST", "PUT", "DELETE"};
  if (!methods.count(step.api_method)) n.at("method").fail("expected \"GET\", \"POST\", \"PUT\" or \"DELETE\"");
  step.api_path = n.at("path").as_string();
  if (!step.api_path.starts_with("/v1.0/")) n.at("path").fail("expected a path of the management API, such as \"/v1.0/providers\"");
  if (auto b = n.get("body")) {
    if (!b->is_object()) b->fail("expected an object (the configuration object the request carries)");
    step.argument = b->json().dump();
  }
  step.api_status = static_cast<int>(n.int_or("status", 0, 100, 599));
  return step;
}

}  // namespace

std::vector<Step> read_steps(const Node& n, const Scenario& s) {
  std::vector<Step> steps;
  for (const auto& item : n.items()) {
    if (!item.is_object()) item.fail("expected a step object such as {\"at\": \"1s\", \"alice\": \"register\"}");
    auto at = rt::Instant{item.at("at").as_duration()};
    auto members = item.members();
    std::vector<std::pair<std::string, Node>> actions;
    for (auto& m : members) {
      if (m.first != "at") actions.push_back(m);
    }
    if (actions.size() != 1) item.fail("expected \"at\" and exactly one party (or \"nat\"/\"host\"/\"api\") member");
    const auto& [key, action] = actions.front();
    Step step;
    if (key == "api") {
      step = read_api_action(action);
    } else if (key == "nat" || key == "host") {
      step = read_network_action(action, key, s);
    } else {
      // A step acts on a party on the wire (not "trunk", not a PSTN number), or is "nat"/"host".
      auto actors = party_names(s, [](const PartySpec& p) { return p.on_wire(); });
      require_name(action, key, "party", actors);
      step = read_party_action(action, s, key);
    }
    step.at = at;
    step.json_path = item.path();
    steps.push_back(std::move(step));
  }
  std::stable_sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) { return a.at < b.at; });
  return steps;
}

}  // namespace trunklab::scenario::detail
