#include "app/cdr_file.hpp"

#include "reference/realtime/clock.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace trunklab::app {

std::unique_ptr<CdrFile> CdrFile::open(const std::string& path, std::uint64_t max_bytes, std::string& error) {
  std::FILE* file = std::fopen(path.c_str(), "ab");
  if (!file) {
    error = fmt::format("--cdr {}: {}", path, std::strerror(errno));
    return nullptr;
  }
  std::fseek(file, 0, SEEK_END);
  const long size = std::ftell(file);
  return std::unique_ptr<CdrFile>(new CdrFile(file, path, size > 0 ? static_cast<std::uint64_t>(size) : 0, max_bytes));
}

CdrFile::~CdrFile() { std::fclose(file_); }

void CdrFile::write(const trunk::CallRecord& record) {
  const auto iso = [](rt::Instant at) { return nlohmann::json(realtime::iso8601_utc(at)); };
  // Bytes off the wire (a Call-ID, a reason phrase) need not be UTF-8: replaced, never a throw.
  const auto line = trunk::to_json(record, iso).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (size_ + line.size() > max_bytes_) {
    ++over_limit_;
    return;
  }
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    ++errors_;
    return;
  }
  size_ += line.size();
  ++written_;
}

std::string CdrFile::summary() const {
  return fmt::format("; cdr {}: {} records, {} over the size limit, {} write errors", path_, written_, over_limit_,
                     errors_);
}

}  // namespace trunklab::app
