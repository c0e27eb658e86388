// The simulated IPv4/UDP network. Hosts have addresses and bound UDP sockets; every socket is an
// rt::Transport whose received datagrams go to an rt::DatagramHandler, the same interfaces the
// real UDP transport implements, so protocol code runs unchanged on both.
//
// The life of a datagram: Socket::send -> (sender behind a NAT: outbound translation, the NAT is
// at the sender's edge) -> captured on the sender side -> fault chain -> link transit
// (latency + uniform jitter in [0, jitter]) -> arrival event -> (addressed to a NAT: inbound
// translation and filtering) -> host up? socket bound? -> handler. Every drop is counted and
// marked on the capture records with a reason.
//
// IP addresses are unique across the whole topology, private ones included; hosts behind the same
// NAT reach each other directly by private address; hairpinning is not modelled.
#pragma once

#include "reference/rt/address.hpp"
#include "reference/rt/time.hpp"
#include "reference/rt/transport.hpp"
#include "wiretap/capture.hpp"
#include "sim/kernel/random_streams.hpp"
#include "sim/kernel/scheduler.hpp"
#include "sim/net/fault.hpp"
#include "sim/net/fault_chain.hpp"
#include "sim/net/nat.hpp"
#include "sim/net/tcp.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace trunklab::sim {

class Network;
class Host;

struct Link {
  rt::Duration latency{1000};  // one way
  rt::Duration jitter{0};      // extra delay uniform in [0, jitter]; can reorder datagrams
};

struct NetworkStats {
  std::uint64_t sent = 0;        // datagrams handed to Socket::send
  std::uint64_t delivered = 0;   // datagrams handed to a DatagramHandler (duplicates included)
  std::uint64_t dropped = 0;     // by faults, NAT, down hosts, unbound ports
  std::uint64_t duplicated = 0;  // extra copies made by duplicate rules
};

class Socket final : public rt::Transport {
public:
  Socket(Network& network, Host& host, std::uint16_t port, rt::DatagramHandler& handler);
  rt::Address local_address() const override;
  void send(const rt::Address& to, std::string_view bytes) override;
  std::size_t max_datagram_bytes() const override { return rt::kMaxUdpPayloadIpv4; }  // IPv4 UDP
  Host& host() const { return host_; }
  rt::DatagramHandler& handler() const { return handler_; }

private:
  Network& network_;
  Host& host_;
  std::uint16_t port_;
  rt::DatagramHandler& handler_;
};

class Host {
public:
  static constexpr std::uint16_t kFirstEphemeralPort = 49152;

  Host(Network& network, std::string name, rt::Address ip, Nat* nat, std::uint32_t node);
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  const std::string& name() const { return name_; }
  rt::Address ip() const { return ip_; }  // port 0
  Nat* nat() const { return nat_; }       // the NAT it sits behind, or null
  bool is_up() const { return up_; }
  // A host that is down neither sends nor receives; its sockets stay bound for when it returns.
  void set_up(bool up) { up_ = up; }

  // Binds a UDP port (0 = the next free ephemeral port). Throws std::invalid_argument if taken.
  rt::Transport& bind(std::uint16_t port, rt::DatagramHandler& handler);
  void unbind(std::uint16_t port);
  Socket* socket(std::uint16_t port) const;
  // Listens on a TCP port (its own port space, as on a real host); sends from it connect from
  // ephemeral ports (tcp.hpp). Throws std::invalid_argument if taken.
  TcpSocket& bind_tcp(std::uint16_t port, rt::DatagramHandler& handler, TcpOptions options = {});
  TcpSocket* tcp_socket(std::uint16_t port) const;

private:
  friend class Network;
  Network& network_;
  std::string name_;
  rt::Address ip_;
  Nat* nat_;
  std::uint32_t node_;
  bool up_ = true;
  std::uint16_t next_ephemeral_ = kFirstEphemeralPort;
  std::map<std::uint16_t, std::unique_ptr<Socket>> sockets_;
  std::map<std::uint16_t, std::unique_ptr<TcpSocket>> tcp_sockets_;
  std::uint16_t next_tcp_port_ = kFirstEphemeralPort;
  std::uint16_t allocate_tcp_port();  // for a connection's own end (not a listener's port)
};

class Network {
public:
  // Every datagram and TCP message sent is reported to `wiretap` (the World's capture), and a
  // drop on the way to on_dropped().
  Network(Scheduler& scheduler, RandomStreams& random, wiretap::Observer& wiretap);
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // Topology. Names and IPs must be unique and IPv4; misconfiguration throws
  // std::invalid_argument with the offending name (the scenario loader validates first).
  Host& add_host(std::string name, const rt::Address& ip);
  Nat& add_nat(std::string name, const rt::Address& public_ip, rt::Duration idle_timeout);
  Host& add_host_behind(Nat& nat, std::string name, const rt::Address& private_ip);

  // Links are symmetric and named by host or NAT; a host behind a NAT uses its own link if set,
  // else its NAT's. Unlisted pairs use the default link (1 ms, no jitter).
  void set_link(std::string_view a, std::string_view b, Link link);
  void set_default_link(Link link);

  void add_fault(FaultRule rule);  // appended to the end of the chain
  bool remove_fault(std::string_view name);
  void clear_faults();

  // Forces a NAT rebinding at a virtual time (a home router restarting).
  void rebind_nat_at(Nat& nat, rt::Instant at);

  Host* find_host(std::string_view name) const;
  Nat* find_nat(std::string_view name) const;
  // The name of the host or NAT that owns the IP of `address`, or "" if none does.
  std::string name_of(const rt::Address& address) const;

  const NetworkStats& stats() const { return stats_; }
  // Datagrams sent and not yet delivered or dropped (a run is not idle while any is on the wire).
  // TCP segments count while on the wire or awaiting retransmission, and so do reads and
  // failure reports due in this instant.
  std::size_t datagrams_in_flight() const {
    return flights_.size() - free_flights_.size() + tcp_flights_.size() + tcp_pending_;
  }
  std::size_t tcp_connections() const { return tcp_connections_.size(); }
  // TCP segments lost (each sent again after its RTO, or given up), and why the last one was.
  std::uint64_t tcp_segments_lost() const { return tcp_segments_lost_; }
  const std::string& last_tcp_loss() const { return last_tcp_loss_; }

private:
  friend class Socket;
  friend class TcpSocket;
  // A datagram in flight, in a deque so a handler can send (and grow it) while reading its bytes.
  struct Flight {
    const Host* sender = nullptr;
    rt::Address src;  // as seen on the wire outside the sender's NAT
    rt::Address dst;  // as addressed
    std::string bytes;
    wiretap::WireId sent_record = wiretap::kNoWire;
    wiretap::WireId translated_record = wiretap::kNoWire;
  };
  // Who a datagram concerns, for fault matching, link choice and capture labels.
  struct Party {
    const Host* host = nullptr;  // null when the address is a NAT's with no live mapping
    const Nat* nat = nullptr;
    rt::Address inner;  // the host's own (private) address
    rt::Address outer;  // the address seen outside its NAT (same as inner without a NAT)
  };
  struct Node {
    Host* host = nullptr;
    Nat* nat = nullptr;
    std::uint32_t id = 0;
  };
  struct LinkState {
    Link link;
    rt::Random* jitter;
  };

  void send(Socket& from, const rt::Address& to, std::string_view bytes);

  // ---- TCP (tcp.cpp) ----
  struct TcpEnd {
    TcpSocket* socket = nullptr;  // the server end's is null until the SYN reaches a listener
    rt::Address local;            // this end's address on the wire
    rt::Address remote;
    std::uint32_t snd_next = 0;   // the sequence number of the next byte to send
    std::uint32_t rcv_next = 0;   // the next one expected
    std::map<std::uint32_t, std::string> out_of_order;  // arrived ahead of a lost segment
    std::string unread;           // in order, not yet read (a read is due this instant)
    std::string input;            // read, not yet a whole message
    bool read_posted = false;
    rt::Instant last_activity{};
  };
  struct TcpConnection {
    enum class State { syn_sent, established, closed };
    std::uint64_t id = 0;
    State state = State::syn_sent;
    TcpEnd ends[2];  // [0] the connecting side, [1] the accepting side
    Host* hosts[2] = {nullptr, nullptr};
    std::string queued;  // sent by the client before the handshake completed
    bool server_syn_sent = false;
    bool fin_sent[2] = {false, false};
    bool idle_timer_armed = false;
    rt::TimerId idle_timer = rt::kNoTimer;
  };
  struct TcpFlight {
    std::uint64_t connection = 0;
    int from = 0;  // the end that sent it
    rt::Address src;
    rt::Address dst;
    TcpHeader header;
    std::string payload;
    int tries = 0;  // retransmissions so far
  };
  void tcp_send(TcpSocket& from, const rt::Address& to, std::string_view bytes);
  void tcp_connect(TcpSocket& from, const rt::Address& to, std::string_view bytes);
  void tcp_send_data(std::uint64_t id, int end, std::string_view bytes);
  void tcp_emit(std::uint64_t id, int from, std::uint8_t flags, std::string payload, std::uint32_t seq, int tries);
  void tcp_lost(std::uint64_t flight, const std::string& reason);
  void record_message(const Host& host, const rt::Address& src, const rt::Address& dst, std::string_view bytes,
                      std::string_view failure);
  void tcp_arrive(std::uint64_t flight);
  void tcp_on_syn(std::uint64_t id, Host& host);
  void tcp_on_syn_ack(std::uint64_t id);
  void tcp_on_data(std::uint64_t id, int to, std::uint32_t seq, std::string payload);
  void tcp_on_fin(std::uint64_t id, int to);
  void tcp_read(std::uint64_t id, int to);
  void tcp_close(std::uint64_t id, int end);
  void tcp_abort(std::uint64_t id, int end);
  void touch(TcpConnection& c, int end);
  void arm_idle(TcpConnection& c);
  void on_idle_check(std::uint64_t id);
  void detach(TcpConnection& c);
  void post_pending(std::function<void()> fn);
  void arrive(std::uint32_t flight);
  void drop(std::uint32_t flight, std::string_view reason);
  void release(std::uint32_t flight);
  std::optional<std::string> unroutable(const Host& from, const rt::Address& to) const;
  void record_sent(Flight& flight, const Party& src, const Party& dst, bool translated,
                   bool duplicate);
  Party resolve_destination(const rt::Address& to) const;
  const FaultRule* first_matching_fault(const Party& src, const Party& dst);
  rt::Duration transit(const Party& src, const Party& dst);
  std::uint32_t new_flight();
  void schedule(std::uint32_t flight, rt::Duration after);
  const Node* node_for_ip(const rt::Address& address) const;
  std::uint32_t add_node(const std::string& name, const rt::Address& ip, Host* host, Nat* nat);
  std::uint32_t node_of_name(std::string_view name) const;

  Scheduler& scheduler_;
  RandomStreams& random_;
  wiretap::Observer& wiretap_;
  NetworkStats stats_;
  std::vector<std::unique_ptr<Host>> hosts_;
  std::vector<std::unique_ptr<Nat>> nats_;
  std::vector<std::uint32_t> nat_nodes_;  // node id of nats_[i]
  // IPv4 (host order) -> node, looked up twice per datagram. Open addressing in one flat array:
  // std::unordered_map's node per entry costs a cache miss per lookup, a third of the run time
  // with 20,000 hosts (bench/sim).
  class IpIndex {
  public:
    void insert(std::uint32_t ip, const Node& node);
    const Node* find(std::uint32_t ip) const;

  private:
    struct Entry {
      std::uint32_t ip = 0;
      bool used = false;
      Node node;
    };
    std::size_t slot_of(std::uint32_t ip) const;
    std::vector<Entry> table_ = std::vector<Entry>(16);
    std::size_t size_ = 0;
  };

  std::map<std::string, Node, std::less<>> nodes_by_name_;
  IpIndex nodes_by_ip_;
  std::unordered_map<std::uint64_t, LinkState> links_;   // key: (min node, max node)
  LinkState default_link_;
  FaultChain faults_;
  std::deque<Flight> flights_;
  std::vector<std::uint32_t> free_flights_;
  // TCP, in ordered maps: connection and segment ids are allocated in event order, so
  // iteration (none reaches output today) would be deterministic too.
  std::map<std::uint64_t, TcpConnection> tcp_connections_;
  std::map<std::uint64_t, TcpFlight> tcp_flights_;
  std::uint64_t next_tcp_connection_ = 1;
  std::uint64_t next_tcp_flight_ = 1;
  std::size_t tcp_pending_ = 0;  // reads and failure reports posted for this instant
  std::uint64_t tcp_segments_lost_ = 0;
  std::string last_tcp_loss_;
};

}  // namespace trunklab::sim
