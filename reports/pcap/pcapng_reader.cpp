#include "reports/pcap/pcapng_reader.hpp"

#include <fmt/core.h>

#include <algorithm>

namespace trunklab::reports {
namespace {

constexpr std::uint32_t kSectionHeader = 0x0A0D0D0A;
constexpr std::uint32_t kInterfaceDescription = 1;
constexpr std::uint32_t kObsoletePacket = 2;
constexpr std::uint32_t kSimplePacket = 3;
constexpr std::uint32_t kEnhancedPacket = 6;
constexpr std::uint32_t kByteOrderMagic = 0x1A2B3C4D;
constexpr std::uint16_t kOptionEnd = 0;
constexpr std::uint16_t kIfTsresol = 9;
constexpr std::uint16_t kIfTsoffset = 14;

std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}

std::size_t padded(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

}  // namespace

PcapngReader::PcapngReader(const std::string& path) : file_(path, std::ios::binary), path_(path) {
  std::uint8_t magic[4] = {};
  opened_ = file_.read(reinterpret_cast<char*>(magic), 4) && le32(magic) == kSectionHeader;
  file_.seekg(0);
  if (!opened_) error_ = fmt::format("{}: not a pcapng file", path);
}

bool PcapngReader::fail(std::string why) {
  error_ = fmt::format("{}: pcapng block {}: {}", path_, blocks_, why);
  return false;
}

std::uint16_t PcapngReader::u16(const std::vector<std::uint8_t>& b, std::size_t at) const {
  return big_endian_ ? static_cast<std::uint16_t>((b[at] << 8) | b[at + 1])
                     : static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}

std::uint32_t PcapngReader::u32(const std::vector<std::uint8_t>& b, std::size_t at) const {
  const std::uint32_t v = le32(b.data() + at);
  return big_endian_ ? __builtin_bswap32(v) : v;
}

// The block's type and its body (between the two length fields). False at the end or damage.
bool PcapngReader::read_block(std::uint32_t& type, std::vector<std::uint8_t>& body) {
  std::uint8_t head[8] = {};
  if (!file_.read(reinterpret_cast<char*>(head), 8)) {
    if (file_.gcount() != 0) fail("the file ends inside a block header");
    return false;
  }
  ++blocks_;
  type = le32(head);
  if (type == kSectionHeader) {  // the byte order is the new section's: read its magic first
    std::uint8_t magic[4] = {};
    if (!file_.read(reinterpret_cast<char*>(magic), 4)) return fail("the file ends inside a section header");
    file_.seekg(-4, std::ios::cur);
    if (le32(magic) == kByteOrderMagic) {
      big_endian_ = false;
    } else if (__builtin_bswap32(le32(magic)) == kByteOrderMagic) {
      big_endian_ = true;
    } else {
      return fail("a section header without the byte-order magic");
    }
  } else if (big_endian_) {
    type = __builtin_bswap32(type);
  }
  std::uint32_t length = le32(head + 4);
  if (big_endian_) length = __builtin_bswap32(length);
  if (length < 12 || length % 4 != 0 || length > kMaxBlockBytes) {
    return fail(fmt::format("a block length of {} bytes", length));
  }
  body.resize(length - 8);  // the body and the trailing length
  if (!file_.read(reinterpret_cast<char*>(body.data()), static_cast<std::streamsize>(body.size()))) {
    return fail("the file ends inside a block");
  }
  body.resize(length - 12);
  return true;
}

bool PcapngReader::section_header(const std::vector<std::uint8_t>& body) {
  if (body.size() < 16) return fail("a section header too short");
  if (u16(body, 4) != 1) return fail(fmt::format("pcapng major version {}", u16(body, 4)));
  interfaces_.clear();  // interface ids count from 0 again in each section
  return true;
}

void PcapngReader::interface_description(const std::vector<std::uint8_t>& body) {
  Interface i;
  i.link_type = u16(body, 0);
  i.snaplen = u32(body, 4);
  for (std::size_t at = 8; at + 4 <= body.size();) {
    const std::uint16_t code = u16(body, at);
    const std::uint16_t length = u16(body, at + 2);
    if (code == kOptionEnd || at + 4 + length > body.size()) break;
    if (code == kIfTsresol && length >= 1) {
      i.binary_resolution = (body[at + 4] & 0x80) != 0;
      i.resolution_exponent = body[at + 4] & 0x7F;
    } else if (code == kIfTsoffset && length >= 8) {
      const std::uint64_t hi = u32(body, at + 4), lo = u32(body, at + 8);
      i.offset_s = static_cast<std::int64_t>(big_endian_ ? (hi << 32) | lo : (lo << 32) | hi);
    }
    at += 4 + padded(length);
  }
  interfaces_.push_back(i);
}

rt::Instant PcapngReader::time_of(const Interface& i, std::uint64_t ticks) const {
  // Ticks of 10^-n or 2^-n seconds, to microseconds.
  std::int64_t micros = 0;
  if (i.binary_resolution) {
    const int n = std::min(i.resolution_exponent, 63);
    const int kept = std::min(n, 40);  // rest * 10^6 stays below 2^64
    const std::uint64_t rest = (ticks & ((std::uint64_t{1} << n) - 1)) >> (n - kept);
    micros = static_cast<std::int64_t>((ticks >> n) * 1'000'000 + ((rest * 1'000'000) >> kept));
  } else {
    std::uint64_t scale = 1;
    for (int k = 6; k < std::min(i.resolution_exponent, 25); ++k) scale *= 10;
    for (int k = i.resolution_exponent; k < 6; ++k) scale *= 10;
    micros = static_cast<std::int64_t>(i.resolution_exponent >= 6 ? ticks / scale : ticks * scale);
  }
  return rt::Instant{rt::Duration{micros + i.offset_s * 1'000'000}};
}

std::optional<CapturedFrame> PcapngReader::packet(std::uint32_t type, const std::vector<std::uint8_t>& body) {
  CapturedFrame f;
  std::size_t interface = 0, data_at = 0, captured = 0;
  std::uint64_t ticks = 0;
  if (type == kSimplePacket) {  // interface 0, no timestamp, captured = what fits the block
    if (body.size() < 4) return fail("a simple packet block too short"), std::nullopt;
    f.wire_length = u32(body, 0);
    data_at = 4;
    captured = std::min(f.wire_length, body.size() - 4);
  } else {
    const std::size_t head = type == kEnhancedPacket ? 20 : 20;
    if (body.size() < head) return fail("a packet block too short"), std::nullopt;
    interface = type == kEnhancedPacket ? u32(body, 0) : u16(body, 0);
    ticks = (std::uint64_t{u32(body, 4)} << 32) | u32(body, 8);
    captured = u32(body, 12);
    f.wire_length = u32(body, 16);
    data_at = head;
    if (captured > body.size() - head) return fail("a packet longer than its block"), std::nullopt;
  }
  if (interface >= interfaces_.size()) {
    return fail(fmt::format("a packet on interface {}, which no interface block describes", interface)), std::nullopt;
  }
  const Interface& i = interfaces_[interface];
  if (type == kSimplePacket && i.snaplen != 0) captured = std::min(captured, i.snaplen);
  f.link_type = i.link_type;
  f.snaplen = i.snaplen;
  // A simple packet block has no timestamp: it takes the last one read, so that it keeps its
  // place in the file when the ladder orders messages by time.
  f.time = type == kSimplePacket ? last_time_ : time_of(i, ticks);
  last_time_ = f.time;
  f.data.assign(body.begin() + static_cast<std::ptrdiff_t>(data_at),
                body.begin() + static_cast<std::ptrdiff_t>(data_at + captured));
  f.wire_length = std::max(f.wire_length, captured);
  return f;
}

std::optional<CapturedFrame> PcapngReader::next() {
  std::uint32_t type = 0;
  std::vector<std::uint8_t> body;
  while (opened_ && error_.empty() && read_block(type, body)) {
    if (type == kSectionHeader) {
      if (!section_header(body)) return std::nullopt;
    } else if (type == kInterfaceDescription) {
      if (body.size() < 8) return fail("an interface block too short"), std::nullopt;
      if (interfaces_.size() >= kMaxInterfaces) return fail("more than 65536 interfaces in a section"), std::nullopt;
      interface_description(body);
    } else if (type == kEnhancedPacket || type == kSimplePacket || type == kObsoletePacket) {
      return packet(type, body);
    }
  }
  return std::nullopt;
}

std::set<int> PcapngReader::interface_link_types() {
  std::set<int> link_types;
  std::uint32_t type = 0;
  std::vector<std::uint8_t> body;
  while (opened_ && error_.empty() && read_block(type, body)) {
    if (type == kInterfaceDescription && body.size() >= 8) link_types.insert(u16(body, 0));
  }
  return link_types;
}

bool pcapng_mixes_link_types(const std::string& path) {
  PcapngReader reader(path);
  return reader.opened() && reader.interface_link_types().size() > 1;
}

}  // namespace trunklab::reports
