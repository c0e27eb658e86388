// Sessions through rtpengine's ng control protocol, as Kamailio's rtpengine module asks for
// them: one UDP datagram "<cookie> <bencoded dictionary>" per command, answered with the same
// cookie. "offer" carries the caller's SDP and returns the one for the called side (the port
// facing it); "answer" carries the called side's and returns the caller's. Bencoding is a few
// lines here rather than a dependency: Debian packages no C++ bencode library.
#include "bench/relay/relay_bench.hpp"

#include "reference/sip/sdp.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>

#include <map>
#include <stdexcept>
#include <string_view>

namespace trunklab::bench_relay {
namespace {

std::string bstring(std::string_view text) { return fmt::format("{}:{}", text.size(), text); }

std::string bdict(const std::map<std::string, std::string>& strings) {
  std::string out = "d";
  for (const auto& [key, value] : strings) out += bstring(key) + bstring(value);  // keys sorted, as bencoding asks
  return out + "e";
}

// The top-level string members of a bencoded dictionary (lists, integers and nested
// dictionaries are skipped); nullopt on anything malformed. Nesting is bounded.
class Decoder {
public:
  explicit Decoder(std::string_view text) : text_(text) {}
  std::optional<std::map<std::string, std::string>> top_strings() {
    std::map<std::string, std::string> out;
    if (!eat('d')) return std::nullopt;
    while (pos_ < text_.size() && text_[pos_] != 'e') {
      auto key = string();
      if (!key) return std::nullopt;
      if (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
        auto value = string();
        if (!value) return std::nullopt;
        out[std::string(*key)] = std::string(*value);
      } else if (!skip(0)) {
        return std::nullopt;
      }
    }
    if (!eat('e')) return std::nullopt;
    return out;
  }

private:
  bool eat(char c) {
    if (pos_ >= text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  std::optional<std::string_view> string() {
    std::size_t length = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      length = length * 10 + static_cast<std::size_t>(text_[pos_++] - '0');
      if (length > text_.size()) return std::nullopt;
    }
    if (!eat(':') || text_.size() - pos_ < length) return std::nullopt;
    auto value = text_.substr(pos_, length);
    pos_ += length;
    return value;
  }
  bool skip(int depth) {
    if (depth > 16 || pos_ >= text_.size()) return false;
    const char c = text_[pos_];
    if (c >= '0' && c <= '9') return string().has_value();
    if (c == 'i') {
      const auto end = text_.find('e', pos_);
      if (end == std::string_view::npos) return false;
      pos_ = end + 1;
      return true;
    }
    if (c != 'l' && c != 'd') return false;
    ++pos_;
    while (pos_ < text_.size() && text_[pos_] != 'e') {
      if (!skip(depth + 1)) return false;
    }
    return eat('e');
  }
  std::string_view text_;
  std::size_t pos_ = 0;
};

std::map<std::string, std::string> command(int fd, const sockaddr_in& to, std::size_t call,
                                           const std::map<std::string, std::string>& arguments) {
  const auto cookie = fmt::format("c{}-{}", call, arguments.at("command"));
  const auto request = cookie + " " + bdict(arguments);
  ::sendto(fd, request.data(), request.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  pollfd pfd{fd, POLLIN, 0};
  if (::poll(&pfd, 1, 5000) <= 0) {
    throw std::runtime_error(fmt::format("call {}: no reply from rtpengine to {} within 5 s", call, arguments.at("command")));
  }
  std::string reply(65535, '\0');
  const auto n = ::recv(fd, reply.data(), reply.size(), 0);
  reply.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  if (!reply.starts_with(cookie + " ")) throw std::runtime_error(fmt::format("call {}: reply with another cookie", call));
  auto members = Decoder(std::string_view(reply).substr(cookie.size() + 1)).top_strings();
  if (!members) throw std::runtime_error(fmt::format("call {}: malformed bencoded reply", call));
  if ((*members)["result"] != "ok") {
    throw std::runtime_error(fmt::format("call {}: rtpengine {}: {} {}", call, arguments.at("command"),
                                         (*members)["result"], (*members)["error-reason"]));
  }
  return *members;
}

sockaddr_in media_of(const std::string& sdp_text, std::size_t call) {
  auto sdp = sip::Sdp::parse(sdp_text);
  auto at = sdp ? sip::media_address(*sdp) : std::nullopt;
  if (!at || at->is_v6() || at->port() == 0) throw std::runtime_error(fmt::format("call {}: rtpengine's SDP has no media", call));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(at->port());
  address.sin_addr.s_addr = htonl(at->ipv4_host_order());
  return address;
}

}  // namespace

std::vector<Session> setup_rtpengine(std::uint16_t ng_port, std::size_t calls, const Endpoints& endpoints) {
  const int fd = open_udp(0);
  const auto ng = loopback(ng_port);
  std::vector<Session> sessions;
  for (std::size_t call = 0; call < calls; ++call) {
    const auto call_id = fmt::format("relay-bench-{}", call);
    const auto from_tag = fmt::format("a{}", call);
    const auto id = std::to_string(call + 1);
    auto offered = command(fd, ng, call,
                           {{"command", "offer"}, {"call-id", call_id}, {"from-tag", from_tag},
                            {"sdp", sip::make_audio_sdp(id, "127.0.0.1", endpoints.a_port_of(call), {"PCMU"})}});
    auto answered = command(fd, ng, call,
                            {{"command", "answer"}, {"call-id", call_id}, {"from-tag", from_tag},
                             {"to-tag", fmt::format("b{}", call)},
                             {"sdp", sip::make_audio_sdp(id, "127.0.0.1", endpoints.b_port_of(call), {"PCMU"})}});
    sessions.push_back({media_of(answered["sdp"], call), media_of(offered["sdp"], call)});
  }
  return sessions;
}

}  // namespace trunklab::bench_relay
