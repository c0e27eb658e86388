// Call detail records: one per call the trunk admitted, written when it ends (and one per INVITE
// refused before a call existed: 403, 404, 480, 488, 503 channel limit...), as the call logs
// the product documents ask operators to review: who called whom over which trunk, each
// provider or contact tried with its answer, when it rang, was answered and ended, and who hung
// up why. `trunklab serve --cdr FILE` appends them as JSON lines; `trunklab run --out` writes a
// scenario's in cdr.jsonl beside its verdict.
#pragma once

#include "reference/rt/time.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace trunklab::trunk {

struct LegRecord {
  std::string target;  // provider name, or the contact URI of a registered phone
  int status = 0;      // its final answer (408: no answer in time; 0: none, it was cancelled)
  std::string reason;
  bool won = false;    // the answer the caller got
};

struct CallRecord {
  std::uint64_t id = 0;
  std::string call_id;    // the caller's Call-ID
  std::string direction;  // "outbound" or "inbound"
  std::string customer;
  std::string trunk;
  std::string caller;     // extension, trusted source or provider
  std::string callee;     // the dialled number
  std::vector<LegRecord> legs;
  rt::Instant start{};                  // the INVITE admitted
  std::optional<rt::Instant> ringing;   // the first 18x the caller got (post-dial delay)
  std::optional<rt::Instant> answer;
  rt::Instant end{};
  int final_status = 0;  // what the caller got
  std::string final_reason;
  std::string hangup_side;   // "caller", "callee" or "trunk"
  std::string hangup_cause;  // "BYE" or its Reason, "CANCEL", the failure, "media timeout", ...
};

// One JSON object; `time` writes the clock's instants (virtual seconds, or ISO 8601 UTC).
using TimeWriter = std::function<nlohmann::json(rt::Instant)>;
nlohmann::json to_json(const CallRecord& record, const TimeWriter& time);
// Virtual time: seconds since the start of the run, to the microsecond.
nlohmann::json virtual_seconds(rt::Instant at);

}  // namespace trunklab::trunk
