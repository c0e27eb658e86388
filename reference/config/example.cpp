#include "reference/config/example.hpp"

#include "reference/config/example_json.hpp"  // generated from config/example.json
#include "reference/config/json_reader.hpp"

namespace trunklab::config {

// config/example.json: "main" (main.trunk.example.test) challenges every caller; "local" trusts
// callers on this machine that address the trunk by IP (SIPp's built-in `-sn uac`, which cannot
// answer a 407, sends `INVITE sip:service@127.0.0.1:5060`). MD5 challenges: see AuthPolicy.
Config example_config() {
  const auto json = parse_json_text(kExampleJson, "<built-in example: config/example.json>");
  return read_config(Node(json, "<built-in example: config/example.json>"));
}

}  // namespace trunklab::config
