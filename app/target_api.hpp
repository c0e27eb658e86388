// `trunklab run --target ... --target-api URL --target-api-token TOKEN`: the HTTP client that
// carries a scenario's "api" steps to the target's management API (trunklab serve --api).
#pragma once

#include "scenario/scenario.hpp"

#include <functional>
#include <optional>
#include <string>

namespace trunklab::app {

// A client for http://IP:PORT (a path after it is refused: the steps give theirs); nullopt and
// `error` set when the URL is not one. Each call waits at most 5 s for its answer.
std::optional<std::function<scenario::ApiAnswer(const scenario::ApiCall&)>> target_api_client(
    const std::string& url, const std::string& token, std::string& error);

}  // namespace trunklab::app
