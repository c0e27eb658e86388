// A pcap file written as traffic happens, for daemons (`trunklab serve --pcap FILE`): libpcap
// writes the file header and the records (pcap_dump), each record is flushed to the kernel at
// once so a killed process leaves a readable file, and the file rotates by size: when the
// next record would take it past max_file_bytes it is closed and renamed FILE.1 (FILE.1 becomes
// FILE.2, ..., the oldest, FILE.<max_files - 1>, is deleted) and a new FILE begins with its own
// header. So there are never more than max_files files, and each is a valid pcap on its own. A
// file holds more than max_file_bytes only when a single record is bigger than that.
#pragma once

#include "reference/rt/time.hpp"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

struct pcap;
struct pcap_dumper;

namespace trunklab::wiretap {

struct RotationOptions {
  std::uint64_t max_file_bytes = 64ull * 1024 * 1024;
  std::size_t max_files = 10;  // FILE and FILE.1 .. FILE.<max_files - 1>
};

struct PcapFileStats {
  std::uint64_t records = 0;
  std::uint64_t rotations = 0;
  std::uint64_t write_errors = 0;  // records lost to a failed write, rename or reopen
};

class PcapFile {
public:
  // Creates (truncates) `path` and writes the pcap header (Ethernet link type). The error
  // names the path and the system's reason: "cannot write /x/y.pcap: No such file or directory".
  static std::variant<std::unique_ptr<PcapFile>, std::string> open(const std::string& path, RotationOptions options);
  ~PcapFile();
  PcapFile(const PcapFile&) = delete;
  PcapFile& operator=(const PcapFile&) = delete;

  // True when records of `bytes` (pcap record headers included) would not fit the current
  // file, which already holds records: write() would rotate first.
  bool would_rotate(std::uint64_t bytes) const;
  // Rotates now (the caller starts its TCP flows afresh so the new file has their handshakes).
  void rotate();
  // Appends the frames, all stamped `unix_time` (microseconds since the Unix epoch), to the
  // current file, rotating first when they would not fit; flushed before returning.
  void write(rt::Instant unix_time, const std::vector<std::string>& frames);

  const PcapFileStats& stats() const { return stats_; }
  const std::string& last_error() const { return last_error_; }  // "" = none yet
  const std::string& path() const { return path_; }
  std::uint64_t current_bytes() const { return bytes_; }

private:
  PcapFile(std::string path, RotationOptions options, pcap* handle);
  std::string start_file();  // error or ""
  void close_file();
  void fail(std::string why);

  std::string path_;
  RotationOptions options_;
  pcap* handle_;                    // pcap_open_dead: the link type and snap length
  pcap_dumper* dumper_ = nullptr;   // the current file; null after a failed reopen
  std::uint64_t bytes_ = 0;         // of the current file
  std::uint64_t file_records_ = 0;  // in the current file
  PcapFileStats stats_;
  std::string last_error_;
};

}  // namespace trunklab::wiretap
