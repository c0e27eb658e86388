// Calls through `trunklab serve`, this process playing both the caller (IP-authenticated on
// the trunk) and the provider: INVITE with an offer, the provider's 200 with an answer, ACK.
// One call at a time: the bench measures the relay, not call setup. What the 200 to the caller
// says (c=/m=) is where the caller sends; what the INVITE to the provider says, the provider.
#include "bench/relay/relay_bench.hpp"

#include "reference/sip/message.hpp"
#include "reference/sip/sdp.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <optional>
#include <stdexcept>

namespace trunklab::bench_relay {
namespace {

struct Datagram {
  std::string bytes;
  sockaddr_in from{};
};

std::optional<Datagram> receive(int fd) {
  Datagram d;
  d.bytes.resize(65535);
  socklen_t length = sizeof d.from;
  const auto n = ::recvfrom(fd, d.bytes.data(), d.bytes.size(), 0, reinterpret_cast<sockaddr*>(&d.from), &length);
  if (n < 0) return std::nullopt;
  d.bytes.resize(static_cast<std::size_t>(n));
  return d;
}

void send_to(int fd, const sockaddr_in& to, const std::string& bytes) {
  ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
}

sockaddr_in media_of(const sip::Message& message, std::size_t call) {
  auto sdp = sip::Sdp::parse(message.body());
  auto at = sdp ? sip::media_address(*sdp) : std::nullopt;
  if (!at || at->is_v6() || at->port() == 0) {
    throw std::runtime_error(fmt::format("call {}: {} {} has no usable SDP", call, message.method(),
                                         message.is_request() ? "request" : std::to_string(message.status())));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(at->port());
  address.sin_addr.s_addr = htonl(at->ipv4_host_order());
  return address;
}

std::string invite(std::size_t call, std::uint16_t uac_port, std::uint16_t rtp_port) {
  const auto number = fmt::format("+1555{:07}", call);
  auto sdp = sip::make_audio_sdp(std::to_string(call + 1), "127.0.0.1", rtp_port, {"PCMU"});
  auto message = sip::OutgoingMessage::request("INVITE", fmt::format("sip:{}@bench.trunk.example.test", number));
  message.add("Via", fmt::format("SIP/2.0/UDP 127.0.0.1:{};branch=z9hG4bK-bench-{}-i;rport", uac_port, call))
      .add("Max-Forwards", "70")
      .add("From", fmt::format("<sip:bench@127.0.0.1>;tag=a{}", call))
      .add("To", fmt::format("<sip:{}@bench.trunk.example.test>", number))
      .add("Call-ID", fmt::format("relay-bench-{}@127.0.0.1", call))
      .add("CSeq", "1 INVITE")
      .add("Contact", fmt::format("<sip:bench@127.0.0.1:{}>", uac_port))
      .set_body("application/sdp", sdp);
  return message.to_string();
}

std::string ack(const sip::Message& ok, std::size_t call, std::uint16_t uac_port) {
  const auto contacts = ok.contacts();
  if (contacts.empty()) throw std::runtime_error(fmt::format("call {}: the 200 has no Contact", call));
  auto message = sip::OutgoingMessage::request("ACK", contacts.front().address.uri.to_string());
  message.add("Via", fmt::format("SIP/2.0/UDP 127.0.0.1:{};branch=z9hG4bK-bench-{}-a;rport", uac_port, call))
      .add("Max-Forwards", "70")
      .add("From", std::string(ok.header("From").value_or("")))
      .add("To", std::string(ok.header("To").value_or("")))
      .add("Call-ID", ok.call_id())
      .add("CSeq", "1 ACK");
  return message.to_string();
}

std::string answer(const sip::Message& offer, std::size_t call, std::uint16_t provider_port, std::uint16_t rtp_port) {
  auto response = sip::OutgoingMessage::response_to(offer, 200, {}, fmt::format("b{}", call));
  response.add("Contact", fmt::format("<sip:provider@127.0.0.1:{}>", provider_port))
      .set_body("application/sdp", sip::make_audio_sdp(std::to_string(call + 1), "127.0.0.1", rtp_port, {"PCMU"}));
  return response.to_string();
}

}  // namespace

std::vector<Session> setup_serve(std::uint16_t sip_port, std::uint16_t provider_port, std::size_t calls,
                                 const Endpoints& endpoints) {
  const int uac = open_udp(0);
  const int provider = open_udp(provider_port);
  const auto uac_port = bound_port(uac);
  const auto serve = loopback(sip_port);
  std::vector<Session> sessions;
  for (std::size_t call = 0; call < calls; ++call) {
    Session session;
    bool offered = false;
    send_to(uac, serve, invite(call, uac_port, endpoints.a_port_of(call)));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (bool answered = false; !answered;) {
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error(fmt::format("call {}: no 200 from serve within 5 s (provider {} the INVITE)", call,
                                             offered ? "got" : "never got"));
      }
      pollfd fds[2] = {{uac, POLLIN, 0}, {provider, POLLIN, 0}};
      if (::poll(fds, 2, 100) <= 0) continue;
      if (fds[1].revents & POLLIN) {
        auto d = receive(provider);
        if (!d) continue;
        auto parsed = sip::Message::parse(d->bytes);
        auto* m = std::get_if<sip::Message>(&parsed);
        if (m && m->is_request() && m->method() == "INVITE") {
          session.relay_facing_b = media_of(*m, call);
          offered = true;
          send_to(provider, d->from, answer(*m, call, provider_port, endpoints.b_port_of(call)));
        }
      }
      if (fds[0].revents & POLLIN) {
        auto d = receive(uac);
        if (!d) continue;
        auto parsed = sip::Message::parse(d->bytes);
        auto* m = std::get_if<sip::Message>(&parsed);
        if (!m || m->is_request() || m->status() < 200) continue;
        if (m->status() != 200) {
          throw std::runtime_error(fmt::format("call {}: serve answered {} {}", call, m->status(), m->reason()));
        }
        session.relay_facing_a = media_of(*m, call);
        send_to(uac, d->from, ack(*m, call, uac_port));
        answered = true;
      }
    }
    if (!offered) throw std::runtime_error(fmt::format("call {}: answered before the provider was asked", call));
    sessions.push_back(session);
  }
  return sessions;
}

}  // namespace trunklab::bench_relay
