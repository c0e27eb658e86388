// The real stage's media sockets: every media port of a party is one more edge of it, so RTP
// and RTCP take exactly SIP's path through the emulation (capture, NAT mappings on real
// sockets, fault chain, links, host up/down) in real_stage.cpp.
#include "scenario/real_stage.hpp"
#include "scenario/real_stage_edge.hpp"

#include <fmt/format.h>

namespace trunklab::scenario {

rt::Transport* RealStage::bind_media(const PartySpec& party, std::uint16_t port, rt::DatagramHandler& handler) {
  auto it = parties_.find(party.name);
  if (it == parties_.end()) return nullptr;
  const PartyEdge& sip = *it->second;
  if (media_.size() >= kMaxMediaSockets) {
    ++media_refused_;
    return nullptr;
  }
  auto edge = std::make_unique<PartyEdge>(*this, party);
  edge->nat = sip.nat;
  edge->bind_ip = sip.bind_ip;
  edge->scenario_address = sip.scenario_address.with_port(port);
  if (sip.nat) {
    // Its private address is the scenario's: a port of the private host, taken or not.
    edge->local = sip.local.with_port(port);
    if (edge_at_.contains(edge->local)) return nullptr;
  } else {
    // The real port is the kernel's to give: the wished one if free (another party on the same
    // IP may hold it), else any; the SDP advertises local_address().
    auto opened = realtime::UdpTransport::open(loop_, sip.bind_ip.with_port(port));
    if (std::holds_alternative<std::string>(opened)) opened = realtime::UdpTransport::open(loop_, sip.bind_ip);
    if (std::holds_alternative<std::string>(opened)) return nullptr;
    edge->udp = std::move(std::get<0>(opened));
    edge->udp->set_handler(edge.get());
    edge->local = edge->udp->local_address();
  }
  edge->handler = &handler;
  edge->media = true;
  names_[edge->local] = party.name;
  edge_at_[edge->local] = edge.get();
  return &media_.emplace_back(std::move(edge))->transport;
}

std::optional<std::string> RealStage::unroutable(const PartyEdge& from, const rt::Address& to) const {
  if (to == live_.target) return std::nullopt;
  for (const auto& [name, edge] : parties_) {
    if (!edge->nat || edge->scenario_address.ip_string() != to.ip_string()) continue;
    if (edge->nat == from.nat) {
      return fmt::format("nat {}: traffic between parties behind it is not emulated on the real stage", edge->nat->name());
    }
    return fmt::format("unroutable: {} is private behind nat {}", to.ip_string(), edge->nat->name());
  }
  for (const auto& nat : scenario_.nats) {
    if (!nat.public_ip || nat.public_ip->ip_string() != to.ip_string()) continue;
    return fmt::format("unroutable on the real stage: {} is nat {}'s public address in the scenario (its mappings "
                       "are real sockets)", to.ip_string(), nat.name);
  }
  return std::nullopt;
}

}  // namespace trunklab::scenario
