#include "reports/ladder/ladder.hpp"

#include "reports/ladder/call_groups.hpp"
#include "reports/ladder/media_streams.hpp"
#include "reports/ladder/parties.hpp"
#include "reports/ladder/sdp_summary.hpp"
#include "reports/ladder/start_line.hpp"

#include "reference/sip/message.hpp"
#include "reference/sip/printable.hpp"
#include "wiretap/capture.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <functional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>

namespace trunklab::reports {
namespace {

// What a ladder needs of one message. From the SIP parser when it accepts the message; a
// message it refuses (malformed, truncated by the capture) still gets a label from its first
// line, because a ladder of a broken exchange is exactly when people need one.
struct Summary {
  std::string label;
  bool is_request = false;
  std::string call_id;
  std::string cseq;
  std::uint32_t cseq_number = 0;
  bool cseq_invite = false;  // the CSeq method is INVITE
  int status = 0;            // a response's status code
  std::string sdp;
  std::string branch;
  std::optional<rt::Address> sent_by;
  CallFacts call;  // what linking the legs of a B2BUA call reads (call_groups.hpp)
};

Summary summary_from_first_line(std::string_view payload) {
  Summary s;
  std::string_view line = first_line(payload);
  if (line.starts_with("SIP/2.0 ")) {
    s.label = sip::printable(line.substr(8));
  } else {
    s.is_request = true;
    s.label = sip::printable(line.substr(0, line.find(' ')));
  }
  return s;
}

Summary summarize(std::string_view payload) {
  auto parsed = sip::Message::parse(payload);
  const auto* message = std::get_if<sip::Message>(&parsed);
  if (message == nullptr) {
    return summary_from_first_line(payload);
  }
  Summary s;
  s.is_request = message->is_request();
  // Escaped once here for every renderer: a label is printable ASCII (the HTML and SVG
  // renderers escape markup on top of it).
  s.label = sip::printable(s.is_request ? message->method()
                                        : fmt::format("{} {}", message->status(), message->reason()));
  s.call_id = message->call_id();
  s.cseq = fmt::format("{} {}", message->cseq().number, message->cseq().method);
  s.cseq_number = message->cseq().number;
  s.cseq_invite = message->cseq().method == "INVITE";
  s.status = s.is_request ? 0 : message->status();
  s.sdp = sdp_summary(message->content_type().value_or(""), message->body());
  if (!message->vias().empty()) {
    const auto& via = message->top_via();
    s.branch = via.branch;
    // An IPv6 sent-by's brackets may or may not be kept by the parser.
    const std::string host = via.host.find(':') != std::string::npos && !via.host.starts_with('[')
                                 ? "[" + via.host + "]"
                                 : via.host;
    s.sent_by = rt::Address::parse(via.port == 0 ? host : fmt::format("{}:{}", host, via.port));
  }
  s.call.method = s.is_request ? message->method() : std::string();
  s.call.from_user = message->from().uri.user;
  s.call.to_user = message->to().uri.user;
  s.call.sdp = s.sdp;
  return s;
}

// Columns: one per party name, in order of first appearance (deterministic for a given input).
// The plan (parties.hpp) names every address a SIP message used, so the addresses of one party
// share its column; others (media) are named as before.
class PartyTable {
public:
  PartyTable(const NameMap& names, const PartyPlan& plan) : names_(names), plan_(plan) {}

  std::size_t column(const rt::Address& address, const std::string& carried_name) {
    std::string name = name_of(address, carried_name);
    auto [it, inserted] = index_.try_emplace(name, parties_.size());
    if (inserted) {
      parties_.push_back(Party{name, {}, {}});
    }
    auto& party = parties_[it->second];
    if (seen_.insert(address).second) {
      add(party.addresses, address);
      for (const auto& a : plan_.addresses_of(address)) add(party.addresses, a);
      for (const auto& a : plan_.inside_of(address)) add(party.behind_nat, a);
    }
    return it->second;
  }

  std::vector<Party> take() { return std::move(parties_); }

private:
  static void add(std::vector<rt::Address>& addresses, const rt::Address& address) {
    auto pos = std::lower_bound(addresses.begin(), addresses.end(), address);
    if (pos == addresses.end() || *pos != address) addresses.insert(pos, address);
  }

  std::string name_of(const rt::Address& address, const std::string& carried_name) const {
    if (auto planned = plan_.name_of(address)) return *planned;
    if (auto it = names_.find(address); it != names_.end()) {
      return it->second;
    }
    return carried_name.empty() ? address.to_string() : carried_name;
  }

  const NameMap& names_;
  const PartyPlan& plan_;
  std::map<std::string, std::size_t> index_;
  std::set<rt::Address> seen_;
  std::vector<Party> parties_;
};

// Retransmission detection: same bytes from the same source to the same destination.
class SeenMessages {
public:
  bool seen_before(const Datagram& d) {
    std::size_t h = std::hash<std::string_view>{}(d.bytes);
    h ^= rt::AddressHash{}(d.src) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h ^= rt::AddressHash{}(d.dst) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    auto& bucket = by_hash_[h];
    for (const Datagram* earlier : bucket) {
      if (earlier->src == d.src && earlier->dst == d.dst && earlier->bytes == d.bytes) {
        return true;
      }
    }
    bucket.push_back(&d);
    return false;
  }

private:
  // Only looked up, never iterated: its order cannot reach output.
  std::unordered_map<std::size_t, std::vector<const Datagram*>> by_hash_;
};

// The RTP streams among the datagrams that are not SIP, merged into the messages by time (a
// stream's line after the SIP messages of the same instant).
void add_media(Ladder& ladder, const std::vector<const Datagram*>& not_sip, PartyTable& parties,
               const LadderOptions& options) {
  MediaBook book;
  for (const auto& m : ladder.messages) book.learn(m);
  auto column = [&parties](const Datagram& d, bool src) {
    return src ? parties.column(d.src, d.src_name) : parties.column(d.dst, d.dst_name);
  };
  auto lines = media_lines(not_sip, book, ladder.origin, column, ladder.calls.size(), ladder.not_sip);
  for (auto& line : lines) {
    if (line.call < ladder.calls.size()) line.call_id = ladder.calls[line.call];
    if (options.call_id && line.call_id != *options.call_id) continue;
    line.time = ladder.origin + line.offset;
    ladder.messages.push_back(std::move(line));
  }
  std::stable_sort(ladder.messages.begin(), ladder.messages.end(),
                   [](const LadderMessage& a, const LadderMessage& b) { return a.offset < b.offset; });
}

void order_by_call(Ladder& ladder) {
  std::stable_sort(ladder.messages.begin(), ladder.messages.end(),
                   [](const LadderMessage& a, const LadderMessage& b) { return a.call < b.call; });
  ladder.grouped = true;
}

}  // namespace

std::string call_letter(std::size_t index) {
  std::string letters;
  std::size_t n = index + 1;
  while (n > 0) {
    --n;
    letters.insert(letters.begin(), static_cast<char>('A' + n % 26));
    n /= 26;
  }
  return letters;
}

namespace {

// "NAT rebinding: alice 198.51.100.1:20000 -> 198.51.100.1:20001", on the party's lifeline.
LadderMessage rebinding_note(const Rebinding& r, const LadderMessage& next, PartyTable& parties) {
  LadderMessage note;
  note.note = true;
  note.party_from = note.party_to = parties.column(r.to, {});
  note.offset = next.offset;
  note.time = next.time;
  note.call = next.call;
  note.call_id = next.call_id;
  note.src = r.from;
  note.dst = r.to;
  return note;
}

}  // namespace

Ladder build_ladder(const std::vector<Datagram>& datagrams, const LadderOptions& options) {
  std::vector<const Datagram*> ordered;
  ordered.reserve(datagrams.size());
  for (const auto& d : datagrams) {
    ordered.push_back(&d);
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const Datagram* a, const Datagram* b) { return a->time < b->time; });

  Ladder ladder;
  ladder.wall_clock = options.wall_clock;
  std::vector<const Datagram*> not_sip;
  std::vector<Summary> summaries;
  std::vector<WireFacts> facts;
  std::vector<const Datagram*> media_facts;
  for (const Datagram* d : ordered) {
    if (!looks_like_sip(d->bytes)) {
      media_facts.push_back(d);
      continue;
    }
    Summary s = summarize(d->bytes);
    facts.push_back(WireFacts{d, s.is_request, s.call_id, s.cseq, s.branch, s.sent_by});
    summaries.push_back(std::move(s));
  }
  const std::size_t sip_count = facts.size();
  for (const Datagram* d : media_facts) facts.push_back(WireFacts{d, false, {}, {}, {}, std::nullopt});
  const PartyPlan plan(facts, options.names);
  for (std::size_t i = sip_count; i < facts.size(); ++i) {
    if (!plan.nat_copy(i)) not_sip.push_back(facts[i].datagram);
  }
  std::map<std::size_t, std::vector<const Rebinding*>> notes_before;
  for (const auto& r : plan.rebindings()) notes_before[r.before].push_back(&r);

  PartyTable parties(options.names, plan);
  SeenMessages seen;
  std::map<std::string, std::size_t> call_index;
  std::vector<CallFacts> call_facts;
  std::optional<rt::Instant> first_time;
  for (std::size_t i = 0; i < sip_count; ++i) {
    const Datagram* d = facts[i].datagram;
    Summary& s = summaries[i];
    if (plan.nat_copy(i) || (options.call_id && s.call_id != *options.call_id)) {
      continue;
    }
    LadderMessage m;
    // A truncated copy says nothing about the bytes past the snaplen: messages alike in their
    // first 100 bytes are different messages, so it is never taken for a retransmission.
    m.retransmission = !d->truncated && seen.seen_before(*d);
    m.truncated = d->truncated;
    m.party_from = parties.column(d->src, d->src_name);
    m.party_to = parties.column(d->dst, d->dst_name);
    if (!first_time) {
      first_time = d->time;
    }
    m.offset = d->time - *first_time;
    m.time = d->time;
    m.label = std::move(s.label);
    m.is_request = s.is_request;
    m.cseq = std::move(s.cseq);
    m.sdp = std::move(s.sdp);
    if (!s.call_id.empty()) {
      auto [it, inserted] = call_index.try_emplace(s.call_id, ladder.calls.size());
      if (inserted) {
        ladder.calls.push_back(s.call_id);
        call_facts.push_back({});
      }
      m.call = it->second;
      auto& call = call_facts[m.call];
      if (call.method.empty() && s.call.method == "INVITE" && !m.retransmission) {
        call = s.call;
        call.time = d->time;
        call.from_party = m.party_from;
        call.to_party = m.party_to;
      }
      if (!call.method.empty() && s.cseq_invite && !m.retransmission) {
        if (m.is_request) {
          note_invite_request(call, s.cseq_number);
        } else {
          note_invite_response(call, s.cseq_number, s.status, d->time);
        }
      }
    }
    m.call_id = std::move(s.call_id);
    m.duplicate = d->duplicate;
    m.drop = d->drop;
    m.drop_reason = d->drop_reason;
    m.src = d->src;
    m.dst = d->dst;
    m.bytes = d->bytes;
    if (auto it = notes_before.find(i); it != notes_before.end()) {
      for (const Rebinding* r : it->second) ladder.messages.push_back(rebinding_note(*r, m, parties));
    }
    ladder.messages.push_back(std::move(m));
  }
  // Messages without a Call-ID come after every call.
  for (auto& m : ladder.messages) {
    if (m.call_id.empty()) {
      m.call = ladder.calls.size();
    }
  }
  if (!first_time && !not_sip.empty()) first_time = not_sip.front()->time;
  ladder.origin = first_time.value_or(rt::Instant{});
  add_media(ladder, not_sip, parties, options);
  ladder.parties = parties.take();
  for (auto& m : ladder.messages) {
    if (m.note) {
      m.label = fmt::format("NAT rebinding: {} {} -> {}", ladder.parties[m.party_from].name, m.src.to_string(),
                            m.dst.to_string());
    }
  }
  ladder.call_groups = link_call_legs(call_facts);
  if (options.group_calls) {
    order_by_call(ladder);
  }
  return ladder;
}

std::vector<Datagram> datagrams_from_capture(const std::vector<wiretap::CaptureRecord>& records,
                                             bool include_nat_translated) {
  // NAT-translated copies are kept by default: build_ladder merges each with the message as
  // sent, and they tell it the party's public addresses and rebindings.
  std::vector<Datagram> out;
  out.reserve(records.size());
  for (const auto& r : records) {
    if (r.view == wiretap::CaptureView::nat_translated && !include_nat_translated) {
      continue;
    }
    Datagram d;
    d.time = r.time;
    d.src = r.src;
    d.dst = r.dst;
    d.bytes = r.bytes;
    d.src_name = r.src_host;
    d.dst_name = r.dst_host;
    d.drop = r.dropped ? DropState::dropped : DropState::delivered;
    d.drop_reason = r.drop_reason;
    d.duplicate = r.duplicate;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace trunklab::reports
