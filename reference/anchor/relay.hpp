// Media anchoring: the trunk's RTP relay, as Kamailio trunks do with rtpengine and SBCs do by
// themselves. Each call gets two ports of the element's own (one facing each leg, from a
// configured range; RTCP on the port + 1); what arrives on one is sent from the other. The
// relay latches (symmetric RTP, "comedia"): it sends to the address a side actually sends from,
// learned from its first packet, not to the address its SDP advertised (a phone behind a NAT
// advertises its private one). Packets are relayed as opaque datagrams: RTP, RTCP, RFC 4733
// events and T.38 UDPTL alike. Sockets come from an injected binder, so the same code runs on
// the simulated network and on real sockets (`trunklab serve`).
// The called side can have several branches: a leg per provider tried (failover) or per
// registered contact rung (forking), each offered ports of its own. Media flows between the
// caller and the selected branch, the one whose SDP the caller got last; the others' packets
// are dropped, and a branch given up is released, so a failed or losing leg's late media can
// neither reach the caller nor be latched onto in place of the winner's.
#pragma once

#include "reference/anchor/dtmf_interworking.hpp"
#include "reference/rt/address.hpp"
#include "reference/rt/time.hpp"
#include "reference/rt/transport.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace trunklab::anchor {

// Binds a UDP port of the element (null: taken or refused).
using PortBinder = std::function<rt::Transport*(std::uint16_t port, rt::DatagramHandler& handler)>;

struct RelayConfig {
  std::uint16_t first_port = 30000;  // even; RTP on even ports, RTCP on the next odd one
  std::uint16_t last_port = 39999;
};

enum class Side { a, b };  // a: the caller's leg, b: the called leg

struct SideFigures {
  std::uint64_t packets_in = 0;   // RTP arriving from this side
  std::uint64_t packets_out = 0;  // relayed to this side
  std::uint64_t dropped = 0;      // arrived before the other side had an address, or from a
                                  // branch that is not the selected one
  std::optional<rt::Address> latched;       // RTP's source
  std::optional<rt::Address> latched_rtcp;  // RTCP's (a NAT maps it apart)
  std::optional<rt::Address> advertised;  // from this side's SDP
};

// DTMF interworking for a session: the side that negotiated telephone-event and the types.
struct DtmfInterworking {
  Side events_side = Side::a;
  DtmfInterworkingConfig config;
};

// Over the relay's life, all sessions together (serve's summary).
struct RelayTotals {
  std::uint64_t sessions = 0;             // opened
  std::uint64_t rtp_a_to_b = 0;           // RTP packets relayed from the caller's leg to the called one
  std::uint64_t rtp_b_to_a = 0;           // and back
  std::uint64_t rtcp = 0;                 // RTCP packets relayed, either way
  std::uint64_t dropped = 0;              // arrived before the other side had an address
};

class MediaRelay {
public:
  using SessionId = std::uint64_t;

  MediaRelay(rt::Clock& clock, PortBinder binder, RelayConfig config = {});
  ~MediaRelay();
  MediaRelay(const MediaRelay&) = delete;
  MediaRelay& operator=(const MediaRelay&) = delete;

  // A session with a port pair on each side; nullopt when the range is exhausted.
  std::optional<SessionId> open();
  void close(SessionId id);
  // Another branch of the called side, with ports of its own (nullopt: the range is exhausted);
  // selected at once when none is.
  std::optional<std::size_t> add_branch(SessionId id);
  // The branch the caller's media goes to and is heard from from now on.
  void select_branch(SessionId id, std::size_t branch);
  // Its ports back to the range; the caller's media stops until another branch is selected.
  void release_branch(SessionId id, std::size_t branch);
  // Where this side's SDP says its media is (the relay sends there until it latches).
  void set_advertised(SessionId id, Side side, const rt::Address& address, std::size_t branch = 0);
  // Convert DTMF between the sides from now on (nullopt: relay events and tones as they are).
  void set_dtmf_interworking(SessionId id, std::optional<DtmfInterworking> interworking);
  // Digits converted in the session so far, both ways.
  std::uint64_t dtmf_interworked(SessionId id) const;
  // The relay's own RTP address facing `side`: what the SDP sent to that side says.
  rt::Address local(SessionId id, Side side, std::size_t branch = 0) const;
  // When anything last arrived from either side (media timeout), or the open time.
  rt::Instant last_activity(SessionId id) const;
  const SideFigures* figures(SessionId id, Side side, std::size_t branch = 0) const;
  std::size_t open_sessions() const { return sessions_.size(); }
  const RelayTotals& totals() const { return totals_; }
  std::size_t free_port_pairs() const;

private:
  struct Port;
  struct Session;
  struct Pair {
    Port* rtp = nullptr;
    Port* rtcp = nullptr;
  };
  struct Branch;
  void lend(Pair pair, Session& session, Side side, std::size_t branch);
  std::optional<Pair> allocate();
  Port* bind_port(std::uint16_t port);
  void release(Pair pair);
  void on_packet(Session& session, Side side, std::size_t branch, bool rtcp, const rt::Address& source,
                 std::string_view bytes);

  rt::Clock& clock_;
  PortBinder binder_;
  RelayConfig config_;
  std::map<SessionId, std::unique_ptr<Session>> sessions_;
  // Sockets bound so far, kept for the element's life and lent to one session at a time (the
  // simulated hosts and the event loop keep a port bound until the end).
  std::map<std::uint16_t, std::unique_ptr<Port>> ports_;
  std::string converted_;  // a rewritten packet, reused
  std::map<std::uint16_t, bool> refused_;  // RTP ports the binder refused (taken by others)
  std::uint16_t next_port_ = 0;
  std::size_t pairs_in_use_ = 0;
  SessionId next_id_ = 1;
  RelayTotals totals_;
};

}  // namespace trunklab::anchor
