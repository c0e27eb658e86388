// `trunklab serve`: the reference trunk and registrar as a daemon on a real UDP or TCP socket.
// Everything protocol-related is the same element::ReferenceServer the simulator runs; this
// file only wires it to the real clock, the epoll loop, a socket, OS randomness and a store.
#include "app/commands.hpp"

#include "reference/config/config.hpp"
#include "reference/element/reference_server.hpp"
#include "reference/registrar/store.hpp"
#include "reference/realtime/clock.hpp"
#include "reference/realtime/event_loop.hpp"
#include "reference/config/example.hpp"
#include "reference/realtime/listen_spec.hpp"
#include "reference/realtime/real_random.hpp"
#include "reference/realtime/tcp_transport.hpp"
#include "reference/realtime/udp_transport.hpp"
#include "wiretap/pcap_recorder.hpp"

#include <fmt/core.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace trunklab::app {
namespace {

constexpr const char* kMemoryDb = ":memory:";

struct ServeOptions {
  std::string config_path;  // "" = the built-in example
  std::string listen = "udp:127.0.0.1:5060";
  std::string db = "trunklab-bindings.db";
  bool print_config = false;
  bool quiet = false;
  std::string pcap;  // "" = no capture
  wiretap::RotationOptions rotation;
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

std::unique_ptr<registrar::BindingStore> open_store(const std::string& db, std::string& error) {
  if (db == kMemoryDb) return std::make_unique<registrar::MemoryStore>();
  try {
    return registrar::open_sqlite_store(db);
  } catch (const registrar::StoreError& e) {
    error = fmt::format("cannot open binding store {}: {}", db, e.what());
    return nullptr;
  }
}

// The counters of whichever transport serves: datagrams over UDP, messages and connections
// over TCP.
std::string transport_summary(const realtime::UdpTransport* udp, const realtime::TcpTransport* tcp) {
  if (udp) {
    const auto& u = udp->stats();
    return fmt::format("datagrams in {} out {} (send errors {})", u.received, u.sent, u.send_errors);
  }
  const auto& t = tcp->stats();
  return fmt::format("messages in {} out {} (send errors {}, framing errors {}, of which over the framing "
                     "limits {}), connections accepted {} opened {} closed {} (idle {}, over the limit {})",
                     t.received, t.sent, t.send_errors, t.framing_errors, t.oversized, t.accepted, t.connected,
                     t.closed, t.idle_closed, t.over_limit);
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
std::unique_ptr<wiretap::PcapRecorder> open_capture(const ServeOptions& options, const realtime::SocketSpec& socket,
                                                    std::string& error) {
  if (options.pcap.empty()) return nullptr;
  if (socket.address.is_v6()) {
    error = "--pcap writes IPv4 frames only; it cannot record an IPv6 listen address";
    return nullptr;
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
}

int serve(const ServeOptions& options) {
  if (options.print_config) {
    fmt::print("{}\n", config::to_json(config::example_config()).dump(2));
    return 0;
  }
  std::string error;
  auto config = load_config(options, error);
  if (!config) return refuse(error);
  auto spec = realtime::parse_socket_spec(options.listen);
  if (auto* message = std::get_if<std::string>(&spec)) return refuse("--listen " + *message);
  auto store = open_store(options.db, error);
  if (!store) return refuse(error);

  realtime::EventLoop loop;
  const auto& socket = std::get<realtime::SocketSpec>(spec);
  std::unique_ptr<realtime::UdpTransport> udp;
  std::unique_ptr<realtime::TcpTransport> tcp;
  if (socket.kind == rt::TransportKind::tcp) {
    auto opened = realtime::TcpTransport::open(loop, socket.address);
    if (auto* message = std::get_if<std::string>(&opened)) return refuse(*message);
    tcp = std::move(std::get<std::unique_ptr<realtime::TcpTransport>>(opened));
  } else {
    auto opened = realtime::UdpTransport::open(loop, socket.address);
    if (auto* message = std::get_if<std::string>(&opened)) return refuse(*message);
    udp = std::move(std::get<std::unique_ptr<realtime::UdpTransport>>(opened));
  }
  rt::Transport& transport = udp ? static_cast<rt::Transport&>(*udp) : *tcp;
  auto recorder = open_capture(options, socket, error);
  if (!error.empty()) return refuse(error);

  realtime::SystemClock clock;
  if (udp) udp->set_observer(recorder.get(), clock);
  if (tcp) tcp->set_observer(recorder.get(), clock);
  realtime::OsRandom random;
  const Log log(clock);
  // Bindings that expired while the server was down go before the first lookup.
  const std::size_t purged = store->purge_expired(clock.now());
  element::ReferenceServer server(*config, clock, loop, transport, random, *store);
  if (udp) udp->set_handler(&server.datagram_handler());
  if (tcp) tcp->set_handler(&server.datagram_handler());
  if (!options.quiet) {
    server.set_log([&log](const std::string& line) { log.line(line); });
  }
  loop.watch_signals({SIGTERM, SIGINT}, [&loop](int) { loop.stop(); });

  // Line-buffered even into a pipe: one log line per transaction should be seen as it happens.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  log.line(fmt::format("trunklab serve: listening on {}:{} ({} extensions, bindings in {})", udp ? "udp" : "tcp",
                       transport.local_address().to_string(), config->extensions.size(), options.db));
  if (recorder) {
    log.line(fmt::format("trunklab serve: recording to {} (a new file every {} bytes, at most {} files)",
                         options.pcap, options.rotation.max_file_bytes, options.rotation.max_files));
  }
  const std::size_t loaded = store->size();
  log.line(fmt::format("trunklab serve: {} binding{} loaded from {}, {} expired removed", loaded,
                       loaded == 1 ? "" : "s", options.db, purged));
  const double cpu_at_start = cpu_seconds();
  server.start();
  loop.run();
  print_summary(log, server, transport_summary(udp.get(), tcp.get()) + capture_summary(recorder.get()),
                cpu_seconds() - cpu_at_start);
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand(
      "serve", "Run the reference trunk and registrar on real UDP until SIGTERM/SIGINT");
  cmd->add_option("--config", options->config_path,
                  "Configuration JSON (default: the built-in example; see --print-config)");
  cmd->add_option("--listen", options->listen, "Socket to serve on: udp:IP:PORT, udp:[IPv6]:PORT, tcp:IP:PORT")
      ->capture_default_str();
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
  cmd->callback([options, &exit_code] { exit_code = serve(*options); });
}

}  // namespace trunklab::app
