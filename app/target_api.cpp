#include "app/target_api.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <memory>
#include <regex>

namespace trunklab::app {

std::optional<std::function<scenario::ApiAnswer(const scenario::ApiCall&)>> target_api_client(
    const std::string& url, const std::string& token, std::string& error) {
  static const std::regex form(R"(^http://([0-9.]+|\[[0-9a-fA-F:]+\]|localhost):([0-9]{1,5})/?$)");
  std::smatch m;
  if (!std::regex_match(url, m, form)) {
    error = fmt::format("--target-api {}: expected http://IP:PORT", url);
    return std::nullopt;
  }
  if (token.empty()) {
    error = "--target-api needs --target-api-token";
    return std::nullopt;
  }
  auto client = std::make_shared<httplib::Client>(m[1].str(), std::stoi(m[2].str()));
  client->set_connection_timeout(5, 0);
  client->set_read_timeout(5, 0);
  client->set_write_timeout(5, 0);
  const httplib::Headers headers = {{"Authorization", "Bearer " + token}};
  return [client, headers](const scenario::ApiCall& call) -> scenario::ApiAnswer {
    httplib::Result result{nullptr, httplib::Error::Unknown};
    const auto& path = call.path;
    if (call.method == "GET") result = client->Get(path.c_str(), headers);
    else if (call.method == "DELETE") result = client->Delete(path.c_str(), headers);
    else if (call.method == "PUT") result = client->Put(path.c_str(), headers, call.body, "application/json");
    else result = client->Post(path.c_str(), headers, call.body, "application/json");
    if (!result) return {0, {}, fmt::format("HTTP error: {}", httplib::to_string(result.error()))};
    return {result->status, result->body, {}};
  };
}

}  // namespace trunklab::app
