// The Endpoint fixture the transaction tests share: a fake clock and transport, a recording TU.
#pragma once

#include "reference/txn/endpoint.hpp"
#include "reference/txn/fsm.hpp"
#include "reference/txn/wire.hpp"
#include "tests/transaction/fakes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trunklab::txn {

using namespace std::chrono_literals;
using test::FakeTime;
using test::FakeTransport;
using test::RecordingUser;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

inline const rt::Address kLocal = *rt::Address::parse("10.0.0.1:5060");
inline const rt::Address kPeer = *rt::Address::parse("10.0.0.2:5060");
inline const rt::Address kPhoneNat = *rt::Address::parse("192.0.2.7:40000");

inline sip::Message parse(std::string_view bytes) {
  auto result = sip::Message::parse(bytes);
  if (auto* error = std::get_if<sip::ParseError>(&result)) {
    ADD_FAILURE() << "parse failed: " << error->rule << " " << error->detail << "\n" << bytes;
    std::abort();
  }
  return std::move(std::get<sip::Message>(result));
}

struct EndpointTest : ::testing::Test {
  FakeTime time;
  FakeTransport transport{time, kLocal};
  rt::SplitMix64 random{1};
  RecordingUser user{time};
  Endpoint endpoint{time, time, transport, random, Config{}, user};

  sip::OutgoingMessage request(std::string method, std::uint32_t cseq = 1) {
    auto r = sip::OutgoingMessage::request(method, "sip:bob@10.0.0.2");
    r.add("Max-Forwards", "70")
        .add("From", "<sip:alice@10.0.0.1>;tag=a1")
        .add("To", "<sip:bob@10.0.0.2>")
        .add("Call-ID", "call-1@10.0.0.1")
        .add("CSeq", std::to_string(cseq) + " " + method);
    endpoint.add_via(r);
    return r;
  }
  std::vector<std::int64_t> send_times() const {
    std::vector<std::int64_t> times;
    for (const auto& s : transport.sent) times.push_back(s.at_ms);
    return times;
  }
  // The peer answers the request we sent as transport.sent[index].
  void peer_responds(std::size_t index, int status, std::string_view to_tag = "b1") {
    const auto sent = parse(transport.sent.at(index).bytes);
    endpoint.on_datagram(kLocal, kPeer,
                         sip::OutgoingMessage::response_to(sent, status, {}, to_tag).to_string());
  }
  // A request arriving from `source` with top Via sent-by 10.9.9.9:5060 (behind a NAT).
  static std::string incoming(std::string_view method, std::string_view branch,
                              std::string_view via_params = ";rport",
                              std::string_view cseq_method = {}) {
    std::string m(method);
    std::string cm = cseq_method.empty() ? m : std::string(cseq_method);
    return m + " sip:registrar.example SIP/2.0\r\n"
               "Via: SIP/2.0/UDP 10.9.9.9:5060;branch=" + std::string(branch) +
           std::string(via_params) +
           "\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:office1@registrar.example>;tag=p1\r\n"
           "To: <sip:office1@registrar.example>\r\n"
           "Call-ID: reg-1@10.9.9.9\r\n"
           "CSeq: 7 " + cm + "\r\n"
           "Content-Length: 0\r\n\r\n";
  }
  void from_phone(const std::string& bytes) { endpoint.on_datagram(kLocal, kPhoneNat, bytes); }
};

}  // namespace trunklab::txn
