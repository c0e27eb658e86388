// Drives `trunklab serve --api` for bench/api/run.sh (cpp-httplib's client, keep-alive):
//   get     N GETs of /v1.0/routes over C connections at once: requests/s and latency
//   change  N PUTs of one route one after another (each a whole checked, stored and applied
//           configuration): changes/s and latency
//   flip    a PUT every INTERVAL ms for DURATION s, the route's provider alternating between
//           two: the changes' latency, under whatever call load run.sh adds
// Prints one line of figures; exit 1 when any request failed or got an unexpected status.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string token;
  std::string mode = "get";
  int requests = 1000;
  int connections = 1;
  int interval_ms = 100;
  double duration_s = 10;
  std::string route = "bench";
  std::vector<std::string> providers{"a", "b"};
};

struct Figures {
  std::vector<double> latency_ms;
  int failed = 0;
  std::string first_failure;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto at = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  return v[at];
}

// One request; its latency added to `f`, a failure counted unless the status is `want`.
template <typename Send>
void timed(Figures& f, int want, Send send) {
  const auto start = Clock::now();
  auto result = send();
  f.latency_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  if (!result || result->status != want) {
    ++f.failed;
    if (f.first_failure.empty()) {
      f.first_failure = result ? fmt::format("HTTP {}: {}", result->status, result->body)
                               : fmt::format("no answer ({})", httplib::to_string(result.error()));
    }
  }
}

httplib::Client client(const Options& o) {
  httplib::Client c(o.host, o.port);
  c.set_keep_alive(true);
  c.set_tcp_nodelay(true);
  c.set_bearer_token_auth(o.token.c_str());
  c.set_read_timeout(10, 0);
  return c;
}

std::string route_body(const Options& o, const std::string& provider, int priority) {
  return nlohmann::json{{"name", o.route}, {"provider", provider}, {"priority", priority}}.dump();
}

Figures run_get(const Options& o) {
  Figures all;
  std::mutex m;
  std::atomic<int> left{o.requests};
  std::vector<std::thread> threads;
  for (int t = 0; t < o.connections; ++t) {
    threads.emplace_back([&] {
      auto c = client(o);
      Figures mine;
      while (left.fetch_sub(1) > 0) timed(mine, 200, [&] { return c.Get("/v1.0/routes"); });
      const std::lock_guard lock(m);
      all.latency_ms.insert(all.latency_ms.end(), mine.latency_ms.begin(), mine.latency_ms.end());
      all.failed += mine.failed;
      if (all.first_failure.empty()) all.first_failure = mine.first_failure;
    });
  }
  for (auto& t : threads) t.join();
  return all;
}

Figures run_change(const Options& o) {
  Figures f;
  auto c = client(o);
  const auto path = "/v1.0/routes/" + o.route;
  for (int i = 0; i < o.requests; ++i) {
    const auto body = route_body(o, o.providers[0], 1 + i % 2);
    timed(f, 200, [&] { return c.Put(path, body, "application/json"); });
  }
  return f;
}

Figures run_flip(const Options& o) {
  Figures f;
  auto c = client(o);
  const auto path = "/v1.0/routes/" + o.route;
  const auto end = Clock::now() + std::chrono::duration<double>(o.duration_s);
  auto next = Clock::now();
  for (std::size_t i = 0; Clock::now() < end; ++i) {
    const auto body = route_body(o, o.providers[i % o.providers.size()], 1);
    timed(f, 200, [&] { return c.Put(path, body, "application/json"); });
    next += std::chrono::milliseconds(o.interval_ms);
    std::this_thread::sleep_until(next);
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app("HTTP load on trunklab serve's management API");
  app.add_option("--host", o.host);
  app.add_option("--port", o.port)->required();
  app.add_option("--token", o.token)->required();
  app.add_option("--mode", o.mode)->check(CLI::IsMember({"get", "change", "flip"}));
  app.add_option("--requests", o.requests)->check(CLI::Range(1, 10'000'000));
  app.add_option("--connections", o.connections)->check(CLI::Range(1, 64));
  app.add_option("--interval-ms", o.interval_ms)->check(CLI::Range(1, 60'000));
  app.add_option("--duration-s", o.duration_s)->check(CLI::Range(0.1, 3600.0));
  app.add_option("--route", o.route);
  app.add_option("--providers", o.providers)->expected(2);
  CLI11_PARSE(app, argc, argv);

  const auto start = Clock::now();
  Figures f = o.mode == "get" ? run_get(o) : o.mode == "change" ? run_change(o) : run_flip(o);
  const double wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  fmt::print("{}: {} requests in {:.2f} s = {:.0f}/s, latency p50 {:.2f} ms p99 {:.2f} ms max {:.2f} ms, {} failed{}\n",
             o.mode, f.latency_ms.size(), wall_s, static_cast<double>(f.latency_ms.size()) / wall_s,
             percentile(f.latency_ms, 0.5), percentile(f.latency_ms, 0.99), percentile(f.latency_ms, 1.0), f.failed,
             f.first_failure.empty() ? "" : " (first: " + f.first_failure + ")");
  return f.failed == 0 ? 0 : 1;
}
