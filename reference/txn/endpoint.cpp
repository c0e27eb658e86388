#include "reference/txn/endpoint.hpp"

#include "reference/txn/wire.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trunklab::txn {
namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};

bool is_keepalive(std::string_view bytes) {
  return !bytes.empty() && bytes.find_first_not_of("\r\n") == std::string_view::npos;
}

std::size_t slot(TimerName name) { return static_cast<std::size_t>(name); }

// An oversized head that holds the whole header section (CRLFCRLF) was refused for its body.
bool text_ends_head(std::string_view head) { return head.ends_with("\r\n\r\n") || head.ends_with("\n\n"); }

// "user@host" of a From/To URI: what an operator greps a log for (the AOR, RFC 3261 §10.2).
std::string aor_text(const sip::NameAddr& address) {
  const sip::Uri& uri = address.uri;
  return uri.user.empty() ? uri.host : uri.user + "@" + uri.host;
}

// The same for a header we wrote ourselves: the URI inside <...>, or up to the first ';'.
std::string aor_text(std::optional<std::string_view> value) {
  if (!value) return {};
  std::string_view text = *value;
  if (auto open = text.find('<'); open != std::string_view::npos) {
    text.remove_prefix(open + 1);
    text = text.substr(0, text.find('>'));
  } else {
    text = text.substr(0, text.find(';'));
  }
  auto uri = sip::Uri::parse(text);
  if (!uri) return {};
  return uri->user.empty() ? uri->host : uri->user + "@" + uri->host;
}

}  // namespace

Endpoint::Endpoint(rt::Clock& clock, rt::Timers& timers, rt::Transport& transport,
                   rt::Random& random, Config config, TransactionUser& user)
    : clock_(clock), timers_(timers), transport_(transport), random_(random),
      config_(config), user_(user) {
  config_.reliable = transport_.kind() != rt::TransportKind::udp;
}

// A transaction's reliability is its transport's (§17.1.1.2: no retransmission timers over
// TCP), and on an element with several transports that is the one its peer's messages use.
Config Endpoint::config_for(const rt::Address& peer) const {
  Config config = config_;
  config.reliable = transport_.route(peer).kind() != rt::TransportKind::udp;
  return config;
}

Endpoint::~Endpoint() {
  for (auto& [id, entry] : clients_) {
    cancel_all(entry.timers);
    timers_.cancel_timer(entry.too_large_timer);
  }
  for (auto& [id, entry] : servers_) cancel_all(entry.timers);
}

// ---- from the wire ---------------------------------------------------------------------------

void Endpoint::on_datagram(const rt::Address& /*local*/, const rt::Address& remote,
                           std::string_view bytes) {
  if (is_keepalive(bytes)) {
    user_.on_keepalive(remote);
    return;
  }
  auto parsed = sip::Message::parse(bytes);
  if (auto* error = std::get_if<sip::ParseError>(&parsed)) {
    on_malformed(bytes, *error, remote);
    return;
  }
  auto& message = std::get<sip::Message>(parsed);
  if (message.is_request()) {
    on_request(std::move(message), remote);
  } else {
    on_response(message, remote);
  }
}

void Endpoint::on_oversized(const rt::Address& /*local*/, const rt::Address& remote, std::string_view head) {
  ++too_large_.stream_refused;
  const auto start_line = head.substr(0, head.find("\r\n"));
  const bool body_too_large = text_ends_head(head);
  const std::string reason =
      body_too_large
          ? fmt::format("Message Too Large (body over the {}-byte limit of this server)", sip::kMaxStreamBodyBytes)
          : fmt::format("Message Too Large (header section over the {}-byte limit of this server)",
                        sip::kMaxStreamHeaderBytes);
  auto response = stateless_answer_for(head, 513, reason, sip::new_tag(random_), remote);
  if (!response) return;  // not a request, or no Via/From/To/Call-ID/CSeq in what was read
  send_to_wire(remote, response->to_string());
  report_stateless(start_line, *response, remote);
}

constexpr std::size_t kMaxLoggedUriBytes = 256;

// A request answered without a transaction (400, 513) is an outcome too: an operator sees who
// sent what and why it was refused (the observer's line escapes what came off the wire).
void Endpoint::report_stateless(std::string_view start_line, const sip::OutgoingMessage& response,
                                const rt::Address& remote) {
  if (!observer_) return;
  const auto method = start_line.substr(0, start_line.find(' '));
  auto uri = start_line.substr(std::min(start_line.size(), method.size() + 1));
  uri = uri.substr(0, std::min(uri.rfind(" SIP/"), kMaxLoggedUriBytes));  // a log line, not a dump
  const std::string from = aor_text(response.header("From")), to = aor_text(response.header("To"));
  observer_(TxnOutcome{true, method, uri, &remote, response.status(), response.reason(), from, to});
}

void Endpoint::on_malformed(std::string_view bytes, const sip::ParseError& error,
                            const rt::Address& source) {
  // A malformed response is dropped (§18.1.2); a request gets a 400 when we can build one.
  if (auto response = stateless_400_for(bytes, error, sip::new_tag(random_), source)) {
    send_to_wire(source, response->to_string());
    report_stateless(bytes.substr(0, std::min(bytes.find("\r\n"), bytes.find('\n'))), *response, source);
  }
}

// §17.2.3: the branch (with sent-by and method) identifies the transaction; a request from an
// RFC 2543 element carries no such branch and is matched by its legacy key instead.
bool Endpoint::is_accepted(std::uint64_t id) const {
  auto it = servers_.find(id);
  if (it == servers_.end()) return false;
  const auto* invite = std::get_if<InviteServer>(&it->second.machine);
  return invite && invite->state() == InviteServer::State::accepted;
}

std::string Endpoint::server_key_of(const sip::Message& request, std::string_view method) {
  const sip::Via& via = request.top_via();
  if (has_rfc3261_branch(via)) return server_key(via.branch, via.sent_by(), method);
  return legacy_server_key(request, method);
}

void Endpoint::on_request(sip::Message request, const rt::Address& source) {
  if (request.method() == "ACK") {
    auto it = server_index_.find(server_key_of(request, "INVITE"));
    if (it == server_index_.end() || is_accepted(it->second)) {
      // The ACK for a 2xx is the TU's (§17.2.3); an RFC 2543 one can match an INVITE still
      // Accepted (its legacy key is the INVITE's), and is passed up all the same (RFC 6026 §8.6).
      user_.on_ack(request, source);
    } else {
      dispatch_server(it->second, RequestFromWire{true});
    }
    return;
  }
  std::string key = server_key_of(request, request.method());
  if (auto it = server_index_.find(key); it != server_index_.end()) {
    dispatch_server(it->second, RequestFromWire{false});  // a retransmission
    return;
  }
  create_server(request, std::move(key), source);
}

void Endpoint::create_server(const sip::Message& request, std::string key,
                             const rt::Address& source) {
  const std::uint64_t id = next_id_++;
  const bool invite = request.method() == "INVITE";
  auto make_machine = [&]() -> std::variant<InviteServer, NonInviteServer> {
    const Config config = config_for(source);
    if (!invite) return NonInviteServer(config, source);
    auto trying = sip::OutgoingMessage::response_to(request, 100);
    stamp_received_rport(trying, source);
    return InviteServer(config, trying.to_string(), source);
  };
  auto [it, inserted] =
      servers_.emplace(id, ServerEntry{make_machine(), key, source, TimerSlots{}, {}});
  assert(inserted);
  if (observer_) {
    it->second.description = {request.method(), request.request_uri(), aor_text(request.from()),
                              aor_text(request.to()), false};
  }
  server_index_.emplace(std::move(key), id);
  if (invite) {
    const Actions actions = std::get<InviteServer>(it->second.machine).start();
    std::vector<const Send*> sends;
    perform(it->second, id, false, actions, sends);
    for (const Send* send : sends) send_to_wire(send->to, send->bytes);
  }
  user_.on_request(ServerTxnId{id}, request, source);
}

void Endpoint::on_response(const sip::Message& response, const rt::Address& source) {
  auto it = client_index_.find(client_key(response.top_via().branch, response.cseq().method));
  if (it == client_index_.end()) {
    user_.on_stray_response(response, source);
    return;
  }
  dispatch_client(it->second, ResponseFromWire{response}, &response);
}

// ---- from the TU -----------------------------------------------------------------------------

std::string Endpoint::add_via(sip::OutgoingMessage& request) { return add_via(request, transport_); }

std::string Endpoint::add_via(sip::OutgoingMessage& request, const rt::Address& destination) {
  return add_via(request, transport_.route(destination));
}

std::string Endpoint::add_via(sip::OutgoingMessage& request, rt::Transport& transport) {
  std::string branch = sip::new_branch(random_);
  std::string via = "SIP/2.0/";
  via.append(rt::transport_name(transport.kind()))
      .append(" ")
      .append(transport.local_address().to_string())
      .append(";branch=")
      .append(branch)
      .append(";rport");
  request.add_front("Via", std::move(via));
  return branch;
}

ClientTxnId Endpoint::send_request(sip::OutgoingMessage request,
                                   const rt::Address& destination) {
  assert(request.is_request() && request.method() != "ACK");
  const auto via = first_via(request);
  assert(via.has_value());
  const auto branch = via_param(*via, "branch").value_or("");
  assert(branch.starts_with(kMagicCookie));
  std::string key = client_key(branch, request.method());
  assert(!client_index_.contains(key) && "branch reused for the same method");

  const std::uint64_t id = next_id_++;
  const bool invite = request.method() == "INVITE";
  auto make_machine = [&]() -> std::variant<InviteClient, NonInviteClient> {
    const Config config = config_for(destination);
    if (invite) return InviteClient(config, std::move(request), destination);
    return NonInviteClient(config, request.to_string(), destination);
  };
  Description description;
  if (observer_) {
    description = {request.method(), request.request_uri(), aor_text(request.header("From")),
                   aor_text(request.header("To")), false};
  }
  auto [it, inserted] = clients_.emplace(
      id, ClientEntry{make_machine(), key, TimerSlots{}, destination, std::move(description), rt::kNoTimer, {}});
  assert(inserted);
  client_index_.emplace(std::move(key), id);
  const Actions actions =
      std::visit([](auto& machine) { return machine.start(); }, it->second.machine);
  std::vector<const Send*> sends;
  perform(it->second, id, true, actions, sends);
  const std::size_t limit = transport_.route(destination).max_datagram_bytes();
  for (const Send* send : sends) {
    if (send->bytes.size() <= limit) {
      transport_.send(send->to, send->bytes);
      continue;
    }
    // Retransmissions would fail the same way: fail now, not at timer B/F (§8.1.3.1).
    ++too_large_.requests_failed;
    it->second.failure = fmt::format("not sent: the request is {} bytes, over the {}-byte limit of the transport",
                                     send->bytes.size(), limit);
    it->second.too_large_timer = timers_.start_timer(rt::Duration{0}, [this, id] {
      if (auto entry = clients_.find(id); entry != clients_.end()) entry->second.too_large_timer = rt::kNoTimer;
      transport_error(ClientTxnId{id});
    });
  }
  return ClientTxnId{id};
}

bool Endpoint::respond(ServerTxnId id, sip::OutgoingMessage response) {
  auto it = servers_.find(id.value);
  if (it == servers_.end()) return false;
  stamp_received_rport(response, it->second.source);
  std::string bytes = response.to_string();
  if (bytes.size() > transport_.route(it->second.source).max_datagram_bytes()) {
    return respond_too_large(id.value, it->second, response, bytes.size());
  }
  if (observer_ && response.status() >= 200 && !is_accepted(id.value)) {
    report(true, it->second.description, it->second.source, response.status(), response.reason());
  }
  dispatch_server(id.value, ResponseFromTu{response.status(), std::move(bytes)});
  return true;
}

bool Endpoint::respond_too_large(std::uint64_t id, ServerEntry& entry, const sip::OutgoingMessage& response,
                                 std::size_t bytes) {
  if (response.status() < 200) {  // a provisional is optional (§8.2.6.1): the final follows
    ++too_large_.dropped;
    return true;
  }
  const std::size_t limit = transport_.route(entry.source).max_datagram_bytes();
  const auto answer = too_large_response(response, bytes, limit);
  std::string answer_bytes = answer.to_string();
  if (answer_bytes.size() > limit) {
    // Not even a 513 fits: the transaction still completes with it (so retransmissions of the
    // request are absorbed), and each attempt to send it is counted in too_large().dropped.
    if (observer_) {
      const auto why = fmt::format("Message Too Large (not sent: the {} response would be {} bytes, and even a "
                                   "513 is over the {}-byte limit)",
                                   response.status(), bytes, limit);
      report(true, entry.description, entry.source, 513, why);
    }
  } else {
    ++too_large_.answered_513;
    if (observer_) report(true, entry.description, entry.source, 513, answer.reason());
  }
  dispatch_server(id, ResponseFromTu{513, std::move(answer_bytes)});
  return true;
}

void Endpoint::send_to_wire(const rt::Address& to, std::string_view bytes) {
  if (bytes.size() > transport_.route(to).max_datagram_bytes()) {
    ++too_large_.dropped;
    return;
  }
  transport_.send(to, bytes);
}

void Endpoint::forget_client(std::unordered_map<std::uint64_t, ClientEntry>::iterator it) {
  cancel_all(it->second.timers);
  timers_.cancel_timer(it->second.too_large_timer);
  client_index_.erase(it->second.key);
  clients_.erase(it);
}

void Endpoint::send_stateless(const sip::OutgoingMessage& message,
                              const rt::Address& destination) {
  send_to_wire(destination, message.to_string());
}

std::optional<ServerTxnId> Endpoint::find_invite_server(const sip::Message& cancel) const {
  auto it = server_index_.find(server_key_of(cancel, "INVITE"));
  if (it == server_index_.end()) return std::nullopt;
  return ServerTxnId{it->second};
}

void Endpoint::abandon(ClientTxnId id) {
  auto it = clients_.find(id.value);
  if (it == clients_.end()) return;
  forget_client(it);
}

void Endpoint::transport_error(ClientTxnId id) {
  dispatch_client(id.value, TransportError{}, nullptr);
}

void Endpoint::transport_error(ServerTxnId id) { dispatch_server(id.value, TransportError{}); }

// Every transaction whose messages went to `remote` on the lost connection fails, in id order
// (the maps are hashed; the order of the TU's callbacks must not depend on that).
void Endpoint::on_unreachable(const rt::Address& /*local*/, const rt::Address& remote) {
  std::vector<std::uint64_t> clients;
  for (const auto& [id, entry] : clients_) {
    if (entry.destination == remote) clients.push_back(id);
  }
  std::vector<std::uint64_t> servers;
  for (const auto& [id, entry] : servers_) {
    if (entry.source == remote) servers.push_back(id);
  }
  std::sort(clients.begin(), clients.end());
  std::sort(servers.begin(), servers.end());
  for (std::uint64_t id : clients) {
    if (clients_.contains(id)) transport_error(ClientTxnId{id});
  }
  for (std::uint64_t id : servers) {
    if (servers_.contains(id)) transport_error(ServerTxnId{id});
  }
}

// ---- running the machines ----------------------------------------------------------------------

template <class Entry>
std::pair<Endpoint::Delivery, bool> Endpoint::perform(Entry& entry, std::uint64_t id,
                                                      bool client, const Actions& actions,
                                                      std::vector<const Send*>& sends) {
  Delivery delivery = Delivery::none;
  bool terminated = false;
  for (const Action& action : actions) {
    std::visit(
        Overloaded{
            [&](const Send& send) { sends.push_back(&send); },
            [&](const StartTimer& start) {
              rt::TimerId& timer = entry.timers[slot(start.name)];
              timers_.cancel_timer(timer);
              const TimerName name = start.name;
              timer = timers_.start_timer(start.after, [this, id, name, client] {
                if (client) {
                  fire_client_timer(id, name);
                } else {
                  fire_server_timer(id, name);
                }
              });
            },
            [&](const CancelTimer& cancel) {
              rt::TimerId& timer = entry.timers[slot(cancel.name)];
              if (timer != rt::kNoTimer) timers_.cancel_timer(timer);
              timer = rt::kNoTimer;
            },
            [&](const DeliverResponse&) { delivery = Delivery::response; },
            [&](const DeliverTimeout&) { delivery = Delivery::timeout; },
            [&](const DeliverTransportError&) { delivery = Delivery::transport_error; },
            [&](const Terminated&) { terminated = true; },
        },
        action);
  }
  return {delivery, terminated};
}

// Bookkeeping first, then sends, then the TU: a synchronous transport or a TU that re-enters
// the Endpoint never sees (or erases) an entry half-way through an event.
void Endpoint::dispatch_client(std::uint64_t id, const Event& event,
                               const sip::Message* response) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  const Actions actions =
      std::visit([&](auto& machine) { return machine.on_event(event); }, it->second.machine);
  std::vector<const Send*> sends;
  const auto [delivery, terminated] = perform(it->second, id, true, actions, sends);
  if (observer_) report_client(it->second, delivery, response);
  if (terminated) forget_client(it);
  for (const Send* send : sends) send_to_wire(send->to, send->bytes);
  switch (delivery) {
    case Delivery::none: break;
    case Delivery::response:
      assert(response != nullptr);
      user_.on_response(ClientTxnId{id}, *response);
      break;
    case Delivery::timeout: user_.on_timeout(ClientTxnId{id}); break;
    case Delivery::transport_error: user_.on_transport_error(ClientTxnId{id}); break;
  }
}

void Endpoint::dispatch_server(std::uint64_t id, const Event& event) {
  auto it = servers_.find(id);
  if (it == servers_.end()) return;
  const Actions actions =
      std::visit([&](auto& machine) { return machine.on_event(event); }, it->second.machine);
  std::vector<const Send*> sends;
  const auto [delivery, terminated] = perform(it->second, id, false, actions, sends);
  if (terminated) {
    cancel_all(it->second.timers);
    server_index_.erase(it->second.key);
    servers_.erase(it);
  }
  for (const Send* send : sends) send_to_wire(send->to, send->bytes);
  switch (delivery) {
    case Delivery::none:
    case Delivery::response: break;
    case Delivery::timeout: user_.on_server_timeout(ServerTxnId{id}); break;
    case Delivery::transport_error: user_.on_server_transport_error(ServerTxnId{id}); break;
  }
}

void Endpoint::cancel_all(TimerSlots& timers) {
  for (rt::TimerId& timer : timers) {
    if (timer != rt::kNoTimer) timers_.cancel_timer(timer);
    timer = rt::kNoTimer;
  }
}

void Endpoint::report(bool server, Description& description, const rt::Address& peer, int status,
                      std::string_view reason) {
  if (description.reported) return;
  description.reported = true;
  observer_(TxnOutcome{server, description.method, description.request_uri, &peer, status, reason,
                       description.from_aor, description.to_aor});
}

void Endpoint::report_client(ClientEntry& entry, Delivery delivery, const sip::Message* response) {
  int status = 0;
  std::string_view reason;
  switch (delivery) {
    case Delivery::none: return;
    case Delivery::response:
      status = response->status();
      reason = response->reason();
      break;
    case Delivery::timeout:
      status = 408;
      reason = entry.machine.index() == 0 ? "no response (timer B)" : "no response (timer F)";
      break;
    case Delivery::transport_error:
      status = 503;
      reason = entry.failure.empty() ? std::string_view("transport error") : std::string_view(entry.failure);
      break;
  }
  if (status >= 200) report(false, entry.description, entry.destination, status, reason);
}

void Endpoint::fire_client_timer(std::uint64_t id, TimerName name) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  it->second.timers[slot(name)] = rt::kNoTimer;
  dispatch_client(id, TimerFired{name}, nullptr);
}

void Endpoint::fire_server_timer(std::uint64_t id, TimerName name) {
  auto it = servers_.find(id);
  if (it == servers_.end()) return;
  it->second.timers[slot(name)] = rt::kNoTimer;
  dispatch_server(id, TimerFired{name});
}

}  // namespace trunklab::txn
