// The configuration `trunklab serve` runs without --config, and that `--print-config` prints
// for users to start their own from: three extensions, a provider on 127.0.0.1:5070, a route,
// two trunks and an inbound number. The file is config/example.json, built into the binary and
// read through read_config like any user file, so the example cannot drift from the schema.
#pragma once

#include "reference/config/config.hpp"

namespace trunklab::config {

Config example_config();

}  // namespace trunklab::config
