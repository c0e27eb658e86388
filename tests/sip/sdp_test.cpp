#include "reference/sip/sdp.hpp"

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

}  // namespace
}  // namespace trunklab::sip
