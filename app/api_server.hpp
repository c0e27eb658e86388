// The management API's HTTP edge for `trunklab serve --api`: cpp-httplib (Debian
// libcpp-httplib-dev) listens on its own threads; each request is posted into the event loop,
// where api::ManagementApi runs beside the SIP code (never racing it), and the HTTP thread waits
// for the answer. Bounded: worker threads, keep-alive requests, read/write timeouts, body size,
// and how long a request waits for the loop.
#pragma once

#include "reference/api/management_api.hpp"
#include "reference/realtime/event_loop.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <variant>

namespace httplib {
class Server;
}

namespace trunklab::app {

struct ApiAddress {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string to_string() const;
};

// "8080" (on 127.0.0.1), "127.0.0.1:8080", "[::1]:8080"; an error message otherwise.
std::variant<ApiAddress, std::string> parse_api_address(const std::string& text);

class ApiServer {
public:
  static constexpr int kThreads = 4;
  static constexpr std::size_t kKeepAliveRequests = 100;
  static constexpr int kTimeoutS = 5;  // read and write, per request

  // Binds `address` (port 0: the kernel picks one, see port()); an error message on failure.
  static std::variant<std::unique_ptr<ApiServer>, std::string> open(const ApiAddress& address,
                                                                    api::ManagementApi& api,
                                                                    realtime::EventLoop& loop);
  ~ApiServer();  // stops and joins
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Called in the loop's thread after each request: "API POST /v1.0/providers -> 201".
  void set_log(std::function<void(const std::string&)> log) { log_ = std::move(log); }

  void start();  // the HTTP threads; after EventLoop::watch_signals, so they inherit its mask
  void stop();   // requests still waiting for the loop are answered 503
  int port() const { return port_; }
  std::uint64_t requests() const { return requests_.load(); }

private:
  ApiServer(api::ManagementApi& api, realtime::EventLoop& loop);
  void install_handlers();

  api::ManagementApi& api_;
  realtime::EventLoop& loop_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> requests_{0};
  std::function<void(const std::string&)> log_;
};

}  // namespace trunklab::app
