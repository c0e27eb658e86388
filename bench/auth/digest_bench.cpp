// Digest authentication costs on the registrar's hot path: issuing a challenge, parsing the
// Authorization value, verifying credentials.
#include "reference/auth/digest.hpp"

#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

namespace trunklab::auth {
namespace {

class FixedClock final : public rt::Clock {
public:
  rt::Instant now() const override { return rt::Instant{rt::Duration{1'000'000}}; }
};

constexpr std::string_view kRealm = "office.registrar.example";

ServerConfig bench_config(Algorithm algorithm) {
  ServerConfig config;
  config.secret_key.assign(32, 0x5a);
  config.algorithms = {algorithm};
  return config;
}

// Each iteration verifies a fresh nonce-count, as a phone re-registering on one nonce does.
void verify(benchmark::State& state, Algorithm algorithm, bool with_ha1) {
  FixedClock clock;
  rt::SplitMix64 random{1};
  auto server = std::make_unique<DigestServer>(bench_config(algorithm), clock, random);
  Challenge challenge = server->challenge(kRealm).front();
  Secret secret = with_ha1 ? Secret::from_ha1("alice", algorithm, compute_ha1(algorithm, "alice", kRealm, "s3cret"))
                           : Secret::from_password("alice", "s3cret");
  // Precompute the answers so only verification is timed.
  constexpr std::uint32_t kBatch = 4096;
  std::vector<Credentials> answers;
  for (std::uint32_t nc = 1; nc <= kBatch; ++nc)
    answers.push_back(answer(challenge, {"alice", "s3cret"}, "REGISTER", "sip:office.registrar.example", nc, random));
  std::size_t next = 0;
  for (auto _ : state) {
    if (next == answers.size()) {
      state.PauseTiming();
      // A fresh server (same key) has forgotten the nonce-counts, so the batch can run again.
      server = std::make_unique<DigestServer>(bench_config(algorithm), clock, random);
      next = 0;
      state.ResumeTiming();
    }
    Verdict v = server->verify(answers[next++], kRealm, "REGISTER", secret);
    if (v != Verdict::ok) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(v);
  }
}

void BM_VerifyMd5Password(benchmark::State& s) { verify(s, Algorithm::md5, false); }
void BM_VerifyMd5Ha1(benchmark::State& s) { verify(s, Algorithm::md5, true); }
void BM_VerifySha256Password(benchmark::State& s) { verify(s, Algorithm::sha256, false); }
void BM_VerifySha256Ha1(benchmark::State& s) { verify(s, Algorithm::sha256, true); }
void BM_VerifySha512_256Password(benchmark::State& s) { verify(s, Algorithm::sha512_256, false); }
BENCHMARK(BM_VerifyMd5Password);
BENCHMARK(BM_VerifyMd5Ha1);
BENCHMARK(BM_VerifySha256Password);
BENCHMARK(BM_VerifySha256Ha1);
BENCHMARK(BM_VerifySha512_256Password);

void BM_ChallengeThreeAlgorithms(benchmark::State& state) {
  FixedClock clock;
  rt::SplitMix64 random{1};
  ServerConfig config = bench_config(Algorithm::md5);
  config.algorithms.assign(kAllAlgorithms.begin(), kAllAlgorithms.end());
  DigestServer server{config, clock, random};
  for (auto _ : state) benchmark::DoNotOptimize(server.challenge(kRealm));
}
BENCHMARK(BM_ChallengeThreeAlgorithms);

void BM_ChallengeHeaderValue(benchmark::State& state) {
  FixedClock clock;
  rt::SplitMix64 random{1};
  DigestServer server{bench_config(Algorithm::sha256), clock, random};
  for (auto _ : state) benchmark::DoNotOptimize(server.challenge(kRealm).front().to_header_value());
}
BENCHMARK(BM_ChallengeHeaderValue);

void BM_ParseCredentials(benchmark::State& state) {
  const std::string value =
      R"(Digest username="alice", realm="office.registrar.example", nonce="00000000000f4240a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718", )"
      R"(uri="sip:office.registrar.example", response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", )"
      R"(algorithm=SHA-256, cnonce="0a4f113b0a4f113b", qop=auth, nc=00000001)";
  for (auto _ : state) benchmark::DoNotOptimize(Credentials::parse(value));
}
BENCHMARK(BM_ParseCredentials);

void BM_ClientAnswerSha256(benchmark::State& state) {
  Challenge challenge;
  challenge.realm = std::string{kRealm};
  challenge.nonce = "00000000000f4240a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718";
  challenge.algorithm = Algorithm::sha256;
  challenge.qop = {"auth"};
  rt::SplitMix64 random{1};
  std::uint32_t nc = 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(answer(challenge, {"alice", "s3cret"}, "REGISTER", "sip:office.registrar.example", ++nc, random));
}
BENCHMARK(BM_ClientAnswerSha256);

}  // namespace
}  // namespace trunklab::auth
