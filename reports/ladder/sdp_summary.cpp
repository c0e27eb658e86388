#include "reports/ladder/sdp_summary.hpp"

#include "reference/sip/printable.hpp"
#include "reference/sip/sdp.hpp"
#include "reference/sip/text.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <vector>

namespace trunklab::reports {
namespace {

bool is_sdp(std::string_view content_type, std::string_view body) {
  if (content_type.empty()) return body.starts_with("v=");
  content_type = content_type.substr(0, content_type.find(';'));  // "application/sdp; charset=..."
  return sip::text::iequals(sip::text::trim(content_type), "application/sdp");
}

// "PCMU PCMA telephone-event": the encodings of one m= line, in order, each once; a dynamic
// payload type without a=rtpmap by its number.
std::string encodings_of(const sip::SdpMedia& media) {
  if (media.is_t38()) return "T38";
  std::vector<std::string> names;
  for (const auto& codec : media.codecs) {
    std::string name = codec.encoding.empty() ? std::to_string(codec.payload_type) : codec.encoding;
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  if (names.empty()) {
    names = media.formats;
  }
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : " ") + name;
  return out.empty() ? media.type : out;
}

std::string section_of(const sip::SdpMedia& media) {
  std::string out = encodings_of(media);
  if (media.port == 0) return out + " rejected";  // RFC 3264 §6: a refused stream
  if (media.direction != sip::SdpDirection::sendrecv) out += fmt::format(" {}", sip::to_string(media.direction));
  if (media.connection_address == "0.0.0.0") out += " hold";  // RFC 2543's hold, still met
  return out;
}

}  // namespace

std::string sdp_summary(std::string_view content_type, std::string_view body) {
  if (body.empty() || !is_sdp(content_type, body)) return {};
  auto sdp = sip::Sdp::parse(body);
  if (!sdp) return "SDP ?";
  std::string out = "SDP";
  for (std::size_t i = 0; i < sdp->media.size(); ++i) {
    out += (i == 0 ? " " : ", ") + section_of(sdp->media[i]);
  }
  // Escaped once for every renderer, like the rest of a label.
  return sip::printable(out);
}

}  // namespace trunklab::reports
