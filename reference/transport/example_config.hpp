// The configuration `trunklab serve` runs without --config, and that `--print-config` prints
// for users to start their own from: three extensions, a provider on 127.0.0.1:5070, a route,
// a trunk and an inbound number. Read through config::read_config like any user file, so the
// example cannot drift from the schema.
#pragma once

#include "reference/config/config.hpp"

#include <cstddef>
#include <string>

namespace trunklab::realtime {

config::Config example_config();

// Adds `count` extensions named {prefix}{1..count} with `password`, the accounts
// `trunklab load` registers (for `trunklab load --print-config`).
void add_load_users(config::Config& config, const std::string& prefix, std::size_t count,
                    const std::string& password);

}  // namespace trunklab::realtime
