// Parse / serialize / response_to costs of the SIP message core, with libosip2 alone as the
// baseline the parser's own checks are measured against.
#include "reference/sip/message.hpp"
#include "reference/sip/osip.hpp"

#include <benchmark/benchmark.h>

#include <string>
#include <variant>

namespace {

using trunklab::sip::Message;
using trunklab::sip::OutgoingMessage;

// A realistic ~600-byte INVITE from a PBX, with SDP.
std::string invite() {
  const std::string body =
      "v=0\r\n"
      "o=office1 2890844526 2890844526 IN IP4 10.0.0.5\r\n"
      "s=call\r\n"
      "c=IN IP4 10.0.0.5\r\n"
      "t=0 0\r\n"
      "m=audio 49170 RTP/AVP 0 8 18 101\r\n"
      "a=rtpmap:101 telephone-event/8000\r\n"
      "a=fmtp:101 0-16\r\n";
  return "INVITE sip:+15551234567@trunk.example.com SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 10.0.0.5:5062;rport;branch=z9hG4bK776asdhds\r\n"
         "Max-Forwards: 70\r\n"
         "To: <sip:+15551234567@trunk.example.com>\r\n"
         "From: \"Office 1\" <sip:office1@trunk.example.com>;tag=1928301774\r\n"
         "Call-ID: a84b4c76e66710@10.0.0.5\r\n"
         "CSeq: 314159 INVITE\r\n"
         "Contact: <sip:office1@10.0.0.5:5062;transport=udp>\r\n"
         "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n"
         "Supported: replaces, timer\r\n"
         "User-Agent: trunklab-bench/1.0\r\n"
         "Content-Type: application/sdp\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

void BM_ParseInvite(benchmark::State& state) {
  const std::string bytes = invite();
  for (auto _ : state) {
    auto result = Message::parse(bytes);
    benchmark::DoNotOptimize(result);
    if (!std::holds_alternative<Message>(result)) state.SkipWithError("refused");
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
  state.counters["bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_ParseInvite);

// What a server reads from every request: parse plus the transaction and dialog keys.
void BM_ParseInviteAndReadKeys(benchmark::State& state) {
  const std::string bytes = invite();
  for (auto _ : state) {
    auto result = Message::parse(bytes);
    const Message& m = std::get<Message>(result);
    benchmark::DoNotOptimize(m.top_via().branch.size() + m.from().tag().size() +
                             m.to().tag().size() + m.call_id().size() + m.cseq().number);
  }
}
BENCHMARK(BM_ParseInviteAndReadKeys);

void BM_OsipParseOnly(benchmark::State& state) {
  trunklab::sip::osip::ensure_initialized();
  const std::string bytes = invite();
  for (auto _ : state) {
    osip_message_t* raw = nullptr;
    osip_message_init(&raw);
    const int rc = osip_message_parse(raw, bytes.data(), bytes.size());
    benchmark::DoNotOptimize(rc);
    osip_message_free(raw);
  }
}
BENCHMARK(BM_OsipParseOnly);

OutgoingMessage outgoing_invite() {
  OutgoingMessage m = OutgoingMessage::request("INVITE", "sip:+15551234567@provider.example.net");
  m.add("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK5f0a1c2d3e4b5a69")
      .add("Max-Forwards", "69")
      .add("To", "<sip:+15551234567@provider.example.net>")
      .add("From", "\"Office 1\" <sip:+15550000001@trunk.example.com>;tag=8a7b6c5d4e3f")
      .add("Call-ID", "0f1e2d3c4b5a6978@trunk.example.com")
      .add("CSeq", "1 INVITE")
      .add("Contact", "<sip:trunk@192.0.2.1:5060>")
      .add("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS")
      .add("User-Agent", "trunklab/0.1");
  m.set_body("application/sdp",
             "v=0\r\no=trunklab 1 1 IN IP4 192.0.2.1\r\ns=trunklab\r\nc=IN IP4 192.0.2.1\r\n"
             "t=0 0\r\nm=audio 30000 RTP/AVP 0 8 18 101\r\na=rtpmap:101 telephone-event/8000\r\n"
             "a=fmtp:101 0-16\r\na=sendrecv\r\n");
  return m;
}

void BM_SerializeInvite(benchmark::State& state) {
  const OutgoingMessage m = outgoing_invite();
  for (auto _ : state) {
    std::string text = m.to_string();
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_SerializeInvite);

void BM_ResponseTo(benchmark::State& state) {
  auto parsed = Message::parse(invite());
  const Message& request = std::get<Message>(parsed);
  for (auto _ : state) {
    std::string text = OutgoingMessage::response_to(request, 180, {}, "a1b2c3d4e5f6").to_string();
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_ResponseTo);

}  // namespace
