// `trunklab ladder CAPTURE`: the call ladder of a pcap/pcapng file, as text, Mermaid, SVG or
// HTML.
#include "app/commands.hpp"

#include "reports/ladder/names.hpp"
#include "reference/sip/printable.hpp"
#include "reports/pcap/listing.hpp"
#include "reports/pcap/pcap_reader.hpp"
#include "reports/render/render.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <string_view>
#include <vector>

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
  if (tcp.truncated_holes > 0) {
    fmt::print(stderr, "{} TCP stream direction{} cut by the snaplen: the rest of {} not read\n",
               tcp.truncated_holes, tcp.truncated_holes == 1 ? "" : "s", tcp.truncated_holes == 1 ? "it" : "them");
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

// "120 packets: 100 UDP not SIP (RTP/other), 15 not IP, ...": every reason with its own count.
std::string skip_reasons(const reports::PcapRead& read) {
  const auto& s = read.skipped;
  std::vector<std::string> reasons;
  auto add = [&reasons](std::uint64_t n, std::string_view what) {
    if (n > 0) reasons.push_back(fmt::format("{} {}", n, what));
  };
  add(s.udp_not_sip, "UDP not SIP (RTP/other)");
  add(s.not_ip, "not IP");
  add(s.other_protocol, "IP neither UDP nor TCP");
  add(s.bad_ip, "with damaged IP/UDP/TCP headers");
  add(read.ipv4_fragments.unfinished_fragments, "IPv4 fragments never completed");
  add(read.ipv6_fragments.unfinished_fragments, "IPv6 fragments never completed");
  add(read.ipv4_fragments.duplicates + read.ipv6_fragments.duplicates, "duplicate IP fragments");
  add(read.ipv4_fragments.malformed + read.ipv6_fragments.malformed, "IP fragments that do not fit their datagram");
  add(read.ipv4_fragments.over_limit + read.ipv6_fragments.over_limit, "IP fragments over the reassembly limits");
  add(s.fragments_truncated, "IP fragments cut by the snaplen");
  if (s.tcp_segments > 0) {
    reasons.push_back(fmt::format("{} TCP segments ({} SIP messages)", s.tcp_segments, read.tcp.messages));
  }
  std::string out = fmt::format("{} packet{}", read.packets, read.packets == 1 ? "" : "s");
  for (std::size_t i = 0; i < reasons.size(); ++i) out += (i == 0 ? ": " : ", ") + reasons[i];
  return out;
}

// Truncated messages: the capture's snaplen cut them (a warning, the ladder still shows them).
void report_truncated(const reports::PcapRead& read, const reports::Ladder& ladder) {
  const auto cut = std::count_if(ladder.messages.begin(), ladder.messages.end(),
                                 [](const reports::LadderMessage& m) { return m.truncated; });
  if (cut == 0 && read.truncated == 0) return;
  std::string snaplens;
  for (std::size_t snaplen : read.snaplens) {
    snaplens += fmt::format("{}{}", snaplens.empty() ? "" : "/", snaplen == 0 ? std::string("unknown") : std::to_string(snaplen));
  }
  fmt::print(stderr,
             "warning: {} SIP message{} truncated by the capture (snaplen {} bytes; {} packets cut): labels from "
             "their first lines, none taken for a retransmission\n",
             cut, cut == 1 ? "" : "s", snaplens, read.truncated);
}

bool skipped_any(const reports::PcapRead& read) {
  const auto& s = read.skipped;
  const auto& v4 = read.ipv4_fragments;
  const auto& v6 = read.ipv6_fragments;
  return s.udp_not_sip + s.not_ip + s.other_protocol + s.bad_ip + s.fragments_truncated + v4.unfinished_fragments +
             v6.unfinished_fragments + v4.duplicates + v6.duplicates + v4.malformed + v6.malformed + v4.over_limit +
             v6.over_limit >
         0;
}

bool fragments_limited(const reports::PcapRead& read) {
  if (!read.ipv4_fragments.limited() && !read.ipv6_fragments.limited()) return false;
  const reports::FragmentLimits limits;
  fmt::print(stderr,
             "trunklab ladder: IP fragments dropped at the reassembly limits ({} datagrams pending, {} fragments "
             "buffered): the ladder misses their messages\n",
             limits.max_pending_datagrams, limits.max_buffered_fragments);
  return true;
}

std::size_t sip_messages(const reports::Ladder& ladder) {
  return static_cast<std::size_t>(std::count_if(ladder.messages.begin(), ladder.messages.end(),
                                                [](const reports::LadderMessage& m) { return !m.media && !m.note; }));
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

  reports::PcapRead read = reports::read_pcap(args.capture);
  if (!read.opened) {
    fmt::print(stderr, "trunklab ladder: {}\n", read.error);
    return 2;  // nothing readable at all: not a capture
  }
  reports::Ladder ladder = reports::build_ladder(read.datagrams, options);
  const bool any_sip = sip_messages(ladder) > 0;
  if (any_sip) {
    if (skipped_any(read)) fmt::print(stderr, "read {}\n", skip_reasons(read));
  } else if (read.error.empty()) {
    fmt::print(stderr, "trunklab ladder: no SIP messages in {}{}: {}\n", args.capture,
               args.call_id.empty() ? "" : fmt::format(" with Call-ID {}", sip::printable(args.call_id)),
               skip_reasons(read));
  }
  report_truncated(read, ladder);
  const bool limited = report_tcp(read.tcp) | fragments_limited(read);
  std::string text;
  if (args.format == "tsv") {
    text = reports::render_tsv(ladder);
  } else {
    reports::RenderOptions render_options;
    render_options.full = args.full;
    render_options.time_absolute = args.time == "absolute";
    render_options.width = args.width;
    render_options.title = args.capture;
    text = reports::render(*reports::parse_format(args.format), ladder, render_options);  // CLI11 checked the name
  }
  if (!write_output(args.output, text)) {
    fmt::print(stderr, "trunklab ladder: {}: cannot write the ladder\n", args.output);
    return 2;
  }
  if (!read.error.empty()) {
    fmt::print(stderr,
               "trunklab ladder: {} (the ladder shows the {} messages read before the damage)\n",
               read.error, ladder.messages.size());
    return 1;
  }
  return limited || !any_sip ? 1 : 0;
}

}  // namespace

void add_ladder_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<LadderArgs>();
  CLI::App* cmd = app.add_subcommand(
      "ladder", "Draw the call ladder of a pcap or pcapng capture (SIP over UDP, TCP and WebSocket; "
                "IPv4 and IPv6, fragments reassembled; Ethernet, VLAN, Linux cooked SLL/SLL2, raw IP, "
                "loopback; pcapng with mixed link types)");
  cmd->add_option("capture", args->capture, "The capture file (pcap or pcapng)")->required();
  cmd->add_option("--format,-f", args->format, "Output format (tsv: one line per message, for scripts)")
      ->check(CLI::IsMember({"text", "mermaid", "svg", "html", "tsv"}))
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
