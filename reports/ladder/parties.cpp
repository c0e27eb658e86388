#include "reports/ladder/parties.hpp"

#include <algorithm>
#include <functional>
#include <unordered_map>

namespace trunklab::reports {
namespace {

// A NAT forwards at once; a copy later than this is another message with the same bytes.
constexpr rt::Duration kNatCopyWindow = rt::from_ms(2000);

// RFC 1918, RFC 6598 (carrier-grade NAT), RFC 4193 (unique local IPv6): addresses a NAT hides.
// A Via naming one while the wire shows a public address is a NAT; between two private
// addresses it is more likely a proxy or a misconfigured Via, and proves nothing.
bool is_private(const rt::Address& a) {
  const auto& b = a.bytes();
  if (!a.is_v6()) {
    return b[0] == 10 || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168) ||
           (b[0] == 100 && (b[1] & 0xC0) == 64);
  }
  return (b[0] & 0xFE) == 0xFC;
}

}  // namespace

PartyPlan::PartyPlan(const std::vector<WireFacts>& messages, const NameMap& names)
    : nat_copy_(messages.size(), false) {
  find_nat_copies(messages);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    if (nat_copy_[i] || !m.sent_by) continue;
    // The top Via is the sender's in a request, the recipient's in a response.
    const rt::Address& wire = m.is_request ? m.datagram->src : m.datagram->dst;
    if (is_private(*m.sent_by) && !is_private(wire)) observations_.push_back({i, *m.sent_by, wire, false});
  }
  // In capture order, so a rebinding is marked where the new address first shows.
  std::stable_sort(observations_.begin(), observations_.end(),
                   [](const Observation& a, const Observation& b) { return a.message < b.message; });
  for (const auto& o : observations_) observe_nat(o);
  join_answering_ports(messages);
  name_groups(messages, names);
}

rt::Address PartyPlan::find(const rt::Address& a) const {
  rt::Address at = a;
  for (auto it = parent_.find(at); it != parent_.end() && it->second != at; it = parent_.find(at)) at = it->second;
  return at;
}

void PartyPlan::join(const rt::Address& a, const rt::Address& b) {
  rt::Address ra = find(a);
  rt::Address rb = find(b);
  parent_.try_emplace(ra, ra);
  parent_.try_emplace(rb, rb);
  if (ra != rb) parent_[rb] = ra;
}

void PartyPlan::observe_nat(const Observation& o) {
  if (o.wire_copy) {
    // The same bytes on both sides of the NAT: certainly one party.
    inside_[o.inside] = true;
    join(o.inside, o.outside);
  } else {
    via_inside_[o.outside] = o.inside;
  }
  auto [it, inserted] = public_of_.try_emplace(o.inside, o.outside);
  if (inserted || it->second == o.outside) return;
  // A Via alone proves less (a wrong sent-by, two homes with one private address): only a new
  // port on the same public IP is the same NAT rebinding.
  if (!o.wire_copy && it->second.ip_string() != o.outside.ip_string()) return;
  join(it->second, o.outside);
  rebindings_.push_back(Rebinding{o.message, o.inside, it->second, o.outside});
  it->second = o.outside;
}

void PartyPlan::find_nat_copies(const std::vector<WireFacts>& messages) {
  // Only looked up, never iterated: its order cannot reach output.
  std::unordered_map<std::string_view, std::vector<std::size_t>> by_bytes;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const Datagram& d = *messages[i].datagram;
    auto& earlier = by_bytes[d.bytes];
    for (auto it = earlier.rbegin(); it != earlier.rend(); ++it) {
      const Datagram& o = *messages[*it].datagram;
      if (d.time - o.time > kNatCopyWindow) break;
      const bool same_src = o.src == d.src;
      const bool same_dst = o.dst == d.dst;
      if (same_src == same_dst) continue;  // both: a retransmission; neither: another path
      nat_copy_[i] = true;
      // Outbound the original (as sent) has the inside source; inbound the copy has the
      // inside destination (recorded where the NAT delivers it).
      if (!same_src) {
        observations_.push_back({*it, o.src, d.src, true});
      } else {
        observations_.push_back({*it, d.dst, o.dst, true});
      }
      break;
    }
    if (!nat_copy_[i]) earlier.push_back(i);
  }
}

void PartyPlan::join_answering_ports(const std::vector<WireFacts>& messages) {
  std::map<std::tuple<std::string, std::string, std::string>, const Datagram*> requests;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    if (nat_copy_[i] || m.call_id.empty() || m.branch.empty()) continue;
    auto key = std::make_tuple(m.call_id, m.cseq, m.branch);
    if (m.is_request) {
      requests.try_emplace(key, m.datagram);
      continue;
    }
    auto it = requests.find(key);
    if (it == requests.end()) continue;
    const Datagram& request = *it->second;
    if (request.src == m.datagram->dst && request.dst != m.datagram->src) join(request.dst, m.datagram->src);
  }
}

void PartyPlan::name_groups(const std::vector<WireFacts>& messages, const NameMap& names) {
  std::map<rt::Address, std::string> from_map;
  std::map<rt::Address, std::string> carried;
  std::map<rt::Address, std::string> first;
  auto see = [&](const rt::Address& a, const std::string& carried_name) {
    const rt::Address root = find(a);
    parent_.try_emplace(a, a);
    if (auto it = names.find(a); it != names.end()) from_map.try_emplace(root, it->second);
    if (!carried_name.empty()) carried.try_emplace(root, carried_name);
    first.try_emplace(root, a.to_string());
  };
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const Datagram& d = *messages[i].datagram;
    if (nat_copy_[i]) {
      // A copy's names are the same parties' (the simulator names the NAT's view by the host).
      see(d.src, {});
      see(d.dst, {});
      continue;
    }
    see(d.src, d.src_name);
    see(d.dst, d.dst_name);
  }
  for (const auto& [address, is_inside] : inside_) see(address, {});
  for (const auto& [root, name] : first) {
    if (auto m = from_map.find(root); m != from_map.end()) {
      group_name_[root] = m->second;
    } else if (auto c = carried.find(root); c != carried.end()) {
      group_name_[root] = c->second;
    } else {
      group_name_[root] = name;
    }
  }
}

std::optional<std::string> PartyPlan::name_of(const rt::Address& address) const {
  if (!parent_.contains(address)) return std::nullopt;
  auto it = group_name_.find(find(address));
  if (it == group_name_.end()) return std::nullopt;
  return it->second;
}

std::vector<rt::Address> PartyPlan::addresses_of(const rt::Address& address) const {
  std::vector<rt::Address> out;
  if (!parent_.contains(address)) return out;
  const rt::Address root = find(address);
  for (const auto& [a, p] : parent_) {
    if (find(a) == root) out.push_back(a);
  }
  return out;
}

std::vector<rt::Address> PartyPlan::inside_of(const rt::Address& address) const {
  std::vector<rt::Address> out;
  for (const auto& a : addresses_of(address)) {
    if (inside_.contains(a)) out.push_back(a);
    if (auto it = via_inside_.find(a); it != via_inside_.end()) out.push_back(it->second);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace trunklab::reports
