// The management API of `trunklab serve`, without the HTTP: a request {method, path, query,
// headers, body} in, a response {status, content type, body} out. No sockets, no threads: the
// HTTP edge (app/api_server.cpp) parses and writes, this maps requests onto the configuration
// document. Collections and their paths are the product's (`POST /v1.0/providers?token=...`),
// their objects those of the configuration file (README "Configuration").
//
// Every change builds a whole new document and reads it with config::read_config, so an object
// is validated exactly as the file's are (cross-references included); a refused change leaves
// the document as it was. An accepted one is handed to the change callback (serve persists it
// and applies it to new calls) before it becomes the API's document.
#pragma once

#include "reference/config/config.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace trunklab::api {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded, without the query: "/v1.0/numbers/+15551234567"
  std::map<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Allow, Location, WWW-Authenticate
};

struct Limits {
  std::size_t max_body_bytes = 64 * 1024;  // a larger body: 413
  std::size_t max_objects = 10'000;        // per collection; one more: 409
};

// What a change callback throws for a configuration the server cannot take as it runs (a
// provider over TCP without a TCP socket): 409 with its message, the document unchanged.
class ChangeRefused : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// An accepted change: the new configuration, read and checked, and its document (what serve
// stores). Throwing refuses the change (ChangeRefused: 409; anything else: 500), the document
// unchanged.
using OnChange = std::function<void(const config::Config&, const nlohmann::json& document)>;

class ManagementApi {
public:
  // `document` must read as a configuration (throws config::InputError otherwise); `token`
  // must not be empty (throws std::invalid_argument).
  ManagementApi(const nlohmann::json& document, std::string token, OnChange on_change, Limits limits = {});

  Response handle(const Request& request);

  // GET /metrics answers with what this returns (Prometheus text); unset, /metrics is 404.
  void set_metrics(std::function<std::string()> metrics) { metrics_ = std::move(metrics); }

  const nlohmann::json& document() const { return document_; }
  std::size_t changes() const { return changes_; }  // accepted changes since construction

private:
  Response route(const Request& request);
  bool authorized(const Request& request) const;

  nlohmann::json document_;  // normalized: config::to_json(config::read_config(...))
  std::string token_;
  OnChange on_change_;
  Limits limits_;
  std::function<std::string()> metrics_;
  std::size_t changes_ = 0;
};

// The document config::to_json writes for what `document` reads as (defaults filled in, names
// derived): the form the API keeps, stores and answers with. Throws config::InputError.
nlohmann::json normalize(const nlohmann::json& document, const std::string& file);

// Equal in time independent of where they differ (the token check).
bool same_secret(std::string_view given, std::string_view expected);

}  // namespace trunklab::api
