#include "reference/sip/sdp.hpp"
#include "reference/sip/sdp_dtmf.hpp"

#include <gtest/gtest.h>

namespace trunklab::sip {
namespace {

const char* const kOffer =
    "v=0\r\n"
    "o=office1 2890844526 2890844526 IN IP4 10.0.0.5\r\n"
    "s=call\r\n"
    "c=IN IP4 10.0.0.5\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/AVP 0 8 18 101\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=sendrecv\r\n"
    "m=audio 49172 RTP/AVP 96 8\r\n"
    "c=IN IP4 10.0.0.9\r\n"
    "a=rtpmap:96 opus/48000/2\r\n";

TEST(Sdp, NamesStaticAndDynamicCodecs) {
  const auto sdp = Sdp::parse(kOffer);
  ASSERT_TRUE(sdp.has_value());
  EXPECT_EQ(sdp->origin_address, "10.0.0.5");
  EXPECT_EQ(sdp->connection_address, "10.0.0.5");
  ASSERT_EQ(sdp->media.size(), 2u);
  const SdpMedia& audio = sdp->media[0];
  EXPECT_EQ(audio.type, "audio");
  EXPECT_EQ(audio.port, 49170);
  EXPECT_EQ(audio.protocol, "RTP/AVP");
  EXPECT_EQ(audio.connection_address, "10.0.0.5");
  ASSERT_EQ(audio.codecs.size(), 4u);
  EXPECT_EQ(audio.codecs[0].encoding, "PCMU");
  EXPECT_EQ(audio.codecs[1].encoding, "PCMA");
  EXPECT_EQ(audio.codecs[2].encoding, "G729");
  EXPECT_EQ(audio.codecs[3].encoding, "telephone-event");
  EXPECT_EQ(audio.codecs[3].payload_type, 101);
  EXPECT_EQ(sdp->media[1].connection_address, "10.0.0.9");
  EXPECT_EQ(sdp->media[1].codecs[0].encoding, "opus");
  EXPECT_EQ(sdp->media[1].codecs[0].clock_rate, 48000);
  EXPECT_EQ(sdp->codec_names(),
            (std::vector<std::string>{"PCMU", "PCMA", "G729", "telephone-event", "opus"}));
}

TEST(Sdp, RefusesNonSdp) { EXPECT_EQ(Sdp::parse("hello world"), std::nullopt); }

TEST(Sdp, MadeOfferParsesBackWithTheSameCodecs) {
  const std::vector<std::string> codecs{"PCMA", "G729", "telephone-event"};
  const std::string text = make_audio_sdp("4711", "192.0.2.10", 30000, codecs);
  EXPECT_NE(text.find("m=audio 30000 RTP/AVP 8 18 101\r\n"), std::string::npos);
  EXPECT_NE(text.find("a=rtpmap:101 telephone-event/8000\r\n"), std::string::npos);
  const auto sdp = Sdp::parse(text);
  ASSERT_TRUE(sdp.has_value());
  EXPECT_EQ(sdp->codec_names(), codecs);
  EXPECT_EQ(sdp->media.at(0).connection_address, "192.0.2.10");
  EXPECT_EQ(sdp->media.at(0).port, 30000);
  EXPECT_EQ(sdp->origin_address, "192.0.2.10");
}

TEST(Sdp, DirectionPtimeAndT38AreRead) {
  const auto sdp = Sdp::parse(
      "v=0\r\no=a 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\na=sendonly\r\n"
      "m=audio 49170 RTP/AVP 0\r\na=ptime:30\r\nm=image 49172 udptl t38\r\na=inactive\r\n");
  ASSERT_TRUE(sdp.has_value());
  EXPECT_EQ(sdp->media[0].direction, SdpDirection::sendonly) << "the session's direction";
  EXPECT_EQ(sdp->media[0].ptime_ms, 30);
  EXPECT_EQ(sdp->media[1].direction, SdpDirection::inactive);
  EXPECT_TRUE(sdp->media[1].is_t38());
  EXPECT_TRUE(sdp->media[1].codecs.empty()) << "udptl formats are not RTP payload types";
  EXPECT_EQ(answer_direction(SdpDirection::sendonly), SdpDirection::recvonly);
  const auto t38 = Sdp::parse(make_t38_sdp("7", "192.0.2.1", 40000, 2));
  ASSERT_TRUE(t38.has_value());
  EXPECT_TRUE(t38->first_of("image")->is_t38());
}

// A relay's rewrite: every c= to its address, the first m= to its port, later m= refused; the
// rest byte for byte.
TEST(Sdp, AnchoredOnARelay) {
  const std::string anchored = anchor_sdp(kOffer, *rt::Address::parse("10.0.0.1:30000"));
  EXPECT_EQ(anchored,
            "v=0\r\n"
            "o=office1 2890844526 2890844526 IN IP4 10.0.0.5\r\n"
            "s=call\r\n"
            "c=IN IP4 10.0.0.1\r\n"
            "t=0 0\r\n"
            "m=audio 30000 RTP/AVP 0 8 18 101\r\n"
            "a=rtpmap:101 telephone-event/8000\r\n"
            "a=fmtp:101 0-16\r\n"
            "a=sendrecv\r\n"
            "m=audio 0 RTP/AVP 96 8\r\n"
            "c=IN IP4 10.0.0.1\r\n"
            "a=rtpmap:96 opus/48000/2\r\n");
  const auto sdp = Sdp::parse(kOffer);
  EXPECT_EQ(media_address(*sdp)->to_string(), "10.0.0.5:49170");
}

TEST(SdpDtmf, TelephoneEventIsAddedToTheAudioAndRemovedAgain) {
  const std::string offer =
      "v=0\r\no=- 1 1 IN IP4 10.0.0.10\r\ns=-\r\nc=IN IP4 10.0.0.10\r\nt=0 0\r\n"
      "m=audio 40000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\nm=video 0 RTP/AVP 96\r\n";
  auto parsed = Sdp::parse(offer);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(audio_telephone_event_type(*parsed), std::nullopt);
  EXPECT_EQ(free_dynamic_type(*parsed->first_of("audio")), 101);
  const auto with = add_telephone_event(offer, 101);
  EXPECT_NE(with.find("m=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"),
            std::string::npos)
      << with;
  auto reparsed = Sdp::parse(with);
  ASSERT_TRUE(reparsed);
  EXPECT_EQ(audio_telephone_event_type(*reparsed), 101);
  // Removed from the audio only; the rest byte for byte.
  EXPECT_EQ(remove_payload_type(with, 101), offer);
}

TEST(SdpDtmf, AnotherDynamicTypeWhen101IsTaken) {
  auto parsed = Sdp::parse(
      "v=0\r\no=- 1 1 IN IP4 10.0.0.10\r\ns=-\r\nc=IN IP4 10.0.0.10\r\nt=0 0\r\n"
      "m=audio 40000 RTP/AVP 0 101 96\r\na=rtpmap:101 opus/48000/2\r\na=rtpmap:96 telephone-event/8000\r\n");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(audio_telephone_event_type(*parsed), 96);
  EXPECT_EQ(free_dynamic_type(*parsed->first_of("audio")), 97);
}

}  // namespace
}  // namespace trunklab::sip
