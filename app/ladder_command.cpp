// `trunklab ladder CAPTURE`: the call ladder of a pcap/pcapng file, as text, Mermaid, SVG or
// HTML.
#include "app/commands.hpp"

#include "reports/ladder/names.hpp"
#include "reports/pcap/pcap_reader.hpp"
#include "reports/render/render.hpp"

#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <variant>

namespace trunklab::app {
namespace {

struct LadderArgs {
  std::string capture;
  std::string format = "text";
  std::string output;
  std::vector<std::string> names;
  std::string names_file;
  std::string call_id;
  bool group_calls = false;
  bool full = false;
  std::string time = "relative";  // --time: offsets since the first message, or "absolute"
  std::size_t width = 0;          // --width: 0 = as wide as the content needs
};

// The name map from --names then --name (options win over the file). Error or "".
std::string collect_names(const LadderArgs& args, reports::NameMap& names) {
  if (!args.names_file.empty()) {
    std::ifstream file(args.names_file, std::ios::binary);
    if (!file) {
      return fmt::format("{}: cannot read the names file", args.names_file);
    }
    std::stringstream text;
    text << file.rdbuf();
    auto parsed = reports::parse_names(text.str(), args.names_file);
    if (auto* error = std::get_if<std::string>(&parsed)) {
      return *error;
    }
    names = std::get<reports::NameMap>(std::move(parsed));
  }
  for (const auto& option : args.names) {
    if (auto error = reports::add_name_option(names, option); !error.empty()) {
      return error;
    }
  }
  return {};
}

bool write_output(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text;
    std::cout.flush();
    return static_cast<bool>(std::cout);
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  return static_cast<bool>(file);
}

// `trunklab run --out` leaves names.txt beside each capture.pcap: its columns then carry the
// scenario's party names without any option.
LadderArgs with_default_names(LadderArgs args) {
  if (!args.names_file.empty() || !args.names.empty()) return args;
  auto beside = std::filesystem::path(args.capture).parent_path() / "names.txt";
  std::error_code ec;
  if (std::filesystem::is_regular_file(beside, ec)) {
    fmt::print(stderr, "party names from {}\n", beside.string());
    args.names_file = beside.string();
  }
  return args;
}

// What TCP reassembly could not turn into messages, on stderr. True when a limit was reached:
// the ladder then misses messages, which is a failure (exit 1), not a silent gap.
bool report_tcp(const reports::TcpStreamStats& tcp) {
  if (tcp.unframeable > 0) {
    fmt::print(stderr, "{} TCP stream direction{} not SIP (cannot be framed by Content-Length): skipped\n",
               tcp.unframeable, tcp.unframeable == 1 ? "" : "s");
  }
  if (tcp.unfinished > 0) {
    fmt::print(stderr, "{} TCP stream direction{} ended inside a message (or before a missing segment)\n",
               tcp.unfinished, tcp.unfinished == 1 ? "" : "s");
  }
  const reports::TcpStreamLimits limits;
  if (tcp.flows_over_limit > 0) {
    fmt::print(stderr, "trunklab ladder: {} TCP segments not reassembled: more than {} stream directions at once\n",
               tcp.flows_over_limit, limits.max_flows);
  }
  if (tcp.buffer_overflows > 0) {
    fmt::print(stderr,
               "trunklab ladder: {} TCP stream direction{} given up: over {} bytes or {} segments waiting for "
               "the rest of a message\n",
               tcp.buffer_overflows, tcp.buffer_overflows == 1 ? "" : "s", limits.max_buffered_bytes,
               limits.max_pending_segments);
  }
  return tcp.limited();
}

int run_ladder(const LadderArgs& given) {
  const LadderArgs args = with_default_names(given);
  reports::LadderOptions options;
  if (auto error = collect_names(args, options.names); !error.empty()) {
    fmt::print(stderr, "trunklab ladder: {}\n", error);
    return 2;
  }
  if (!args.call_id.empty()) {
    options.call_id = args.call_id;
  }
  options.group_calls = args.group_calls;
  options.wall_clock = true;  // a pcap's timestamps are Unix time
  auto format = reports::parse_format(args.format);  // CLI11 already checked the name

  reports::PcapRead read = reports::read_pcap(args.capture);
  if (!read.opened) {
    fmt::print(stderr, "trunklab ladder: {}\n", read.error);
    return 2;  // nothing readable at all: not a capture
  }
  reports::Ladder ladder = reports::build_ladder(read.datagrams, options);
  if (std::size_t skipped = read.not_udp + ladder.not_sip; skipped > 0) {
    fmt::print(stderr, "skipped {} packet{} that {} not SIP over UDP or TCP\n", skipped,
               skipped == 1 ? "" : "s", skipped == 1 ? "is" : "are");
  }
  const bool tcp_limited = report_tcp(read.tcp);
  reports::RenderOptions render_options;
  render_options.full = args.full;
  render_options.time_absolute = args.time == "absolute";
  render_options.width = args.width;
  render_options.title = args.capture;
  if (!write_output(args.output, reports::render(*format, ladder, render_options))) {
    fmt::print(stderr, "trunklab ladder: {}: cannot write the ladder\n", args.output);
    return 2;
  }
  if (!read.error.empty()) {
    fmt::print(stderr,
               "trunklab ladder: {} (the ladder shows the {} messages read before the damage)\n",
               read.error, ladder.messages.size());
    return 1;
  }
  return tcp_limited ? 1 : 0;
}

}  // namespace

void add_ladder_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<LadderArgs>();
  CLI::App* cmd = app.add_subcommand(
      "ladder", "Draw the call ladder of a pcap or pcapng capture (SIP over UDP and TCP; Ethernet, "
                "Linux cooked SLL/SLL2 and raw IP; IPv4 and IPv6)");
  cmd->add_option("capture", args->capture, "The capture file (pcap or pcapng)")->required();
  cmd->add_option("--format,-f", args->format, "Output format")
      ->check(CLI::IsMember({"text", "mermaid", "svg", "html"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", args->output, "Write to FILE instead of standard output");
  cmd->add_option("--name", args->names,
                  "Name a party: ADDRESS=NAME, e.g. 10.0.0.5:5060=PBX (repeatable)");
  cmd->add_option("--names", args->names_file,
                  "Names file: lines \"10.0.0.5:5060 PBX\" or a JSON object");
  cmd->add_option("--call-id", args->call_id, "Only the messages of this Call-ID");
  cmd->add_flag("--group-calls", args->group_calls,
                "Show each call (Call-ID) as its own section, in order of first message");
  cmd->add_flag("--full", args->full, "Text: print every message in full after the ladder");
  cmd->add_option("--time", args->time,
                  "Times: \"relative\" (+seconds since the first message) or \"absolute\" (the capture's UTC time)")
      ->check(CLI::IsMember({"relative", "absolute"}))
      ->capture_default_str();
  cmd->add_option("--width", args->width,
                  "Text: the line width to fill (0, the default: as wide as the content needs)")
      ->check(CLI::Range(0, 1000));
  cmd->callback([args, &exit_code] { exit_code = run_ladder(*args); });
}

}  // namespace trunklab::app
