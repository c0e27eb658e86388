// Party names for ladder columns, from `--name ADDR=NAME` options and names files.
#pragma once

#include "reports/ladder/ladder.hpp"

#include <string>
#include <string_view>
#include <variant>

namespace trunklab::reports {

// Names file: a JSON object {"10.0.0.5:5060": "PBX", ...}, or lines "10.0.0.5:5060 PBX"
// (blank lines and lines starting with '#' ignored). A missing port means 5060.
// `source` names the file in error messages.
std::variant<NameMap, std::string> parse_names(std::string_view text, std::string_view source);

// One "10.0.0.5:5060=PBX" option, added to `names`. An error message, or "" on success.
std::string add_name_option(NameMap& names, std::string_view option);

}  // namespace trunklab::reports
