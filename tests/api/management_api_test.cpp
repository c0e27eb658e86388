// The management API without HTTP: each collection created, listed, read, replaced and deleted
// as the product's documents do it; refusals (400 with the path inside the body, 401, 404, 405,
// 409, 413) leave the configuration and the change callback untouched.
#include "reference/api/management_api.hpp"

#include "reference/config/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trunklab::api {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kToken = "s3cret-token";

json base_document() {
  return json::parse(R"({
    "extensions": [{"name": "office-1", "password": "pw1"}],
    "providers": [{"name": "carrier", "hostname": "sip.carrier.example", "address": "127.0.0.1:5070"}],
    "routes": [{"name": "default", "provider": "carrier", "priority": 1}],
    "numbers": [{"number": "+15550100", "dial_extension": "office-1"}],
    "trunks": [{"name": "main", "channels": 10}]
  })");
}

class ManagementApiTest : public ::testing::Test {
protected:
  ManagementApiTest()
      : api_(base_document(), kToken, [this](const config::Config& c, const json& doc) {
          if (fail_next_) throw std::runtime_error("disk full");
          applied_.push_back(c);
          stored_ = doc;
        }) {}

  Response call(const std::string& method, const std::string& path, const std::string& body = "",
                std::map<std::string, std::string> query = {}) {
    Request r;
    r.method = method;
    r.path = path;
    r.query = std::move(query);
    if (!r.query.count("token")) r.query["token"] = kToken;
    r.body = body;
    return api_.handle(r);
  }
  static json body_of(const Response& r) { return json::parse(r.body); }

  ManagementApi api_;
  std::vector<config::Config> applied_;
  json stored_;
  bool fail_next_ = false;
};

TEST_F(ManagementApiTest, CreatesAProviderAsTheProductDocumentsDo) {
  auto r = call("POST", "/v1.0/providers", R"({"name": "Primary SIP Provider", "type": "sip", "hostname": "sip.provider.com"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r)["hostname"], "sip.provider.com");
  EXPECT_THAT(r.headers, ::testing::Contains(std::pair<std::string, std::string>(
                             "Location", "/v1.0/providers/Primary%20SIP%20Provider")));
  ASSERT_EQ(applied_.size(), 1U);
  ASSERT_NE(applied_[0].find_provider("Primary SIP Provider"), nullptr);
  EXPECT_EQ(applied_[0].find_provider("Primary SIP Provider")->hostname, "sip.provider.com");
  EXPECT_EQ(stored_, api_.document());
  auto list = call("GET", "/v1.0/providers");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(body_of(list).size(), 2U);
  EXPECT_EQ(body_of(call("GET", "/v1.0/providers/Primary SIP Provider"))["name"], "Primary SIP Provider");
}

TEST_F(ManagementApiTest, RouteTakesTheProductsProviderIdAsItsProvider) {
  ASSERT_EQ(call("POST", "/v1.0/providers", R"({"name": "backup", "address": "127.0.0.1:5080"})").status, 201);
  auto r = call("POST", "/v1.0/routes", R"({"name": "Default Outbound Route", "provider_id": "backup", "priority": 1})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r)["provider"], "backup");
  EXPECT_FALSE(body_of(r).contains("provider_id"));
  EXPECT_EQ(applied_.back().routes.back().provider, "backup");
  auto both = call("POST", "/v1.0/routes", R"({"name": "x", "provider_id": "backup", "provider": "carrier"})");
  EXPECT_EQ(both.status, 400);
  EXPECT_EQ(body_of(both)["path"], "$.provider_id");
}

TEST_F(ManagementApiTest, ValidationErrorsNameThePathInTheBody) {
  auto r = call("POST", "/v1.0/providers", R"({"name": "x", "hostname": 5})");
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(body_of(r)["path"], "$.hostname");
  EXPECT_THAT(body_of(r)["expected"].get<std::string>(), HasSubstr("string"));
  auto typo = call("POST", "/v1.0/routes", R"({"name": "r", "provider": "carrier", "priorty": 2})");
  ASSERT_EQ(typo.status, 400);
  EXPECT_EQ(body_of(typo)["path"], "$.priorty");
  auto nested = call("POST", "/v1.0/providers", R"({"name": "y", "credentials": {"username": "u"}})");
  ASSERT_EQ(nested.status, 400);
  EXPECT_EQ(body_of(nested)["path"], "$.credentials.password");
  auto unknown = call("POST", "/v1.0/routes", R"({"name": "r", "provider": "nobody"})");
  ASSERT_EQ(unknown.status, 400);
  EXPECT_EQ(body_of(unknown)["path"], "$.provider");
  EXPECT_THAT(body_of(unknown)["error"].get<std::string>(), HasSubstr("unknown provider \"nobody\""));
  EXPECT_TRUE(applied_.empty());
  EXPECT_EQ(api_.document(), normalize(base_document(), "x"));
}

TEST_F(ManagementApiTest, BodiesThatAreNotJsonObjectsAre400AndTooLargeAre413) {
  EXPECT_EQ(call("POST", "/v1.0/providers", "{not json").status, 400);
  EXPECT_EQ(call("POST", "/v1.0/providers", "[1, 2]").status, 400);
  EXPECT_EQ(call("POST", "/v1.0/providers", "").status, 400);
  const std::string big = R"({"name": "big", "hostname": ")" + std::string(70 * 1024, 'a') + "\"}";
  EXPECT_EQ(call("POST", "/v1.0/providers", big).status, 413);
  EXPECT_TRUE(applied_.empty());
}

TEST_F(ManagementApiTest, WithoutTheTokenEverythingIs401) {
  Request r;
  r.method = "GET";
  r.path = "/v1.0/providers";
  EXPECT_EQ(api_.handle(r).status, 401);
  r.query["token"] = "s3cret-tokeN";
  EXPECT_EQ(api_.handle(r).status, 401);
  r.query["token"] = "s3cret-token-and-more";
  EXPECT_EQ(api_.handle(r).status, 401);
  r.query.clear();
  r.headers["authorization"] = "Bearer wrong";
  EXPECT_EQ(api_.handle(r).status, 401);
  r.path = "/v1.0/nothing-here";  // no hint of what exists without the token
  EXPECT_EQ(api_.handle(r).status, 401);
  r.method = "POST";
  r.path = "/v1.0/providers";
  r.body = R"({"name": "sneaky"})";
  EXPECT_EQ(api_.handle(r).status, 401);
  EXPECT_TRUE(applied_.empty());
  r.headers["authorization"] = std::string("Bearer ") + kToken;
  EXPECT_EQ(api_.handle(r).status, 201);
}

TEST_F(ManagementApiTest, UnknownPathsAre404AndWrongMethods405WithAllow) {
  EXPECT_EQ(call("GET", "/v1.0/widgets").status, 404);
  EXPECT_EQ(call("GET", "/v2/providers").status, 404);
  EXPECT_EQ(call("GET", "/v1.0/providers/a/b").status, 404);
  EXPECT_EQ(call("GET", "/v1.0/providers/nobody").status, 404);
  EXPECT_EQ(call("DELETE", "/v1.0/providers/nobody").status, 404);
  EXPECT_EQ(call("PUT", "/v1.0/providers/nobody", R"({"name": "nobody"})").status, 404);
  auto r = call("DELETE", "/v1.0/providers");
  EXPECT_EQ(r.status, 405);
  EXPECT_THAT(r.headers, ::testing::Contains(std::pair<std::string, std::string>("Allow", "GET, POST")));
  auto item = call("POST", "/v1.0/providers/carrier", "{}");
  EXPECT_EQ(item.status, 405);
  EXPECT_THAT(item.headers, ::testing::Contains(std::pair<std::string, std::string>("Allow", "GET, PUT, DELETE")));
  EXPECT_EQ(call("GET", "/metrics").status, 404);  // no renderer set
}

TEST_F(ManagementApiTest, DuplicatesAre409) {
  auto r = call("POST", "/v1.0/providers", R"({"name": "carrier"})");
  EXPECT_EQ(r.status, 409);
  EXPECT_THAT(body_of(r)["error"].get<std::string>(), HasSubstr("provider \"carrier\" exists already"));
  EXPECT_EQ(call("POST", "/v1.0/numbers", R"({"number": "+15550100", "dial_extension": "office-1"})").status, 409);
  // A route's name defaults to its provider's: the derived name collides too.
  ASSERT_EQ(call("POST", "/v1.0/routes", R"({"provider": "carrier"})").status, 201);
  EXPECT_EQ(call("POST", "/v1.0/routes", R"({"provider": "carrier"})").status, 409);
  EXPECT_EQ(applied_.size(), 1U);
}

TEST_F(ManagementApiTest, DeletingWhatOthersUseIs409NamingTheUser) {
  auto r = call("DELETE", "/v1.0/providers/carrier");
  ASSERT_EQ(r.status, 409);
  EXPECT_THAT(body_of(r)["error"].get<std::string>(), HasSubstr("route \"default\""));
  auto e = call("DELETE", "/v1.0/extensions/office-1");
  ASSERT_EQ(e.status, 409);
  EXPECT_THAT(body_of(e)["error"].get<std::string>(), HasSubstr("number \"+15550100\""));
  EXPECT_TRUE(applied_.empty());
  // Once the users are gone, so can they be.
  EXPECT_EQ(call("DELETE", "/v1.0/routes/default").status, 204);
  EXPECT_EQ(call("DELETE", "/v1.0/providers/carrier").status, 204);
  EXPECT_EQ(call("DELETE", "/v1.0/numbers/+15550100").status, 204);
  EXPECT_EQ(call("DELETE", "/v1.0/extensions/office-1").status, 204);
  ASSERT_EQ(applied_.size(), 4U);
  EXPECT_TRUE(applied_.back().providers.empty());
  EXPECT_TRUE(applied_.back().numbers.empty());
  EXPECT_TRUE(body_of(call("GET", "/v1.0/providers")).empty());
}

TEST_F(ManagementApiTest, ReplacesAnObjectAndKeepsItsKey) {
  auto r = call("PUT", "/v1.0/providers/carrier", R"({"hostname": "sip.new.example", "address": "127.0.0.1:5090"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["name"], "carrier");
  EXPECT_EQ(applied_.back().find_provider("carrier")->hostname, "sip.new.example");
  EXPECT_EQ(applied_.back().find_provider("carrier")->address->to_string(), "127.0.0.1:5090");
  auto renamed = call("PUT", "/v1.0/providers/carrier", R"({"name": "other"})");
  EXPECT_EQ(renamed.status, 400);
  EXPECT_EQ(body_of(renamed)["path"], "$.name");
  auto route = call("PUT", "/v1.0/routes/default", R"({"provider_id": "carrier", "priority": 5, "prefix": "+44"})");
  ASSERT_EQ(route.status, 200) << route.body;
  EXPECT_EQ(applied_.back().routes[0].priority, 5);
  EXPECT_EQ(applied_.back().routes[0].prefix, "+44");
}

TEST_F(ManagementApiTest, ExtensionsAreKeyedWithinTheirCustomer) {
  auto r = call("POST", "/v1.0/extensions", R"({"name": "office-1", "username": "acme1", "password": "p"})",
                {{"customer", "acme"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r)["customer"], "acme");
  EXPECT_EQ(body_of(call("GET", "/v1.0/extensions/office-1", "", {{"customer", "acme"}}))["username"], "acme1");
  EXPECT_EQ(body_of(call("GET", "/v1.0/extensions/office-1"))["username"], "office-1");
  EXPECT_EQ(body_of(call("GET", "/v1.0/extensions", "", {{"customer", "acme"}})).size(), 1U);
  EXPECT_EQ(body_of(call("GET", "/v1.0/extensions")).size(), 2U);
  // acme's office-1 is used by no number; the default customer's is.
  EXPECT_EQ(call("DELETE", "/v1.0/extensions/office-1", "", {{"customer", "acme"}}).status, 204);
  EXPECT_EQ(call("DELETE", "/v1.0/extensions/office-1").status, 409);
}

TEST_F(ManagementApiTest, NumbersAndTrunks) {
  auto n = call("POST", "/v1.0/numbers", R"({"number": "+15551234567", "dial_extension": "office-1"})");
  ASSERT_EQ(n.status, 201) << n.body;
  EXPECT_THAT(n.headers, ::testing::Contains(std::pair<std::string, std::string>(
                             "Location", "/v1.0/numbers/%2B15551234567")));
  auto bad = call("POST", "/v1.0/numbers", R"({"number": "+15551234568", "dial_extension": "nobody"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(body_of(bad)["path"], "$.dial_extension");
  auto t = call("POST", "/v1.0/trunks", R"({"name": "pbx", "channels": 4, "trusted_addresses": ["127.0.0.1"]})");
  ASSERT_EQ(t.status, 201) << t.body;
  EXPECT_EQ(applied_.back().trunks.back().channels, 4);
  auto limit = call("PUT", "/v1.0/trunks/pbx", R"({"channels": -1})");
  EXPECT_EQ(limit.status, 400);
  EXPECT_EQ(body_of(limit)["path"], "$.channels");
  EXPECT_EQ(call("DELETE", "/v1.0/trunks/pbx").status, 204);
  EXPECT_EQ(applied_.back().trunks.size(), 1U);
}

TEST_F(ManagementApiTest, CallRoutesHuntAndWhatTheyUseCannotGo) {
  auto r = call("POST", "/v1.0/call_routes",
                R"({"name": "hunt", "entries": [{"trunk": "main", "timeout": "10s"}, {"extension": "office-1"}]})");
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(applied_.back().call_routes.size(), 1U);
  EXPECT_EQ(applied_.back().call_routes[0].entries.size(), 2U);
  auto n = call("POST", "/v1.0/numbers", R"({"number": "+15557654321", "call_route": "hunt"})");
  ASSERT_EQ(n.status, 201) << n.body;
  auto route = call("DELETE", "/v1.0/call_routes/hunt");
  EXPECT_EQ(route.status, 409);
  EXPECT_THAT(body_of(route)["error"].get<std::string>(), HasSubstr("number \"+15557654321\""));
  auto trunk = call("DELETE", "/v1.0/trunks/main");
  EXPECT_EQ(trunk.status, 409);
  EXPECT_THAT(body_of(trunk)["error"].get<std::string>(), HasSubstr("call route \"hunt\""));
  auto bad = call("PUT", "/v1.0/call_routes/hunt", R"({"entries": [{"trunk": "nowhere"}]})");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(body_of(bad)["path"], "$.entries[0].trunk");
  ASSERT_EQ(call("POST", "/v1.0/numbers", R"({"number": "+15550199", "trunk": "main"})").status, 201);
  ASSERT_EQ(call("DELETE", "/v1.0/numbers/+15557654321").status, 204);
  ASSERT_EQ(call("DELETE", "/v1.0/call_routes/hunt").status, 204);
  auto did = call("DELETE", "/v1.0/trunks/main");
  EXPECT_EQ(did.status, 409);
  EXPECT_THAT(body_of(did)["error"].get<std::string>(), HasSubstr("number \"+15550199\""));
}

TEST_F(ManagementApiTest, AFailedChangeCallbackChangesNothing) {
  fail_next_ = true;
  auto r = call("POST", "/v1.0/providers", R"({"name": "p2"})");
  EXPECT_EQ(r.status, 500);
  EXPECT_THAT(body_of(r)["error"].get<std::string>(), HasSubstr("disk full"));
  EXPECT_EQ(call("GET", "/v1.0/providers/p2").status, 404);
  EXPECT_EQ(api_.changes(), 0U);
}

TEST(ManagementApiLimits, ACollectionAtItsLimitRefusesOneMore) {
  std::size_t applied = 0;
  ManagementApi api(base_document(), kToken, [&](const config::Config&, const json&) { ++applied; },
                    Limits{.max_body_bytes = 1024, .max_objects = 3});
  auto post = [&](const std::string& name) {
    Request r{"POST", "/v1.0/providers", {{"token", kToken}}, {}, R"({"name": ")" + name + "\"}"};
    return api.handle(r);
  };
  EXPECT_EQ(post("p2").status, 201);
  EXPECT_EQ(post("p3").status, 201);
  auto r = post("p4");
  EXPECT_EQ(r.status, 409);
  EXPECT_THAT(r.body, HasSubstr("limit reached: at most 3 providers"));
  EXPECT_EQ(applied, 2U);
}

TEST(ManagementApiToken, AnEmptyTokenIsRefused) {
  EXPECT_THROW(ManagementApi(base_document(), "", nullptr), std::invalid_argument);
  EXPECT_FALSE(same_secret("", ""));
  EXPECT_TRUE(same_secret("abc", "abc"));
  EXPECT_FALSE(same_secret("abd", "abc"));
  EXPECT_FALSE(same_secret("ab", "abc"));
}

TEST(ManagementApiHealth, AnswersWithoutTheToken) {
  ManagementApi api(base_document(), kToken, nullptr);
  Request r{"GET", "/v1.0/health", {}, {}, ""};
  EXPECT_EQ(api.handle(r).status, 200);
}

TEST(ManagementApiMetrics, ServesWhatTheRendererGives) {
  ManagementApi api(base_document(), kToken, nullptr);
  api.set_metrics([] { return std::string("trunklab_up 1\n"); });
  Request r{"GET", "/metrics", {}, {{"authorization", std::string("Bearer ") + kToken}}, ""};
  auto response = api.handle(r);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "trunklab_up 1\n");
  EXPECT_THAT(response.content_type, HasSubstr("text/plain"));
}

}  // namespace
}  // namespace trunklab::api
