// The API's collections: which member of the configuration document each one is, what names
// an object in it, and who refers to an object (a delete others depend on is refused).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace trunklab::api {

struct Collection {
  std::string_view name;      // path segment and document member: "providers"
  std::string_view singular;  // "provider", for messages
  std::string_view key;       // the member naming an object: "name", or "number"
  bool per_customer = false;  // extensions: the name is unique within its customer
};

const Collection* find_collection(std::string_view name);

// Identifies an object of a collection: its key, and its customer where keys are per customer.
struct ObjectKey {
  std::string key;
  std::string customer;
};

bool matches(const Collection& c, const nlohmann::json& object, const ObjectKey& key);
ObjectKey key_of(const Collection& c, const nlohmann::json& object);
std::string describe(const Collection& c, const ObjectKey& key);  // provider "telnyx"

// `object` as the configuration writes it (defaults filled in, a route's name derived), read
// alone with the collection's reader; nullopt when it does not read (the document check that
// follows says why, with the path).
std::optional<nlohmann::json> normalized_object(const Collection& c, const nlohmann::json& object);

// The first object of `document` that refers to (collection, key), described ("route
// \"telnyx-1\""); nullopt when none does.
std::optional<std::string> find_referrer(const nlohmann::json& document, const Collection& c, const ObjectKey& key);

}  // namespace trunklab::api
