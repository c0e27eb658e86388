// What renderers print for a message, a call and a time (ladder.hpp): one place, so text,
// Mermaid, SVG and HTML ladders say the same.
#include "reports/ladder/ladder.hpp"

#include <fmt/core.h>

#include <chrono>
#include <vector>

namespace trunklab::reports {
namespace {

// "1 CANCEL" -> "CANCEL".
std::string_view cseq_method(std::string_view cseq) {
  auto space = cseq.find(' ');
  return space == std::string_view::npos ? std::string_view{} : cseq.substr(space + 1);
}

std::string seconds_with_ms(long long microseconds) {
  const long long ms = microseconds / 1000;
  return fmt::format("{}.{:03}s", ms / 1000, ms % 1000);
}

// ISO 8601 in UTC with milliseconds: a pcap's time as tshark's -t u prints it, with the date.
std::string utc_time(long long unix_microseconds) {
  using namespace std::chrono;
  const sys_time<microseconds> t{microseconds{unix_microseconds}};
  const auto day = floor<days>(t);
  const year_month_day date{day};
  const hh_mm_ss<microseconds> time{t - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), time.hours().count(),
                     time.minutes().count(), time.seconds().count(), time.subseconds().count() / 1000);
}

}  // namespace

std::string display_label(const LadderMessage& message) {
  if (message.note || message.media) return message.label;
  std::vector<std::string_view> details;
  // RFC 3665 names responses by status alone because its flows are INVITE's; a 200 to a CANCEL,
  // BYE or REGISTER is told apart from the call's 200 by its CSeq method.
  const auto method = cseq_method(message.cseq);
  if (!message.is_request && !method.empty() && method != "INVITE") details.push_back(method);
  if (!message.sdp.empty()) details.push_back(message.sdp);
  std::string out = message.label;
  for (std::size_t i = 0; i < details.size(); ++i) {
    out += i == 0 ? " (" : ", ";
    out += details[i];
  }
  if (!details.empty()) out += ')';
  if (message.truncated) out += " [truncated]";
  return out;
}

std::string call_tag(const Ladder& ladder, std::size_t call) {
  if (call >= ladder.calls.size()) return "-";
  const std::size_t group = call < ladder.call_groups.size() ? ladder.call_groups[call] : call;
  std::size_t legs = 0;
  std::size_t leg = 0;
  for (std::size_t c = 0; c < ladder.calls.size(); ++c) {
    const std::size_t g = c < ladder.call_groups.size() ? ladder.call_groups[c] : c;
    if (g != group) continue;
    ++legs;
    if (c == call) leg = legs;
  }
  std::string tag = call_letter(group);
  return legs > 1 ? fmt::format("{}{}", tag, leg) : tag;
}

std::string display_time(const Ladder& ladder, const LadderMessage& message, bool absolute) {
  if (!absolute) return "+" + seconds_with_ms(message.offset.count());
  const long long at = message.time.time_since_epoch().count();
  return ladder.wall_clock ? utc_time(at) : seconds_with_ms(at);
}

}  // namespace trunklab::reports
