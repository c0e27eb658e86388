#include "media/dtmf_inband.hpp"

#include <array>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace trunklab::media {

namespace {

constexpr std::array<double, 4> kLowHz{697, 770, 852, 941};
constexpr std::array<double, 4> kHighHz{1209, 1336, 1477, 1633};
// Q.23's keypad: row = low group, column = high group.
constexpr std::array<std::array<char, 4>, 4> kKeypad{{
    {'1', '2', '3', 'A'},
    {'4', '5', '6', 'B'},
    {'7', '8', '9', 'C'},
    {'*', '0', '#', 'D'},
}};

std::optional<std::pair<std::size_t, std::size_t>> keypad_position(char digit) {
  if (digit >= 'a' && digit <= 'd') digit = static_cast<char>(digit - 'a' + 'A');
  for (std::size_t r = 0; r < 4; ++r) {
    for (std::size_t c = 0; c < 4; ++c) {
      if (kKeypad[r][c] == digit) return std::pair{r, c};
    }
  }
  return std::nullopt;
}

// Goertzel's recurrence for one frequency: the squared magnitude of that DFT term.
double goertzel_power(std::span<const std::int16_t> block, double hz) {
  const double coeff = 2.0 * std::cos(2.0 * std::numbers::pi * hz / kDtmfSampleRateHz);
  double s1 = 0.0;
  double s2 = 0.0;
  for (std::int16_t x : block) {
    const double s = static_cast<double>(x) + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

double db(double power_ratio) { return 10.0 * std::log10(power_ratio); }

struct Strongest {
  std::size_t index = 0;
  double power = 0.0;
  double runner_up = 0.0;
};

Strongest strongest(const std::array<double, 4>& powers) {
  Strongest s;
  for (std::size_t i = 0; i < powers.size(); ++i) {
    if (powers[i] > s.power) {
      s.runner_up = s.power;
      s.power = powers[i];
      s.index = i;
    } else if (powers[i] > s.runner_up) {
      s.runner_up = powers[i];
    }
  }
  return s;
}

}  // namespace

std::optional<DtmfFrequencies> dtmf_frequencies(char digit) {
  const auto pos = keypad_position(digit);
  if (!pos) return std::nullopt;
  return DtmfFrequencies{kLowHz[pos->first], kHighHz[pos->second]};
}

std::vector<std::int16_t> dtmf_tone_samples(char digit, std::size_t count,
                                            std::uint64_t first_sample, double amplitude) {
  const auto f = dtmf_frequencies(digit);
  if (!f) throw std::invalid_argument(std::string("not a DTMF digit: ") + digit);
  std::vector<std::int16_t> out(count);
  const double w_low = 2.0 * std::numbers::pi * f->low_hz / kDtmfSampleRateHz;
  const double w_high = 2.0 * std::numbers::pi * f->high_hz / kDtmfSampleRateHz;
  for (std::size_t i = 0; i < count; ++i) {
    const double n = static_cast<double>(first_sample + i);
    const double v = amplitude * (std::sin(w_low * n) + std::sin(w_high * n));
    out[i] = static_cast<std::int16_t>(std::lround(v));
  }
  return out;
}

std::string silence_frame(Codec codec, rt::Duration ptime) {
  return std::string(frame_bytes(codec, ptime), static_cast<char>(codec_info(codec).fill_byte));
}

std::vector<std::string> dtmf_inband_frames(Codec codec, char digit, rt::Duration tone,
                                            rt::Duration ptime) {
  if (codec != Codec::pcmu && codec != Codec::pcma) {
    throw std::invalid_argument("inband DTMF needs PCMU or PCMA");
  }
  const std::size_t per_frame = frame_bytes(codec, ptime);  // one byte per sample
  const auto tone_samples =
      static_cast<std::uint64_t>(tone.count()) * kDtmfSampleRateHz / 1'000'000;
  std::vector<std::string> frames;
  for (std::uint64_t at = 0; at < tone_samples; at += per_frame) {
    const std::uint64_t left = tone_samples - at;
    const std::size_t n = left < per_frame ? static_cast<std::size_t>(left) : per_frame;
    std::vector<std::int16_t> samples = dtmf_tone_samples(digit, n, at);
    samples.resize(per_frame, 0);
    frames.push_back(encode_g711(codec, samples));
  }
  return frames;
}

DtmfDetector::DtmfDetector(DtmfDetectorConfig config) : config_(config) {
  if (config_.block_samples == 0) throw std::invalid_argument("DTMF block of 0 samples");
  block_.reserve(config_.block_samples);
}

std::optional<char> DtmfDetector::classify(std::span<const std::int16_t> block) const {
  if (block.empty()) return std::nullopt;
  double energy = 0.0;
  for (std::int16_t x : block) energy += static_cast<double>(x) * static_cast<double>(x);
  if (energy <= 0.0) return std::nullopt;
  std::array<double, 4> low{};
  std::array<double, 4> high{};
  for (std::size_t i = 0; i < 4; ++i) {
    low[i] = goertzel_power(block, kLowHz[i]);
    high[i] = goertzel_power(block, kHighHz[i]);
  }
  const Strongest row = strongest(low);
  const Strongest col = strongest(high);
  // A sine of amplitude A over N samples gives a Goertzel power of (A N / 2)^2.
  const double n = static_cast<double>(block.size());
  const double min_power = std::pow(config_.min_tone_amplitude * n / 2.0, 2);
  if (row.power < min_power || col.power < min_power) return std::nullopt;
  if (row.power > col.power && db(row.power / col.power) > config_.max_normal_twist_db) {
    return std::nullopt;
  }
  if (col.power > row.power && db(col.power / row.power) > config_.max_reverse_twist_db) {
    return std::nullopt;
  }
  // Power (A N / 2)^2 against energy N A^2 / 2 per tone: the share is 2 P / (N E).
  const double share = 2.0 * (row.power + col.power) / (n * energy);
  if (share < config_.min_tone_energy_share) return std::nullopt;
  const auto peak_ok = [&](const Strongest& s) {
    return s.runner_up <= 0.0 || db(s.power / s.runner_up) >= config_.min_peak_ratio_db;
  };
  if (!peak_ok(row) || !peak_ok(col)) return std::nullopt;
  return kKeypad[row.index][col.index];
}

void DtmfDetector::push(std::span<const std::int16_t> samples) {
  for (std::int16_t x : samples) {
    block_.push_back(x);
    if (block_.size() == config_.block_samples) {
      on_block();
      block_start_ += block_.size();
      block_.clear();
    }
  }
}

void DtmfDetector::push_frame(Codec codec, std::string_view g711_payload) {
  decoded_.clear();
  decode_g711(codec, g711_payload, decoded_);
  push(decoded_);
}

void DtmfDetector::on_block() {
  const std::optional<char> heard = classify(block_);
  if (heard && heard == run_digit_) {
    ++run_blocks_;
  } else {
    run_digit_ = heard;
    run_blocks_ = heard ? 1 : 0;
    run_start_ = block_start_;
    run_reported_ = false;
    run_entry_.reset();
  }
  if (!run_digit_) return;
  if (run_entry_) {
    digits_[*run_entry_].samples += block_.size();
  } else if (!run_reported_ && run_blocks_ >= config_.min_blocks) {
    run_reported_ = true;
    if (digits_.size() >= kMaxDigits) {
      ++dropped_;
      return;
    }
    run_entry_ = digits_.size();
    digits_.push_back(DetectedDigit{*run_digit_, run_start_,
                                    static_cast<std::uint64_t>(run_blocks_) * block_.size()});
  }
}

std::string DtmfDetector::digit_string() const {
  std::string out;
  for (const DetectedDigit& d : digits_) out.push_back(d.digit);
  return out;
}

}  // namespace trunklab::media
