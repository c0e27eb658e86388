#include "reference/api/management_api.hpp"

#include "reference/api/collections.hpp"

#include <fmt/format.h>

#include <optional>
#include <stdexcept>
#include <string_view>
#include <variant>

namespace trunklab::api {
namespace {

using nlohmann::json;

constexpr std::string_view kPrefix = "/v1.0/";
constexpr const char* kRequestFile = "request";

Response json_response(int status, const json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(2) + "\n";
  return r;
}

// {"error": ..., "path": ..., "expected": ...}: the path is inside the request body when the
// body is at fault, inside the configuration document otherwise.
Response error(int status, const std::string& message, const std::string& path = "", const std::string& expected = "") {
  json body{{"error", message}};
  if (!path.empty()) body["path"] = path;
  if (!expected.empty()) body["expected"] = expected;
  return json_response(status, body);
}

Response not_allowed(std::string_view allow) {
  auto r = error(405, fmt::format("method not allowed here; allowed: {}", allow));
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

// RFC 3986 §2.3: unreserved characters stay, everything else is %XX (a Location header).
std::string percent_encode(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto ch = static_cast<unsigned char>(c);
    if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", ch);
    }
  }
  return out;
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) parts.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string query_or(const Request& r, const std::string& name, std::string fallback) {
  auto it = r.query.find(name);
  return it == r.query.end() ? fallback : it->second;
}

// A JSON object, or the 400/413 saying why the body is not one.
std::variant<json, Response> read_body(const Request& r, const Limits& limits) {
  if (r.body.size() > limits.max_body_bytes) {
    return error(413, fmt::format("the body is {} bytes; at most {} are accepted", r.body.size(), limits.max_body_bytes));
  }
  try {
    auto body = config::parse_json_text(r.body, kRequestFile);
    if (!body.is_object()) return error(400, "$: expected a JSON object", "$", "a JSON object");
    return body;
  } catch (const config::InputError& e) {
    return error(400, fmt::format("the body is not JSON: {}: {}", e.json_path(), e.expected()), "$", e.expected());
  }
}

// The product names a route's provider by its id, "provider_id"; here ids are names.
std::optional<Response> accept_aliases(const Collection& c, json& body) {
  if (c.name != "routes" || !body.contains("provider_id")) return std::nullopt;
  if (body.contains("provider") && body["provider"] != body["provider_id"]) {
    return error(400, "$.provider_id: expected the same provider as \"provider\" (provider_id is its alias)",
                 "$.provider_id", "the same provider as \"provider\"");
  }
  body["provider"] = body["provider_id"];
  body.erase("provider_id");
  return std::nullopt;
}

// A member the path or the query fixes (the key, an extension's customer): filled in when the
// body lacks it, a 400 when the body says otherwise.
std::optional<Response> fix_member(json& body, std::string_view member, const std::string& value, std::string_view where) {
  auto it = body.find(member);
  if (it == body.end()) {
    body[std::string(member)] = value;
    return std::nullopt;
  }
  if (*it == json(value)) return std::nullopt;
  const auto path = fmt::format("$.{}", member);
  const auto expected = fmt::format("\"{}\" (as {} says)", value, where);
  return error(400, fmt::format("{}: expected {}", path, expected), path, expected);
}

// "$.providers[3].hostname" -> "$.hostname" when the error is inside the object at `index`.
std::optional<std::string> path_in_body(const std::string& path, const Collection& c, std::optional<std::size_t> index) {
  if (!index) return std::nullopt;
  const auto prefix = fmt::format("$.{}[{}]", c.name, *index);
  if (!path.starts_with(prefix)) return std::nullopt;
  const auto rest = path.substr(prefix.size());
  if (!rest.empty() && rest[0] != '.' && rest[0] != '[') return std::nullopt;
  return "$" + rest;
}

struct Checked {
  config::Config config;
  json document;
};

// The candidate document read as a configuration. An error inside the changed object is the
// body's (400, path in the body); elsewhere (a reference that no longer resolves) it is a
// conflict with the rest of the configuration (409, path in the document).
std::variant<Checked, Response> check(const json& candidate, const Collection& c, std::optional<std::size_t> index) {
  try {
    auto config = config::read_config(config::Node(candidate, kRequestFile));
    auto document = config::to_json(config);
    return Checked{std::move(config), std::move(document)};
  } catch (const config::InputError& e) {
    // A name the configuration already has is a conflict even when it is the body's own.
    const bool duplicate = e.expected().starts_with("expected a unique");
    if (auto path = path_in_body(e.json_path(), c, index); path && !duplicate) {
      return error(400, fmt::format("{}: {}", *path, e.expected()), *path, e.expected());
    }
    return error(409, fmt::format("the configuration would not hold: {}: {}", e.json_path(), e.expected()),
                 e.json_path(), e.expected());
  }
}

std::optional<std::size_t> find_index(const json& items, const Collection& c, const ObjectKey& key) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (matches(c, items[i], key)) return i;
  }
  return std::nullopt;
}

// Another object (not at `except`) with the key of the object at `index`: 409.
std::optional<Response> refuse_duplicate(const json& items, const Collection& c, std::size_t index,
                                         std::optional<std::size_t> except = std::nullopt) {
  const auto key = key_of(c, items[index]);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i == index || i == except) continue;
    if (matches(c, items[i], key)) {
      return error(409, fmt::format("{} exists already", describe(c, key)), fmt::format("$.{}", c.key));
    }
  }
  return std::nullopt;
}

std::string location(const Collection& c, const ObjectKey& key) {
  auto text = fmt::format("{}{}/{}", kPrefix, c.name, percent_encode(key.key));
  if (c.per_customer && key.customer != config::kDefaultCustomer) text += "?customer=" + percent_encode(key.customer);
  return text;
}

}  // namespace

bool same_secret(std::string_view given, std::string_view expected) {
  // Every byte of `given` is compared (no early exit), so the time does not say how much of a
  // guess was right. A length mismatch still fails, after the same work.
  if (expected.empty()) return false;
  unsigned diff = given.size() == expected.size() ? 0U : 1U;
  for (std::size_t i = 0; i < given.size(); ++i) {
    diff |= static_cast<unsigned>(static_cast<unsigned char>(given[i]) ^
                                  static_cast<unsigned char>(expected[i % expected.size()]));
  }
  return diff == 0;
}

json normalize(const json& document, const std::string& file) {
  return config::to_json(config::read_config(config::Node(document, file)));
}

ManagementApi::ManagementApi(const json& document, std::string token, OnChange on_change, Limits limits)
    : document_(normalize(document, "configuration")),
      token_(std::move(token)),
      on_change_(std::move(on_change)),
      limits_(limits) {
  if (token_.empty()) throw std::invalid_argument("the management API needs a token");
}

bool ManagementApi::authorized(const Request& r) const {
  if (auto it = r.query.find("token"); it != r.query.end()) return same_secret(it->second, token_);
  auto it = r.headers.find("authorization");
  if (it == r.headers.end()) return false;
  constexpr std::string_view scheme = "bearer ";
  const std::string_view value = it->second;
  if (value.size() <= scheme.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != scheme[i]) return false;
  }
  return same_secret(value.substr(scheme.size()), token_);
}

Response ManagementApi::handle(const Request& r) {
  if (r.path == "/v1.0/health") {
    if (r.method != "GET") return not_allowed("GET");
    return json_response(200, {{"status", "ok"}, {"changes", changes_}});
  }
  if (!authorized(r)) {
    auto response = error(401, "a valid token is required: ?token=TOKEN or Authorization: Bearer TOKEN");
    response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"trunklab\"");
    return response;
  }
  return route(r);
}

namespace {

// The handlers of one collection's paths, on the API's document.
class CollectionRequest {
public:
  CollectionRequest(const Collection& c, const Request& r, const json& document, const Limits& limits)
      : c_(c), r_(r), document_(document), limits_(limits) {}

  // Refusals come back as a Response; accepted changes as the Checked document and the answer.
  using Outcome = std::variant<Response, std::pair<Checked, Response>>;

  Response list() const {
    json out = json::array();
    const auto customer = r_.query.find("customer");
    for (const auto& item : items()) {
      if (c_.per_customer && customer != r_.query.end() && key_of(c_, item).customer != customer->second) continue;
      out.push_back(item);
    }
    return json_response(200, out);
  }

  Outcome create() const {
    auto body = read_body(r_, limits_);
    if (auto* refusal = std::get_if<Response>(&body)) return *refusal;
    auto& object = std::get<json>(body);
    if (auto refusal = accept_aliases(c_, object)) return *refusal;
    if (c_.per_customer && r_.query.count("customer")) {
      if (auto refusal = fix_member(object, "customer", r_.query.at("customer"), "the query")) return *refusal;
    }
    if (items().size() >= limits_.max_objects) {
      return error(409, fmt::format("limit reached: at most {} {} (Limits::max_objects)", limits_.max_objects, c_.name));
    }
    // Before the document check, which would call a taken name a 400: a duplicate is a 409.
    if (auto normalized = normalized_object(c_, object)) {
      const auto key = key_of(c_, *normalized);
      if (find_index(items(), c_, key)) {
        return error(409, fmt::format("{} exists already", describe(c_, key)), fmt::format("$.{}", c_.key));
      }
    }
    auto candidate = document_;
    candidate[std::string(c_.name)].push_back(object);
    const auto index = candidate[std::string(c_.name)].size() - 1;
    auto checked = check(candidate, c_, index);
    if (auto* refusal = std::get_if<Response>(&checked)) return *refusal;
    auto& ok = std::get<Checked>(checked);
    const auto& stored = ok.document[std::string(c_.name)];
    if (auto refusal = refuse_duplicate(stored, c_, index)) return *refusal;  // a derived name (routes)
    auto answer = json_response(201, stored[index]);
    answer.headers.emplace_back("Location", location(c_, key_of(c_, stored[index])));
    return std::pair{std::move(ok), std::move(answer)};
  }

  Response read(const std::string& key) const {
    auto index = find(key);
    if (!index) return missing(key);
    return json_response(200, items()[*index]);
  }

  Outcome replace(const std::string& key) const {
    auto index = find(key);
    if (!index) return missing(key);
    auto body = read_body(r_, limits_);
    if (auto* refusal = std::get_if<Response>(&body)) return *refusal;
    auto& object = std::get<json>(body);
    if (auto refusal = accept_aliases(c_, object)) return *refusal;
    if (auto refusal = fix_member(object, c_.key, key, "the path")) return *refusal;
    if (c_.per_customer) {
      if (auto refusal = fix_member(object, "customer", object_key(key).customer, "the query")) return *refusal;
    }
    auto candidate = document_;
    candidate[std::string(c_.name)][*index] = object;
    auto checked = check(candidate, c_, *index);
    if (auto* refusal = std::get_if<Response>(&checked)) return *refusal;
    auto& ok = std::get<Checked>(checked);
    if (auto refusal = refuse_duplicate(ok.document[std::string(c_.name)], c_, *index)) return *refusal;
    auto answer = json_response(200, ok.document[std::string(c_.name)][*index]);
    return std::pair{std::move(ok), std::move(answer)};
  }

  Outcome remove(const std::string& key) const {
    auto index = find(key);
    if (!index) return missing(key);
    if (auto referrer = find_referrer(document_, c_, object_key(key))) {
      return error(409, fmt::format("{} is used by {}; change or delete that first", describe(c_, object_key(key)),
                                    *referrer));
    }
    auto candidate = document_;
    candidate[std::string(c_.name)].erase(*index);
    auto checked = check(candidate, c_, std::nullopt);  // a reference the table above lacks
    if (auto* refusal = std::get_if<Response>(&checked)) return *refusal;
    Response answer;
    answer.status = 204;
    answer.content_type.clear();
    return std::pair{std::move(std::get<Checked>(checked)), std::move(answer)};
  }

private:
  const json& items() const {
    static const json empty = json::array();
    auto it = document_.find(c_.name);
    return it != document_.end() && it->is_array() ? *it : empty;
  }
  ObjectKey object_key(const std::string& key) const {
    return ObjectKey{key, c_.per_customer ? query_or(r_, "customer", config::kDefaultCustomer) : ""};
  }
  std::optional<std::size_t> find(const std::string& key) const { return find_index(items(), c_, object_key(key)); }
  Response missing(const std::string& key) const {
    return error(404, fmt::format("no {}", describe(c_, object_key(key))));
  }

  const Collection& c_;
  const Request& r_;
  const json& document_;
  const Limits& limits_;
};

}  // namespace

Response ManagementApi::route(const Request& r) {
  if (r.path == "/metrics") {
    if (r.method != "GET") return not_allowed("GET");
    if (!metrics_) return error(404, "no metrics in this server");
    Response out;
    out.content_type = "text/plain; version=0.0.4";
    out.body = metrics_();
    return out;
  }
  if (r.path == "/v1.0/config") {
    if (r.method != "GET") return not_allowed("GET");
    return json_response(200, document_);
  }
  const auto parts = split_path(r.path);
  const Collection* c = parts.size() >= 2 && parts.size() <= 3 && parts[0] == "v1.0" ? find_collection(parts[1]) : nullptr;
  if (c == nullptr) return error(404, fmt::format("no such resource: {}", r.path));
  const CollectionRequest request(*c, r, document_, limits_);
  CollectionRequest::Outcome outcome;
  if (parts.size() == 2) {
    if (r.method == "GET") return request.list();
    if (r.method != "POST") return not_allowed("GET, POST");
    outcome = request.create();
  } else {
    if (r.method == "GET") return request.read(parts[2]);
    if (r.method == "PUT") {
      outcome = request.replace(parts[2]);
    } else if (r.method == "DELETE") {
      outcome = request.remove(parts[2]);
    } else {
      return not_allowed("GET, PUT, DELETE");
    }
  }
  if (auto* refusal = std::get_if<Response>(&outcome)) return *refusal;
  auto& [checked, answer] = std::get<std::pair<Checked, Response>>(outcome);
  try {
    if (on_change_) on_change_(checked.config, checked.document);
  } catch (const ChangeRefused& e) {
    return error(409, fmt::format("the server cannot take this change: {}", e.what()));
  } catch (const std::exception& e) {
    return error(500, fmt::format("the change was not applied: {}", e.what()));
  }
  document_ = std::move(checked.document);
  ++changes_;
  return answer;
}

}  // namespace trunklab::api
