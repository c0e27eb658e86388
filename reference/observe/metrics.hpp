// The reference's metrics in the Prometheus text format (what `GET /metrics` of `trunklab
// serve` answers, and `trunklab run --out` writes as metrics.prom): the call statistics folded
// from the call detail records, and what the element knows now: registrations and their
// failures by reason, live bindings, channels in use per trunk, providers up or down by OPTIONS
// probing, live calls, the trunk's and the element's event counters.
#pragma once

#include "reference/element/reference_server.hpp"
#include "reference/observe/call_stats.hpp"

#include <string>

namespace trunklab::observe {

std::string render_metrics(const CallStats& calls, const element::ReferenceServer& server);

// The short name of a REGISTER failure's status ("forbidden" for 403, ...).
std::string registration_failure_reason(int status);

}  // namespace trunklab::observe
