#include "app/api_server.hpp"

#include "reference/sip/printable.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <future>

namespace trunklab::app {
namespace {

using namespace std::chrono_literals;

// How long a request waits for the loop to answer it: a loop that busy is reported, not waited on.
constexpr auto kLoopAnswerBound = 10s;

api::Request to_api(const httplib::Request& in) {
  api::Request out;
  out.method = in.method;
  out.path = in.path;  // httplib percent-decodes it
  for (const auto& [name, value] : in.params) out.query.emplace(name, value);
  for (const auto& [name, value] : in.headers) {
    std::string lower;
    for (char ch : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    out.headers.emplace(std::move(lower), value);
  }
  out.body = in.body;
  return out;
}

void write(const api::Response& in, httplib::Response& out) {
  out.status = in.status;
  for (const auto& [name, value] : in.headers) out.set_header(name, value);
  if (!in.content_type.empty()) out.set_content(in.body, in.content_type.c_str());
}

void unavailable(httplib::Response& out, const std::string& why) {
  write(api::Response{503, "application/json", nlohmann::json{{"error", why}}.dump() + "\n", {}}, out);
}

}  // namespace

std::string ApiAddress::to_string() const {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

std::variant<ApiAddress, std::string> parse_api_address(const std::string& text) {
  ApiAddress address;
  std::string port = text;
  if (text.starts_with('[')) {
    const auto close = text.find("]:");
    if (close == std::string::npos) return fmt::format("--api {}: expected [IPv6]:PORT", text);
    address.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else if (const auto colon = text.rfind(':'); colon != std::string::npos) {
    address.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  int value = -1;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value < 0 || value > 65535 || address.host.empty()) {
    return fmt::format("--api {}: expected PORT or IP:PORT, such as 127.0.0.1:8080", text);
  }
  address.port = value;
  return address;
}

ApiServer::ApiServer(api::ManagementApi& api, realtime::EventLoop& loop)
    : api_(api), loop_(loop), http_(std::make_unique<httplib::Server>()) {}

ApiServer::~ApiServer() { stop(); }

std::variant<std::unique_ptr<ApiServer>, std::string> ApiServer::open(const ApiAddress& address,
                                                                      api::ManagementApi& api,
                                                                      realtime::EventLoop& loop) {
  std::unique_ptr<ApiServer> server(new ApiServer(api, loop));
  auto& http = *server->http_;
  http.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  http.set_tcp_nodelay(true);  // a small answer goes out at once, not after the peer's delayed ACK
  http.set_keep_alive_max_count(kKeepAliveRequests);
  http.set_keep_alive_timeout(kTimeoutS);
  http.set_read_timeout(kTimeoutS, 0);
  http.set_write_timeout(kTimeoutS, 0);
  http.set_payload_max_length(api::Limits{}.max_body_bytes);
  server->install_handlers();
  if (address.port == 0) {
    server->port_ = http.bind_to_any_port(address.host);
    if (server->port_ < 0) return fmt::format("--api {}: cannot listen there", address.to_string());
  } else {
    if (!http.bind_to_port(address.host, address.port)) {
      return fmt::format("--api {}: cannot listen there (address in use, or not this machine's)", address.to_string());
    }
    server->port_ = address.port;
  }
  return server;
}

void ApiServer::install_handlers() {
  auto handler = [this](const httplib::Request& in, httplib::Response& out) {
    requests_.fetch_add(1);
    auto answer = std::make_shared<std::promise<api::Response>>();
    auto future = answer->get_future();
    const bool posted = loop_.post([this, answer, request = to_api(in)] {
      api::Response response;
      try {
        response = api_.handle(request);
      } catch (const std::exception& e) {
        response = api::Response{500, "application/json", nlohmann::json{{"error", e.what()}}.dump() + "\n", {}};
      }
      if (log_) log_(fmt::format("API {} {} -> {}", sip::printable(request.method), sip::printable(request.path),
                                 response.status));
      answer->set_value(std::move(response));
    });
    if (!posted) return unavailable(out, "the server is busy: too many requests waiting");
    const auto deadline = std::chrono::steady_clock::now() + kLoopAnswerBound;
    // In slices, so that stop() does not wait out the whole bound.
    while (future.wait_for(50ms) != std::future_status::ready) {
      if (stopping_.load()) return unavailable(out, "the server is stopping");
      if (std::chrono::steady_clock::now() > deadline) return unavailable(out, "the server did not answer in time");
    }
    write(future.get(), out);
  };
  const std::string any = ".*";
  http_->Get(any, handler);
  http_->Post(any, handler);
  http_->Put(any, handler);
  http_->Delete(any, handler);
  http_->Patch(any, handler);
  http_->Options(any, handler);
}

void ApiServer::start() {
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  // stop() only reaches a server that runs: wait (bounded) until it does.
  for (int i = 0; i < 200 && !http_->is_running(); ++i) std::this_thread::sleep_for(5ms);
}

void ApiServer::stop() {
  stopping_.store(true);
  http_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace trunklab::app
