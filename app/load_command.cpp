// `trunklab load`: a rate-controlled REGISTER-with-digest load driver against a registrar
// over UDP (load::RegisterLoad does the protocol). It stops by itself: after --duration,
// and the registrations still in flight are given at most --timeout to finish.
#include "app/commands.hpp"

#include "reference/config/config.hpp"
#include "reference/config/example.hpp"
#include "reference/realtime/listen_spec.hpp"
#include "load/register_load.hpp"

#include <fmt/core.h>

#include <chrono>
#include <memory>
#include <string>

namespace trunklab::app {
namespace {

struct LoadCommandOptions {
  std::string target = "udp:127.0.0.1:5060";
  std::string duration = "10s";
  std::string timeout = "5s";
  bool print_config = false;
  load::LoadOptions load;
};

// "10s", "500ms", "2m": the same duration syntax as the configuration files.
std::optional<rt::Duration> parse_duration(const std::string& text) {
  try {
    return config::Node(nlohmann::json(text), "<command line>").as_duration();
  } catch (const config::InputError&) {
    return std::nullopt;
  }
}

int run_load(LoadCommandOptions& options) {
  auto& load = options.load;
  if (options.print_config) {
    auto config = config::example_config();
    load::add_load_users(config, load.user_prefix, load.users, load.password);
    fmt::print("{}\n", config::to_json(config).dump(2));
    return 0;
  }
  auto spec = realtime::parse_socket_spec(options.target);
  if (auto* message = std::get_if<std::string>(&spec)) {
    fmt::print(stderr, "trunklab load: --target {}\n", *message);
    return 2;
  }
  if (std::get<realtime::SocketSpec>(spec).kind != rt::TransportKind::udp) {
    // The driver's socket is UDP: a tcp: or tls: target would silently be sent datagrams.
    fmt::print(stderr, "trunklab load: --target {}: the load driver sends over UDP only (udp:IP:PORT)\n",
               options.target);
    return 2;
  }
  load.target = std::get<realtime::SocketSpec>(spec).address;
  const auto duration = parse_duration(options.duration);
  const auto timeout = parse_duration(options.timeout);
  if (!duration || !timeout || *duration <= rt::Duration::zero() || *timeout <= rt::Duration::zero()) {
    fmt::print(stderr, "trunklab load: --duration and --timeout expect a positive duration "
                       "such as 10s or 500ms\n");
    return 2;
  }
  load.duration = *duration;
  load.timeout = *timeout;
  auto result = load::run_register_load(load);
  if (auto* error = std::get_if<std::string>(&result)) {
    fmt::print(stderr, "trunklab load: {}\n", *error);
    return 2;
  }
  const auto& report = std::get<load::LoadReport>(result);
  fmt::print("{}", report.summary(load));
  return report.failure_ratio() > load.max_failure_ratio ? 1 : 0;
}

}  // namespace

void add_load_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<LoadCommandOptions>();
  auto& load = options->load;
  auto* cmd = app.add_subcommand(
      "load", "Drive REGISTER-with-digest load at a registrar over UDP and summarise it");
  cmd->add_option("--target", options->target, "Registrar to load: udp:IP:PORT")
      ->capture_default_str();
  cmd->add_option("--rate", load.rate_per_s, "Registrations started per second")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--duration", options->duration, "How long to start registrations (10s, 500ms)")
      ->capture_default_str();
  cmd->add_option("--users", load.users, "Accounts {prefix}1..{prefix}N, round-robin")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
      ->capture_default_str();
  cmd->add_option("--user-prefix", load.user_prefix, "Account name prefix")->capture_default_str();
  cmd->add_option("--password", load.password, "Password of every account")->capture_default_str();
  cmd->add_option("--domain", load.domain, "Registrar domain (Request-URI and AOR host)")
      ->capture_default_str();
  cmd->add_option("--expires", load.expires_s, "Expires asked for, seconds")->capture_default_str();
  cmd->add_option("--timeout", options->timeout, "A registration not done within it failed")
      ->capture_default_str();
  cmd->add_option("--max-failure-ratio", load.max_failure_ratio,
                  "Exit 1 above this ratio of failed or not offered registrations")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_flag("--print-config", options->print_config,
                "Print the built-in serve configuration plus the load accounts, and exit");
  cmd->callback([options, &exit_code] { exit_code = run_load(*options); });
}

}  // namespace trunklab::app
