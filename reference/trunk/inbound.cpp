// Inbound calls and their hunting. A provider's INVITE for a configured number follows the
// number's flow: an extension (every live contact rings: a fork), a trunk (its addresses by its
// destination policy, or where its PBX registered from), or a call route: up to 10 such entries
// tried in order, the last possibly a phone number reached through the customer's outbound
// routes. The next entry is tried when every leg of the current one failed with a 5xx, 408
// (no answer within the entry's timeout) or 480; an entry that cannot be reached (no
// registration, every address down by probing, its trunk's channels all in use) is skipped.
#include "reference/trunk/b2bua.hpp"

#include "reference/trunk/call_state.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace trunklab::trunk {

// An entry turned into the groups of legs that try it, or why it cannot be tried now.
struct Trunk::Expanded {
  std::vector<HuntGroup> groups;
  std::string why;          // empty when groups has some
  bool channel_limit = false;
};

namespace {

// The dialled number in the Request-URI of a registered contact: a PBX picks the DID from it.
std::string with_user(const std::string& contact_uri, const std::string& user) {
  auto uri = sip::Uri::parse(contact_uri);
  if (!uri) return contact_uri;
  uri->user = user;
  return uri->to_string();
}

bool hunts_on(int status) { return status >= 500 || status == 408 || status == 480; }

}  // namespace

std::vector<Trunk::HuntGroup> Trunk::trunk_groups(const config::Trunk& trunk, const config::CallRouteEntry& entry,
                                                  const std::string& dialled, std::string& why) {
  const auto domain = config_->trunk_domain(trunk.name);
  const auto timeout = entry.timeout ? entry.timeout : trunk.invite_timeout ? trunk.invite_timeout : kRingTimeout;
  std::vector<HuntGroup> out;
  if (trunk.type == config::TrunkType::registered) {
    HuntGroup group{trunk.name, {}, timeout};
    for (const auto& b : registrar_.trunk_contacts(trunk)) {
      group.targets.push_back({b.contact_uri, b.source, with_user(b.contact_uri, dialled),
                               fmt::format("<sip:{}@{}>", dialled, domain), false});
    }
    if (group.targets.empty()) why = fmt::format("trunk {} is not registered", trunk.name);
    else out.push_back(std::move(group));
    return out;
  }
  auto is_down = [this](const config::Trunk& t, const config::TrunkAddress& a) {
    return routes_.is_down(trunk_address_key(t.name, a.address));
  };
  for (const auto& address : destinations_.order_for_call(trunk, is_down)) {
    auto uri = fmt::format("sip:{}@{}", dialled, address.to_string());
    out.push_back({trunk.name, {{fmt::format("{} {}", trunk.name, address.to_string()), address, uri,
                                 fmt::format("<sip:{}@{}>", dialled, domain), false}}, timeout});
  }
  if (out.empty()) {
    why = trunk.addresses.empty() ? fmt::format("trunk {} has no address", trunk.name)
                                  : fmt::format("every address of trunk {} is down", trunk.name);
  }
  return out;
}

Trunk::Expanded Trunk::expand_entry(const config::CallRouteEntry& entry, const std::string& customer,
                                    const std::string& dialled) {
  Expanded e;
  using Kind = config::CallRouteEntry::Kind;
  if (entry.kind == Kind::extension) {
    const auto* extension = config_->find_extension(customer, entry.target);
    HuntGroup group{"", {}, entry.timeout.value_or(kRingTimeout)};
    for (const auto& b : registrar_.live_contacts(customer, entry.target)) {
      group.targets.push_back({b.contact_uri, b.source, b.contact_uri,
                               fmt::format("<sip:{}@{}>", extension->username, config_->registrar_domain(customer)), false});
    }
    if (group.targets.empty()) e.why = fmt::format("{} has no registered contact", entry.target);
    else e.groups.push_back(std::move(group));
  } else if (entry.kind == Kind::trunk) {
    const auto* trunk = config_->find_trunk(entry.target);
    if (trunk->channels > 0 && channels_in_use(trunk->name) >= static_cast<std::size_t>(trunk->channels)) {
      ++counters_.channel_rejects;
      e.why = fmt::format("trunk {}: channel limit {} reached", trunk->name, trunk->channels);
      e.channel_limit = true;
    } else {
      e.groups = trunk_groups(*trunk, entry, dialled, e.why);
    }
  } else {
    for (const auto* provider : routes_.candidates(customer, entry.target)) {
      if (!provider->address) continue;
      auto uri = fmt::format("sip:{}@{}", entry.target, provider->hostname);
      e.groups.push_back({"", {{provider->name, *provider->address, uri, fmt::format("<{}>", uri), true}},
                          entry.timeout ? entry.timeout : provider->invite_timeout.value_or(endpoint_.config().timer_b())});
    }
    if (e.groups.empty()) e.why = fmt::format("no route for {}", entry.target);
  }
  return e;
}

void Trunk::handle_inbound(txn::ServerTxnId txn, const sip::Message& invite, const rt::Address& source,
                           const config::Provider& provider) {
  admitting_ = {"inbound", {}, {}, provider.name};
  auto request_uri = sip::Uri::parse(invite.request_uri());
  if (!request_uri) return reject(txn, invite, 400, "Bad Request (Request-URI is not a SIP URI)");
  const auto* number = number_named(request_uri->user);
  if (!number) return reject(txn, invite, 404, fmt::format("Not Found (no number {} here)", phrase_text(request_uri->user)));
  admitting_.customer = number->customer;
  using Kind = config::CallRouteEntry::Kind;
  std::deque<config::CallRouteEntry> entries;
  if (!number->dial_extension.empty()) entries.push_back({Kind::extension, number->dial_extension, std::nullopt});
  if (!number->trunk.empty()) entries.push_back({Kind::trunk, number->trunk, std::nullopt});
  if (const auto* route = config_->find_call_route(number->call_route)) entries.assign(route->entries.begin(), route->entries.end());
  // The first entry that can be tried now; none: refused before any leg (480, or the 503 of a
  // full trunk when that was all there was).
  std::vector<std::string> skipped;
  bool only_channel_limit = true;
  std::vector<HuntGroup> groups;
  while (!entries.empty() && groups.empty()) {
    auto expanded = expand_entry(entries.front(), number->customer, number->number);
    entries.pop_front();
    if (!expanded.why.empty()) {
      skipped.push_back(expanded.why);
      only_channel_limit = only_channel_limit && expanded.channel_limit;
    }
    groups = std::move(expanded.groups);
  }
  if (groups.empty()) {
    const auto why = skipped.empty() ? std::string("nothing to call") : skipped.back();
    if (only_channel_limit && !skipped.empty()) {
      const auto reason = fmt::format("Service Unavailable ({})", why);
      auto response = sip::OutgoingMessage::response_to(invite, 503, reason, sip::new_tag(random_));
      response.add("Reason", reason_header(503, "channel limit reached"));
      endpoint_.respond(txn, std::move(response));
      record_refusal(invite, 503, reason);
      return;
    }
    return reject(txn, invite, 480, fmt::format("Temporarily Unavailable ({})", phrase_text(why)));
  }
  auto& call = new_call(txn, invite, source);
  call.inbound = true;
  call.customer = number->customer;
  call.outcome.direction = "inbound";
  call.outcome.caller = provider.name;
  call.hunt_entries = std::move(entries);
  call.hunt_groups.assign(std::make_move_iterator(groups.begin()), std::make_move_iterator(groups.end()));
  respond_a(call, 100);
  next_hunt_group(call);
}

// Starts the next group that has anything to ring, expanding entries as it goes; false when
// the hunt is over.
bool Trunk::next_hunt_group(Call& call) {
  while (true) {
    if (!call.hunt_groups.empty()) {
      auto group = std::move(call.hunt_groups.front());
      call.hunt_groups.pop_front();
      start_hunt_group(call, std::move(group));
      return true;
    }
    if (call.hunt_entries.empty()) return false;
    auto expanded = expand_entry(call.hunt_entries.front(), call.customer, call.outcome.destination);
    call.hunt_entries.pop_front();
    call.hunt_groups.assign(std::make_move_iterator(expanded.groups.begin()),
                            std::make_move_iterator(expanded.groups.end()));
  }
}

void Trunk::start_hunt_group(Call& call, HuntGroup group) {
  if (call.holds_channel && call.trunk != group.trunk) {  // moving on from a trunk: its channel is free
    call.holds_channel = false;
    --channels_[call.trunk];
  }
  if (!group.trunk.empty() && !call.holds_channel) {
    call.trunk = group.trunk;
    call.holds_channel = true;
    ++channels_[group.trunk];
  }
  if (!call.legs.empty()) ++counters_.failovers;
  call.group_first_leg = call.legs.size();
  for (auto& target : group.targets) {
    start_leg(call, std::move(target.name), target.address, std::move(target.request_uri), group.timeout);
    call.legs.back().dialog.remote_uri = std::move(target.remote_uri);
    call.legs.back().to_provider = target.provider;
  }
  for (std::size_t i = call.group_first_leg; i < call.legs.size(); ++i) send_leg_invite(call, call.legs[i]);
}

// Every leg of the current group failed: on to the next group if they all failed in a way that
// hunts; true when a next group rings.
bool Trunk::hunt_on(Call& call) {
  for (std::size_t i = call.group_first_leg; i < call.legs.size(); ++i) {
    if (!hunts_on(call.legs[i].final_status)) return false;
  }
  return !call.cancelled && next_hunt_group(call);
}

}  // namespace trunklab::trunk
