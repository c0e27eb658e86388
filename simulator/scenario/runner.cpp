#include "simulator/scenario/runner.hpp"

#include "reference/element/reference_server.hpp"
#include "reference/registrar/store.hpp"
#include "reference/transport/clock.hpp"
#include "reference/transport/event_loop.hpp"
#include "reference/transport/real_random.hpp"
#include "reference/transport/udp_transport.hpp"
#include "reports/pcap/live_capture.hpp"
#include "simulator/agents/user_agent.hpp"
#include "simulator/kernel/world.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>

namespace trunklab::scenario {

namespace {

// Forwards the reference host's datagrams to the server, which needs its transport before it
// exists (the server is built on the socket this handler is bound to).
struct Forwarder final : rt::DatagramHandler {
  rt::DatagramHandler* target = nullptr;
  void on_datagram(const rt::Address& local, const rt::Address& remote, std::string_view bytes) override {
    if (target) target->on_datagram(local, remote, bytes);
  }
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// RFC 3261 §7.3.3 compact header names, so a check on "Via" also finds "v:".
std::string full_header_name(std::string_view name) {
  static const std::map<std::string, std::string, std::less<>> compact = {
      {"i", "call-id"}, {"m", "contact"}, {"e", "content-encoding"}, {"l", "content-length"},
      {"c", "content-type"}, {"f", "from"}, {"s", "subject"}, {"k", "supported"}, {"t", "to"},
      {"v", "via"}};
  auto n = lower(name);
  auto it = compact.find(n);
  return it == compact.end() ? n : it->second;
}

// The wire text split into its first line, headers and body. Checks read the bytes as sent
// rather than a parsed message: the parser normalises, and malformed messages must be
// checkable too.
struct WireText {
  std::string first_line;
  std::vector<std::pair<std::string, std::string>> headers;  // (full lower-case name, value)
  std::string body;

  explicit WireText(std::string_view bytes) {
    auto end_of_headers = bytes.find("\r\n\r\n");
    std::string_view head = bytes.substr(0, end_of_headers);
    if (end_of_headers != std::string_view::npos) body = std::string(bytes.substr(end_of_headers + 4));
    std::size_t pos = 0;
    bool first = true;
    while (pos <= head.size()) {
      auto eol = head.find("\r\n", pos);
      auto line = head.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
      pos = eol == std::string_view::npos ? head.size() + 1 : eol + 2;
      if (first) {
        first_line = std::string(line);
        first = false;
      } else if (!line.empty() && (line.front() == ' ' || line.front() == '\t') && !headers.empty()) {
        headers.back().second += " " + std::string(line.substr(line.find_first_not_of(" \t")));
      } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
        auto name = line.substr(0, colon);
        while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        headers.emplace_back(full_header_name(name), std::string(value));
      }
    }
  }

  std::vector<std::string> values(std::string_view name) const {
    std::vector<std::string> out;
    auto wanted = full_header_name(name);
    for (const auto& [n, v] : headers) {
      if (n == wanted) out.push_back(v);
    }
    return out;
  }
};

std::string quoted_list(const std::vector<std::string>& values) {
  if (values.empty()) return "(absent)";
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "\"" : ", \"") + v + "\"";
  return out;
}

// What the judge reads besides the wire: the reference (null against a target) and the parties.
class RunState {
public:
  virtual ~RunState() = default;
  virtual const element::ReferenceServer* server() const = 0;
  virtual const sim::UserAgent* agent(const std::string& name) const = 0;
  virtual bool real_time() const { return false; }
  // An expected header value or body part, with the scenario's addresses as the run has them.
  virtual std::string expected_text(const std::string& text) const { return text; }
};

// The emulated party of a scenario party, pointed at `reference` (the built-in reference or a
// target). Reply delays are multiplied by `time_scale` (real-time runs may shorten them).
sim::UserAgentConfig party_config(const Scenario& scenario, const PartySpec& party,
                                  const rt::Address& reference, double time_scale) {
  const auto& ref = scenario.reference;
  sim::UserAgentConfig c;
  c.name = party.name;
  if (const auto* phone = std::get_if<PhoneSpec>(&party.role)) {
    c.username = phone->username;
    c.password = phone->password;
    const config::Extension* ext = nullptr;
    for (const auto& e : ref.extensions) {
      if (e.name == phone->extension) ext = &e;
    }
    c.registrar_domain = ref.registrar_domain(ext ? ext->customer : config::kDefaultCustomer);
    c.registrar = reference;
    c.expires_s = phone->expires_s;
    c.refresh = phone->refresh;
    c.keepalive_interval = phone->keepalive;
    c.call_domain = ref.trunk_domain(phone->trunk);
    c.outbound_proxy = reference;
    c.answer = phone->answer;
  } else if (const auto* provider = std::get_if<ProviderSpec>(&party.role)) {
    c.answer = provider->invite;
    c.answer_by_prefix = provider->destinations;  // PSTN numbers included by the loader
    c.challenge = provider->challenge;
    c.answer_options = provider->options;
  }
  if (time_scale != 1.0) {
    auto scale = [time_scale](sim::AnswerScript& script) {
      for (auto& step : script.steps) {
        step.after = rt::Duration{static_cast<std::int64_t>(static_cast<double>(step.after.count()) * time_scale)};
      }
    };
    scale(c.answer);
    for (auto& [prefix, script] : c.answer_by_prefix) scale(script);
  }
  return c;
}

// A step that acts on an emulated party (not on the network). Returns whether it placed a call.
bool apply_party_step(sim::UserAgent& agent, const Step& step, const PartySpec& party,
                      const rt::Address& reference) {
  switch (step.action) {
    case Action::register_: agent.register_now(); break;
    case Action::unregister: agent.unregister(); break;
    case Action::unregister_all: agent.unregister_all(); break;
    case Action::hangup: agent.hangup(); break;
    case Action::cancel: agent.cancel(); break;
    case Action::reinvite: agent.reinvite(); break;
    case Action::set_answer: agent.set_answer(step.answer); break;
    case Action::set_options: agent.set_answer_options(step.flag); break;
    case Action::call:
      if (std::holds_alternative<PhoneSpec>(party.role)) {
        agent.call(step.argument);
      } else {
        agent.call_to(step.argument, reference, "");
      }
      return true;
    default: break;
  }
  return false;
}

// Where each party is, by name, with the reference (or the target) as "trunk": the scenario's
// addresses in virtual time, the real sockets against a target.
using AddressBook = std::map<std::string, rt::Address>;

AddressBook scenario_addresses(const Scenario& scenario) {
  AddressBook book{{kReferenceName, scenario.reference_address}};
  for (const auto& p : scenario.parties) {
    if (p.address) book.emplace(p.name, *p.address);
  }
  return book;
}

// The placeholders of raw messages: {{trunk}}, {{self}}, {{<party>}} (address with port),
// the same with _ip (address only), {{trunk_domain}}, {{registrar_domain}}, {{branch}} and
// {{call_id}} (fresh per message: `counter`), and {{content_length}} (of the body, computed last).
std::map<std::string, std::string> placeholder_values(const Scenario& scenario, const Step& step,
                                                      const AddressBook& book, std::uint64_t counter) {
  const auto& ref = scenario.reference;
  std::map<std::string, std::string> values = {
      {"trunk_domain", ref.trunk_domain(ref.trunks.empty() ? "default" : ref.trunks.front().name)},
      {"registrar_domain", ref.registrar_domain(config::kDefaultCustomer)},
      {"branch", fmt::format("z9hG4bK-raw-{}-{}", step.party, counter)},
      {"call_id", fmt::format("raw-{}-{}@{}", counter, step.party, scenario.name)}};
  for (const auto& [name, address] : book) {
    for (const auto& key : {name, name == step.party ? std::string("self") : std::string()}) {
      if (key.empty()) continue;
      values[key] = address.to_string();
      values[key + "_ip"] = address.ip_string();
    }
  }
  return values;
}

// Lone LF line ends become CRLF (JSON strings are easier to write with \n); unknown
// placeholders stay as written, so the ladder shows them.
std::string expand_raw(const Scenario& scenario, const Step& step, const AddressBook& book, std::uint64_t counter) {
  const std::string& text = step.argument;
  std::string crlf = text;
  if (text.find("\r\n") == std::string::npos) {
    crlf.clear();
    for (char ch : text) crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
  }
  const auto values = placeholder_values(scenario, step, book, counter);
  std::string out;
  std::size_t pos = 0;
  for (auto open = crlf.find("{{"); open != std::string::npos; open = crlf.find("{{", pos)) {
    auto close = crlf.find("}}", open);
    if (close == std::string::npos) break;
    out += crlf.substr(pos, open - pos);
    auto it = values.find(crlf.substr(open + 2, close - open - 2));
    out += it != values.end() ? it->second : crlf.substr(open, close + 2 - open);
    pos = close + 2;
  }
  out += crlf.substr(pos);
  constexpr std::string_view kContentLength = "{{content_length}}";
  if (auto at = out.find(kContentLength); at != std::string::npos) {
    auto body_at = out.find("\r\n\r\n");
    std::size_t body = body_at == std::string::npos ? 0 : out.size() - body_at - 4;
    out.replace(at, kContentLength.size(), std::to_string(body));
  }
  return out;
}

// Replaces `from` (an IP literal) by `to` where it stands alone: 10.0.0.2 but not 10.0.0.20.
void replace_ip(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
    const auto end = at + from.size();
    const bool whole = (at == 0 || !std::isdigit(static_cast<unsigned char>(text[at - 1]))) &&
                       (end == text.size() || !std::isdigit(static_cast<unsigned char>(text[end])));
    if (!whole) {
      at = end;
      continue;
    }
    text.replace(at, from.size(), to);
    at += to.size();
  }
}

// An expected value written with the scenario's addresses, rewritten for where the parties
// really are: "10.0.0.2:5060" becomes the party's socket, "received=10.0.0.2;rport=5060" its
// IP and port, and a lone "10.0.0.2" its IP.
std::string translate_addresses(std::string text, const AddressBook& from, const AddressBook& to) {
  for (const auto& [name, scenario_address] : from) {
    auto live = to.find(name);
    if (live == to.end()) continue;
    const auto& real = live->second;
    for (auto at = text.find(scenario_address.to_string()); at != std::string::npos;
         at = text.find(scenario_address.to_string(), at + real.to_string().size())) {
      text.replace(at, scenario_address.to_string().size(), real.to_string());
    }
    const auto rport = fmt::format("received={};rport={}", scenario_address.ip_string(), scenario_address.port());
    for (auto at = text.find(rport); at != std::string::npos; at = text.find(rport, at + 1)) {
      text.replace(at, rport.size(), fmt::format("received={};rport={}", real.ip_string(), real.port()));
    }
  }
  for (const auto& [name, scenario_address] : from) {
    auto live = to.find(name);
    if (live != to.end()) replace_ip(text, scenario_address.ip_string(), live->second.ip_string());
  }
  return text;
}

class Simulation final : public RunState {
public:
  Simulation(const Scenario& scenario, std::uint64_t seed)
      : scenario_(scenario), world_(seed) {
    build_network();
    build_reference();
    for (const auto& party : scenario_.parties) {
      if (party.on_wire()) build_party(party);
    }
    schedule_steps();
  }

  void run() {
    if (scenario_.run_until) {
      world_.run_until(rt::Instant{*scenario_.run_until});
    } else {
      // Refresh timers and probes can keep a world busy forever: "idle" has a limit too.
      constexpr std::uint64_t kMaxEventsUntilIdle = 5'000'000;
      world_.run_until_idle(kMaxEventsUntilIdle);
    }
  }

  sim::World& world() { return world_; }
  const element::ReferenceServer* server() const override { return server_.get(); }
  const sim::UserAgent* agent(const std::string& name) const override {
    auto it = agents_.find(name);
    return it == agents_.end() ? nullptr : it->second.get();
  }
  std::uint64_t calls_started() const { return calls_started_; }

private:
  void build_network() {
    auto& net = world_.network();
    net.set_default_link(scenario_.default_link);
    for (const auto& nat : scenario_.nats) net.add_nat(nat.name, *nat.public_ip, nat.idle_timeout);
    reference_host_ = &net.add_host(kReferenceName, scenario_.reference_address.with_port(0));
    for (const auto& party : scenario_.parties) {
      if (!party.on_wire()) continue;
      auto ip = party.address->with_port(0);
      if (party.behind.empty()) {
        net.add_host(party.name, ip);
      } else {
        net.add_host_behind(*net.find_nat(party.behind), party.name, ip);
      }
    }
    for (const auto& link : scenario_.links) net.set_link(link.a, link.b, link.link);
    for (const auto& fault : scenario_.faults) net.add_fault(fault);
  }

  void build_reference() {
    rt::Transport& transport = reference_host_->bind(scenario_.reference_address.port(), forwarder_);
    server_ = std::make_unique<element::ReferenceServer>(
        scenario_.reference, world_.clock(), world_.timers(), transport,
        world_.random_stream(kReferenceName), store_);
    forwarder_.target = &server_->datagram_handler();
    server_->start();
  }

  void build_party(const PartySpec& party) {
    sim::UserAgentConfig c = party_config(scenario_, party, scenario_.reference_address, 1.0);
    sim::Host& host = *world_.network().find_host(party.name);
    const std::uint16_t port = party.address->port();
    auto binder = [&host, port](rt::DatagramHandler& handler) -> rt::Transport& { return host.bind(port, handler); };
    auto agent = std::make_unique<sim::UserAgent>(std::move(c), binder, world_.clock(), world_.timers(),
                                                  world_.random_stream(party.name));
    const auto* phone = std::get_if<PhoneSpec>(&party.role);
    if (phone && phone->register_at_start) {
      auto* raw = agent.get();
      world_.at(rt::Instant{}, [raw] { raw->register_now(); });
    }
    agents_.emplace(party.name, std::move(agent));
  }

  void schedule_steps() {
    for (const auto& step : scenario_.steps) {
      world_.at(step.at, [this, &step] { execute(step); });
    }
  }

  void execute(const Step& step) {
    auto& net = world_.network();
    switch (step.action) {
      case Action::nat_rebind: net.rebind_nat_at(*net.find_nat(step.party), world_.now()); return;
      case Action::host_down: net.find_host(step.party)->set_up(false); return;
      case Action::host_up: net.find_host(step.party)->set_up(true); return;
      default: break;
    }
    auto& agent = *agents_.at(step.party);
    const PartySpec& party = *scenario_.find_party(step.party);
    if (step.action == Action::send) {
      const auto book = scenario_addresses(scenario_);
      agent.send_raw(expand_raw(scenario_, step, book, ++raw_counter_), book.at(step.target));
      return;
    }
    if (apply_party_step(agent, step, party, scenario_.reference_address)) ++calls_started_;
  }

  const Scenario& scenario_;
  sim::World world_;
  registrar::MemoryStore store_;
  Forwarder forwarder_;
  sim::Host* reference_host_ = nullptr;
  std::unique_ptr<element::ReferenceServer> server_;
  std::map<std::string, std::unique_ptr<sim::UserAgent>> agents_;
  std::uint64_t raw_counter_ = 0;
  std::uint64_t calls_started_ = 0;
};

// ---- judging ---------------------------------------------------------------------------------

class Judge {
public:
  Judge(const Scenario& scenario, const RunState& sim, Verdict& verdict)
      : scenario_(scenario), sim_(sim), verdict_(verdict) {}

  void judge() {
    const auto& e = scenario_.expect;
    if (!e.ladder.empty()) {
      auto exact = sim_.real_time() ? MatchMode::exact_per_pair : MatchMode::exact;
      auto mode = e.ladder_mode == LadderMode::exact ? exact : MatchMode::subset;
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
    auto at = find_line(verdict_.lines, *p, c.occurrence);
    if (!at) {
      fail(fmt::format("{}: no message \"{}\" (occurrence {}) on the wire", c.json_path, c.match, c.occurrence));
      return;
    }
    WireText text(verdict_.lines[*at].bytes);
    auto where = fmt::format("{} (\"{}\", message {})", c.json_path, c.match, *at + 1);
    if (c.status_line && text.first_line != *c.status_line) {
      fail(fmt::format("{}: first line: expected \"{}\", got \"{}\"", where, *c.status_line, text.first_line));
    }
    const auto& dst = verdict_.lines[*at].dst;
    if (c.sent_to && dst.to_string() != sim_.expected_text(c.sent_to->to_string())) {
      fail(fmt::format("{}: sent to {}, expected {}", where, dst.to_string(),
                       sim_.expected_text(c.sent_to->to_string())));
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
  }

  void check_timing(const TimingCheck& t) {
    std::size_t from_index = 0;
    rt::Instant from_time{};
    if (t.from) {
      auto p = pattern(*t.from, t.json_path);
      if (!p) return;
      auto at = find_line(verdict_.lines, *p);
      if (!at) {
        fail(fmt::format("{}: no message \"{}\" on the wire to measure from", t.json_path, *t.from));
        return;
      }
      from_index = *at;
      from_time = verdict_.lines[*at].time;
    }
    auto p = pattern(t.to, t.json_path);
    if (!p) return;
    auto at = find_line(verdict_.lines, *p, t.to_occurrence, from_index);
    if (!at) {
      fail(fmt::format("{}: no message \"{}\" (occurrence {}) after \"{}\"", t.json_path, t.to, t.to_occurrence,
                       t.from.value_or("the start")));
      return;
    }
    auto took = verdict_.lines[*at].time - from_time;
    auto span = fmt::format("\"{}\" -> \"{}\"", t.from.value_or("start"), t.to);
    if (t.max && took > *t.max) {
      fail(fmt::format("{}: {} took {}, expected at most {}", t.json_path, span, config::format_duration(took),
                       config::format_duration(*t.max)));
    }
    if (t.min && took < *t.min) {
      fail(fmt::format("{}: {} took {}, expected at least {}", t.json_path, span, config::format_duration(took),
                       config::format_duration(*t.min)));
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
    if (std::none_of(calls.begin(), calls.end(), [](const sim::AgentCall& c) { return c.answered; })) return answerers;
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
        {"failovers", c.failovers},   {"cancelled", c.cancelled}};
    for (const auto& [name, expected] : f.trunk_counters) {
      auto it = values.find(name);
      if (it == values.end()) {
        fail(fmt::format("finally.trunk_counters.{}: unknown counter (calls, answered, failed, challenged, forbidden, "
                         "channel_rejects, failovers, cancelled)", name));
      } else if (static_cast<std::int64_t>(it->second) != expected) {
        fail(fmt::format("finally.trunk_counters.{}: expected {}, got {}", name, expected, it->second));
      }
    }
  }

  const Scenario& scenario_;
  const RunState& sim_;
  Verdict& verdict_;
};


// ---- against a target, in real time -----------------------------------------------------------

std::optional<std::string> live_unsupported(const Scenario& scenario) {
  if (!scenario.nats.empty()) return "NAT boxes are simulated only";
  if (!scenario.faults.empty() || !scenario.links.empty()) return "network faults and links are simulated only";
  for (const auto& step : scenario.steps) {
    if (step.action == Action::nat_rebind || step.action == Action::host_down || step.action == Action::host_up) {
      return fmt::format("{}: network steps are simulated only", step.json_path);
    }
  }
  return std::nullopt;
}

rt::Duration scaled(rt::Duration d, double time_scale) {
  return rt::Duration{static_cast<std::int64_t>(static_cast<double>(d.count()) * time_scale)};
}

// The target as "trunk" and every party at its real socket.
AddressBook live_addresses(const Scenario& scenario, const LiveOptions& live) {
  AddressBook book{{kReferenceName, live.target}};
  for (const auto& party : scenario.parties) {
    if (party.on_wire()) book[party.name] = live_address(scenario, live, party.name);
  }
  return book;
}

// The emulated parties on real UDP sockets around a target. Every datagram a party sends, and
// every one the target sends to a party, is recorded once, with the time since the start, into
// a sim::Capture: the ladder, the pcap and the reports then work as in virtual time.
class LiveRun final : public RunState {
public:
  LiveRun(const Scenario& scenario, const LiveOptions& live, std::uint64_t seed)
      : scenario_(scenario), live_(live), random_(seed), scenario_book_(scenario_addresses(scenario)),
        live_book_(live_addresses(scenario, live)) {
    names_[live.target] = kReferenceName;
  }

  // Binds every party's socket; an error names the party and the address.
  std::optional<std::string> start() {
    start_ = clock_.now();
    last_datagram_ = start_;
    for (const auto& party : scenario_.parties) {
      if (!party.on_wire()) continue;
      auto address = live_address(scenario_, live_, party.name);
      auto opened = realtime::UdpTransport::open(loop_, address);
      if (auto* error = std::get_if<std::string>(&opened)) return fmt::format("party {}: {}", party.name, *error);
      auto tap = std::make_unique<Tap>(*this, party.name, std::move(std::get<0>(opened)));
      names_[tap->local_address()] = party.name;
      auto* raw_tap = tap.get();
      auto binder = [raw_tap](rt::DatagramHandler& handler) -> rt::Transport& {
        raw_tap->inner = &handler;
        return *raw_tap;
      };
      agents_.emplace(party.name, std::make_unique<sim::UserAgent>(
                                      party_config(scenario_, party, live_.target, live_.time_scale), binder,
                                      clock_, loop_, random_.stream(party.name)));
      taps_.push_back(std::move(tap));
      const auto* phone = std::get_if<PhoneSpec>(&party.role);
      if (phone && phone->register_at_start) {
        auto* agent = agents_.at(party.name).get();
        loop_.start_timer(rt::Duration{0}, [agent] { agent->register_now(); });
      }
    }
    if (!live_.capture_iface.empty()) {
      if (auto error = start_live_capture()) return error;
    }
    for (const auto& step : scenario_.steps) {
      loop_.start_timer(scaled(step.at.time_since_epoch(), live_.time_scale), [this, &step] {
        ++steps_done_;
        execute(step);
      });
    }
    return std::nullopt;
  }

  // Real time, bounded: run_until (scaled), else the last step plus 40 s for the flows to end.
  // The run ends sooner once it has settled: every step done, no party waiting for an answer
  // or a call set-up, nothing on the wire for kSettledQuiet, and `expectations_met` says the
  // verdict would be a pass (a scenario that waits for the target's own timers, such as its
  // OPTIONS probes, runs on until they show or run_until comes).
  void run(std::function<bool()> expectations_met) {
    expectations_met_ = std::move(expectations_met);
    rt::Duration last{0};
    for (const auto& step : scenario_.steps) last = std::max(last, step.at.time_since_epoch());
    auto until = scenario_.run_until.value_or(last + std::chrono::seconds(40));
    watch_settled();
    loop_.run_for(scaled(until, live_.time_scale));
    if (pcap_) {
      // Frames the kernel captured before the loop stopped are still buffered.
      drain_live_capture();
      loop_.unwatch(pcap_->selectable_fd());
    }
    elapsed_ = clock_.now() - start_;
  }
  // What went wrong with live capture during the run ("" = nothing).
  const std::string& capture_error() const { return capture_error_; }

  const element::ReferenceServer* server() const override { return nullptr; }
  bool real_time() const override { return true; }
  std::string expected_text(const std::string& text) const override {
    return translate_addresses(text, scenario_book_, live_book_);
  }
  const sim::UserAgent* agent(const std::string& name) const override {
    auto it = agents_.find(name);
    return it == agents_.end() ? nullptr : it->second.get();
  }
  const sim::Capture& capture() const { return capture_; }
  rt::Duration elapsed() const { return elapsed_; }
  std::uint64_t calls_started() const { return calls_started_; }

private:
  struct Tap final : rt::Transport, rt::DatagramHandler {
    Tap(LiveRun& owner, std::string party, std::unique_ptr<realtime::UdpTransport> socket)
        : run(owner), name(std::move(party)), udp(std::move(socket)) {
      udp->set_handler(this);
    }
    rt::Address local_address() const override { return udp->local_address(); }
    void send(const rt::Address& to, std::string_view bytes) override {
      run.record(local_address(), to, bytes);
      udp->send(to, bytes);
    }
    void on_datagram(const rt::Address& local, const rt::Address& remote, std::string_view bytes) override {
      if (!run.is_party(remote)) run.record(remote, local, bytes);  // parties' own sends are recorded already
      if (inner) inner->on_datagram(local, remote, bytes);
    }
    LiveRun& run;
    std::string name;
    std::unique_ptr<realtime::UdpTransport> udp;
    rt::DatagramHandler* inner = nullptr;
  };

  // libpcap on live_.capture_iface replaces the sockets' own record: the capture then shows
  // what the kernel carried, on the target's port and the parties'.
  std::optional<std::string> start_live_capture() {
    std::vector<std::uint16_t> ports;
    for (const auto& [name, address] : live_book_) ports.push_back(address.port());
    auto opened = reports::LiveCapture::open(live_.capture_iface, ports);
    if (auto* error = std::get_if<std::string>(&opened)) return *error;
    pcap_ = std::move(std::get<0>(opened));
    loop_.watch_readable(pcap_->selectable_fd(), [this] { drain_live_capture(); });
    return std::nullopt;
  }
  void drain_live_capture() {
    auto error = pcap_->drain([this](reports::Datagram d) {
      record_at(rt::Instant{d.time - start_}, d.src, d.dst, d.bytes);
    });
    if (!error.empty() && capture_error_.empty()) capture_error_ = "capture on " + live_.capture_iface + ": " + error;
  }

  void execute(const Step& step) {
    auto& agent = *agents_.at(step.party);
    if (step.action == Action::send) {
      agent.send_raw(expand_raw(scenario_, step, live_book_, ++raw_counter_), live_book_.at(step.target));
      return;
    }
    if (apply_party_step(agent, step, *scenario_.find_party(step.party), live_.target)) ++calls_started_;
  }

  // Long enough for a target's retransmission of a final response (T1 = 500 ms) or an ACK to
  // come in, short beside any scenario.
  static constexpr rt::Duration kSettledQuiet = std::chrono::milliseconds(1500);
  static constexpr rt::Duration kSettledPoll = std::chrono::milliseconds(100);

  void watch_settled() {
    loop_.start_timer(kSettledPoll, [this] {
      if (settled()) {
        loop_.stop();
        return;
      }
      watch_settled();
    });
  }
  bool settled() const {
    if (steps_done_ < scenario_.steps.size()) return false;
    if (clock_.now() - last_datagram_ < kSettledQuiet) return false;
    if (std::any_of(agents_.begin(), agents_.end(), [](const auto& entry) { return entry.second->waiting(); })) {
      return false;
    }
    return expectations_met_ && expectations_met_();
  }

  bool is_party(const rt::Address& address) const {
    auto it = names_.find(address);
    return it != names_.end() && it->second != kReferenceName;
  }
  std::string name_of(const rt::Address& address) const {
    auto it = names_.find(address);
    return it == names_.end() ? std::string{} : it->second;
  }
  // What a party's socket sent or received; with live capture, libpcap records instead.
  void record(const rt::Address& src, const rt::Address& dst, std::string_view bytes) {
    if (pcap_) {
      last_datagram_ = clock_.now();
      return;
    }
    record_at(rt::Instant{clock_.now() - start_}, src, dst, bytes);
  }
  void record_at(rt::Instant since_start, const rt::Address& src, const rt::Address& dst, std::string_view bytes) {
    sim::CaptureRecord r;
    r.time = since_start;
    r.src = src;
    r.dst = dst;
    r.src_host = name_of(src);
    r.dst_host = name_of(dst);
    r.bytes = std::string(bytes);
    capture_.record(std::move(r));
    last_datagram_ = clock_.now();
  }

  const Scenario& scenario_;
  const LiveOptions& live_;
  realtime::EventLoop loop_;
  realtime::SystemClock clock_;
  sim::RandomStreams random_;
  sim::Capture capture_;
  rt::Instant start_{};
  rt::Instant last_datagram_{};
  rt::Duration elapsed_{0};
  std::size_t steps_done_ = 0;
  std::uint64_t raw_counter_ = 0;
  std::unique_ptr<reports::LiveCapture> pcap_;
  std::string capture_error_;
  std::function<bool()> expectations_met_;
  AddressBook scenario_book_;
  AddressBook live_book_;
  std::map<rt::Address, std::string> names_;
  std::vector<std::unique_ptr<Tap>> taps_;
  std::map<std::string, std::unique_ptr<sim::UserAgent>> agents_;
  std::uint64_t calls_started_ = 0;
};

Verdict judge_run(const Scenario& scenario, const RunOptions& options, const RunState& state,
                  const sim::Capture& capture, Verdict verdict) {
  const auto& records = capture.records();
  verdict.lines = wire_lines(records);
  if (options.report_ladder) verdict.ladder = reports::build_ladder(reports::datagrams_from_capture(records));
  Judge(scenario, state, verdict).judge();
  if (options.keep_pcap) {
    auto pcap = capture.pcap_bytes();
    if (!pcap.error.empty()) verdict.failures.push_back("pcap: " + pcap.error);
    verdict.pcap = std::move(pcap.bytes);
  }
  verdict.passed = verdict.failures.empty();
  return verdict;
}

Verdict run_live(const Scenario& scenario, const RunOptions& options, Verdict verdict) {
  if (auto why = live_unsupported(scenario)) {
    verdict.failures.push_back(fmt::format("cannot run against a target: {}", *why));
    return verdict;
  }
  LiveRun run(scenario, *options.live, verdict.seed);
  if (auto error = run.start()) {
    verdict.failures.push_back(*error);
    return verdict;
  }
  RunOptions quick = options;  // judging on the way: no ladder, no pcap
  quick.report_ladder = false;
  quick.keep_pcap = false;
  run.run([&] { return judge_run(scenario, quick, run, run.capture(), verdict).passed; });
  verdict.virtual_duration = run.elapsed();
  verdict.calls_started = run.calls_started();
  if (!run.capture_error().empty()) verdict.failures.push_back(run.capture_error());
  if (!options.live->capture_iface.empty()) {
    verdict.notes.push_back(fmt::format("captured live with libpcap on {}: {} SIP datagrams on the run's ports",
                                        options.live->capture_iface, run.capture().records().size()));
  }
  if (run.capture().records().empty()) {
    verdict.failures.push_back("nothing was sent or received: the scenario has no steps for the parties");
  } else if (std::none_of(run.capture().records().begin(), run.capture().records().end(),
                          [](const sim::CaptureRecord& r) { return r.src_host == kReferenceName; })) {
    verdict.failures.push_back(fmt::format("no answer from the target udp:{} within the run",
                                           options.live->target.to_string()));
  }
  return judge_run(scenario, options, run, run.capture(), std::move(verdict));
}

}  // namespace

rt::Address live_address(const Scenario& scenario, const LiveOptions& live, const std::string& party) {
  if (auto it = live.binds.find(party); it != live.binds.end()) return it->second;
  std::uint16_t index = 0;
  for (const auto& p : scenario.parties) {
    if (p.name == party) break;
    ++index;
  }
  return rt::Address::ipv4(0x7f000001, static_cast<std::uint16_t>(live.base_port + index));
}

config::Config target_config(const Scenario& scenario, const LiveOptions& live) {
  config::Config c = scenario.reference;
  const AddressBook real = live_addresses(scenario, live);
  for (auto& provider : c.providers) {
    if (scenario.find_party(provider.name)) provider.address = real.at(provider.name);
  }
  // An IP-authenticated PBX is trusted where it really sends from.
  for (auto& trunk : c.trunks) {
    for (auto& trusted : trunk.trusted_addresses) trusted = translate_addresses(trusted, scenario_addresses(scenario), real);
  }
  return c;
}

Verdict run_scenario(const Scenario& scenario, const RunOptions& options) {
  Verdict verdict;
  verdict.name = scenario.name;
  verdict.file = scenario.file;
  verdict.seed = options.seed.value_or(scenario.seed);
  if (options.live) {
    verdict.real_time = true;
    verdict.target = "udp:" + options.live->target.to_string();
    // A target keeps state between runs: the same scenario run twice within 32 s must not
    // repeat its Call-IDs, tags and branches (they would match the first run's transactions).
    // Real time is not reproducible anyway; --seed still fixes the identifiers when asked.
    if (!options.seed) verdict.seed = realtime::OsRandom().next_u64() >> 1;
  }
  if (options.live) return run_live(scenario, options, std::move(verdict));
  std::unique_ptr<Simulation> sim;
  try {
    sim = std::make_unique<Simulation>(scenario, verdict.seed);
  } catch (const std::invalid_argument& e) {
    verdict.failures.push_back(fmt::format("topology refused by the network: {}", e.what()));
    return verdict;
  }
  sim->run();
  verdict.virtual_duration = sim->world().now().time_since_epoch();
  verdict.calls_started = sim->calls_started();
  return judge_run(scenario, options, *sim, sim->world().capture(), std::move(verdict));
}

std::string Verdict::ladder_text() const {
  std::string out;
  for (const auto& line : lines) out += line.annotated() + "\n";
  return out;
}

std::string Verdict::failure_text() const {
  std::string out;
  for (const auto& f : failures) out += f + (f.ends_with('\n') ? "" : "\n");
  if (real_time) {
    out += fmt::format("real time against {}: timing and interleaving may differ from run to run\n", target);
  } else {
    out += fmt::format("seed {}: reproduce with `trunklab run {} --seed {}`\n", seed, file, seed);
  }
  return out;
}

nlohmann::json Verdict::to_json() const {
  nlohmann::json j;
  j["name"] = name;
  j["file"] = file;
  j["seed"] = seed;
  j["passed"] = passed;
  j["failures"] = failures;
  j["virtual_duration_ms"] = rt::to_ms(virtual_duration);
  j["messages"] = lines.size();
  nlohmann::json wire = nlohmann::json::array();
  for (const auto& line : lines) wire.push_back(line.annotated());
  j["ladder"] = wire;
  return j;
}

std::filesystem::path golden_path(const Scenario& scenario) {
  return std::filesystem::path(scenario.file).parent_path() / "golden" / (scenario.name + ".ladder.txt");
}

std::optional<std::string> check_golden(const Scenario& scenario, Verdict& verdict, bool update) {
  auto path = golden_path(scenario);
  auto text = verdict.ladder_text();
  if (update) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) return fmt::format("cannot write {}", path.string());
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;  // no golden file yet: nothing to compare
  std::ostringstream golden;
  golden << in.rdbuf();
  if (golden.str() == text) return std::nullopt;
  // Show the first differing line of each: the full ladders are in the output folder.
  std::istringstream a(golden.str());
  std::istringstream b(text);
  std::string la;
  std::string lb;
  std::size_t n = 0;
  while (true) {
    bool ga = static_cast<bool>(std::getline(a, la));
    bool gb = static_cast<bool>(std::getline(b, lb));
    ++n;
    if (!ga && !gb) break;
    if (!ga) la = "(end)";
    if (!gb) lb = "(end)";
    if (la != lb || !ga || !gb) break;
  }
  verdict.failures.push_back(fmt::format(
      "golden ladder {} differs at line {}:\n  golden: {}\n  actual: {}\n  (rerun with --update if the change is intended)",
      path.string(), n, la, lb));
  verdict.passed = false;
  return std::nullopt;
}

}  // namespace trunklab::scenario
