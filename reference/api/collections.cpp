#include "reference/api/collections.hpp"

#include "reference/config/config.hpp"

#include <fmt/format.h>

#include <array>

namespace trunklab::api {
namespace {

using nlohmann::json;

constexpr std::array kCollections{
    Collection{"providers", "provider", "name", false},
    Collection{"routes", "route", "name", false},
    Collection{"extensions", "extension", "name", true},
    Collection{"numbers", "number", "number", false},
    Collection{"trunks", "trunk", "name", false},
    Collection{"call_routes", "call route", "name", false},
};

std::string text_of(const json& object, std::string_view member, std::string_view fallback = "") {
  auto it = object.find(member);
  if (it == object.end() || !it->is_string()) return std::string(fallback);
  return it->get<std::string>();
}

const json& items_of(const json& document, std::string_view member) {
  static const json empty = json::array();
  auto it = document.find(member);
  return it != document.end() && it->is_array() ? *it : empty;
}

// Call routes name their entries by trunk, extension or number (hunting, issue 16 item 2).
std::optional<std::string> call_route_using(const json& document, std::string_view entry_kind,
                                            const ObjectKey& key) {
  for (const auto& route : items_of(document, "call_routes")) {
    for (const auto& entry : items_of(route, "entries")) {
      if (text_of(entry, entry_kind) != key.key) continue;
      const auto customer = text_of(route, "customer", config::kDefaultCustomer);
      if (entry_kind == "extension" && customer != key.customer) continue;
      return fmt::format("call route \"{}\"", text_of(route, "name"));
    }
  }
  return std::nullopt;
}

}  // namespace

const Collection* find_collection(std::string_view name) {
  for (const auto& c : kCollections) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

ObjectKey key_of(const Collection& c, const json& object) {
  return ObjectKey{text_of(object, c.key), c.per_customer ? text_of(object, "customer", config::kDefaultCustomer) : ""};
}

bool matches(const Collection& c, const json& object, const ObjectKey& key) {
  const auto own = key_of(c, object);
  return own.key == key.key && own.customer == key.customer;
}

std::string describe(const Collection& c, const ObjectKey& key) {
  if (c.per_customer) return fmt::format("{} \"{}\" of customer \"{}\"", c.singular, key.key, key.customer);
  return fmt::format("{} \"{}\"", c.singular, key.key);
}

std::optional<json> normalized_object(const Collection& c, const json& object) {
  const config::Node n(object, "request");
  try {
    if (c.name == "providers") return config::to_json(config::read_provider(n));
    if (c.name == "routes") return config::to_json(config::read_route(n));
    if (c.name == "extensions") return config::to_json(config::read_extension(n));
    if (c.name == "numbers") return config::to_json(config::read_number(n));
    if (c.name == "trunks") return config::to_json(config::read_trunk(n));
    if (c.name == "call_routes") return config::to_json(config::read_call_route(n));
  } catch (const config::InputError&) {
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::string> find_referrer(const json& document, const Collection& c, const ObjectKey& key) {
  if (c.name == "providers") {
    for (const auto& route : items_of(document, "routes")) {
      if (text_of(route, "provider") == key.key) return fmt::format("route \"{}\"", text_of(route, "name"));
    }
  } else if (c.name == "extensions") {
    for (const auto& number : items_of(document, "numbers")) {
      if (text_of(number, "dial_extension") == key.key &&
          text_of(number, "customer", config::kDefaultCustomer) == key.customer) {
        return fmt::format("number \"{}\"", text_of(number, "number"));
      }
    }
    return call_route_using(document, "extension", key);
  } else if (c.name == "trunks") {
    for (const auto& number : items_of(document, "numbers")) {
      if (text_of(number, "trunk") == key.key) return fmt::format("number \"{}\"", text_of(number, "number"));
    }
    return call_route_using(document, "trunk", key);
  } else if (c.name == "call_routes") {
    for (const auto& number : items_of(document, "numbers")) {
      if (text_of(number, "call_route") == key.key) return fmt::format("number \"{}\"", text_of(number, "number"));
    }
  }
  return std::nullopt;
}

}  // namespace trunklab::api
