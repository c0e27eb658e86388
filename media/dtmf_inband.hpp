// Inband DTMF: the ITU-T Q.23 dual tones as G.711 audio, and a Goertzel detector that reads
// digits back out of decoded frames (for a party that did not negotiate telephone-event).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "media/codec.hpp"
#include "reference/rt/time.hpp"

namespace trunklab::media {

inline constexpr std::uint32_t kDtmfSampleRateHz = 8000;

// Q.23: the low (row) and high (column) group frequency of a digit, in Hz.
struct DtmfFrequencies {
  double low_hz = 0;
  double high_hz = 0;
};
std::optional<DtmfFrequencies> dtmf_frequencies(char digit);

// About -10 dBm0 per tone in G.711's 16-bit scale (0 dBm0 is a sine of peak ~22,300), a usual
// sending level; the sum stays well below clipping.
inline constexpr double kDtmfToneAmplitude = 7000.0;

// `count` samples of the digit's two tones, starting at sample `first_sample` of the tone (so
// that consecutive frames continue the phase). Throws std::invalid_argument for a non-digit.
std::vector<std::int16_t> dtmf_tone_samples(char digit, std::size_t count,
                                            std::uint64_t first_sample = 0,
                                            double amplitude = kDtmfToneAmplitude);
// The tone as PCMU or PCMA packets of `ptime`: ceil(tone / ptime) frames, the part of the last
// frame after the tone silent.
std::vector<std::string> dtmf_inband_frames(Codec codec, char digit, rt::Duration tone,
                                            rt::Duration ptime = std::chrono::milliseconds{20});
// One frame of G.711 silence.
std::string silence_frame(Codec codec, rt::Duration ptime = std::chrono::milliseconds{20});

struct DtmfDetectorConfig {
  // 205 samples (25.6 ms) at 8 kHz: the classic block, bins ~39 Hz wide, narrower than the
  // 73 Hz between the closest rows.
  std::size_t block_samples = 205;
  // Consecutive blocks with the same digit before it counts: 2 blocks need a tone of 40-65 ms
  // depending on alignment, so the 20 ms Q.24 must reject never passes; 100 ms always does.
  int min_blocks = 2;
  double min_tone_amplitude = 400.0;  // each tone, about -35 dBm0
  double max_normal_twist_db = 8.0;   // high tone weaker than the low one
  double max_reverse_twist_db = 4.0;  // low tone weaker than the high one
  double min_tone_energy_share = 0.6;  // the two tones' part of the block's energy (not speech)
  double min_peak_ratio_db = 6.0;  // strongest row over the next row; same for columns
};

struct DetectedDigit {
  char digit = 0;
  std::uint64_t first_sample = 0;  // start of the first block that heard it
  std::uint64_t samples = 0;       // whole blocks that heard it
  bool operator==(const DetectedDigit&) const = default;
};

class DtmfDetector {
public:
  static constexpr std::size_t kMaxDigits = 1024;

  explicit DtmfDetector(DtmfDetectorConfig config = {});

  void push(std::span<const std::int16_t> samples);  // any chunking
  void push_frame(Codec codec, std::string_view g711_payload);

  const std::vector<DetectedDigit>& digits() const { return digits_; }
  std::string digit_string() const;
  std::uint64_t dropped_over_limit() const { return dropped_; }

  // The decision for one block (exposed for tests): the digit it hears, or nullopt.
  std::optional<char> classify(std::span<const std::int16_t> block) const;

private:
  void on_block();

  DtmfDetectorConfig config_;
  std::vector<std::int16_t> block_;
  std::vector<std::int16_t> decoded_;
  std::uint64_t block_start_ = 0;  // sample index of block_[0]
  std::optional<char> run_digit_;
  int run_blocks_ = 0;
  std::uint64_t run_start_ = 0;
  bool run_reported_ = false;
  std::optional<std::size_t> run_entry_;  // the run's entry in digits_ once reported
  std::vector<DetectedDigit> digits_;
  std::uint64_t dropped_ = 0;
};

}  // namespace trunklab::media
