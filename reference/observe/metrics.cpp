#include "reference/observe/metrics.hpp"

#include <fmt/format.h>

#include <utility>

namespace trunklab::observe {

namespace {

double number(std::uint64_t n) { return static_cast<double>(n); }

void one(Exposition& out, std::string_view name, std::string_view type, std::string_view help, double value) {
  out.family(name, type, help);
  out.sample(name, {}, value);
}

void registrations(Exposition& out, const registrar::Registrar& registrar) {
  const auto& c = registrar.counters();
  one(out, "trunklab_register_requests_total", "counter", "REGISTER requests received", number(c.registers));
  one(out, "trunklab_registrations_total", "counter", "REGISTERs accepted (200)", number(c.accepted));
  one(out, "trunklab_register_challenges_total", "counter", "REGISTERs challenged for credentials (401)",
      number(c.challenged));
  out.family("trunklab_registration_failures_total", "counter",
             "REGISTERs refused, by status and reason (forbidden: wrong user name, password or address-of-record)");
  for (const auto& [status, n] : c.failures) {
    out.sample("trunklab_registration_failures_total",
               {{"status", status_label(status)}, {"reason", registration_failure_reason(status)}}, number(n));
  }
  one(out, "trunklab_bindings_expired_total", "counter", "Bindings removed because they expired", number(c.expired));
  one(out, "trunklab_bindings", "gauge", "Live (unexpired) bindings of every address-of-record",
      number(registrar.live_bindings().size()));
}

void channels(Exposition& out, const config::Config& config, const trunk::Trunk& trunk) {
  out.family("trunklab_channels_in_use", "gauge", "Calls holding a channel of the trunk");
  for (const auto& t : config.trunks) out.sample("trunklab_channels_in_use", {{"trunk", t.name}}, number(trunk.channels_in_use(t.name)));
  out.family("trunklab_channels_limit", "gauge", "The trunk's channel limit (0: unlimited)");
  for (const auto& t : config.trunks) out.sample("trunklab_channels_limit", {{"trunk", t.name}}, t.channels);
}

void providers(Exposition& out, const config::Config& config, const trunk::Trunk& trunk) {
  out.family("trunklab_provider_up", "gauge",
             "1 while OPTIONS probing finds the provider up, 0 while it is marked down (probed providers only)");
  for (const auto& p : config.providers) {
    if (!p.options_interval) continue;
    out.sample("trunklab_provider_up", {{"provider", p.name}}, trunk.routes().is_down(p.name) ? 0.0 : 1.0);
  }
}

void events(Exposition& out, const trunk::Counters& t, const element::Counters& e) {
  const std::pair<const char*, std::uint64_t> trunk_events[] = {
      {"calls", t.calls},
      {"answered", t.answered},
      {"failed", t.failed},
      {"challenged", t.challenged},
      {"forbidden", t.forbidden},
      {"channel_rejects", t.channel_rejects},
      {"failovers", t.failovers},
      {"cancelled", t.cancelled},
      {"media_relayed", t.media_relayed},
      {"media_ports_exhausted", t.media_ports_exhausted},
      {"media_timeouts", t.media_timeouts},
  };
  out.family("trunklab_trunk_events_total", "counter",
             "The trunk's counters (calls: INVITEs admitted; challenged: 407 sent; channel_rejects: 503 at the limit; ...)");
  for (const auto& [name, n] : trunk_events) out.sample("trunklab_trunk_events_total", {{"event", name}}, number(n));
  const std::pair<const char*, std::uint64_t> element_events[] = {
      {"options", e.options},
      {"keepalives", e.keepalives},
      {"not_allowed", e.not_allowed},
      {"no_transaction", e.no_transaction},
      {"nat_pings", e.nat_pings},
      {"refused_by_headers", e.refused_by_headers},
  };
  out.family("trunklab_element_events_total", "counter",
             "The element's counters (options answered, CRLF keepalives, 405, 481, OPTIONS pings sent to NATed "
             "contacts, 416/420)");
  for (const auto& [name, n] : element_events) out.sample("trunklab_element_events_total", {{"event", name}}, number(n));
}

}  // namespace

std::string registration_failure_reason(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 403: return "forbidden";
    case 404: return "not_a_registrar_domain";
    case 423: return "interval_too_brief";
    case 500: return "store_error";
    default: return "other";
  }
}

std::string render_metrics(const CallStats& calls, const element::ReferenceServer& server) {
  Exposition out;
  calls.write(out);
  const auto& trunk = server.trunk();
  one(out, "trunklab_calls_in_progress", "gauge", "Calls admitted and not yet ended (ringing or answered)",
      number(trunk.calls_in_progress()));
  channels(out, server.config(), trunk);
  providers(out, server.config(), trunk);
  registrations(out, server.registrar());
  events(out, trunk.counters(), server.counters());
  return out.text();
}

}  // namespace trunklab::observe
