// txn::Endpoint binds the pure §17 state machines to injected I/O: it receives datagrams
// (rt::DatagramHandler), matches them to transactions by hash (§17.1.3, §17.2.3), performs the
// machines' actions on rt::Transport and rt::Timers, and talks to the transaction user (UA core,
// registrar, B2BUA) through TransactionUser.
//
// Requests whose top Via branch lacks the RFC 3261 magic cookie (RFC 2543 peers, RFC 4475
// "wsinv", "longreq", "inv2543") are matched by §17.2.3's legacy rules (legacy_server_key):
// Request-URI, tags, Call-ID, CSeq and top Via.
#pragma once

#include "reference/rt/address.hpp"
#include "reference/rt/random.hpp"
#include "reference/rt/time.hpp"
#include "reference/rt/transport.hpp"
#include "reference/sip/message.hpp"
#include "reference/txn/config.hpp"
#include "reference/txn/fsm.hpp"

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace trunklab::txn {

struct ClientTxnId {
  std::uint64_t value = 0;
  auto operator<=>(const ClientTxnId&) const = default;
};
struct ServerTxnId {
  std::uint64_t value = 0;
  auto operator<=>(const ServerTxnId&) const = default;
};

class TransactionUser {
public:
  virtual ~TransactionUser() = default;
  // A new request (INVITE, REGISTER, CANCEL, BYE, ...) with its server transaction.
  virtual void on_request(ServerTxnId id, const sip::Message& request,
                          const rt::Address& source) = 0;
  // Provisional and final responses of a client transaction (retransmissions absorbed).
  virtual void on_response(ClientTxnId id, const sip::Message& response) = 0;
  // Timer B / F fired: no final response; the TU treats it as 408 Request Timeout.
  virtual void on_timeout(ClientTxnId id) = 0;
  // An ACK that matched no INVITE server transaction: the ACK for a 2xx (end to end).
  virtual void on_ack(const sip::Message& ack, const rt::Address& source) = 0;
  // A response that matched no client transaction, typically a 2xx retransmission after the
  // INVITE client transaction ended: the TU resends its ACK.
  virtual void on_stray_response(const sip::Message& /*response*/,
                                 const rt::Address& /*source*/) {}
  // Timer H fired: the non-2xx final response of an INVITE server was never ACKed.
  virtual void on_server_timeout(ServerTxnId /*id*/) {}
  virtual void on_transport_error(ClientTxnId /*id*/) {}
  virtual void on_server_transport_error(ServerTxnId /*id*/) {}
  // A CRLF keep-alive ("\r\n\r\n", RFC 5626 §3.5.1) arrived from `source`.
  virtual void on_keepalive(const rt::Address& /*source*/) {}
};

// How one transaction ended, for logs (`trunklab serve` prints one line per transaction).
// Every view is valid only during the observer's call.
struct TxnOutcome {
  bool server = false;           // true: a request we answered; false: a request we sent
  std::string_view method;
  std::string_view request_uri;
  const rt::Address* peer = nullptr;  // who sent the request, or where ours went
  int status = 0;                // the first final response; 408 when timer B/F fired,
                                 // 503 on a transport error (RFC 3261 §8.1.3.1)
  std::string_view reason;       // that response's reason phrase (why, for a 4xx), or why
                                 // there was none ("no response (timer B)")
  std::string_view from_aor;     // the request's From and To as user@host ("" when absent):
  std::string_view to_aor;       // the caller, and for a REGISTER the address-of-record
};

// Messages the transport could not carry (over Transport::max_datagram_bytes()), RFC 3261
// §21.5.14: none is handed to the socket to fail there.
struct TooLargeCounters {
  std::uint64_t answered_513 = 0;  // final responses replaced by a short 513
  std::uint64_t requests_failed = 0;  // requests we would send: a transport error at once
  std::uint64_t dropped = 0;       // not sent: provisional responses, stateless sends, and
                                   // finals whose 513 would not fit either
  std::uint64_t stream_refused = 0;  // over a stream's framing limits: answered 513, closed
};

class Endpoint final : public rt::DatagramHandler {
public:
  Endpoint(rt::Clock& clock, rt::Timers& timers, rt::Transport& transport, rt::Random& random,
           Config config, TransactionUser& user);
  ~Endpoint() override;  // cancels every pending timer (their callbacks point here)
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  void on_datagram(const rt::Address& local, const rt::Address& remote,
                   std::string_view bytes) override;
  // A request over a stream transport's framing limits: a stateless 513 saying which limit,
  // reported to the outcome observer (the transport closes the connection after it).
  void on_oversized(const rt::Address& local, const rt::Address& remote, std::string_view head) override;
  // A stream transport lost its connection to `remote`: the client transactions that sent
  // there and the server transactions whose requests came from there get a transport error.
  void on_unreachable(const rt::Address& local, const rt::Address& remote) override;

  // Adds the top Via: "SIP/2.0/<transport> <local address>;branch=<new>;rport", with the
  // transport the request to `destination` leaves on (rt::Transport::route), or without a
  // destination the endpoint's own. Returns the branch.
  std::string add_via(sip::OutgoingMessage& request, const rt::Address& destination);
  std::string add_via(sip::OutgoingMessage& request);
  // The transport messages to `peer` leave on (for a Contact's ;transport parameter).
  rt::TransportKind transport_to(const rt::Address& peer) const { return transport_.route(peer).kind(); }
  // Our address on that transport (for a Contact: an element on UDP and TCP at once may listen
  // on a different port for each).
  rt::Address local_address_to(const rt::Address& peer) const { return transport_.route(peer).local_address(); }
  // Starts a client transaction. Precondition: the request has a top Via whose branch starts
  // with z9hG4bK and is unique for its method, and it is not an ACK (use send_stateless).
  // A request larger than the transport carries is not sent: the TU gets on_transport_error
  // at once (from a zero-delay timer, never inside this call) instead of timer B/F later.
  ClientTxnId send_request(sip::OutgoingMessage request, const rt::Address& destination);
  // Sends the TU's response in a server transaction; the top Via gets received/rport when the
  // request asked for rport (RFC 3581). False when the transaction no longer exists (it was
  // terminated by a final response, timer H or a transport error). A final response larger
  // than the transport carries goes out as a short 513 Message Too Large saying why (the
  // outcome reports it), or, when not even that fits, ends the transaction as a transport
  // error; a provisional one that large is not sent (the final follows).
  bool respond(ServerTxnId id, sip::OutgoingMessage response);
  // Outside any transaction: the ACK for a 2xx, a 2xx retransmission by the UAS core.
  void send_stateless(const sip::OutgoingMessage& message, const rt::Address& destination);
  // The INVITE server transaction a CANCEL refers to (§9.2: same branch and sent-by).
  std::optional<ServerTxnId> find_invite_server(const sip::Message& cancel) const;
  // Ends a client transaction silently: no more retransmissions, no callback. For a proxy that
  // gives up on a branch that never answered (RFC 3261 §16.8: as if it had received a 408);
  // what the peer still sends afterwards arrives as a stray response.
  void abandon(ClientTxnId id);
  // Reports a transport failure (e.g. a TCP connection refused) to a transaction.
  void transport_error(ClientTxnId id);
  void transport_error(ServerTxnId id);

  // Called once per transaction with its outcome; none by default (costs nothing then).
  void set_outcome_observer(std::function<void(const TxnOutcome&)> observer) {
    observer_ = std::move(observer);
  }

  const TooLargeCounters& too_large() const { return too_large_; }
  std::size_t client_count() const { return clients_.size(); }
  std::size_t server_count() const { return servers_.size(); }
  const Config& config() const { return config_; }

private:
  using TimerSlots = std::array<rt::TimerId, kTimerNameCount>;
  // What the outcome observer needs; filled only while an observer is set.
  struct Description {
    std::string method;
    std::string request_uri;
    std::string from_aor;
    std::string to_aor;
    bool reported = false;
  };
  struct ClientEntry {
    std::variant<InviteClient, NonInviteClient> machine;
    std::string key;
    TimerSlots timers{};
    rt::Address destination;
    Description description;
    rt::TimerId too_large_timer = rt::kNoTimer;  // the immediate transport error
    std::string failure;  // why a transport error, for the outcome ("" = the transport said)
  };
  struct ServerEntry {
    std::variant<InviteServer, NonInviteServer> machine;
    std::string key;
    rt::Address source;
    TimerSlots timers{};
    Description description;
  };
  enum class Delivery { none, response, timeout, transport_error };

  void on_request(sip::Message request, const rt::Address& source);
  static std::string server_key_of(const sip::Message& request, std::string_view method);
  bool is_accepted(std::uint64_t id) const;  // an INVITE server in RFC 6026 Accepted
  void report_stateless(std::string_view start_line, const sip::OutgoingMessage& response,
                        const rt::Address& remote);
  void on_response(const sip::Message& response, const rt::Address& source);
  void on_malformed(std::string_view bytes, const sip::ParseError& error,
                    const rt::Address& source);
  void create_server(const sip::Message& request, std::string key, const rt::Address& source);
  bool respond_too_large(std::uint64_t id, ServerEntry& entry, const sip::OutgoingMessage& response,
                         std::size_t bytes);
  void forget_client(std::unordered_map<std::uint64_t, ClientEntry>::iterator it);
  // Every send goes through here: what the transport cannot carry is counted, not sent.
  void send_to_wire(const rt::Address& to, std::string_view bytes);
  std::string add_via(sip::OutgoingMessage& request, rt::Transport& transport);
  Config config_for(const rt::Address& peer) const;

  void dispatch_client(std::uint64_t id, const Event& event, const sip::Message* response);
  void dispatch_server(std::uint64_t id, const Event& event);
  // Performs sends and timer actions; returns what to deliver and whether it terminated.
  template <class Entry>
  std::pair<Delivery, bool> perform(Entry& entry, std::uint64_t id, bool client,
                                    const Actions& actions, std::vector<const Send*>& sends);
  void cancel_all(TimerSlots& timers);
  void report(bool server, Description& description, const rt::Address& peer, int status,
              std::string_view reason);
  void report_client(ClientEntry& entry, Delivery delivery, const sip::Message* response);
  void fire_client_timer(std::uint64_t id, TimerName name);
  void fire_server_timer(std::uint64_t id, TimerName name);

  // Not read by the transaction layer today (every duration goes through timers_); kept so
  // trace hooks at this boundary can stamp events without changing the constructor.
  rt::Clock& clock_;
  rt::Timers& timers_;
  rt::Transport& transport_;
  rt::Random& random_;
  Config config_;
  TransactionUser& user_;
  std::uint64_t next_id_ = 1;
  // Hashed both ways: key -> id for matching, id -> entry for the TU's handles and timers.
  std::unordered_map<std::uint64_t, ClientEntry> clients_;
  std::unordered_map<std::string, std::uint64_t> client_index_;
  std::unordered_map<std::uint64_t, ServerEntry> servers_;
  std::unordered_map<std::string, std::uint64_t> server_index_;
  std::function<void(const TxnOutcome&)> observer_;
  TooLargeCounters too_large_;
};

}  // namespace trunklab::txn
