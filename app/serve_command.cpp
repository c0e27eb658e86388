// `trunklab serve`: the reference trunk and registrar as a daemon on real sockets: UDP, TCP, TLS,
// or several at once (RFC 3261 §18: an element on UDP should listen on TCP too; §26: TLS). Everything
// protocol-related is the same element::ReferenceServer the simulator runs; this file only wires
// it to the real clock, the epoll loop, the sockets, OS randomness and a store.
#include "app/api_server.hpp"
#include "app/cdr_file.hpp"
#include "app/commands.hpp"

#include "reference/api/config_store.hpp"
#include "reference/api/management_api.hpp"
#include "reference/config/config.hpp"
#include "reference/element/reference_server.hpp"
#include "reference/element/transports.hpp"
#include "reference/observe/metrics.hpp"
#include "reference/registrar/store.hpp"
#include "reference/realtime/clock.hpp"
#include "reference/realtime/event_loop.hpp"
#include "reference/config/example.hpp"
#include "reference/realtime/listen_spec.hpp"
#include "reference/realtime/real_random.hpp"
#include "reference/realtime/tcp_transport.hpp"
#include "reference/realtime/tls_transport.hpp"
#include "reference/realtime/udp_transport.hpp"
#include "reference/rt/transport_set.hpp"
#include "wiretap/pcap_recorder.hpp"

#include <fmt/core.h>
#include <sys/resource.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace trunklab::app {
namespace {

constexpr const char* kMemoryDb = ":memory:";

struct ServeOptions {
  std::string config_path;  // "" = the built-in example
  // At most one udp:, one tcp: and one tls: socket. The default stays UDP alone, as it always
  // was: a second port by default could collide with whatever holds 5060/tcp on the machine.
  std::vector<std::string> listen = {"udp:127.0.0.1:5060"};
  tls::ServerFiles tls;  // --cert, --key, --ca, --tls-keylog
  std::string db = "trunklab-bindings.db";
  bool print_config = false;
  bool quiet = false;
  std::string pcap;  // "" = no capture
  wiretap::RotationOptions rotation;
  std::string cdr;  // "" = no call detail records
  std::uint64_t cdr_max_bytes = std::uint64_t{1} << 30;
  std::string api;        // "" = no management API; "8080" or "IP:PORT"
  std::string metrics_out;  // "" = none; the metrics written there at SIGTERM/SIGINT
  std::string api_token;  // required with --api
  bool reset_config = false;
};

int refuse(const std::string& why) {
  fmt::print(stderr, "trunklab serve: {}\n", why);
  return 2;
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// A configuration refusal names file, JSON path and reason (config::InputError's message).
std::optional<config::Config> load_config(const ServeOptions& options, std::string& error) {
  if (options.config_path.empty()) return config::example_config();
  try {
    return config::load_config_file(options.config_path);
  } catch (const config::InputError& e) {
    error = fmt::format("refusing configuration: {}", e.what());
    return std::nullopt;
  }
}

// The configuration the management API stored in --db (the bindings' file), unless
// --reset-config drops it; `note` says which was used, for the log.
struct StartConfig {
  std::optional<config::Config> config;
  std::unique_ptr<api::ConfigStore> store;  // nullptr with --db :memory:
  std::string note;
};

StartConfig load_start_config(const ServeOptions& options, std::string& error) {
  StartConfig start;
  if (options.db != kMemoryDb) {
    try {
      start.store = std::make_unique<api::ConfigStore>(options.db);
      if (options.reset_config) {
        start.store->clear();
        start.note = fmt::format("--reset-config: the configuration stored in {} was dropped", options.db);
      } else if (auto stored = start.store->load()) {
        const std::string file = fmt::format("{} (stored configuration)", options.db);
        const auto json = config::parse_json_text(stored->document, file);
        start.config = config::read_config(config::Node(json, file));
        start.note = fmt::format("using the configuration the management API stored in {} (revision {}){}; "
                                 "--reset-config drops it",
                                 options.db, stored->revision,
                                 options.config_path.empty() ? "" : ", not --config " + options.config_path);
        return start;
      }
    } catch (const api::ConfigStoreError& e) {
      error = fmt::format("cannot open the configuration store {}: {}", options.db, e.what());
      return start;
    } catch (const config::InputError& e) {
      error = fmt::format("refusing the stored configuration: {} (--reset-config drops it)", e.what());
      return start;
    }
  }
  start.config = load_config(options, error);
  return start;
}

std::unique_ptr<registrar::BindingStore> open_store(const std::string& db, std::string& error) {
  if (db == kMemoryDb) return std::make_unique<registrar::MemoryStore>();
  try {
    return registrar::open_sqlite_store(db);
  } catch (const registrar::StoreError& e) {
    error = fmt::format("cannot open binding store {}: {}", db, e.what());
    return nullptr;
  }
}

// The sockets serve listens on, one per transport at most, behind one rt::TransportSet: UDP
// first (its address is the element's own when it has one), then TCP, then TLS.
struct Listeners {
  std::unique_ptr<realtime::UdpTransport> udp;
  std::unique_ptr<realtime::TcpTransport> tcp;
  std::unique_ptr<realtime::TlsTransport> tls;
  rt::TransportSet set;

  rt::Transport& transport() { return set; }
  // The stream transports (TCP, TLS) present.
  std::vector<realtime::TcpTransport*> streams() const {
    std::vector<realtime::TcpTransport*> list;
    if (tcp) list.push_back(tcp.get());
    if (tls) list.push_back(tls->transport.get());
    return list;
  }
  std::size_t count() const { return (udp ? 1 : 0) + streams().size(); }
  // "udp:127.0.0.1:5060, tcp:127.0.0.1:5060 and tls:127.0.0.1:5061" (the bound ports: port 0
  // shows the kernel's).
  std::string names() const {
    std::vector<std::string> all;
    if (udp) all.push_back("udp:" + udp->local_address().to_string());
    for (const auto* stream : streams()) all.push_back(name_of(*stream));
    std::string text;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (i > 0) text += i + 1 == all.size() ? " and " : ", ";
      text += all[i];
    }
    return text;
  }
  static std::string name_of(const realtime::TcpTransport& stream) {
    return std::string(stream.kind() == rt::TransportKind::tls ? "tls:" : "tcp:") + stream.local_address().to_string();
  }
};

// At most one socket per transport; a message saying what is wrong otherwise.
std::variant<std::vector<realtime::SocketSpec>, std::string> parse_listen(const std::vector<std::string>& texts) {
  std::vector<realtime::SocketSpec> specs;
  for (const auto& text : texts) {
    auto spec = realtime::parse_socket_spec(text);
    if (auto* message = std::get_if<std::string>(&spec)) return "--listen " + *message;
    const auto& socket = std::get<realtime::SocketSpec>(spec);
    for (const auto& earlier : specs) {
      if (earlier.kind == socket.kind) {
        return fmt::format("--listen {} and {}: at most one udp:, one tcp: and one tls: socket",
                           earlier.to_string(), socket.to_string());
      }
    }
    specs.push_back(socket);
  }
  if (specs.empty()) return std::string("--listen: expected udp:IP:PORT, tcp:IP:PORT and/or tls:IP:PORT");
  return specs;
}

// --cert and --key go with a tls: socket, and only with one; SSLKEYLOGFILE (the variable
// browsers and curl honour) is the key log when --tls-keylog is not given.
std::optional<std::string> check_tls_options(ServeOptions& options, const std::vector<realtime::SocketSpec>& specs) {
  const realtime::SocketSpec* tls = nullptr;
  for (const auto& socket : specs) {
    if (socket.kind == rt::TransportKind::tls) tls = &socket;
  }
  auto& files = options.tls;
  if (tls == nullptr) {
    if (!files.certificate.empty() || !files.key.empty() || !files.ca.empty() || !files.keylog.empty()) {
      return std::string("--cert, --key, --ca and --tls-keylog need a --listen tls:IP:PORT socket");
    }
    return std::nullopt;
  }
  if (files.certificate.empty() || files.key.empty()) {
    return fmt::format("--listen {} needs --cert FILE and --key FILE (PEM: the certificate serve presents and its "
                       "private key)",
                       tls->to_string());
  }
  if (files.keylog.empty()) {
    if (const char* env = std::getenv("SSLKEYLOGFILE"); env != nullptr && *env != '\0') files.keylog = env;
  }
  return std::nullopt;
}

std::optional<std::string> open_listeners(realtime::EventLoop& loop, const std::vector<realtime::SocketSpec>& specs,
                                          const ServeOptions& options, const config::Config& config,
                                          Listeners& listeners) {
  for (const auto& socket : specs) {
    if (socket.kind == rt::TransportKind::tcp) {
      auto opened = realtime::TcpTransport::open(loop, socket.address);
      if (auto* message = std::get_if<std::string>(&opened)) return *message;
      listeners.tcp = std::move(std::get<std::unique_ptr<realtime::TcpTransport>>(opened));
    } else if (socket.kind == rt::TransportKind::tls) {
      auto opened = realtime::TlsTransport::open(loop, socket.address, options.tls);
      if (auto* message = std::get_if<std::string>(&opened)) return *message;
      listeners.tls = std::move(std::get<std::unique_ptr<realtime::TlsTransport>>(opened));
    } else {
      auto opened = realtime::UdpTransport::open(loop, socket.address);
      if (auto* message = std::get_if<std::string>(&opened)) return *message;
      listeners.udp = std::move(std::get<std::unique_ptr<realtime::UdpTransport>>(opened));
    }
  }
  if (listeners.udp) listeners.set.add(*listeners.udp);
  for (auto* stream : listeners.streams()) listeners.set.add(*stream);
  element::prefer_configured_transports(listeners.set, config);
  return std::nullopt;
}

// Any trunk or provider anchoring its media on the relay.
bool relays_media(const config::Config& config) {
  for (const auto& t : config.trunks) {
    if (t.media == config::MediaMode::relay) return true;
  }
  for (const auto& p : config.providers) {
    if (p.media == config::MediaMode::relay) return true;
  }
  return false;
}

// A provider the trunk must reach over TCP needs a TCP socket to reach it from.
std::optional<std::string> refuse_tcp_provider(const config::Config& config,
                                               const std::vector<realtime::SocketSpec>& specs) {
  for (const auto& socket : specs) {
    if (socket.kind == rt::TransportKind::tcp) return std::nullopt;
  }
  const std::string provider = element::provider_needing_tcp(config);
  if (provider.empty()) return std::nullopt;
  return fmt::format("refusing configuration: provider \"{}\" is configured \"transport\": \"tcp\", but serve "
                     "has no TCP socket (add --listen tcp:IP:PORT)",
                     provider);
}

std::string stream_summary(const realtime::TcpTransport& stream) {
  const auto& t = stream.stats();
  std::string text = fmt::format("messages in {} out {} (send errors {}, peers reported unreachable {}, framing errors "
                                 "{}, of which over the framing limits {}), connections accepted {} opened {} closed {} "
                                 "(idle {}, over the limit {})",
                                 t.received, t.sent, t.send_errors, t.unreachable, t.framing_errors, t.oversized,
                                 t.accepted, t.connected, t.closed, t.idle_closed, t.over_limit);
  if (stream.kind() == rt::TransportKind::tls) {
    text += fmt::format(", handshakes {} (failed {}, timed out {}), TLS errors after the handshake {}", t.handshakes,
                        t.handshake_failures, t.handshake_timeouts, t.layer_errors);
  }
  return text;
}

// The counters of each socket: datagrams over UDP, messages and connections over TCP and TLS
// (and TLS handshakes); with several, each named by its socket.
std::string transport_summary(const Listeners& listeners) {
  std::vector<std::pair<std::string, std::string>> parts;  // (socket, counters)
  if (listeners.udp) {
    const auto& u = listeners.udp->stats();
    parts.emplace_back("udp:" + listeners.udp->local_address().to_string(),
                       fmt::format("datagrams in {} out {} (send errors {})", u.received, u.sent, u.send_errors));
  }
  for (const auto* stream : listeners.streams()) parts.emplace_back(Listeners::name_of(*stream), stream_summary(*stream));
  if (listeners.tls && !listeners.tls->context->keylog_path().empty()) {
    const auto& k = listeners.tls->context->keylog_stats();
    parts.back().second += fmt::format(", key log {}: {} lines ({} dropped)", listeners.tls->context->keylog_path(),
                                       k.lines, k.dropped);
  }
  if (parts.size() == 1) return parts.front().second;
  std::string text;
  for (const auto& [socket, counters] : parts) text += (text.empty() ? "" : "; ") + socket + " " + counters;
  return text;
}

// What a user checks first when a phone's TLS handshake fails: which certificate, whether
// client certificates are asked for, where the key log goes.
std::string tls_start_line(const realtime::TlsTransport& tls, const tls::ServerFiles& files) {
  return fmt::format("trunklab serve: {}: TLS 1.2 and 1.3, certificate {}, client certificates {}{}",
                     Listeners::name_of(*tls.transport), files.certificate,
                     tls.context->verifies_clients() ? "required, verified against " + files.ca : std::string("not requested"),
                     tls.context->keylog_path().empty() ? "" : ", key log " + tls.context->keylog_path());
}

// Every line serve prints while it runs starts with the real clock's time in ISO 8601 UTC: the
// protocol code formats what happened, this edge says when.
class Log {
public:
  explicit Log(const rt::Clock& clock) : clock_(clock) {}
  void line(std::string_view text) const { fmt::print("{} {}\n", realtime::iso8601_utc(clock_.now()), text); }

private:
  const rt::Clock& clock_;
};

// `--pcap FILE`: the recorder every transport reports to, or nullptr without --pcap.
std::unique_ptr<wiretap::PcapRecorder> open_capture(const ServeOptions& options,
                                                    const std::vector<realtime::SocketSpec>& sockets,
                                                    std::string& error) {
  if (options.pcap.empty()) return nullptr;
  for (const auto& socket : sockets) {
    if (socket.address.is_v6()) {
      error = "--pcap writes IPv4 frames only; it cannot record an IPv6 listen address";
      return nullptr;
    }
  }
  auto opened = wiretap::PcapFile::open(options.pcap, options.rotation);
  if (auto* message = std::get_if<std::string>(&opened)) {
    error = "--pcap " + *message;
    return nullptr;
  }
  return std::make_unique<wiretap::PcapRecorder>(std::move(std::get<std::unique_ptr<wiretap::PcapFile>>(opened)));
}

std::string capture_summary(const wiretap::PcapRecorder* recorder) {
  if (recorder == nullptr) return "";
  const auto& file = recorder->file();
  std::string text = fmt::format("; pcap {}: {} records, {} rotations, {} write errors", file.path(),
                                 file.stats().records, file.stats().rotations, file.stats().write_errors);
  if (!file.last_error().empty()) text += fmt::format(" (last: {})", file.last_error());
  if (recorder->tcp_flows_forgotten() > 0) {  // the limit is reached: those restart with a handshake
    text += fmt::format(", {} TCP flows forgotten (over {} at once)", recorder->tcp_flows_forgotten(),
                        wiretap::TcpFlows::kDefaultMaxFlows);
  }
  return text;
}

void print_summary(const Log& log, const element::ReferenceServer& server, const std::string& transport,
                   double cpu_s) {
  const auto& r = server.registrar().counters();
  const auto& big = server.endpoint().too_large();
  log.line(fmt::format("trunklab serve: stopped; REGISTER {} (401 {}, 200 {}, 403 {}), OPTIONS {}, too large for "
                       "the transport: {} answered 513, {} requests failed, {} not sent; {}, cpu {:.3f} s",
                       r.registers, r.challenged, r.accepted, r.forbidden, server.counters().options,
                       big.answered_513, big.requests_failed, big.dropped, transport, cpu_s));
  if (const auto* relay = server.media_relay()) {
    const auto& t = server.trunk().counters();
    const auto& m = relay->totals();
    log.line(fmt::format("trunklab serve: media relay: {} calls relayed, {} served direct (no relay ports), {} ended by "
                         "media timeout; RTP relayed caller->called {}, called->caller {}, RTCP {}, dropped {}",
                         t.media_relayed, t.media_ports_exhausted, t.media_timeouts, m.rtp_a_to_b, m.rtp_b_to_a,
                         m.rtcp, m.dropped));
  }
}

int serve(ServeOptions options) {
  if (options.print_config) {
    fmt::print("{}\n", config::to_json(config::example_config()).dump(2));
    return 0;
  }
  std::string error;
  std::optional<ApiAddress> api_address;
  if (!options.api.empty()) {
    if (options.api_token.empty()) return refuse("--api needs --api-token TOKEN: every request must carry it");
    auto address = parse_api_address(options.api);
    if (auto* message = std::get_if<std::string>(&address)) return refuse(*message);
    api_address = std::get<ApiAddress>(address);
  } else if (!options.api_token.empty()) {
    return refuse("--api-token without --api: there is no management API to protect");
  }
  auto start_config = load_start_config(options, error);
  auto& config = start_config.config;
  if (!config) return refuse(error);
  auto parsed = parse_listen(options.listen);
  if (auto* message = std::get_if<std::string>(&parsed)) return refuse(*message);
  const auto& sockets = std::get<std::vector<realtime::SocketSpec>>(parsed);
  if (auto why = check_tls_options(options, sockets)) return refuse(*why);
  if (auto why = refuse_tcp_provider(*config, sockets)) return refuse(*why);
  auto store = open_store(options.db, error);
  if (!store) return refuse(error);

  realtime::EventLoop loop;
  Listeners listeners;
  if (auto why = open_listeners(loop, sockets, options, *config, listeners)) return refuse(*why);
  auto recorder = open_capture(options, sockets, error);
  if (!error.empty()) return refuse(error);

  realtime::SystemClock clock;
  // Every socket reports to the one recorder and delivers to the one server.
  if (listeners.udp) listeners.udp->set_observer(recorder.get(), clock);
  for (auto* stream : listeners.streams()) stream->set_observer(recorder.get(), clock);
  realtime::OsRandom random;
  const Log log(clock);
  // Bindings that expired while the server was down go before the first lookup.
  const std::size_t purged = store->purge_expired(clock.now());
  element::ReferenceServer server(*config, clock, loop, listeners.transport(), random, *store);
  // The media relay's sockets, opened as calls need them on the SIP address's IP.
  std::vector<std::unique_ptr<realtime::UdpTransport>> media_sockets;
  if (relays_media(*config)) {
    const auto ip = listeners.transport().local_address();
    if (ip.to_string().starts_with("0.0.0.0") || ip.to_string().starts_with("[::]")) {
      std::fprintf(stderr, "trunklab serve: \"media\": \"relay\" needs --listen on an IP address, not %s: the SDP "
                   "must name where the relay is\n", ip.to_string().c_str());
      return 2;
    }
    // ip by value: the binder outlives this block, as calls open ports long after the start.
    auto bind_media = [&loop, &media_sockets, &recorder, &clock, &log, ip](std::uint16_t port,
                                                                         rt::DatagramHandler& handler) -> rt::Transport* {
      auto opened = realtime::UdpTransport::open(loop, ip.with_port(port));
      if (auto* why = std::get_if<std::string>(&opened)) {
        // The relay skips the port pair from then on; say which and why (taken by another program).
        log.line(fmt::format("trunklab serve: media relay: {}; its port pair is not used", *why));
        return nullptr;
      }
      auto& socket = media_sockets.emplace_back(std::move(std::get<std::unique_ptr<realtime::UdpTransport>>(opened)));
      socket->set_handler(&handler);
      if (recorder) socket->set_observer(recorder.get(), clock);
      return socket.get();
    };
    server.set_media_ports(bind_media);
  }
  std::unique_ptr<CdrFile> cdr;
  if (!options.cdr.empty()) {
    std::string why;
    cdr = CdrFile::open(options.cdr, options.cdr_max_bytes, why);
    if (!cdr) return refuse(why);
    server.add_call_record_sink([&cdr](const trunk::CallRecord& r) { cdr->write(r); });
  }
  // The metrics' call statistics (bounded: observe::CallStats caps its series).
  observe::CallStats call_stats;
  server.add_call_record_sink([&call_stats, &server](const trunk::CallRecord& r) { call_stats.add(r, server.config()); });
  if (!options.metrics_out.empty() && !std::ofstream(options.metrics_out)) {
    return refuse(fmt::format("--metrics-out {}: {}", options.metrics_out, std::strerror(errno)));
  }
  if (listeners.udp) listeners.udp->set_handler(&server.datagram_handler());
  for (auto* stream : listeners.streams()) stream->set_handler(&server.datagram_handler());
  if (!options.quiet) {
    server.set_log([&log](const std::string& line) { log.line(line); });
    // A refused handshake and its reason, the connection limit reached (counted in the summary too).
    for (auto* stream : listeners.streams()) stream->set_log([&log](const std::string& line) { log.line(line); });
  }
  // The management API: its changes stored beside the bindings, then applied to new calls.
  std::unique_ptr<api::ManagementApi> management;
  std::unique_ptr<ApiServer> api_server;
  if (api_address) {
    auto on_change = [&](const config::Config& next, const nlohmann::json& document) {
      if (auto why = refuse_tcp_provider(next, sockets)) throw api::ChangeRefused(*why);
      if (relays_media(next) && server.media_relay() == nullptr) {
        throw api::ChangeRefused("\"media\": \"relay\" needs the media relay, which serve sets up at start when its "
                                 "configuration relays media; restart serve with such a configuration");
      }
      std::string stored = "not stored (--db :memory:)";
      if (start_config.store) {
        stored = fmt::format("stored in {} as revision {}", options.db, start_config.store->save(document.dump()));
      }
      element::prefer_configured_transports(listeners.set, next);
      server.apply_config(next);
      log.line(fmt::format("trunklab serve: management API: configuration changed ({} providers, {} routes, {} "
                           "extensions, {} numbers, {} trunks), {}",
                           next.providers.size(), next.routes.size(), next.extensions.size(), next.numbers.size(),
                           next.trunks.size(), stored));
    };
    management = std::make_unique<api::ManagementApi>(config::to_json(*config), options.api_token, on_change);
    // GET /metrics: rendered in the event loop like every request, so it reads a settled state.
    management->set_metrics([&call_stats, &server] { return observe::render_metrics(call_stats, server); });
    auto opened = ApiServer::open(*api_address, *management, loop);
    if (auto* message = std::get_if<std::string>(&opened)) return refuse(*message);
    api_server = std::move(std::get<std::unique_ptr<ApiServer>>(opened));
    if (!options.quiet) api_server->set_log([&log](const std::string& line) { log.line(line); });
  }
  loop.watch_signals({SIGTERM, SIGINT}, [&loop](int) { loop.stop(); });

  // Line-buffered even into a pipe: one log line per transaction should be seen as it happens.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  log.line(fmt::format("trunklab serve: listening on {} ({} extensions, bindings in {})", listeners.names(),
                       config->extensions.size(), options.db));
  if (listeners.tls) log.line(tls_start_line(*listeners.tls, options.tls));
  if (recorder) {
    log.line(fmt::format("trunklab serve: recording to {} (a new file every {} bytes, at most {} files)",
                         options.pcap, options.rotation.max_file_bytes, options.rotation.max_files));
  }
  const std::size_t loaded = store->size();
  log.line(fmt::format("trunklab serve: {} binding{} loaded from {}, {} expired removed", loaded,
                       loaded == 1 ? "" : "s", options.db, purged));
  if (!start_config.note.empty()) log.line("trunklab serve: " + start_config.note);
  if (api_server) {
    api_address->port = api_server->port();
    log.line(fmt::format("trunklab serve: management API on http://{}/v1.0/ (token required; changes {})",
                         api_address->to_string(),
                         start_config.store ? "stored in " + options.db : "not stored: --db :memory:"));
    api_server->start();  // after watch_signals: its threads inherit the blocked signals
  }
  const double cpu_at_start = cpu_seconds();
  server.start();
  loop.run();
  if (api_server) {
    api_server->stop();
    log.line(fmt::format("trunklab serve: management API: {} requests, {} changes", api_server->requests(),
                         management->changes()));
  }
  if (!options.metrics_out.empty()) {
    std::ofstream out(options.metrics_out);
    out << observe::render_metrics(call_stats, server);
    if (!out.flush()) log.line(fmt::format("trunklab serve: --metrics-out {}: not written", options.metrics_out));
  }
  print_summary(log, server,
                transport_summary(listeners) + capture_summary(recorder.get()) + (cdr ? cdr->summary() : ""),
                cpu_seconds() - cpu_at_start);
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand(
      "serve", "Run the reference trunk and registrar on real UDP, TCP and/or TLS until SIGTERM/SIGINT");
  cmd->add_option("--config", options->config_path,
                  "Configuration JSON (default: the built-in example; see --print-config)");
  cmd->add_option("--listen", options->listen,
                  "Socket to serve on: udp:IP:PORT, udp:[IPv6]:PORT, tcp:IP:PORT, tls:IP:PORT; repeated for several "
                  "at once (at most one of each transport)")
      ->capture_default_str();
  cmd->add_option("--cert", options->tls.certificate,
                  "With tls:, the certificate serve presents (PEM, then any intermediates)");
  cmd->add_option("--key", options->tls.key, "With tls:, the certificate's private key (PEM)");
  cmd->add_option("--ca", options->tls.ca,
                  "With tls:, require client certificates issued by these CAs (PEM): mutual TLS");
  cmd->add_option("--tls-keylog", options->tls.keylog,
                  "With tls:, append the TLS session keys to this file (NSS key log format, as SSLKEYLOGFILE, "
                  "which is used when this is not given) to decrypt a capture in Wireshark or tshark");
  cmd->add_option("--db", options->db,
                  "SQLite file for the bindings (survives restarts), or :memory:")
      ->capture_default_str();
  cmd->add_flag("--print-config", options->print_config,
                "Print the built-in example configuration as JSON and exit");
  cmd->add_flag("--quiet", options->quiet, "No log line per transaction");
  cmd->add_option("--pcap", options->pcap,
                  "Record every datagram and TCP message served to this pcap file (IPv4), flushed per record");
  cmd->add_option("--pcap-max-bytes", options->rotation.max_file_bytes,
                  "Rotate the --pcap file when it would exceed this size (e.g. 64MiB, 100000)")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1024}, std::uint64_t{1} << 40))
      ->capture_default_str();
  cmd->add_option("--pcap-files", options->rotation.max_files,
                  "Keep at most this many capture files: FILE, FILE.1 (newest rotated) .. FILE.<N-1>")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}))
      ->capture_default_str();
  cmd->add_option("--cdr", options->cdr,
                  "Append a call detail record per call to this file (JSON lines: caller, callee, trunk, legs tried "
                  "with their answers, times, duration, who hung up why)");
  cmd->add_option("--cdr-max-bytes", options->cdr_max_bytes,
                  "Stop writing --cdr at this size; records past it are counted in the summary")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1024}, std::uint64_t{1} << 40))
      ->capture_default_str();
  cmd->add_option("--metrics-out", options->metrics_out,
                  "At SIGTERM/SIGINT, write the metrics (Prometheus text format) to this file");
  cmd->add_option("--api", options->api,
                  "Serve the management API (HTTP, /v1.0/providers, /routes, ...) on PORT or IP:PORT (IP "
                  "127.0.0.1 when only a port is given); needs --api-token");
  cmd->add_option("--api-token", options->api_token,
                  "The token every management API request carries (?token=TOKEN or Authorization: Bearer TOKEN)");
  cmd->add_flag("--reset-config", options->reset_config,
                "Drop the configuration the management API stored in --db and start from --config (or the example)");
  cmd->callback([options, &exit_code] { exit_code = serve(*options); });
}

}  // namespace trunklab::app
