#include "reports/pcap/listing.hpp"

#include "reference/sip/printable.hpp"

#include <fmt/core.h>

#include <vector>

namespace trunklab::reports {
namespace {

std::string kind_of(const LadderMessage& m) {
  if (m.media) return "rtp";
  if (m.note) return "note";
  return m.is_request ? "request" : "response";
}

// The method, or the status code (the label's first word), or the stream's label.
std::string what_of(const LadderMessage& m) {
  if (m.media || m.note || m.is_request) return m.label;
  return m.label.substr(0, m.label.find(' '));
}

std::string flags_of(const LadderMessage& m) {
  std::vector<std::string> flags;
  if (m.retransmission) flags.emplace_back("retransmission");
  if (m.truncated) flags.emplace_back("truncated");
  if (m.duplicate) flags.emplace_back("duplicate");
  if (m.drop == DropState::dropped) flags.emplace_back("dropped");
  if (flags.empty()) return "-";
  std::string out = flags.front();
  for (std::size_t i = 1; i < flags.size(); ++i) out += "," + flags[i];
  return out;
}

// printable() leaves tabs as "\t": a field never splits a line.
std::string field(const std::string& text) { return text.empty() ? "-" : sip::printable(text); }

}  // namespace

std::string render_tsv(const Ladder& ladder) {
  std::string out = "#number\tkind\twhat\tcall_id\tfrom\tto\tflags\n";
  for (std::size_t i = 0; i < ladder.messages.size(); ++i) {
    const LadderMessage& m = ladder.messages[i];
    out += fmt::format("F{}\t{}\t{}\t{}\t{}\t{}\t{}\n", i + 1, kind_of(m), field(what_of(m)), field(m.call_id),
                       field(ladder.parties[m.party_from].name), field(ladder.parties[m.party_to].name),
                       flags_of(m));
  }
  return out;
}

}  // namespace trunklab::reports
