#include "wiretap/pcap_file.hpp"

#include "wiretap/frames.hpp"

#include <pcap/pcap.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace trunklab::wiretap {
namespace {

constexpr std::uint64_t kFileHeader = 24;
constexpr std::uint64_t kRecordHeader = 16;

std::string numbered(const std::string& path, std::size_t n) { return path + "." + std::to_string(n); }

}  // namespace

std::variant<std::unique_ptr<PcapFile>, std::string> PcapFile::open(const std::string& path,
                                                                    RotationOptions options) {
  if (options.max_files == 0) return std::string("--pcap-files must be at least 1");
  pcap_t* handle = pcap_open_dead(DLT_EN10MB, kPcapSnapLen);
  if (handle == nullptr) return std::string("pcap_open_dead failed");
  std::unique_ptr<PcapFile> file(new PcapFile(path, options, handle));
  if (auto error = file->start_file(); !error.empty()) return error;
  return file;
}

PcapFile::PcapFile(std::string path, RotationOptions options, pcap* handle)
    : path_(std::move(path)), options_(options), handle_(handle) {}

PcapFile::~PcapFile() {
  close_file();
  pcap_close(handle_);
}

// fopen + pcap_dump_fopen rather than pcap_dump_open: the latter takes "-" for standard output,
// which a rotating file must not be.
std::string PcapFile::start_file() {
  FILE* stream = std::fopen(path_.c_str(), "wb");
  if (stream == nullptr) return "cannot write " + path_ + ": " + std::strerror(errno);
  dumper_ = pcap_dump_fopen(handle_, stream);
  if (dumper_ == nullptr) {
    std::fclose(stream);
    return "cannot write " + path_ + ": " + pcap_geterr(handle_);
  }
  if (pcap_dump_flush(dumper_) != 0) {  // the header is on disk: a valid (empty) capture
    close_file();
    return "cannot write " + path_ + ": " + std::strerror(errno);
  }
  bytes_ = kFileHeader;
  file_records_ = 0;
  return {};
}

void PcapFile::close_file() {
  if (dumper_ != nullptr) pcap_dump_close(dumper_);
  dumper_ = nullptr;
}

void PcapFile::fail(std::string why) {
  ++stats_.write_errors;
  last_error_ = std::move(why);
}

bool PcapFile::would_rotate(std::uint64_t bytes) const {
  return file_records_ > 0 && bytes_ + bytes > options_.max_file_bytes;
}

void PcapFile::rotate() {
  close_file();
  std::error_code ec;
  if (options_.max_files == 1) {
    std::filesystem::remove(path_, ec);
  } else {
    std::filesystem::remove(numbered(path_, options_.max_files - 1), ec);
    for (std::size_t n = options_.max_files - 1; n > 1; --n) {
      if (std::filesystem::exists(numbered(path_, n - 1), ec)) {
        std::filesystem::rename(numbered(path_, n - 1), numbered(path_, n), ec);
        if (ec) fail("cannot rename " + numbered(path_, n - 1) + ": " + ec.message());
      }
    }
    std::filesystem::rename(path_, numbered(path_, 1), ec);
    if (ec) fail("cannot rename " + path_ + ": " + ec.message());
  }
  ++stats_.rotations;
  if (auto error = start_file(); !error.empty()) fail(error);
}

void PcapFile::write(rt::Instant unix_time, const std::vector<std::string>& frames) {
  std::uint64_t bytes = 0;
  for (const auto& f : frames) bytes += kRecordHeader + f.size();
  if (would_rotate(bytes)) rotate();
  if (dumper_ == nullptr && !start_file().empty()) {  // the last reopen failed: try again, else lose it
    ++stats_.write_errors;
    return;
  }
  const auto us = unix_time.time_since_epoch().count();
  pcap_pkthdr header{};
  header.ts.tv_sec = static_cast<time_t>(us / 1'000'000);
  header.ts.tv_usec = static_cast<suseconds_t>(us % 1'000'000);
  for (const auto& frame : frames) {
    header.caplen = static_cast<bpf_u_int32>(frame.size());
    header.len = header.caplen;
    pcap_dump(reinterpret_cast<u_char*>(dumper_), &header, reinterpret_cast<const u_char*>(frame.data()));
  }
  if (pcap_dump_flush(dumper_) != 0) {
    fail("cannot write " + path_ + ": " + std::strerror(errno));
    return;
  }
  bytes_ += bytes;
  ++file_records_;
  ++stats_.records;
}

}  // namespace trunklab::wiretap
