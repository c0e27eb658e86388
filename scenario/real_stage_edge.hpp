// The real stage's sockets, shared by real_stage.cpp (SIP) and real_stage_media.cpp (media):
// a party's edge is one of its sockets as the scenario sees it (its SIP socket, or one media
// port), with the real sockets standing for it.
#pragma once

#include "scenario/real_stage.hpp"

#include "reference/rt/transport_pair.hpp"

namespace trunklab::scenario {

// What an emulated party's agent sends through: its own address as the party knows it (the
// private one behind a NAT), every datagram handed to the stage.
struct RealStage::PartyTransport final : rt::Transport {
  PartyTransport(RealStage& s, PartyEdge& p) : stage(s), party(p) {}
  rt::Address local_address() const override;
  void send(const rt::Address& to, std::string_view bytes) override;
  RealStage& stage;
  PartyEdge& party;
};

// A real socket standing for one public mapping of a NAT (scenario address -> real port).
struct RealStage::PublicSocket final : rt::DatagramHandler {
  PublicSocket(RealStage& s, PartyEdge& p, const rt::Address& pub) : stage(s), party(p), scenario_public(pub) {}
  void on_datagram(const rt::Address& local, const rt::Address& remote, std::string_view bytes) override {
    stage.on_real_datagram(party, this, local, remote, bytes);
  }
  RealStage& stage;
  PartyEdge& party;
  rt::Address scenario_public;
  std::unique_ptr<realtime::UdpTransport> udp;
};

struct RealStage::PartyEdge final : rt::DatagramHandler, wiretap::Observer {
  PartyEdge(RealStage& s, const PartySpec& p) : stage(s), spec(p), transport(s, *this) {}
  void on_datagram(const rt::Address& at, const rt::Address& remote, std::string_view bytes) override {
    stage.on_real_datagram(*this, nullptr, at, remote, bytes);
  }
  wiretap::WireId on_wire(const wiretap::WireEvent& event) override { return stage.record_tcp(*this, event); }
  RealStage& stage;
  const PartySpec& spec;
  sim::Nat* nat = nullptr;
  rt::Address local;             // the real socket, or the private address behind a NAT
  rt::Address scenario_address;  // where the scenario puts it (fault rules match it)
  rt::Address bind_ip;           // where its sockets (public mappings too) are opened
  std::unique_ptr<realtime::UdpTransport> udp;  // not behind a NAT
  // Not behind a NAT: TCP on the UDP socket's port too; the agent's transport is then `pair`.
  std::unique_ptr<realtime::TcpTransport> tcp;
  std::unique_ptr<rt::TransportPair> pair;
  std::map<std::uint16_t, std::unique_ptr<PublicSocket>> publics;  // by scenario public port
  rt::DatagramHandler* handler = nullptr;
  bool media = false;  // one of its media ports (RTP, RTCP), not its SIP socket
  PartyTransport transport;
};

}  // namespace trunklab::scenario
