// Judges a run: the expectations of a scenario against the wire (capture) and the final state
// of the reference and the parties, in virtual time or against a target.
#include "scenario/run_state.hpp"

#include "scenario/leg_checks.hpp"
#include "scenario/media_checks.hpp"

#include "reference/element/reference_server.hpp"
#include "reference/observe/metrics.hpp"
#include "reference/registrar/store.hpp"
#include "reference/sip/printable.hpp"
#include "reference/sip/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>

namespace trunklab::scenario {

namespace {

using detail::RunState;

// Checks read the bytes as sent rather than a parsed message: the parser normalises, and
// malformed messages must be checkable too. Header names match ignoring case and compact
// forms (a check on "Via" also finds "v:").
using WireText = sip::text::RawMessage;

std::string quoted_list(const std::vector<std::string>& values) {
  if (values.empty()) return "(absent)";
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "\"" : ", \"") + sip::printable(v) + "\"";
  return out;
}

class Judge {
public:
  Judge(const Scenario& scenario, const RunState& sim, Verdict& verdict)
      : scenario_(scenario), sim_(sim), verdict_(verdict) {}

  void judge() {
    const auto& e = scenario_.expect;
    for (auto& failure : sim_.step_failures()) fail(std::move(failure));
    if (!e.ladder.empty()) {
      auto exact = sim_.real_time() ? MatchMode::exact_per_pair : MatchMode::exact;
      auto mode = e.ladder_mode == LadderMode::exact            ? exact
                  : e.ladder_mode == LadderMode::exact_per_pair ? MatchMode::exact_per_pair
                                                                : MatchMode::subset;
      auto match = match_ladder(e.ladder, verdict_.lines, mode);
      if (!match.passed) fail(match.diff);
    }
    for (const auto& check : e.messages) check_message(check);
    for (const auto& timing : e.within) check_timing(timing);
    check_finally(e.finally);
  }

private:
  void fail(std::string text) { verdict_.failures.push_back(std::move(text)); }

  std::optional<LinePattern> pattern(const std::string& text, const std::string& where) {
    auto p = LinePattern::parse(text);
    if (!p) fail(fmt::format("{}: \"{}\" is not a ladder line (\"from -> to LABEL\")", where, text));
    return p;
  }

  void check_message(const MessageCheck& c) {
    auto p = pattern(c.match, c.json_path);
    if (!p) return;
    auto at = find_line(verdict_.lines, *p, c.occurrence, 0, true);
    if (!at) {
      fail(fmt::format("{}: no message \"{}\" (occurrence {}) on the wire", c.json_path, c.match, c.occurrence));
      return;
    }
    const WireText text = sip::text::scan_lenient(verdict_.lines[*at].bytes);
    auto where = fmt::format("{} (\"{}\", message {})", c.json_path, c.match, *at + 1);
    if (c.status_line && text.start_line != *c.status_line) {
      fail(fmt::format("{}: first line: expected \"{}\", got \"{}\"", where, *c.status_line,
                       sip::printable(text.start_line)));
    }
    if (c.start_line_contains && text.start_line.find(*c.start_line_contains) == std::string::npos) {
      fail(fmt::format("{}: first line: expected it to contain \"{}\", got \"{}\"", where, *c.start_line_contains,
                       sip::printable(text.start_line)));
    }
    const auto& dst = verdict_.lines[*at].dst;
    if (c.sent_to && dst.to_string() != sim_.expected_text(c.sent_to->to_string())) {
      fail(fmt::format("{}: sent to {}, expected {}", where, dst.to_string(),
                       sim_.expected_text(c.sent_to->to_string())));
    }
    if (c.transport && verdict_.lines[*at].transport != *c.transport) {
      fail(fmt::format("{}: carried over {}, expected {}", where, rt::transport_name(verdict_.lines[*at].transport),
                       rt::transport_name(*c.transport)));
    }
    for (const auto& [name, written] : c.headers) {
      const auto value = sim_.expected_text(written);
      auto values = text.values(name);
      if (values.empty() || values.front() != value) {
        fail(fmt::format("{}: header {}: expected \"{}\", got {}", where, name, value, quoted_list(values)));
      }
    }
    for (const auto& [name, written] : c.header_contains) {
      const auto part = sim_.expected_text(written);
      auto values = text.values(name);
      bool found = std::any_of(values.begin(), values.end(), [&](const std::string& v) { return v.find(part) != std::string::npos; });
      if (!found) fail(fmt::format("{}: header {}: expected a value containing \"{}\", got {}", where, name, part, quoted_list(values)));
    }
    for (const auto& name : c.absent_headers) {
      if (!text.values(name).empty()) fail(fmt::format("{}: header {}: expected absent, got {}", where, name, quoted_list(text.values(name))));
    }
    for (const auto& written : c.body_contains) {
      const auto part = sim_.expected_text(written);
      if (text.body.find(part) == std::string::npos) {
        fail(fmt::format("{}: body: expected it to contain \"{}\"; body is {} bytes", where, part, text.body.size()));
      }
    }
    for (const auto& written : c.body_lacks) {
      const auto part = sim_.expected_text(written);
      if (auto byte = text.body.find(part); byte != std::string::npos) {
        fail(fmt::format("{}: body: expected no \"{}\", found at byte {} of {}", where, part, byte, text.body.size()));
      }
    }
  }

  void check_timing(const TimingCheck& t) {
    std::size_t from_index = 0;
    rt::Instant from_time{};
    if (t.from) {
      auto p = pattern(*t.from, t.json_path);
      if (!p) return;
      auto at = find_line(verdict_.lines, *p, 1, 0, true);
      if (!at) {
        fail(fmt::format("{}: no message \"{}\" on the wire to measure from", t.json_path, *t.from));
        return;
      }
      from_index = *at;
      from_time = verdict_.lines[*at].time;
    }
    auto p = pattern(t.to, t.json_path);
    if (!p) return;
    auto at = find_line(verdict_.lines, *p, t.to_occurrence, from_index, true);
    if (!at) {
      fail(fmt::format("{}: no message \"{}\" (occurrence {}) after \"{}\"", t.json_path, t.to, t.to_occurrence,
                       t.from.value_or("the start")));
      return;
    }
    // In the scenario's time: a real-time run at --time-scale 0.2 took a fifth of it.
    auto took = verdict_.lines[*at].time - from_time;
    if (sim_.time_scale() != 1.0) {
      took = rt::Duration{static_cast<std::int64_t>(static_cast<double>(took.count()) / sim_.time_scale())};
    }
    const auto slack = sim_.timing_tolerance();
    const auto within = slack.count() > 0 ? fmt::format(" (± {} in real time)", config::format_duration(slack)) : "";
    auto span = fmt::format("\"{}\" -> \"{}\"", t.from.value_or("start"), t.to);
    if (t.max && took > *t.max + slack) {
      fail(fmt::format("{}: {} took {}, expected at most {}{}", t.json_path, span, config::format_duration(took),
                       config::format_duration(*t.max), within));
    }
    if (t.min && took < *t.min - slack) {
      fail(fmt::format("{}: {} took {}, expected at least {}{}", t.json_path, span, config::format_duration(took),
                       config::format_duration(*t.min), within));
    }
  }

  // The party an answered_by value names: a provider, or the phone whose address the contact
  // URI carries.
  std::string party_of_answerer(const std::string& answered_by) const {
    if (answered_by.empty() || scenario_.find_party(answered_by)) return answered_by;
    for (const auto& p : scenario_.parties) {
      if (p.address && answered_by.find(p.address->ip_string()) != std::string::npos) return p.name;
    }
    return answered_by;
  }

  // Whether a CallOutcome's caller is this party: its extension, its provider name, or (an
  // IP-authenticated PBX) its source address.
  bool is_caller(const PartySpec& party, const std::string& caller) const {
    if (const auto* phone = std::get_if<PhoneSpec>(&party.role); phone && !phone->extension.empty()) {
      return caller == phone->extension;
    }
    if (caller == party.name) return true;
    return party.address && caller.find(party.address->ip_string()) != std::string::npos;
  }

  void note(std::string text) { verdict_.notes.push_back(std::move(text)); }

  // Who answered `party`'s calls, from the reference's own call records.
  std::vector<std::string> answerers_from_outcomes(const element::ReferenceServer& server, const std::string& party) const {
    std::vector<std::string> answerers;
    const PartySpec& spec = *scenario_.find_party(party);
    for (const auto& o : server.trunk().outcomes()) {
      if (is_caller(spec, o.caller) && !o.answered_by.empty()) answerers.push_back(party_of_answerer(o.answered_by));
    }
    return answerers;
  }

  // Against a target the reference's records do not exist: if `party` had an answered call,
  // every emulated party that answered an incoming call answered it.
  std::vector<std::string> answerers_from_parties(const std::string& party) const {
    std::vector<std::string> answerers;
    const auto* caller = sim_.agent(party);
    if (!caller) return answerers;
    auto calls = caller->calls();
    if (std::none_of(calls.begin(), calls.end(), [](const agents::AgentCall& c) { return c.answered; })) return answerers;
    for (const auto& p : scenario_.parties) {
      const auto* agent = sim_.agent(p.name);
      if (!agent || p.name == party) continue;
      for (const auto& c : agent->calls()) {
        if (!c.outgoing && c.answered) answerers.push_back(p.name);
      }
    }
    return answerers;
  }

  void check_finally(const FinalChecks& f) {
    const auto* server = sim_.server();
    if (f.channels_in_use && !server) {
      note("finally.channels_in_use: the target's channels are not observable; not checked");
    } else if (f.channels_in_use) {
      auto in_use = static_cast<std::int64_t>(server->trunk().channels_in_use());
      if (in_use != *f.channels_in_use) fail(fmt::format("finally.channels_in_use: expected {}, got {}", *f.channels_in_use, in_use));
    }
    for (const auto& [party, who] : f.answered) {
      auto answerers = server ? answerers_from_outcomes(*server, party) : answerers_from_parties(party);
      bool ok = who.empty() ? answerers.empty() : std::find(answerers.begin(), answerers.end(), who) != answerers.end();
      if (!ok) {
        fail(fmt::format("finally.answered.{}: expected {}, got {}", party, who.empty() ? "no answered call" : who,
                         answerers.empty() ? std::string("no answered call") : quoted_list(answerers)));
      }
    }
    for (const auto& [party, expected] : f.registered) {
      const auto* agent = sim_.agent(party);
      if (!agent) continue;
      if (agent->registered() != expected) {
        fail(fmt::format("finally.registered.{}: expected {}, got {} (last REGISTER status {})", party, expected,
                         agent->registered(), agent->last_register_status()));
      }
    }
    for (const auto& [party, status] : f.register_status) {
      const auto* agent = sim_.agent(party);
      if (agent && agent->last_register_status() != status) {
        fail(fmt::format("finally.register_status.{}: expected {}, got {}", party, status, agent->last_register_status()));
      }
    }
    if (f.ghost_answers) for (auto& text : detail::check_ghost_answers(scenario_, sim_, *f.ghost_answers)) fail(text);
    if (f.left_ringing) for (auto& text : detail::check_left_ringing(scenario_, sim_, *f.left_ringing)) fail(text);
    check_bindings(f);
    check_calls(f);
    check_counters(f);
    for (const auto& [party, count] : f.raw_responses) {
      const auto* agent = sim_.agent(party);
      auto got = agent ? static_cast<std::int64_t>(agent->raw_responses().size()) : 0;
      if (got != count) fail(fmt::format("finally.raw_responses.{}: expected {}, got {}", party, count, got));
    }
  }

  void check_bindings(const FinalChecks& f) {
    if (f.bindings.empty()) return;
    if (!sim_.server()) return note("finally.bindings: the target's registrations are not observable; not checked");
    auto bindings = sim_.server()->registrar().live_bindings();
    for (const auto& [extension, count] : f.bindings) {
      const config::Extension* ext = nullptr;
      for (const auto& e : scenario_.reference.extensions) {
        if (e.name == extension) ext = &e;
      }
      if (!ext) {
        fail(fmt::format("finally.bindings.{}: expected an extension name", extension));
        continue;
      }
      auto aor = ext->username + "@" + scenario_.reference.registrar_domain(ext->customer);
      auto got = std::count_if(bindings.begin(), bindings.end(), [&](const registrar::Binding& b) { return b.aor == aor; });
      if (got != count) fail(fmt::format("finally.bindings.{}: expected {} live contact(s) for {}, got {}", extension, count, aor, got));
    }
  }

  void check_calls(const FinalChecks& f) {
    for (const auto& [party, expected] : f.calls) {
      const auto* agent = sim_.agent(party);
      if (!agent) continue;
      auto calls = agent->calls();
      if (calls.size() != expected.size()) {
        fail(fmt::format("finally.calls.{}: expected {} call(s), got {}", party, expected.size(), calls.size()));
      }
      for (std::size_t i = 0; i < std::min(calls.size(), expected.size()); ++i) {
        const auto& want = expected[i];
        const auto& got = calls[i];
        auto where = fmt::format("finally.calls.{}[{}]", party, i);
        if (want.status && *want.status != got.final_status) fail(fmt::format("{}.status: expected {}, got {}", where, *want.status, got.final_status));
        if (want.answered && *want.answered != got.answered) fail(fmt::format("{}.answered: expected {}, got {}", where, *want.answered, got.answered));
        if (want.early_media && *want.early_media != got.early_media) fail(fmt::format("{}.early_media: expected {}, got {}", where, *want.early_media, got.early_media));
        if (want.reason && *want.reason != got.final_reason) fail(fmt::format("{}.reason: expected \"{}\", got \"{}\"", where, *want.reason, got.final_reason));
      }
    }
  }

  void check_counters(const FinalChecks& f) {
    if (f.trunk_counters.empty()) return;
    if (!sim_.server()) return note("finally.trunk_counters: the target's counters are not observable; not checked");
    const auto& c = sim_.server()->trunk().counters();
    const std::map<std::string, std::uint64_t, std::less<>> values = {
        {"calls", c.calls},           {"answered", c.answered},        {"failed", c.failed},
        {"challenged", c.challenged}, {"forbidden", c.forbidden},      {"channel_rejects", c.channel_rejects},
        {"failovers", c.failovers},   {"cancelled", c.cancelled},      {"media_relayed", c.media_relayed},
        {"media_ports_exhausted", c.media_ports_exhausted},         {"media_timeouts", c.media_timeouts}};
    for (const auto& [name, expected] : f.trunk_counters) {
      auto it = values.find(name);
      if (it == values.end()) {
        fail(fmt::format("finally.trunk_counters.{}: unknown counter (calls, answered, failed, challenged, forbidden, "
                         "channel_rejects, failovers, cancelled, media_relayed, media_ports_exhausted, media_timeouts)", name));
      } else if (static_cast<std::int64_t>(it->second) != expected) {
        fail(fmt::format("finally.trunk_counters.{}: expected {}, got {}", name, expected, it->second));
      }
    }
  }

  const Scenario& scenario_;
  const RunState& sim_;
  Verdict& verdict_;
};

}  // namespace

namespace detail {

Verdict judge_run(const Scenario& scenario, const RunOptions& options, const RunState& state,
                  const wiretap::Capture& capture, Verdict verdict) {
  const auto& records = capture.records();
  verdict.lines = wire_lines(records);
  if (options.report_ladder) verdict.ladder = reports::build_ladder(reports::datagrams_from_capture(records));
  Judge(scenario, state, verdict).judge();
  verdict.media = media_figures(scenario, state, capture);
  verdict.media_sent = media_sent(scenario, state);
  if (const auto* stats = state.call_stats(); stats && state.server()) {
    verdict.metrics = observe::render_metrics(*stats, *state.server());
  }
  if (const auto* cdrs = state.call_records()) {
    for (const auto& r : *cdrs) verdict.call_records.push_back(trunk::to_json(r, trunk::virtual_seconds));
  }
  for (auto& text : check_media(scenario, state, verdict.media, verdict.lines, capture)) verdict.failures.push_back(std::move(text));
  if (options.keep_pcap) {
    auto pcap = capture.pcap_bytes();
    if (!pcap.error.empty()) verdict.failures.push_back("pcap: " + pcap.error);
    verdict.pcap = std::move(pcap.bytes);
  }
  if (options.keep_delivered_pcap) {
    auto pcap = capture.pcap_bytes(wiretap::PcapOptions{.delivered_view = true});
    if (!pcap.error.empty()) verdict.failures.push_back("delivered pcap: " + pcap.error);
    verdict.delivered_pcap = std::move(pcap.bytes);
  }
  verdict.passed = verdict.failures.empty();
  return verdict;
}

}  // namespace detail

}  // namespace trunklab::scenario
