// One call's media at one party (RFC 3550 over what RFC 3264 offer/answer settled): it sends an
// RTP stream to the peer's SDP address every ptime while the direction allows, and hears every
// stream that reaches its port, per SSRC, with RFC 3550 receiver statistics, RFC 4733 events,
// inband tones (Goertzel) and the one-way delay. Timers, clock, socket and randomness are
// injected: on the virtual stage a stream is a seeded schedule of events, so pcaps are a
// function of the scenario and its seed.
//
// Every audio packet carries the probe tag (probe_payload.hpp) followed by the sender's clock
// in microseconds (8 bytes, network order): the receiver attributes the packet to its sender
// and measures the network's one-way delay on the same clock (one process, both stages).
// Inband DTMF frames are plain tones without the tag.
#pragma once

#include "media/codec.hpp"
#include "media/dtmf.hpp"
#include "media/dtmf_inband.hpp"
#include "media/receiver_stats.hpp"
#include "reference/rt/address.hpp"
#include "reference/rt/random.hpp"
#include "reference/rt/time.hpp"
#include "reference/rt/transport.hpp"

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace trunklab::media {

enum class DtmfMethod { rfc4733, inband };
std::string_view to_string(DtmfMethod method);

// What offer/answer settled for a call, seen from this party.
struct MediaPlan {
  rt::Address remote;          // where to send: the peer's c= and m= port; port 0 = no media
  Codec codec = Codec::pcmu;
  std::uint8_t payload_type = 0;
  std::optional<std::uint8_t> telephone_event;  // the negotiated RFC 4733 payload type
  rt::Duration ptime = std::chrono::milliseconds{20};
  bool send = true;     // the direction lets us send (sendrecv or sendonly)
  bool receive = true;  // ... and receive
};

struct SessionConfig {
  std::uint32_t stream_id = 0;  // the probe tag's sender id: probe_stream_id(party name)
  // RFC 4961 symmetric RTP, as SBCs do it ("comedia" latching): once the peer's RTP arrives,
  // send to where it came from instead of the SDP address (the NAT's public side).
  bool symmetric_rtp = false;
  bool rtcp = false;  // SR/RR on the RTP port + 1 every rtcp_interval (RFC 3550 §6.2)
  rt::Duration rtcp_interval = std::chrono::seconds{5};
  std::uint64_t max_packets_sent = 2'000'000;  // a limit on everything: past it, silence
  std::size_t max_streams_heard = 64;          // SSRCs tracked; more are counted only
  std::uint64_t* packets_sent = nullptr;       // also counts every packet sent here (a run's limit)
};

// Inband digits: the detector (205-sample Goertzel blocks, two to a digit; a block hears a
// tone that fills 60% of it) needs, at the worst block alignment, 450 samples of tone (56 ms)
// and 165 of pause (21 ms) to tell "55" from one long 5. A sender keeps 60 ms and 40 ms (the
// pause Q.24 asks of DTMF senders), whatever the step says.
inline constexpr rt::Duration kInbandMinTone = std::chrono::milliseconds{60};
inline constexpr rt::Duration kInbandMinPause = std::chrono::milliseconds{40};

struct DtmfRequest {
  std::string digits;
  DtmfMethod method = DtmfMethod::rfc4733;
  rt::Duration duration = std::chrono::milliseconds{100};  // per digit
  rt::Duration gap = std::chrono::milliseconds{100};       // between digits (inband: >= 40 ms)
  std::uint8_t volume = 10;                                // RFC 4733 §2.3.4, -dBm0
};

// What this party heard from one source (SSRC) on the call's port.
struct HeardStream {
  std::uint32_t ssrc = 0;
  rt::Address source;                   // where the first packet came from
  std::optional<std::uint32_t> sender;  // the probe tag's stream id, once a tagged packet came
  std::optional<std::uint8_t> payload_type;  // of the audio (not the events)
  ReceiverStats stats;
  DtmfEventReceiver events;
  DtmfDetector tones;
  std::uint64_t event_packets = 0;
  std::uint64_t delay_us_total = 0;  // one-way delay summed over the packets that carried it
  std::uint64_t delay_samples = 0;
  // Inband tones: a tone was heard and the detector has not yet had the silence that ends it;
  // the silence (tagged audio) heard after the last tone, in samples.
  bool tone_open = false;
  std::size_t silence_samples = 0;
  std::optional<rt::Duration> mean_delay() const;
};

// The sending side's figures.
struct SentFigures {
  std::uint32_t ssrc = 0;
  std::uint64_t packets = 0;
  std::uint64_t event_packets = 0;
  std::optional<rt::Instant> first_sent;
  std::optional<rt::Instant> last_sent;
  rt::Address last_destination;
  std::string digits_sent;  // every digit, in order
  bool limit_reached = false;
};

class Session {
public:
  Session(rt::Clock& clock, rt::Timers& timers, rt::Random& random, SessionConfig config);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // The call's RTP socket, and its RTCP socket (RTP port + 1) when config.rtcp; `source` is the
  // socket asymmetric RTP sends from (else null: the RTP socket).
  void bind(rt::Transport& rtp, rt::Transport* rtcp, rt::Transport* source = nullptr);
  // The first plan starts the media; later ones move it (a new address), hold or resume it (a
  // new direction) or change the codec, keeping the SSRC and the sequence (RFC 3550 §5.1).
  void apply(const MediaPlan& plan);
  void stop();  // BYE, CANCEL, a failed call: silence, for good
  bool stopped() const { return stopped_; }
  const std::optional<MediaPlan>& plan() const { return plan_; }

  void on_rtp(const rt::Address& source, std::string_view bytes);
  void on_rtcp(const rt::Address& source, std::string_view bytes);

  // Queues digits; false (nothing queued) when the call does not send or the method cannot be
  // used (RFC 4733 not negotiated, inband on a codec other than G.711), with the reason.
  bool send_dtmf(const DtmfRequest& request, std::string& why);

  const std::vector<std::unique_ptr<HeardStream>>& heard() const { return heard_; }
  std::uint64_t untracked_packets() const { return untracked_; }  // streams past the limit
  std::uint64_t rtcp_received() const { return rtcp_received_; }
  std::uint64_t rtcp_sent() const { return rtcp_sent_; }
  const SentFigures& sent() const { return sent_; }
  // The RTP socket's address (where the peer's RTP arrives), and the one RTP leaves from (the
  // asymmetric source when bound with one); unset before bind().
  std::optional<rt::Address> local_address() const;
  std::optional<rt::Address> sending_address() const;

private:
  struct Digit {
    char digit = 0;
    DtmfMethod method = DtmfMethod::rfc4733;
    rt::Duration duration{};
    std::uint8_t volume = 10;
    std::size_t gap_packets = 0;
  };
  bool sending() const { return !stopped_ && plan_ && plan_->send && plan_->remote.port() != 0; }
  void schedule_tick();
  void tick();
  std::uint32_t timestamp_now();
  rt::Address destination() const;
  void send_audio(std::uint32_t timestamp);
  bool send_digit_packet(std::uint32_t timestamp);
  void start_digit(std::uint32_t timestamp);
  void transmit(const std::string& bytes);
  HeardStream* stream_for(std::uint32_t ssrc, const rt::Address& source);
  void hear_audio(HeardStream& stream, std::string_view payload);
  void hear_silence(HeardStream& stream, std::uint8_t payload_type, std::size_t samples);
  void send_rtcp();

  rt::Clock& clock_;
  rt::Timers& timers_;
  SessionConfig config_;
  rt::Transport* rtp_ = nullptr;
  rt::Transport* rtcp_ = nullptr;
  rt::Transport* source_ = nullptr;
  std::optional<MediaPlan> plan_;
  bool stopped_ = false;
  rt::TimerId tick_timer_ = rt::kNoTimer;
  rt::TimerId rtcp_timer_ = rt::kNoTimer;
  // RFC 3550 §5.1: random initial values, drawn once from the party's media stream.
  std::uint32_t ssrc_ = 0;
  std::uint16_t sequence_ = 0;
  std::uint32_t initial_timestamp_ = 0;
  std::optional<rt::Instant> next_tick_;  // when the running tick was due (schedule_tick)
  std::optional<rt::Instant> epoch_;  // the first packet's time: slot 0
  bool talkspurt_start_ = true;       // marker bit on the next audio packet
  std::optional<rt::Address> latched_;  // symmetric RTP: where the peer's RTP comes from
  std::uint32_t probe_index_ = 0;
  std::uint64_t octets_sent_ = 0;
  std::string buffer_;   // the packet being sent
  std::string silence_;  // a pause after an inband tone, for the detector
  // DTMF in progress.
  std::deque<Digit> digits_;
  std::vector<DtmfPacket> event_packets_;  // the current RFC 4733 digit
  std::vector<std::string> tone_frames_;   // the current inband digit
  std::size_t digit_packet_ = 0;
  std::size_t gap_left_ = 0;
  bool in_digit_ = false;
  std::vector<std::unique_ptr<HeardStream>> heard_;
  std::uint64_t untracked_ = 0;
  std::uint64_t rtcp_received_ = 0;
  std::uint64_t rtcp_sent_ = 0;
  SentFigures sent_;
};

}  // namespace trunklab::media
