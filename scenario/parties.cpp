// The emulated parties' configuration and steps, addresses and raw-message placeholders:
// shared by the virtual-time simulation and the real-time run against a target.
#include "scenario/run_state.hpp"

#include <fmt/format.h>

#include <cctype>

namespace trunklab::scenario::detail {

agents::UserAgentConfig party_config(const Scenario& scenario, const PartySpec& party,
                                  const rt::Address& reference, double time_scale, rt::TransportKind transport) {
  const auto& ref = scenario.reference;
  agents::UserAgentConfig c;
  c.name = party.name;
  c.transport = transport;
  c.media = party.media;
  if (party.codecs) c.codecs = *party.codecs;
  if (const auto* phone = std::get_if<PhoneSpec>(&party.role)) {
    c.username = phone->username;
    c.password = phone->password;
    const config::Extension* ext = nullptr;
    for (const auto& e : ref.extensions) {
      if (e.name == phone->extension) ext = &e;
    }
    c.registrar_domain = ref.registrar_domain(ext ? ext->customer : config::kDefaultCustomer);
    const auto* trunk = ref.find_trunk(phone->trunk);
    if (!ext && trunk && trunk->type == config::TrunkType::registered) c.registrar_domain = ref.trunk_domain(trunk->name);
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
    auto scale = [time_scale](agents::AnswerScript& script) {
      for (auto& step : script.steps) {
        step.after = rt::Duration{static_cast<std::int64_t>(static_cast<double>(step.after.count()) * time_scale)};
      }
    };
    scale(c.answer);
    // The party's own keep-alive belongs to the scenario's time (a NAT's idle timeout is
    // scaled alike); registration refreshes follow the Expires the target grants.
    if (c.keepalive_interval) {
      *c.keepalive_interval = rt::Duration{static_cast<std::int64_t>(static_cast<double>(c.keepalive_interval->count()) * time_scale)};
    }
    for (auto& [prefix, script] : c.answer_by_prefix) scale(script);
  }
  return c;
}

bool apply_party_step(agents::UserAgent& agent, const Step& step, const PartySpec& party,
                      const rt::Address& reference) {
  switch (step.action) {
    case Action::register_: agent.register_now(); break;
    case Action::unregister: agent.unregister(); break;
    case Action::unregister_all: agent.unregister_all(); break;
    case Action::hangup: agent.hangup(); break;
    case Action::cancel: agent.cancel(); break;
    case Action::reinvite: agent.reinvite(); break;
    case Action::hold: agent.reinvite({step.direction, false}); break;
    case Action::resume: agent.reinvite({sip::SdpDirection::sendrecv, false}); break;
    case Action::fax: agent.reinvite({sip::SdpDirection::sendrecv, true}); break;
    case Action::dtmf: agent.send_dtmf(step.dtmf, step.dtmf_auto); break;
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

AddressBook scenario_addresses(const Scenario& scenario) {
  AddressBook book{{kReferenceName, scenario.reference_address}};
  for (const auto& p : scenario.parties) {
    if (p.address) book.emplace(p.name, *p.address);
  }
  return book;
}

namespace {

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

}  // namespace

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

namespace {

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

}  // namespace

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

}  // namespace trunklab::scenario::detail
