// The RFC 4475 / RFC 5118 torture corpus (tests/sip/torture/*.dat, 61 messages) and what a
// conformant element does with each, by the RFCs' own names and sections. Shared by the
// virtual-time replay (tests/trunk/torture_corpus_test.cpp) and the replay against a real
// `trunklab serve` (tests/realtime/torture_serve_test.cpp), so both judge by one table.
#pragma once

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trunklab::torture {

enum class Expect {
  processed,  // valid: parsed and answered by the registrar/trunk (not 400/416/420/505)
  refused,    // answered with `status` (a 400 names its reason)
  dropped,    // a response (or one that cannot be answered): nothing is sent back
};

struct Case {
  const char* name;     // the RFC's short name; the file is <name>.dat
  const char* section;  // "RFC 4475 §3.1.1.1"
  Expect expect;
  int status;           // for `refused`
  bool parses;          // whether sip::Message::parse accepts it
};

// What each RFC section says the message tests, and so what counts as conformant.
inline const std::vector<Case>& cases() {
  using E = Expect;
  static const std::vector<Case> table = {
      // RFC 4475 §3.1.1: valid messages; every element must accept them.
      {"wsinv", "RFC 4475 §3.1.1.1", E::processed, 0, true},     // RFC 2543 branch, re-INVITE: 481
      {"intmeth", "RFC 4475 §3.1.1.2", E::processed, 0, true},   // unknown method: 405
      {"esc01", "RFC 4475 §3.1.1.3", E::processed, 0, true},
      {"escnull", "RFC 4475 §3.1.1.4", E::processed, 0, true},
      {"esc02", "RFC 4475 §3.1.1.5", E::processed, 0, true},     // "RE%47IST%45R" is no REGISTER
      {"lwsdisp", "RFC 4475 §3.1.1.6", E::processed, 0, true},
      {"longreq", "RFC 4475 §3.1.1.7", E::processed, 0, true},   // RFC 2543 branch
      {"dblreq", "RFC 4475 §3.1.1.8", E::processed, 0, true},    // the REGISTER; the rest is body
      {"semiuri", "RFC 4475 §3.1.1.9", E::processed, 0, true},
      {"transports", "RFC 4475 §3.1.1.10", E::processed, 0, true},
      {"mpart01", "RFC 4475 §3.1.1.11", E::processed, 0, true},  // MESSAGE: 405
      {"unreason", "RFC 4475 §3.1.1.12", E::dropped, 0, true},   // a 200 matching nothing
      {"noreason", "RFC 4475 §3.1.1.13", E::dropped, 0, true},   // a 100 matching nothing
      // RFC 4475 §3.1.2: invalid messages; a request gets 400 (505 for the version), a
      // response is dropped.
      {"badinv01", "RFC 4475 §3.1.2.1", E::refused, 400, false},
      {"clerr", "RFC 4475 §3.1.2.2", E::refused, 400, false},
      {"ncl", "RFC 4475 §3.1.2.3", E::refused, 400, false},
      {"scalar02", "RFC 4475 §3.1.2.4", E::refused, 400, false},
      {"scalarlg", "RFC 4475 §3.1.2.5", E::dropped, 0, false},
      {"quotbal", "RFC 4475 §3.1.2.6", E::refused, 400, false},
      {"ltgtruri", "RFC 4475 §3.1.2.7", E::refused, 400, false},
      {"lwsruri", "RFC 4475 §3.1.2.8", E::refused, 400, false},
      {"lwsstart", "RFC 4475 §3.1.2.9", E::refused, 400, false},
      {"trws", "RFC 4475 §3.1.2.10", E::refused, 400, false},
      // §3.1.2.11: 400 or ignore the escaped headers; processed here, and a forwarded request
      // never carries them (the trunk builds its own Request-URI).
      {"escruri", "RFC 4475 §3.1.2.11", E::processed, 0, true},
      // §3.1.2.12: an element may ignore a Date it does not use.
      {"baddate", "RFC 4475 §3.1.2.12", E::processed, 0, true},
      {"regbadct", "RFC 4475 §3.1.2.13", E::refused, 400, false},
      {"badaspec", "RFC 4475 §3.1.2.14", E::refused, 400, false},
      {"baddn", "RFC 4475 §3.1.2.15", E::refused, 400, false},
      {"badvers", "RFC 4475 §3.1.2.16", E::refused, 505, false},
      {"mismatch01", "RFC 4475 §3.1.2.17", E::refused, 400, false},
      {"mismatch02", "RFC 4475 §3.1.2.18", E::refused, 400, false},
      {"bigcode", "RFC 4475 §3.1.2.19", E::dropped, 0, false},
      // §3.2.1: the bare cookie is no identifier; RFC 2543 matching is the allowed fallback.
      {"badbranch", "RFC 4475 §3.2.1", E::processed, 0, true},
      // RFC 4475 §3.3: application-layer semantics.
      {"insuf", "RFC 4475 §3.3.1", E::refused, 400, false},      // no From, To, Call-ID
      {"unkscm", "RFC 4475 §3.3.2", E::refused, 416, true},
      {"novelsc", "RFC 4475 §3.3.3", E::refused, 416, true},     // soap.beep: never served here
      {"unksm2", "RFC 4475 §3.3.4", E::refused, 400, true},      // registrar: To is no SIP URI
      {"bext01", "RFC 4475 §3.3.5", E::refused, 420, true},      // OPTIONS, UAS: Require only
      {"invut", "RFC 4475 §3.3.6", E::processed, 0, true},       // INVITE: routed before content
      {"regaut01", "RFC 4475 §3.3.7", E::processed, 0, true},
      {"multi01", "RFC 4475 §3.3.8", E::refused, 400, false},
      {"mcl01", "RFC 4475 §3.3.9", E::refused, 400, false},
      {"bcast", "RFC 4475 §3.3.10", E::dropped, 0, true},
      {"zeromf", "RFC 4475 §3.3.11", E::processed, 0, true},     // an endpoint answers OPTIONS
      {"cparam01", "RFC 4475 §3.3.12", E::processed, 0, true},
      {"cparam02", "RFC 4475 §3.3.13", E::processed, 0, true},
      {"regescrt", "RFC 4475 §3.3.14", E::processed, 0, true},
      {"sdp01", "RFC 4475 §3.3.15", E::processed, 0, true},
      // RFC 4475 §3.4.1: backward compatibility (no branch, no Max-Forwards).
      {"inv2543", "RFC 4475 §3.4.1", E::processed, 0, true},
      // RFC 5118 §4: IPv6.
      {"ipv6-good", "RFC 5118 §4.1", E::processed, 0, true},
      {"ipv6-bad", "RFC 5118 §4.2", E::refused, 400, false},
      {"port-ambiguous", "RFC 5118 §4.3", E::processed, 0, true},  // well-formed, odd host
      {"port-unambiguous", "RFC 5118 §4.4", E::processed, 0, true},
      {"via-received-param-with-delim", "RFC 5118 §4.5", E::processed, 0, true},
      {"via-received-param-no-delim", "RFC 5118 §4.5", E::processed, 0, true},
      {"ipv6-in-sdp", "RFC 5118 §4.6", E::processed, 0, true},
      {"mult-ip-in-header", "RFC 5118 §4.7", E::processed, 0, true},
      {"mult-ip-in-sdp", "RFC 5118 §4.8", E::processed, 0, true},
      {"ipv4-mapped-ipv6", "RFC 5118 §4.9", E::processed, 0, true},
      // §4.10: both forms are to be tolerated.
      {"ipv6-bug-abnf-3-colons", "RFC 5118 §4.10", E::processed, 0, true},
      {"ipv6-correct-abnf-2-colons", "RFC 5118 §4.10", E::processed, 0, true},
  };
  return table;
}

inline std::optional<std::string> read_case(std::string_view dir, const Case& c) {
  std::ifstream in(fmt::format("{}/{}.dat", dir, c.name), std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// "" when what came back is conformant for `c`, else why not. `answers` are the first lines of
// every datagram the element sent back (retransmissions included).
inline std::string judge(const Case& c, const std::vector<std::string>& answers) {
  std::optional<std::string> final_line;
  for (const auto& line : answers) {
    if (line.size() >= 12 && line.starts_with("SIP/2.0 ") && line[8] != '1') {
      final_line = line;
      break;
    }
  }
  switch (c.expect) {
    case Expect::dropped:
      return answers.empty() ? "" : fmt::format("expected no answer, got \"{}\"", answers.front());
    case Expect::processed: {
      if (!final_line) return "expected a final answer, got none";
      const auto status = final_line->substr(8, 3);
      if (status == "400" || status == "416" || status == "420" || status == "505") {
        return fmt::format("expected it processed, got \"{}\"", *final_line);
      }
      return "";
    }
    case Expect::refused: {
      if (!final_line) return fmt::format("expected {}, got no final answer", c.status);
      if (final_line->substr(8, 3) != std::to_string(c.status)) {
        return fmt::format("expected {}, got \"{}\"", c.status, *final_line);
      }
      // Every refusal says why: "400 Bad Request (More than one Content-Length header)".
      if (final_line->find(" (") == std::string::npos) {
        return fmt::format("\"{}\" does not say why", *final_line);
      }
      return "";
    }
  }
  return "unknown expectation";
}

}  // namespace trunklab::torture
