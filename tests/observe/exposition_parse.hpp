// A small reader of the text exposition format for the tests: every sample line as
// `name{labels}` (as written) -> value, and the TYPE of every family. It checks what a scraper
// would choke on: a sample before its family's TYPE, a TYPE twice, a sample twice.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

namespace trunklab::observe::testing {

struct Parsed {
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;  // family -> counter, gauge, histogram
  double at(const std::string& key) const {
    auto it = samples.find(key);
    if (it == samples.end()) {
      ADD_FAILURE() << "no sample " << key;
      return -1;
    }
    return it->second;
  }
};

inline std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  if (types.count(name)) return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      auto base = name.substr(0, name.size() - s.size());
      if (types.count(base) && types.at(base) == "histogram") return base;
    }
  }
  return {};
}

inline Parsed parse_exposition(const std::string& text) {
  Parsed out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::string name, type;
      words >> name >> type;
      EXPECT_FALSE(out.types.count(name)) << "TYPE twice: " << name;
      out.types[name] = type;
      continue;
    }
    if (line[0] == '#') continue;
    auto space = line.rfind(' ');
    EXPECT_NE(space, std::string::npos) << line;
    if (space == std::string::npos) continue;
    auto key = line.substr(0, space);
    auto name = key.substr(0, key.find('{'));
    EXPECT_FALSE(family_of(name, out.types).empty()) << "sample before its TYPE: " << line;
    EXPECT_FALSE(out.samples.count(key)) << "sample twice: " << key;
    out.samples[key] = std::stod(line.substr(space + 1));
  }
  return out;
}

}  // namespace trunklab::observe::testing
