// `trunklab run [PATH...]`: runs scenario files (and the *.json files of folders) in virtual time
// against the reference, one line per scenario and a summary (--swarm: run_swarm.cpp). Exit 0 all passed, 1 a scenario
// failed, 2 unusable input (unreadable or invalid scenario file, bad path).
#include "app/commands.hpp"
#include "app/run_files.hpp"
#include "app/target_api.hpp"

#include "reports/run_report.hpp"
#include "scenario/runner.hpp"
#include "scenario/scenario.hpp"

#include <fmt/core.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <variant>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace trunklab::app {
namespace {

namespace fs = std::filesystem;

struct RunArgs {
  std::vector<std::string> paths;
  std::optional<std::uint64_t> seed;
  std::string out;
  bool pcap_delivered = false;  // also DIR/<name>/delivered.pcap: the receivers' view
  bool update = false;
  bool require_golden = false;
  std::string filter;
  bool quiet = false;
  // Against a system under test (real UDP, real time).
  std::string target;
  std::vector<std::string> binds;
  std::uint16_t base_port = 5070;
  double time_scale = 1.0;
  bool print_target_config = false;
  std::string capture_iface;
  std::string target_api, target_api_token;  // the target's management API, for "api" steps
  // Caps on each run in virtual time (scenario `limits` otherwise, then the defaults).
  std::string max_virtual_time;
  std::optional<std::uint64_t> max_events;
  std::optional<std::uint64_t> max_messages;
  std::optional<std::uint64_t> max_output_bytes;
  std::optional<std::uint64_t> max_media_packets;
  // Swarm runs (run_swarm.cpp).
  std::uint64_t swarm = 0;
  std::optional<std::uint64_t> swarm_seed;
};

// --max-* into overrides of the scenarios' limits; an error message otherwise.
std::variant<scenario::LimitOverrides, std::string> limit_overrides(const RunArgs& args) {
  scenario::LimitOverrides limits;
  if (!args.max_virtual_time.empty()) {
    auto d = config::parse_duration(args.max_virtual_time);
    if (!d || *d <= rt::Duration::zero()) {
      return fmt::format("--max-virtual-time {}: expected a duration such as \"10m\" or \"2h\"", args.max_virtual_time);
    }
    limits.virtual_time = d;
  }
  limits.events = args.max_events;
  limits.messages = args.max_messages;
  limits.output_bytes = args.max_output_bytes;
  limits.media_packets = args.max_media_packets;
  return limits;
}

// --target udp:IP:PORT and --bind NAME=IP:PORT into LiveOptions; an error message otherwise.
std::variant<std::optional<scenario::LiveOptions>, std::string> live_options(const RunArgs& args) {
  if (args.target.empty()) {
    if (!args.binds.empty() || args.print_target_config || !args.capture_iface.empty() || !args.target_api.empty()) {
      return std::string("--bind, --target-api, --capture-iface and --print-target-config need --target");
    }
    return std::optional<scenario::LiveOptions>{};
  }
  scenario::LiveOptions live;
  std::string_view target = args.target;
  if (target.starts_with("tcp:")) live.target_transport = rt::TransportKind::tcp;
  if (target.starts_with("udp:") || target.starts_with("tcp:")) target.remove_prefix(4);
  auto address = rt::Address::parse(target);
  if (!address) return fmt::format("--target {}: expected udp:IP:PORT or tcp:IP:PORT", args.target);
  live.target = *address;
  live.base_port = args.base_port;
  live.time_scale = args.time_scale;
  live.capture_iface = args.capture_iface;
  if (!args.target_api.empty()) {
    std::string error;
    auto client = target_api_client(args.target_api, args.target_api_token, error);
    if (!client) return error;
    live.api = std::move(*client);
  }
  for (const auto& bind : args.binds) {
    auto eq = bind.find('=');
    auto bound = eq == std::string::npos ? std::nullopt : rt::Address::parse(std::string_view(bind).substr(eq + 1));
    if (!bound) return fmt::format("--bind {}: expected NAME=IP:PORT", bind);
    live.binds[bind.substr(0, eq)] = *bound;
  }
  return std::optional<scenario::LiveOptions>{live};
}

}  // namespace

// Scenario files named by the arguments, folders expanded to their *.json (schema.json is the
// format's schema, not a scenario), sorted within a folder so runs are reproducible. A path
// that is neither, or a folder without a scenario, is unusable input: reported in `unusable`.
std::vector<std::string> collect_files(const std::vector<std::string>& paths,
                                       std::vector<reports::ScenarioReport>& unusable) {
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::directory_iterator(p, ec)) {
        const auto& path = entry.path();
        if (entry.is_regular_file() && path.extension() == ".json" && path.filename() != "schema.json") {
          found.push_back(path.string());
        }
      }
      if (found.empty()) unusable.push_back(reports::unusable_report(p, p + ": no scenario file (*.json) in this folder"));
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      unusable.push_back(reports::unusable_report(p, p + ": no such scenario file or folder"));
    }
  }
  return files;
}

static bool glob_matches(std::string_view name, std::string_view glob) {
  if (glob.empty()) return name.empty();
  if (glob.front() == '*') {
    for (std::size_t skip = 0; skip <= name.size(); ++skip) {
      if (glob_matches(name.substr(skip), glob.substr(1))) return true;
    }
    return false;
  }
  return !name.empty() && name.front() == glob.front() && glob_matches(name.substr(1), glob.substr(1));
}

bool name_matches(std::string_view name, std::string_view filter) {
  if (filter.empty()) return true;
  if (filter.find('*') == std::string_view::npos) return name.find(filter) != std::string_view::npos;
  return glob_matches(name, filter);
}

std::string display_dir(const std::string& dir) {
  auto text = std::filesystem::path(dir).lexically_normal().string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

std::string indent(const std::string& text) {
  std::string out = "    ";
  for (std::size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '\n' && i + 1 < text.size()) out += "    ";
  }
  return out;
}

static std::optional<std::string> write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out) return fmt::format("cannot write {}", path.string());
  return std::nullopt;
}

// DIR/<name>/capture.pcap, ladder.txt (and the other ladder renderings), verdict.json.
std::optional<std::string> write_outputs(const fs::path& dir, const scenario::Verdict& verdict,
                                         reports::ScenarioReport& report) {
  fs::path folder = dir / verdict.name;
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) return fmt::format("cannot create {}: {}", folder.string(), ec.message());
  if (auto e = write_file(folder / "capture.pcap", verdict.pcap)) return e;
  if (!verdict.delivered_pcap.empty()) {
    if (auto e = write_file(folder / "delivered.pcap", verdict.delivered_pcap)) return e;
  }
  reports::RenderOptions render;
  render.title = verdict.name;
  if (auto e = reports::write_ladders(folder, verdict.ladder, render)) return e;
  if (auto e = write_file(folder / "wire.txt", verdict.ladder_text())) return e;
  // Party names by address, which `trunklab ladder` picks up beside the capture.
  std::string names;
  for (const auto& party : verdict.ladder.parties) {
    for (const auto& address : party.addresses) names += fmt::format("{} {}\n", address.to_string(), party.name);
  }
  if (auto e = write_file(folder / "names.txt", names)) return e;
  // A target's bytes need not be UTF-8 (a reason phrase, a header value): replaced, never a throw.
  const auto verdict_json = verdict.to_json().dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  if (auto e = write_file(folder / "verdict.json", verdict_json + "\n")) return e;
  std::string cdr;
  for (const auto& record : verdict.call_records) {
    cdr += record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  if (auto e = write_file(folder / "cdr.jsonl", cdr)) return e;
  // The reference's metrics at the end of the run (none against a target: it keeps its own).
  if (!verdict.metrics.empty()) {
    if (auto e = write_file(folder / "metrics.prom", verdict.metrics)) return e;
  }
  report.ladder_dir = verdict.name;
  report.pcap = verdict.name + "/capture.pcap";
  return std::nullopt;
}

Progress::Progress(std::size_t total) : total_(total), tty_(isatty(STDERR_FILENO) != 0) {}

void Progress::show(std::size_t index, const std::string& name) const {
  if (tty_ && total_ > 1) fmt::print(stderr, "\r\033[K[{}/{}] {}", index + 1, total_, name);
}

void Progress::clear() const {
  if (tty_ && total_ > 1) fmt::print(stderr, "\r\033[K");
}

namespace {

// The --max-* arguments as given, so a swarm's reproduction command runs with the same caps.
std::string limit_args(const RunArgs& args) {
  std::string out;
  auto add = [&out](std::string_view option, const std::string& value) {
    out += fmt::format("{}{} {}", out.empty() ? "" : " ", option, value);
  };
  if (!args.max_virtual_time.empty()) add("--max-virtual-time", args.max_virtual_time);
  if (args.max_events) add("--max-events", std::to_string(*args.max_events));
  if (args.max_messages) add("--max-messages", std::to_string(*args.max_messages));
  if (args.max_output_bytes) add("--max-output-bytes", std::to_string(*args.max_output_bytes));
  if (args.max_media_packets) add("--max-media-packets", std::to_string(*args.max_media_packets));
  return out;
}

int start_swarm(const RunArgs& args, bool live, const scenario::LimitOverrides& limits) {
  std::string refused;
  if (live) refused = "--swarm and --swarm-seed run in virtual time; they cannot be combined with --target";
  if (args.update || args.require_golden) refused = "golden ladders are not compared in swarm runs: --update and --require-golden cannot be combined with --swarm or --swarm-seed";
  if (args.swarm > 0 && args.swarm_seed) refused = "--swarm-seed runs one swarm seed: give it without --swarm";
  if (args.swarm_seed && args.seed) refused = "--swarm-seed is the seed: give it without --seed";
  if (!refused.empty()) {
    fmt::print(stderr, "trunklab run: {} (see trunklab run --help)\n", refused);
    return 2;
  }
  SwarmArgs swarm;
  swarm.paths = args.paths.empty() ? std::vector<std::string>{"scenarios"} : args.paths;
  swarm.base_seed = args.seed;
  swarm.count = args.swarm;
  swarm.one_seed = args.swarm_seed;
  swarm.filter = args.filter;
  swarm.quiet = args.quiet;
  swarm.out = args.out;
  swarm.limits = limits;
  swarm.limit_args = limit_args(args);
  return run_swarm(swarm);
}

int run(const RunArgs& args) {
  using Clock = std::chrono::steady_clock;  // the app is the edge: wall time for the report only
  const auto started = Clock::now();
  auto parsed_live = live_options(args);
  if (auto* error = std::get_if<std::string>(&parsed_live)) {
    fmt::print(stderr, "trunklab run: {} (see trunklab run --help)\n", *error);
    return 2;
  }
  const auto live = std::get<std::optional<scenario::LiveOptions>>(parsed_live);
  auto parsed_limits = limit_overrides(args);
  if (auto* error = std::get_if<std::string>(&parsed_limits)) {
    fmt::print(stderr, "trunklab run: {} (see trunklab run --help)\n", *error);
    return 2;
  }
  if (args.pcap_delivered) {
    std::string refused;
    if (args.out.empty()) refused = "--pcap-delivered writes DIR/<name>/delivered.pcap: give it with --out DIR";
    if (live) refused = "--pcap-delivered needs the simulated network's arrival times: it cannot be combined with --target";
    if (args.swarm > 0 || args.swarm_seed) refused = "--pcap-delivered is not written by swarm runs";
    if (!refused.empty()) {
      fmt::print(stderr, "trunklab run: {} (see trunklab run --help)\n", refused);
      return 2;
    }
  }
  if (args.swarm > 0 || args.swarm_seed) return start_swarm(args, live.has_value(), std::get<scenario::LimitOverrides>(parsed_limits));
  std::vector<reports::ScenarioReport> reports;
  const auto files = collect_files(args.paths.empty() ? std::vector<std::string>{"scenarios"} : args.paths, reports);
  std::size_t passed = 0;
  std::size_t failed = 0;
  std::size_t unusable = reports.size();
  for (const auto& r : reports) fmt::print("ERROR {}\n", r.failure_text);
  // An unusable file is in junit.xml and index.html as an error, so CI sees it.
  auto refuse = [&](const std::string& file, const std::string& reason) {
    fmt::print("ERROR {}\n", reason);
    reports.push_back(reports::unusable_report(file, reason));
    ++unusable;
  };
  Progress progress(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::optional<scenario::Scenario> scenario;
    try {
      scenario = scenario::load_scenario_file(files[i]);
    } catch (const config::InputError& e) {
      progress.clear();
      fmt::print("ERROR {}\n", e.what());
      reports.push_back(reports::unusable_report(files[i], e.what(), e.json_path(), e.expected()));
      ++unusable;
      continue;
    }
    if (!name_matches(scenario->name, args.filter)) continue;
    progress.show(i, scenario->name);
    const auto one_started = Clock::now();
    scenario::RunOptions options;
    options.live = live;
    if (live && args.print_target_config) {
      fmt::print("{}\n", config::to_json(scenario::target_config(*scenario, *live)).dump(2));
      continue;
    }
    options.seed = args.seed;
    options.limits = std::get<scenario::LimitOverrides>(parsed_limits);
    options.keep_pcap = !args.out.empty();
    options.report_ladder = !args.out.empty();
    options.keep_delivered_pcap = args.pcap_delivered;
    auto verdict = scenario::run_scenario(*scenario, options);
    // Golden ladders belong to the scenario's own seed and the reference: another seed, or a
    // target, is another run.
    const bool own_seed = (!args.seed || *args.seed == scenario->seed) && !live;
    if (own_seed) {
      if (auto e = scenario::check_golden(*scenario, verdict, args.update, args.require_golden)) {
        verdict.failures.push_back(*e);
      }
    }
    verdict.passed = verdict.failures.empty();
    auto wall = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - one_started);
    auto report = scenario_report(*scenario, verdict, wall);
    if (!args.out.empty()) {
      if (auto e = write_outputs(args.out, verdict, report)) {
        verdict.failures.push_back(*e);
        verdict.passed = false;
        set_failures(report, verdict);
      }
    }
    progress.clear();
    if (verdict.passed) {
      ++passed;
      if (!args.quiet) {
        if (live) {
          fmt::print("PASS {:<28} {:>4} messages  {:>6.1f} ms real time\n", verdict.name, verdict.lines.size(),
                     static_cast<double>(wall.count()) / 1000.0);
        } else {
          fmt::print("PASS {:<28} {:>4} messages  {:>8} virtual  {:>6.1f} ms wall{}\n", verdict.name,
                     verdict.lines.size(), config::format_duration(verdict.virtual_duration),
                     static_cast<double>(wall.count()) / 1000.0, args.update ? "  (golden updated)" : "");
        }
      }
    } else {
      ++failed;
      fmt::print("FAIL {:<28} seed {}\n{}", verdict.name, verdict.seed, indent(verdict.failure_text()));
    }
    for (const auto& note : verdict.notes) {
      if (!args.quiet) fmt::print("     note: {}\n", note);
    }
    reports.push_back(std::move(report));
  }
  if (live && args.print_target_config) return unusable > 0 ? 2 : 0;
  if (passed + failed + unusable == 0) {
    // Nothing ran (every scenario filtered out): a green run would mean nothing.
    refuse(args.paths.empty() ? "scenarios" : args.paths.front(),
           fmt::format("no scenario matches --filter \"{}\"", args.filter));
  }
  if (!args.out.empty()) {
    if (auto e = reports::write_run_report(args.out, reports)) fmt::print(stderr, "error: {}\n", *e);
  }
  auto wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  fmt::print("{} scenario(s): {} passed, {} failed, {} unusable ({} ms wall)\n", passed + failed + unusable, passed,
             failed, unusable, wall_ms);
  if (!args.out.empty()) {
    fmt::print("pcaps and ladders: {0}/<scenario>/capture.pcap, ladder.txt|.mmd|.svg|.html, verdict.json, cdr.jsonl, metrics.prom; "
               "report: {0}/index.html, {0}/junit.xml, {0}/summary.json\n",
               display_dir(args.out));
  }
  if (unusable > 0) return 2;
  return failed > 0 ? 1 : 0;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand("run", "Run scenario files in virtual time against the reference, or in "
                                        "real time against a target (exit 0 all pass, 1 a failure, 2 unusable input)");
  cmd->add_option("paths", args->paths, "Scenario files or folders (default: scenarios/)");
  cmd->add_option("--seed", args->seed, "Override every scenario's seed");
  cmd->add_option("--out", args->out,
                  "Write DIR/<name>/{capture.pcap,ladder.*,verdict.json,cdr.jsonl,metrics.prom}, DIR/junit.xml, DIR/summary.json and DIR/index.html");
  cmd->add_flag("--pcap-delivered", args->pcap_delivered,
                "With --out: also write DIR/<name>/delivered.pcap, the receivers' view: only the datagrams the "
                "network delivered, as each receiver got them (after NAT), stamped with their arrival times");
  cmd->add_flag("--update", args->update, "Rewrite the golden ladders (<folder>/golden/<name>.ladder.txt)");
  cmd->add_flag("--require-golden", args->require_golden,
                "A scenario without a golden ladder fails (it does anyway in a folder that has golden/)");
  cmd->add_option("--filter", args->filter, "Only scenarios whose name contains this (or matches a * glob)");
  cmd->add_flag("-q,--quiet", args->quiet, "Print only failures and the summary");
  cmd->add_option("--target", args->target,
                  "Run against this system under test instead of the reference, in real time: udp:IP:PORT, or "
                  "tcp:IP:PORT (parties whose scenario names no transport then register and call over TCP)");
  cmd->add_option("--target-api", args->target_api,
                  "With --target: the target's management API for the scenarios' \"api\" steps, http://IP:PORT "
                  "(trunklab serve --api)");
  cmd->add_option("--target-api-token", args->target_api_token, "With --target-api: its token (Bearer)");
  cmd->add_option("--bind", args->binds, "With --target: a party's socket, NAME=IP:PORT (repeatable)");
  cmd->add_option("--bind-base-port", args->base_port,
                  "With --target: parties without --bind get 127.0.0.1:(PORT + their index); default 5070");
  cmd->add_option("--time-scale", args->time_scale,
                  "With --target: multiply step times, reply delays and run_until (e.g. 0.1)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--capture-iface", args->capture_iface,
                  "With --target: capture with libpcap on this interface (e.g. lo; needs root) instead of "
                  "recording what the parties' sockets send and receive");
  cmd->add_flag("--print-target-config", args->print_target_config,
                "With --target: print the reference configuration the target needs (providers at the "
                "emulated providers' sockets) for `trunklab serve --config`, and exit");
  cmd->add_option("--max-virtual-time", args->max_virtual_time,
                  "Cap on the virtual time of each run, e.g. 2h (default: the scenario's limits, else 24h)");
  cmd->add_option("--max-events", args->max_events, "Cap on the events of each run (default 10000000)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-messages", args->max_messages, "Cap on the messages of each run (default 100000)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-media-packets", args->max_media_packets,
                  "Cap on the RTP and RTCP packets of each run (default 10000000)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-output-bytes", args->max_output_bytes,
                  "Cap on the capture (pcap) size of each run in bytes (default 67108864)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--swarm", args->swarm,
                  "Run each scenario with N seeds derived from its seed (or --seed), each on a network drawn "
                  "within the scenario's \"swarm\" bounds; lists every failing seed with its reproduction")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1000000}));
  cmd->add_option("--swarm-seed", args->swarm_seed,
                  "Run one swarm seed: the network drawn from it and the verdict of that seed of a --swarm run");
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace trunklab::app
