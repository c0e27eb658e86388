// `trunklab serve --cdr FILE`: the trunk's call detail records appended as JSON lines, times in
// ISO 8601 UTC, flushed per record so a crash loses none. Bounded: past --cdr-max-bytes records
// are counted, not written, and the shutdown summary says how many (rotate the file externally,
// then restart, to go on).
#pragma once

#include "reference/trunk/call_record.hpp"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

namespace trunklab::app {

class CdrFile {
public:
  // nullopt and `error` set when the file cannot be opened for appending.
  static std::unique_ptr<CdrFile> open(const std::string& path, std::uint64_t max_bytes, std::string& error);
  ~CdrFile();
  CdrFile(const CdrFile&) = delete;
  CdrFile& operator=(const CdrFile&) = delete;

  void write(const trunk::CallRecord& record);
  // "; cdr FILE: N records, M over the size limit, K write errors"
  std::string summary() const;

private:
  CdrFile(std::FILE* file, std::string path, std::uint64_t size, std::uint64_t max_bytes)
      : file_(file), path_(std::move(path)), size_(size), max_bytes_(max_bytes) {}
  std::FILE* file_;
  std::string path_;
  std::uint64_t size_;
  std::uint64_t max_bytes_;
  std::uint64_t written_ = 0;
  std::uint64_t over_limit_ = 0;
  std::uint64_t errors_ = 0;
};

}  // namespace trunklab::app
