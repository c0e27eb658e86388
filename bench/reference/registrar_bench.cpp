// Registrar throughput through its logic alone (no sockets, virtual clock), every message
// parsed and serialized, and memory per binding with 100,000 live bindings.
#include "reference/registrar/registrar.hpp"
#include "sim/kernel/world.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <malloc.h>

#include <cstdlib>

using namespace trunklab;

namespace {

config::Config users(int count) {
  config::Config c;
  for (int i = 0; i < count; ++i) {
    auto name = fmt::format("user{}", i);
    c.extensions.push_back({name, name, "pw-" + name, "default"});
  }
  c.registrar.max_expires_s = 7200;
  return c;
}

std::string register_text(int user, std::uint32_t cseq, const std::string& authorization) {
  auto text = fmt::format(
      "REGISTER sip:default.registrar.example.test SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 192.168.{0}.{1}:5060;branch=z9hG4bK{2}u{3};rport\r\n"
      "Max-Forwards: 70\r\n"
      "From: <sip:user{3}@default.registrar.example.test>;tag=t{3}\r\n"
      "To: <sip:user{3}@default.registrar.example.test>\r\n"
      "Call-ID: reg-{3}@bench\r\n"
      "CSeq: {2} REGISTER\r\n"
      "Contact: <sip:user{3}@192.168.{0}.{1}:5060>\r\n"
      "Expires: 3600\r\n",
      (user / 250) % 250, user % 250 + 1, cseq, user);
  if (!authorization.empty()) text += "Authorization: " + authorization + "\r\n";
  return text + "Content-Length: 0\r\n\r\n";
}

sip::Message parse(const std::string& text) { return std::move(std::get<sip::Message>(sip::Message::parse(text))); }

struct Fixture {
  explicit Fixture(int user_count) : config(users(user_count)) {}
  config::Config config;
  sim::World world{1};
  registrar::MemoryStore store;
  registrar::Registrar registrar{config, store, world.clock(), world.timers(), world.random_stream("r")};
  rt::SplitMix64 client{9};
  rt::Address source = *rt::Address::parse("203.0.113.1:40000");

  // REGISTER -> 401 -> REGISTER with credentials -> 200, as a phone does it. Returns the status.
  int full_registration(int user, std::uint32_t cseq) {
    // Virtual time moves on as it would: nonces carry their issue time, and the nonce-count
    // table tells a forgotten (old) nonce from a new one by it.
    world.run_until(world.now() + std::chrono::microseconds(100));
    auto challenge_text = registrar.handle_register(parse(register_text(user, cseq, {})), source).to_string();
    auto challenge_response = parse(challenge_text);
    auto challenge = auth::Challenge::parse(challenge_response.header_values("WWW-Authenticate").front());
    auto name = fmt::format("user{}", user);
    auto creds = auth::answer(*challenge, {name, "pw-" + name}, "REGISTER",
                              "sip:default.registrar.example.test", 1, client);
    auto ok = registrar.handle_register(parse(register_text(user, cseq + 1, creds.to_header_value())), source);
    auto status = parse(ok.to_string()).status();
    if (std::getenv("TRUNKLAB_DEBUG") && status != 200) fmt::print("{}\n---\n{}\n", register_text(user, cseq + 1, creds.to_header_value()), ok.to_string());
    return status;
  }
};

void BM_RegistrarDigestRegistration(benchmark::State& state) {
  Fixture f(1000);
  std::uint32_t cseq = 1;
  int user = 0;
  for (auto _ : state) {
    if (int status = f.full_registration(user, cseq); status != 200) {
      state.SkipWithError(fmt::format("registration refused with {}", status).c_str());
      break;
    }
    user = (user + 1) % 1000;
    if (user == 0) cseq += 2;
  }
  state.counters["registrations/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RegistrarDigestRegistration)->Unit(benchmark::kMicrosecond);

void BM_RegistrarMemoryPerBinding(benchmark::State& state) {
  const int count = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    Fixture f(count);
    auto before = mallinfo2().uordblks;
    state.ResumeTiming();
    for (int i = 0; i < count; ++i) f.full_registration(i, 1);
    state.PauseTiming();
    auto after = mallinfo2().uordblks;
    if (f.store.size() != static_cast<std::size_t>(count)) state.SkipWithError("bindings missing");
    state.counters["bytes/binding"] = static_cast<double>(after - before) / count;
    state.ResumeTiming();
  }
}
BENCHMARK(BM_RegistrarMemoryPerBinding)->Arg(100'000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
