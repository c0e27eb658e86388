#include "reports/pcap/ip_fragments.hpp"

#include <algorithm>
#include <iterator>
#include <vector>

namespace trunklab::reports {

std::optional<std::string> IpFragments::feed(const Fragment& f) {
  ++stats_.fragments;
  expire(f.time);
  const std::size_t end = f.offset + f.bytes.size();
  if (end > limits_.max_datagram_bytes || (f.more_fragments && f.bytes.size() % 8 != 0)) {
    ++stats_.malformed;  // RFC 791/8200: every fragment but the last carries a multiple of 8 bytes
    return std::nullopt;
  }
  if (buffered_ >= limits_.max_buffered_fragments) {
    ++stats_.over_limit;
    return std::nullopt;
  }
  const Key key{f.src, f.dst, f.protocol, f.identification};
  auto it = pending_.find(key);
  if (it == pending_.end()) {
    if (pending_.size() >= limits_.max_pending_datagrams) {
      ++stats_.over_limit;
      return std::nullopt;
    }
    it = pending_.emplace(key, Pending{f.time, {}, std::nullopt, 0}).first;
  }
  Pending& p = it->second;
  if (!fits(p, f.more_fragments, end) || !place(p, f.offset, f.bytes)) {
    if (p.fragments == 0) pending_.erase(it);
    return std::nullopt;
  }
  if (!f.more_fragments) p.total = end;
  ++p.fragments;
  ++buffered_;
  auto datagram = whole(p);
  if (datagram) {
    ++stats_.reassembled;
    buffered_ -= p.fragments;
    pending_.erase(it);
  }
  return datagram;
}

// False (counted malformed) for a second, different end, or bytes beyond the end.
bool IpFragments::fits(const Pending& p, bool more_fragments, std::size_t end) {
  const std::size_t held_end = p.pieces.empty() ? 0 : p.pieces.rbegin()->first + p.pieces.rbegin()->second.size();
  const bool ok = more_fragments ? !p.total || end <= *p.total : (!p.total || *p.total == end) && held_end <= end;
  if (!ok) ++stats_.malformed;
  return ok;
}

// Stores the bytes of [offset, offset + size) not held yet. False when none are new.
bool IpFragments::place(Pending& p, std::size_t offset, std::string_view bytes) {
  const std::size_t end = offset + bytes.size();
  auto it = p.pieces.lower_bound(offset);
  if (it != p.pieces.begin() && std::prev(it)->first + std::prev(it)->second.size() > offset) --it;
  std::vector<std::pair<std::size_t, std::string>> fresh;
  bool overlapped = false;
  for (std::size_t at = offset; at < end; ++it) {
    if (it == p.pieces.end() || it->first >= end) {
      fresh.emplace_back(at, std::string(bytes.substr(at - offset)));
      break;
    }
    if (it->first > at) fresh.emplace_back(at, std::string(bytes.substr(at - offset, it->first - at)));
    overlapped = true;
    at = std::max(at, it->first + it->second.size());
  }
  if (fresh.empty()) {
    ++stats_.duplicates;
    return false;
  }
  if (overlapped) ++stats_.overlapping;
  for (auto& [at, piece] : fresh) p.pieces.emplace(at, std::move(piece));
  return true;
}

std::optional<std::string> IpFragments::whole(const Pending& p) {
  if (!p.total) return std::nullopt;
  std::string out;
  out.reserve(*p.total);
  for (const auto& [at, piece] : p.pieces) {
    if (at != out.size()) return std::nullopt;  // a hole
    out += piece;
  }
  if (out.size() != *p.total) return std::nullopt;
  return out;
}

void IpFragments::expire(rt::Instant now) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now - it->second.first > limits_.timeout) {
      ++stats_.timed_out;
      stats_.unfinished_fragments += it->second.fragments;
      buffered_ -= it->second.fragments;
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
}

FragmentStats IpFragments::finish() const {
  FragmentStats stats = stats_;
  for (const auto& [key, p] : pending_) {
    ++stats.incomplete;
    stats.unfinished_fragments += p.fragments;
  }
  return stats;
}

}  // namespace trunklab::reports
