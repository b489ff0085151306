// The seed platforms' user model and policies as a client sees them: every
// attribute over SCIM 2.0, SCIM 1.1 and gRPC; typed custom fields; the phone,
// userName, paging and PATCH-response policies; SCIM 1.1 writes; and the
// SCIM-managed lock, which only the real edge (holding SCIM_EDGE_SECRET) may
// pass.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <sstream>

#include "common/crypto.h"
#include "scim/identity/v1/identity.grpc.pb.h"
#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

namespace pb = scim::identity::v1;
using web::json::value;

constexpr char kCore[] = "urn:ietf:params:scim:schemas:core:2.0:User";
constexpr char kEnterprise[] =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
constexpr char kEnterprise11[] = "urn:scim:schemas:extension:enterprise:1.0";
constexpr char kCityCity[] =
    "urn:ietf:params:scim:schemas:extension:citycity:2.0:User";
constexpr char kTravelPerk[] =
    "urn:ietf:params:scim:schemas:extension:travelperk:2.0:User";
constexpr char kCustom[] =
    "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User";
constexpr char kPatchOp[] = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

std::string Patch(const std::string& operations) {
  return std::string(R"({"schemas":[")") + kPatchOp + R"("],"Operations":[)" +
         operations + "]}";
}

// v[key] as a string, or a marker naming what is missing.
std::string Str(const value& v, const std::string& key) {
  return v.is_object() && v.has_field(key) && v.at(key).is_string()
             ? v.at(key).as_string()
             : "<" + key + " missing>";
}

// The element of multi-valued `attr` whose type is `type` (null if none).
value OfType(const value& user, const std::string& attr,
             const std::string& type) {
  if (!user.is_object() || !user.has_field(attr)) return value::null();
  for (const value& e : user.at(attr).as_array()) {
    if (Str(e, "type") == type) return e;
  }
  return value::null();
}

struct Tenant {
  std::string name, id, token;
};

// Who an internal gRPC call claims to be.
enum class Caller { kInternal, kHeaderOnly, kWrongSecret, kEdge };

class TenantContractTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new Stack();
    stack_->StartAll();
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << stack_->logs();
  }

  // A fresh tenant with `policies` set before its token is first used (the
  // edge may keep a tenant's settings for up to 5 seconds).
  static Tenant NewTenant(
      const std::string& prefix,
      const std::vector<std::pair<std::string, std::string>>& policies = {}) {
    Tenant t;
    t.name = prefix + "-" + RandomHex(4);
    int code = 0;
    std::string out = stack_->Scimctl("tenant create " + t.name, &code);
    EXPECT_EQ(code, 0) << out;
    t.id = ScimctlField(out, "tenant");
    t.token = ScimctlField(out, "token");
    for (const auto& [k, v] : policies) {
      out = stack_->Scimctl("policy set " + t.name + " " + k + " " + v, &code);
      EXPECT_EQ(code, 0) << k << ": " << out;
    }
    return t;
  }
  static HttpResult As(const Tenant& t, const std::string& method,
                       const std::string& path, const std::string& body = "") {
    return stack_->Http(method, path, body,
                        {{"Authorization", "Bearer " + t.token}});
  }
  static std::string Detail(const HttpResult& r) {
    return r.body.is_object() && r.body.has_field("detail")
               ? r.body.at("detail").as_string()
               : "";
  }
  static std::unique_ptr<pb::IdentityService::Stub> Identity() {
    return pb::IdentityService::NewStub(
        grpc::CreateChannel(stack_->grpc_address("identity-service"),
                            grpc::InsecureChannelCredentials()));
  }
  static void Prepare(grpc::ClientContext* c, Caller caller) {
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    if (caller == Caller::kInternal) return;
    c->AddMetadata("x-scim-source", "edge");
    if (caller == Caller::kWrongSecret) {
      c->AddMetadata("x-scim-edge-secret", "not-the-edge-secret");
    } else if (caller == Caller::kEdge) {
      c->AddMetadata("x-scim-edge-secret", Stack::kEdgeSecret);
    }
  }
  static pb::User GetUser(const Tenant& t, const std::string& id) {
    pb::GetUserRequest req;
    req.set_tenant_id(t.id);
    req.set_id(id);
    pb::User user;
    grpc::ClientContext c;
    Prepare(&c, Caller::kInternal);
    grpc::Status s = Identity()->GetUser(&c, req, &user);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return user;
  }
  static grpc::Status Replace(const Tenant& t, pb::User user, Caller caller) {
    pb::ReplaceUserRequest req;
    req.set_tenant_id(t.id);
    *req.mutable_user() = std::move(user);
    pb::User out;
    grpc::ClientContext c;
    Prepare(&c, caller);
    return Identity()->ReplaceUser(&c, req, &out);
  }
  static grpc::Status Delete(const Tenant& t, const std::string& id,
                             Caller caller) {
    pb::DeleteUserRequest req;
    req.set_tenant_id(t.id);
    req.set_id(id);
    pb::DeleteUserResponse out;
    grpc::ClientContext c;
    Prepare(&c, caller);
    return Identity()->DeleteUser(&c, req, &out);
  }
  static grpc::Status UpdateMembers(const Tenant& t, const std::string& group,
                                    const std::vector<std::string>& add,
                                    const std::vector<std::string>& remove,
                                    bool replace_all, Caller caller) {
    pb::UpdateGroupMembersRequest req;
    req.set_tenant_id(t.id);
    req.set_group_id(group);
    req.set_group_display("Travellers");
    for (const auto& id : add) req.add_add_user_ids(id);
    for (const auto& id : remove) req.add_remove_user_ids(id);
    req.set_replace_all(replace_all);
    pb::UpdateGroupMembersResponse out;
    grpc::ClientContext c;
    Prepare(&c, caller);
    return Identity()->UpdateGroupMembers(&c, req, &out);
  }

  static Stack* stack_;
};

Stack* TenantContractTest::stack_ = nullptr;

// Every core attribute of issue 4 and every extension, with distinct values.
std::string FullUser() {
  return std::string(R"({"schemas":[")") + kCore + R"(",")" + kEnterprise +
         R"(",")" + kCityCity + R"(",")" + kTravelPerk + R"("],
    "userName": "ada.lovelace@example.com",
    "externalId": "EXT-1815",
    "name": {"formatted": "Dr Ada M Lovelace", "familyName": "Lovelace",
             "givenName": "Ada", "middleName": "M", "honorificPrefix": "Dr"},
    "displayName": "Ada Lovelace", "nickName": "Countess", "title": "Analyst",
    "preferredLanguage": "en-GB", "locale": "en_GB", "timezone": "Europe/London",
    "active": true,
    "emails": [{"value": "ada.lovelace@example.com", "type": "work", "primary": true}],
    "phoneNumbers": [{"value": "+441212345678", "type": "work"},
                     {"value": "+447400123456", "type": "mobile"},
                     {"value": "+442079460000", "type": "other"}],
    "addresses": [{"type": "work", "streetAddress": "1 Engine Row",
                   "locality": "London", "region": "Greater London",
                   "postalCode": "EC1A 1BB", "country": "GB", "primary": true}],
    ")" + kEnterprise +
         R"(": {"employeeNumber": "E-42", "costCenter": "CC-7",
        "organization": "Engines Ltd", "division": "Research",
        "department": "Mathematics",
        "manager": {"value": "mgr-babbage", "$ref": "../Users/mgr-babbage",
                    "displayName": "Charles Babbage"}},
    ")" + kCityCity +
         R"(": {"gender": "Mrs", "userGroup": "Analysts"},
    ")" + kTravelPerk +
         R"(": {"gender": "F", "dateOfBirth": "1815-12-10",
        "invoiceProfiles": ["EU", "UK"],
        "emergencyContact": {"name": "Lord Byron", "phone": "+441212345679"},
        "travelPolicy": "Standard"}})";
}

// Checks a rendering of FullUser(); `enterprise` is the extension's URN in
// that SCIM version.
void ExpectFullUser(const value& u, const std::string& enterprise) {
  SCOPED_TRACE(u.serialize());
  EXPECT_EQ(Str(u, "userName"), "ada.lovelace@example.com");
  EXPECT_EQ(Str(u, "externalId"), "EXT-1815");
  ASSERT_TRUE(u.has_field("name"));
  const value& name = u.at("name");
  EXPECT_EQ(Str(name, "formatted"), "Dr Ada M Lovelace");
  EXPECT_EQ(Str(name, "familyName"), "Lovelace");
  EXPECT_EQ(Str(name, "givenName"), "Ada");
  EXPECT_EQ(Str(name, "middleName"), "M");
  EXPECT_EQ(Str(name, "honorificPrefix"), "Dr");
  EXPECT_EQ(Str(u, "displayName"), "Ada Lovelace");
  EXPECT_EQ(Str(u, "nickName"), "Countess");
  EXPECT_EQ(Str(u, "title"), "Analyst");
  EXPECT_EQ(Str(u, "preferredLanguage"), "en-GB");
  EXPECT_EQ(Str(u, "locale"), "en_GB");
  EXPECT_EQ(Str(u, "timezone"), "Europe/London");
  ASSERT_TRUE(u.has_field("active"));
  EXPECT_TRUE(u.at("active").as_bool());
  ASSERT_EQ(u.at("emails").size(), 1u);
  EXPECT_EQ(Str(u.at("emails").at(0), "value"), "ada.lovelace@example.com");
  EXPECT_EQ(Str(u.at("emails").at(0), "type"), "work");
  EXPECT_TRUE(u.at("emails").at(0).at("primary").as_bool());
  ASSERT_EQ(u.at("phoneNumbers").size(), 3u);
  EXPECT_EQ(Str(OfType(u, "phoneNumbers", "work"), "value"), "+441212345678");
  EXPECT_EQ(Str(OfType(u, "phoneNumbers", "mobile"), "value"), "+447400123456");
  EXPECT_EQ(Str(OfType(u, "phoneNumbers", "other"), "value"), "+442079460000");
  value work = OfType(u, "addresses", "work");
  EXPECT_EQ(Str(work, "streetAddress"), "1 Engine Row");
  EXPECT_EQ(Str(work, "locality"), "London");
  EXPECT_EQ(Str(work, "region"), "Greater London");
  EXPECT_EQ(Str(work, "postalCode"), "EC1A 1BB");
  EXPECT_EQ(Str(work, "country"), "GB");

  ASSERT_TRUE(u.has_field(enterprise));
  const value& e = u.at(enterprise);
  EXPECT_EQ(Str(e, "employeeNumber"), "E-42");
  EXPECT_EQ(Str(e, "costCenter"), "CC-7");
  EXPECT_EQ(Str(e, "organization"), "Engines Ltd");
  EXPECT_EQ(Str(e, "division"), "Research");
  EXPECT_EQ(Str(e, "department"), "Mathematics");
  ASSERT_TRUE(e.has_field("manager"));
  EXPECT_EQ(Str(e.at("manager"), "value"), "mgr-babbage");
  EXPECT_EQ(Str(e.at("manager"), "$ref"), "../Users/mgr-babbage");
  EXPECT_EQ(Str(e.at("manager"), "displayName"), "Charles Babbage");

  ASSERT_TRUE(u.has_field(kCityCity));
  EXPECT_EQ(Str(u.at(kCityCity), "gender"), "Mrs");
  EXPECT_EQ(Str(u.at(kCityCity), "userGroup"), "Analysts");

  ASSERT_TRUE(u.has_field(kTravelPerk));
  const value& tp = u.at(kTravelPerk);
  EXPECT_EQ(Str(tp, "gender"), "F");
  EXPECT_EQ(Str(tp, "dateOfBirth"), "1815-12-10");
  ASSERT_EQ(tp.at("invoiceProfiles").size(), 2u);
  EXPECT_EQ(tp.at("invoiceProfiles").at(0).as_string(), "EU");
  EXPECT_EQ(tp.at("invoiceProfiles").at(1).as_string(), "UK");
  EXPECT_EQ(Str(tp.at("emergencyContact"), "name"), "Lord Byron");
  EXPECT_EQ(Str(tp.at("emergencyContact"), "phone"), "+441212345679");
  EXPECT_EQ(Str(tp, "travelPolicy"), "Standard");
}

TEST_F(TenantContractTest, EveryAttributeRoundTripsOverV2V1AndGrpc) {
  Tenant t = NewTenant("full");
  HttpResult created = As(t, "POST", "/scim/v2/Users", FullUser());
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body.at("id").as_string();
  {
    SCOPED_TRACE("POST response");
    ExpectFullUser(created.body, kEnterprise);
  }
  HttpResult v2 = As(t, "GET", "/scim/v2/Users/" + id);
  ASSERT_EQ(v2.status, 200) << v2.raw;
  {
    SCOPED_TRACE("GET /scim/v2");
    ExpectFullUser(v2.body, kEnterprise);
  }
  // SCIM 1.1 names the core and enterprise schemas by their 1.0 URNs.
  HttpResult v1 = As(t, "GET", "/scim/v1/Users/" + id);
  ASSERT_EQ(v1.status, 200) << v1.raw;
  EXPECT_EQ(v1.body.at("schemas").at(0).as_string(),
            "urn:scim:schemas:core:1.0");
  {
    SCOPED_TRACE("GET /scim/v1");
    ExpectFullUser(v1.body, kEnterprise11);
  }
  EXPECT_FALSE(v1.body.has_field(kEnterprise)) << v1.raw;

  // Internal services read the same user as typed fields.
  pb::User u = GetUser(t, id);
  EXPECT_EQ(u.user_name(), "ada.lovelace@example.com");
  EXPECT_EQ(u.external_id(), "EXT-1815");
  EXPECT_EQ(u.name().formatted(), "Dr Ada M Lovelace");
  EXPECT_EQ(u.name().family_name(), "Lovelace");
  EXPECT_EQ(u.name().given_name(), "Ada");
  EXPECT_EQ(u.name().middle_name(), "M");
  EXPECT_EQ(u.name().honorific_prefix(), "Dr");
  EXPECT_EQ(u.display_name(), "Ada Lovelace");
  EXPECT_EQ(u.nick_name(), "Countess");
  EXPECT_EQ(u.title(), "Analyst");
  EXPECT_EQ(u.preferred_language(), "en-GB");
  EXPECT_EQ(u.locale(), "en_GB");
  EXPECT_EQ(u.timezone(), "Europe/London");
  EXPECT_TRUE(u.has_active() && u.active());
  ASSERT_EQ(u.emails_size(), 1);
  EXPECT_EQ(u.emails(0).value(), "ada.lovelace@example.com");
  EXPECT_TRUE(u.emails(0).primary());
  std::map<std::string, std::string> phones;
  for (const auto& p : u.phone_numbers()) phones[p.type()] = p.value();
  EXPECT_EQ(phones,
            (std::map<std::string, std::string>{{"mobile", "+447400123456"},
                                                {"other", "+442079460000"},
                                                {"work", "+441212345678"}}));
  ASSERT_EQ(u.addresses_size(), 1);
  EXPECT_EQ(u.addresses(0).type(), "work");
  EXPECT_EQ(u.addresses(0).street_address(), "1 Engine Row");
  EXPECT_EQ(u.addresses(0).locality(), "London");
  EXPECT_EQ(u.addresses(0).region(), "Greater London");
  EXPECT_EQ(u.addresses(0).postal_code(), "EC1A 1BB");
  EXPECT_EQ(u.addresses(0).country(), "GB");
  EXPECT_EQ(u.enterprise().employee_number(), "E-42");
  EXPECT_EQ(u.enterprise().cost_center(), "CC-7");
  EXPECT_EQ(u.enterprise().organization(), "Engines Ltd");
  EXPECT_EQ(u.enterprise().division(), "Research");
  EXPECT_EQ(u.enterprise().department(), "Mathematics");
  EXPECT_EQ(u.enterprise().manager().value(), "mgr-babbage");
  EXPECT_EQ(u.enterprise().manager().ref(), "../Users/mgr-babbage");
  EXPECT_EQ(u.enterprise().manager().display_name(), "Charles Babbage");
  EXPECT_EQ(u.citycity().gender(), "Mrs");
  EXPECT_EQ(u.citycity().user_group(), "Analysts");
  EXPECT_EQ(u.travelperk().gender(), "F");
  EXPECT_EQ(u.travelperk().date_of_birth(), "1815-12-10");
  EXPECT_EQ(std::vector<std::string>(u.travelperk().invoice_profiles().begin(),
                                     u.travelperk().invoice_profiles().end()),
            (std::vector<std::string>{"EU", "UK"}));
  EXPECT_EQ(u.travelperk().emergency_contact().name(), "Lord Byron");
  EXPECT_EQ(u.travelperk().emergency_contact().phone(), "+441212345679");
  EXPECT_EQ(u.travelperk().travel_policy(), "Standard");
  EXPECT_TRUE(u.scim_managed());

  // PUT is a full replacement: what it leaves out is gone.
  HttpResult put = As(t, "PUT", "/scim/v2/Users/" + id,
                      std::string(R"({"schemas":[")") + kCore + R"(",")" +
                          kEnterprise + R"("],
        "userName": "ada.lovelace@example.com", "displayName": "Ada Lovelace",
        "name": {"familyName": "Lovelace", "givenName": "Ada"},
        "emails": [{"value": "ada.lovelace@example.com", "type": "work"}],
        "phoneNumbers": [{"value": "+441212345678", "type": "work"}],
        ")" + kEnterprise +
                          R"(": {"employeeNumber": "E-42"}})");
  ASSERT_EQ(put.status, 200) << put.raw;
  HttpResult after = As(t, "GET", "/scim/v2/Users/" + id);
  ASSERT_EQ(after.status, 200) << after.raw;
  const value& a = after.body;
  for (const char* gone :
       {"nickName", "title", "timezone", "locale", "preferredLanguage",
        "externalId", "addresses", kTravelPerk}) {
    EXPECT_FALSE(a.has_field(gone))
        << gone << " was not cleared: " << after.raw;
  }
  EXPECT_FALSE(a.at("name").has_field("middleName")) << after.raw;
  EXPECT_FALSE(a.at("name").has_field("honorificPrefix")) << after.raw;
  EXPECT_FALSE(a.at("name").has_field("formatted")) << after.raw;
  ASSERT_EQ(a.at("phoneNumbers").size(), 1u) << after.raw;
  EXPECT_EQ(Str(a.at("phoneNumbers").at(0), "type"), "work");
  ASSERT_TRUE(a.has_field(kEnterprise)) << after.raw;
  EXPECT_EQ(Str(a.at(kEnterprise), "employeeNumber"), "E-42");
  for (const char* gone :
       {"costCenter", "organization", "division", "department", "manager"}) {
    EXPECT_FALSE(a.at(kEnterprise).has_field(gone))
        << gone << " was not cleared: " << after.raw;
  }
  EXPECT_TRUE(!a.has_field(kCityCity) ||
              !a.at(kCityCity).has_field("userGroup"))
      << after.raw;
  pb::User cleared = GetUser(t, id);
  EXPECT_TRUE(cleared.nick_name().empty());
  EXPECT_EQ(cleared.addresses_size(), 0);
  EXPECT_TRUE(cleared.enterprise().manager().value().empty());
  EXPECT_TRUE(cleared.travelperk().date_of_birth().empty());
  EXPECT_TRUE(cleared.citycity().user_group().empty());
}

TEST_F(TenantContractTest, CityCityUserGroupReplacesTheInternalGroup) {
  Tenant t = NewTenant("usergroup", {{"groups", "disabled"}});
  auto ext = [](const std::string& group) {
    return std::string(R"(")") + kCityCity +
           R"(":{"gender":"Ms","userGroup":")" + group + R"("})";
  };
  HttpResult created =
      As(t, "POST", "/api/v2/scim/Users",
         R"({"userName":"group.user@example.com",)" + ext("Sales") + "}");
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body.at("id").as_string();
  EXPECT_EQ(GetUser(t, id).citycity().user_group(), "Sales");

  HttpResult patched =
      As(t, "PATCH", "/api/v2/scim/Users/" + id,
         Patch(std::string(R"({"op":"replace","path":")") + kCityCity +
               R"(:userGroup","value":"Support"})"));
  ASSERT_EQ(patched.status, 200) << patched.raw;
  EXPECT_EQ(Str(patched.body.at(kCityCity), "userGroup"), "Support");
  EXPECT_EQ(Str(patched.body.at(kCityCity), "gender"), "Ms")
      << "only the group changes";
  pb::User u = GetUser(t, id);
  EXPECT_EQ(u.citycity().user_group(), "Support") << "the old group is gone";

  // A value-only PATCH of the extension, then a PUT: each leaves exactly the
  // group it sent.
  HttpResult whole = As(t, "PATCH", "/api/v2/scim/Users/" + id,
                        Patch(std::string(R"({"op":"replace","value":{)") +
                              ext("Finance") + "}}"));
  ASSERT_EQ(whole.status, 200) << whole.raw;
  EXPECT_EQ(GetUser(t, id).citycity().user_group(), "Finance");
  HttpResult put =
      As(t, "PUT", "/api/v2/scim/Users/" + id,
         R"({"userName":"group.user@example.com",)" + ext("Operations") + "}");
  ASSERT_EQ(put.status, 200) << put.raw;
  HttpResult got = As(t, "GET", "/api/v2/scim/Users/" + id);
  EXPECT_EQ(Str(got.body.at(kCityCity), "userGroup"), "Operations") << got.raw;
  EXPECT_EQ(GetUser(t, id).citycity().user_group(), "Operations");
  // It is the platform's internal group, not a SCIM group membership.
  EXPECT_EQ(GetUser(t, id).groups_size(), 0);
}

TEST_F(TenantContractTest, BooleanAndDateCustomFieldsAreTypeChecked) {
  Tenant t = NewTenant("fields");
  int code = 0;
  for (const char* f : {"COST --type string --required",
                        "Approver --type boolean", "Start --type date"}) {
    std::string out = stack_->Scimctl("field add " + t.name + " " + f, &code);
    ASSERT_EQ(code, 0) << out;
  }
  auto post = [&](const std::string& name, const std::string& fields) {
    return As(t, "POST", "/scim/v2/Users",
              R"({"userName":")" + name + R"(",")" + kCustom + R"(":)" +
                  fields + "}");
  };
  HttpResult ok =
      post("typed@example.com",
           R"({"COST":"C-1","Approver":true,"Start":"2024-02-29"})");
  ASSERT_EQ(ok.status, 201) << ok.raw;
  EXPECT_TRUE(ok.body.at(kCustom).at("Approver").as_bool()) << ok.raw;
  EXPECT_EQ(ok.body.at(kCustom).at("Start").as_string(), "2024-02-29");
  std::string id = ok.body.at("id").as_string();

  struct Refusal {
    std::string fields, detail;
  };
  const Refusal refusals[] = {
      {R"({"COST":"C-1","Approver":"yes"})",
       std::string(kCustom) + ":Approver is a boolean field"},
      {R"({"COST":"C-1","Approver":1})",
       std::string(kCustom) + ":Approver is a boolean field"},
      {R"({"COST":"C-1","Start":"2023-02-29"})",
       std::string(kCustom) + ":Start is a date field"},
      {R"({"COST":"C-1","Start":"31/01/2024"})",
       std::string(kCustom) + ":Start is a date field"},
      {R"({"COST":"C-1","Start":20240131})",
       std::string(kCustom) + ":Start is a date field"},
      {R"({"COST":"C-1","ShoeSize":42})",
       std::string(kCustom) + ":ShoeSize is not a custom field of this tenant"},
      {R"({"Approver":false})",
       std::string(kCustom) + ":COST is required by this tenant"},
  };
  int n = 0;
  for (const auto& r : refusals) {
    HttpResult refused =
        post("refused" + std::to_string(n++) + "@example.com", r.fields);
    EXPECT_EQ(refused.status, 400) << r.fields << ": " << refused.raw;
    EXPECT_NE(Detail(refused).find(r.detail), std::string::npos)
        << r.fields << ": " << refused.raw;
  }
  HttpResult listed = As(t, "GET", "/scim/v2/Users?count=0");
  EXPECT_EQ(listed.body.at("totalResults").as_integer(), 1)
      << "no refused user was created";

  // URN-qualified PATCH paths, valid and not.
  auto patch = [&](const std::string& field, const std::string& v) {
    return As(t, "PATCH", "/scim/v2/Users/" + id,
              Patch(std::string(R"({"op":"replace","path":")") + kCustom + ":" +
                    field + R"(","value":)" + v + "}"));
  };
  HttpResult flipped = patch("Approver", "false");
  ASSERT_EQ(flipped.status, 200) << flipped.raw;
  EXPECT_FALSE(flipped.body.at(kCustom).at("Approver").as_bool());
  HttpResult moved = patch("Start", R"("2026-12-31")");
  ASSERT_EQ(moved.status, 200) << moved.raw;
  EXPECT_EQ(moved.body.at(kCustom).at("Start").as_string(), "2026-12-31");
  HttpResult bad_bool = patch("Approver", R"("maybe")");
  EXPECT_EQ(bad_bool.status, 400) << bad_bool.raw;
  EXPECT_NE(Detail(bad_bool).find("Approver is a boolean field"),
            std::string::npos)
      << bad_bool.raw;
  HttpResult bad_date = patch("Start", R"("2026-13-01")");
  EXPECT_EQ(bad_date.status, 400) << bad_date.raw;
  EXPECT_NE(Detail(bad_date).find("Start is a date field"), std::string::npos)
      << bad_date.raw;
  HttpResult unknown = patch("ShoeSize", "42");
  EXPECT_EQ(unknown.status, 400) << unknown.raw;
  EXPECT_NE(Detail(unknown).find("ShoeSize is not a custom field"),
            std::string::npos)
      << unknown.raw;
  // Removing the required field is refused too; nothing was half-applied.
  HttpResult drop = As(t, "PATCH", "/scim/v2/Users/" + id,
                       Patch(std::string(R"({"op":"remove","path":")") +
                             kCustom + R"(:COST"})"));
  EXPECT_EQ(drop.status, 400) << drop.raw;
  EXPECT_NE(Detail(drop).find("COST is required"), std::string::npos)
      << drop.raw;
  HttpResult got = As(t, "GET", "/scim/v2/Users/" + id);
  const value& fields = got.body.at(kCustom);
  EXPECT_EQ(fields.at("COST").as_string(), "C-1");
  EXPECT_FALSE(fields.at("Approver").as_bool());
  EXPECT_EQ(fields.at("Start").as_string(), "2026-12-31");
  EXPECT_FALSE(fields.has_field("ShoeSize"));
}

TEST_F(TenantContractTest, E164PolicyRefusesOtherNumbersAndKeepsThemAsSent) {
  Tenant t = NewTenant("e164", {{"phone_validation", "e164"}});
  HttpResult ok = As(t, "POST", "/scim/v2/Users", R"({
      "userName": "caller@example.com",
      "phoneNumbers": [{"value": "+44 121 234 5678", "type": "work"},
                       {"value": "+441212345679", "type": "mobile"}]})");
  ASSERT_EQ(ok.status, 201) << ok.raw;
  // Stored exactly as sent, spaces included; under plain e164 a landline
  // sent as mobile is accepted (only e164-mobile checks the kind).
  std::string id = ok.body.at("id").as_string();
  pb::User stored = GetUser(t, id);
  ASSERT_EQ(stored.phone_numbers_size(), 2);
  EXPECT_EQ(stored.phone_numbers(0).value(), "+44 121 234 5678");
  EXPECT_EQ(stored.phone_numbers(1).value(), "+441212345679");

  for (const char* bad : {"0121 234 5678", "+44 12", "call me"}) {
    HttpResult refused = As(t, "POST", "/scim/v2/Users",
                            R"({"userName":"bad@example.com","phoneNumbers":[
                                {"value":")" +
                                std::string(bad) + R"(","type":"work"}]})");
    EXPECT_EQ(refused.status, 400) << bad << ": " << refused.raw;
    EXPECT_NE(Detail(refused).find("'" + std::string(bad) +
                                   "' is not a valid E.164 number"),
              std::string::npos)
        << refused.raw;
    EXPECT_EQ(refused.body.at("scimType").as_string(), "invalidValue");
  }
  HttpResult patched = As(t, "PATCH", "/scim/v2/Users/" + id,
                          Patch(R"({"op":"add","path":"phoneNumbers","value":[
               {"value":"07400 123456","type":"other"}]})"));
  EXPECT_EQ(patched.status, 400) << patched.raw;
  EXPECT_NE(Detail(patched).find("'07400 123456'"), std::string::npos)
      << patched.raw;
  EXPECT_EQ(GetUser(t, id).phone_numbers_size(), 2) << "nothing was applied";
}

TEST_F(TenantContractTest, UserNameStaysTheWorkEmailOnPatchAndPut) {
  Tenant t = NewTenant("emailname", {{"username_is_email", "true"}});
  HttpResult created = As(t, "POST", "/scim/v2/Users", R"({
      "userName": "host@example.com",
      "emails": [{"value": "host@example.com", "type": "work", "primary": true}]})");
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body.at("id").as_string();

  HttpResult renamed = As(
      t, "PATCH", "/scim/v2/Users/" + id,
      Patch(
          R"({"op":"replace","path":"userName","value":"someone@example.com"})"));
  EXPECT_EQ(renamed.status, 400) << renamed.raw;
  EXPECT_NE(Detail(renamed).find("'someone@example.com' must equal the work "
                                 "email 'host@example.com'"),
            std::string::npos)
      << renamed.raw;
  HttpResult email_moved =
      As(t, "PATCH", "/scim/v2/Users/" + id,
         Patch(R"({"op":"replace","path":"emails[type eq \"work\"].value",
                "value":"moved@example.com"})"));
  EXPECT_EQ(email_moved.status, 400) << email_moved.raw;
  EXPECT_NE(Detail(email_moved).find("must equal the work email"),
            std::string::npos)
      << email_moved.raw;
  HttpResult put = As(t, "PUT", "/scim/v2/Users/" + id, R"({
      "userName": "other@example.com",
      "emails": [{"value": "host@example.com", "type": "work", "primary": true}]})");
  EXPECT_EQ(put.status, 400) << put.raw;
  EXPECT_NE(Detail(put).find("'other@example.com' must equal the work email"),
            std::string::npos)
      << put.raw;
  EXPECT_EQ(GetUser(t, id).user_name(), "host@example.com");

  // Both together is a consistent change.
  HttpResult both = As(t, "PUT", "/scim/v2/Users/" + id, R"({
      "userName": "new.host@example.com",
      "emails": [{"value": "new.host@example.com", "type": "work", "primary": true}]})");
  ASSERT_EQ(both.status, 200) << both.raw;
  EXPECT_EQ(both.body.at("userName").as_string(), "new.host@example.com");
}

TEST_F(TenantContractTest, PageSizePolicySetsTheDefaultPage) {
  Tenant t = NewTenant("paging", {{"page_size", "3"}});
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(
        As(t, "POST", "/scim/v2/Users",
           R"({"userName":"page)" + std::to_string(i) + R"(@example.com"})")
            .status,
        201);
  }
  HttpResult page = As(t, "GET", "/scim/v2/Users");
  ASSERT_EQ(page.status, 200) << page.raw;
  EXPECT_EQ(page.body.at("totalResults").as_integer(), 5);
  EXPECT_EQ(page.body.at("itemsPerPage").as_integer(), 3);
  EXPECT_EQ(page.body.at("Resources").size(), 3u);
  HttpResult asked = As(t, "GET", "/scim/v2/Users?count=4");
  EXPECT_EQ(asked.body.at("Resources").size(), 4u) << "count still wins";
  HttpResult rest = As(t, "GET", "/scim/v2/Users?startIndex=4");
  EXPECT_EQ(rest.body.at("Resources").size(), 2u);
  EXPECT_EQ(rest.body.at("startIndex").as_integer(), 4);
}

TEST_F(TenantContractTest, NoContentPatchResponseAnswers204) {
  Tenant t = NewTenant("nocontent", {{"patch_response", "no-content"}});
  HttpResult created =
      As(t, "POST", "/scim/v2/Users", R"({"userName":"quiet@example.com"})");
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body.at("id").as_string();
  HttpResult patched =
      As(t, "PATCH", "/scim/v2/Users/" + id,
         Patch(R"({"op":"replace","path":"title","value":"Quiet"})"));
  EXPECT_EQ(patched.status, 204) << patched.raw;
  EXPECT_TRUE(patched.raw.empty()) << patched.raw;
  EXPECT_EQ(As(t, "GET", "/scim/v2/Users/" + id).body.at("title").as_string(),
            "Quiet");
  // A refused PATCH still says why.
  HttpResult refused =
      As(t, "PATCH", "/scim/v2/Users/" + id,
         Patch(R"({"op":"replace","path":"active","value":"sometimes"})"));
  EXPECT_EQ(refused.status, 400) << refused.raw;
  EXPECT_FALSE(Detail(refused).empty()) << refused.raw;
  // PUT is not a PATCH: it answers with the resource.
  HttpResult put = As(t, "PUT", "/scim/v2/Users/" + id,
                      R"({"userName":"quiet@example.com","title":"Loud"})");
  EXPECT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(put.body.at("title").as_string(), "Loud");
}

TEST_F(TenantContractTest, Scim11PutDeleteFilterAndPaging) {
  Tenant t = NewTenant("scim11");
  HttpResult created = As(t, "POST", "/scim/v1/Users", R"({
      "schemas": ["urn:scim:schemas:core:1.0"],
      "userName": "q@mi6.org", "title": "Quartermaster",
      "phoneNumbers": [{"type": "work", "value": "+442079460001"}],
      "emails": [{"value": "q@mi6.org", "type": "work", "primary": true}]})");
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body.at("id").as_string();

  HttpResult put = As(t, "PUT", "/scim/v1/Users/" + id, R"({
      "schemas": ["urn:scim:schemas:core:1.0", "urn:scim:schemas:extension:enterprise:1.0"],
      "userName": "q@mi6.org", "title": "Head of Q Branch",
      "emails": [{"value": "q@mi6.org", "type": "work", "primary": true}],
      "urn:scim:schemas:extension:enterprise:1.0": {"department": "Q Branch"}})");
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(put.body.at("schemas").at(0).as_string(),
            "urn:scim:schemas:core:1.0");
  EXPECT_EQ(put.body.at("title").as_string(), "Head of Q Branch");
  EXPECT_FALSE(put.body.has_field("phoneNumbers")) << "PUT replaces";
  EXPECT_EQ(Str(put.body.at(kEnterprise11), "department"), "Q Branch");
  EXPECT_EQ(GetUser(t, id).enterprise().department(), "Q Branch");

  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(
        As(t, "POST", "/scim/v1/Users",
           R"({"schemas":["urn:scim:schemas:core:1.0"],"userName":"agent)" +
               std::to_string(i) + R"(@mi6.org"})")
            .status,
        201);
  }
  HttpResult found =
      As(t, "GET", "/scim/v1/Users?filter=userName%20eq%20%22Q@mi6.org%22");
  ASSERT_EQ(found.status, 200) << found.raw;
  EXPECT_EQ(found.body.at("totalResults").as_integer(), 1) << found.raw;
  EXPECT_EQ(found.body.at("Resources").at(0).at("id").as_string(), id);
  EXPECT_EQ(found.body.at("schemas").at(0).as_string(),
            "urn:scim:schemas:core:1.0");

  // Pages of 10 unless asked; a count above 5,000 is capped, not refused.
  HttpResult first = As(t, "GET", "/scim/v1/Users");
  EXPECT_EQ(first.body.at("itemsPerPage").as_integer(), 10) << first.raw;
  EXPECT_EQ(first.body.at("totalResults").as_integer(), 21);
  HttpResult big = As(t, "GET", "/scim/v1/Users?count=6000");
  ASSERT_EQ(big.status, 200) << big.raw;
  EXPECT_EQ(big.body.at("itemsPerPage").as_integer(), 21);
  EXPECT_EQ(big.body.at("Resources").size(), 21u);
  HttpResult window = As(t, "GET", "/scim/v1/Users?startIndex=16&count=5");
  EXPECT_EQ(window.body.at("Resources").size(), 5u);
  EXPECT_EQ(window.body.at("startIndex").as_integer(), 16);

  HttpResult deleted = As(t, "DELETE", "/scim/v1/Users/" + id);
  EXPECT_EQ(deleted.status, 204) << deleted.raw;
  HttpResult gone = As(t, "GET", "/scim/v1/Users/" + id);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body.at("Errors").at(0).at("code").as_string(), "404")
      << gone.raw;
  HttpResult none =
      As(t, "GET", "/scim/v1/Users?filter=userName%20eq%20%22q@mi6.org%22");
  EXPECT_EQ(none.body.at("totalResults").as_integer(), 0) << none.raw;
}

TEST_F(TenantContractTest, OnlyTheEdgeSecretPassesTheScimManagedLock) {
  Tenant t = NewTenant("locked");
  HttpResult created =
      As(t, "POST", "/scim/v2/Users", R"({"userName":"locked@example.com"})");
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body.at("id").as_string();
  pb::User user = GetUser(t, id);
  ASSERT_TRUE(user.scim_managed());
  user.set_title("changed elsewhere");

  // The header the edge sends is not enough on its own, nor with a wrong
  // secret.
  for (Caller c :
       {Caller::kInternal, Caller::kHeaderOnly, Caller::kWrongSecret}) {
    grpc::Status replaced = Replace(t, user, c);
    EXPECT_EQ(replaced.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
        << static_cast<int>(c) << ": " << replaced.error_message();
    EXPECT_NE(replaced.error_message().find("managed by the tenant's identity "
                                            "provider"),
              std::string::npos);
    grpc::Status deleted = Delete(t, id, c);
    EXPECT_EQ(deleted.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
        << static_cast<int>(c);
  }
  EXPECT_TRUE(GetUser(t, id).title().empty()) << "nothing was changed";

  // A profile created by a caller posing as the edge is not SCIM-managed.
  pb::CreateUserRequest create;
  create.set_tenant_id(t.id);
  create.mutable_user()->set_user_name("posing@example.com");
  pb::User posed;
  grpc::ClientContext cc;
  Prepare(&cc, Caller::kHeaderOnly);
  ASSERT_TRUE(Identity()->CreateUser(&cc, create, &posed).ok());
  EXPECT_FALSE(posed.scim_managed());

  // With the secret the call is the edge's own.
  grpc::Status replaced = Replace(t, user, Caller::kEdge);
  ASSERT_TRUE(replaced.ok()) << replaced.error_message();
  EXPECT_EQ(As(t, "GET", "/scim/v2/Users/" + id).body.at("title").as_string(),
            "changed elsewhere");
  grpc::Status deleted = Delete(t, id, Caller::kEdge);
  EXPECT_TRUE(deleted.ok()) << deleted.error_message();
  EXPECT_EQ(As(t, "GET", "/scim/v2/Users/" + id).status, 404);
}

TEST_F(TenantContractTest, InternalCallersCannotMoveManagedUsersGroups) {
  Tenant t = NewTenant("lockedgroups");
  HttpResult managed =
      As(t, "POST", "/scim/v2/Users", R"({"userName":"idp.user@example.com"})");
  ASSERT_EQ(managed.status, 201) << managed.raw;
  std::string managed_id = managed.body.at("id").as_string();
  pb::CreateUserRequest create;
  create.set_tenant_id(t.id);
  create.mutable_user()->set_user_name("platform.user@example.com");
  pb::User internal;
  grpc::ClientContext cc;
  Prepare(&cc, Caller::kInternal);
  ASSERT_TRUE(Identity()->CreateUser(&cc, create, &internal).ok());

  // The IdP puts its user in a group through the edge.
  HttpResult group =
      As(t, "POST", "/scim/v2/Groups",
         R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],
                            "displayName":"Travellers","members":[{"value":")" +
             managed_id + R"("}]})");
  ASSERT_EQ(group.status, 201) << group.raw;
  std::string gid = group.body.at("id").as_string();
  ASSERT_EQ(GetUser(t, managed_id).groups_size(), 1);

  // The platform's own user moves freely...
  EXPECT_TRUE(
      UpdateMembers(t, gid, {internal.id()}, {}, false, Caller::kInternal)
          .ok());
  EXPECT_TRUE(
      UpdateMembers(t, gid, {}, {internal.id()}, false, Caller::kInternal)
          .ok());
  // ...the IdP's does not: not removed, not dropped by a replace-all, not
  // by deleting the group, whatever header is sent.
  for (Caller c : {Caller::kInternal, Caller::kHeaderOnly}) {
    EXPECT_EQ(UpdateMembers(t, gid, {}, {managed_id}, false, c).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(UpdateMembers(t, gid, {internal.id()}, {}, true, c).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
    pb::RemoveGroupRequest remove;
    remove.set_tenant_id(t.id);
    remove.set_group_id(gid);
    pb::RemoveGroupResponse out;
    grpc::ClientContext rc;
    Prepare(&rc, c);
    EXPECT_EQ(Identity()->RemoveGroup(&rc, remove, &out).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }
  EXPECT_EQ(GetUser(t, managed_id).groups_size(), 1) << "still a member";
  EXPECT_EQ(GetUser(t, internal.id()).groups_size(), 0)
      << "the refused replace-all added nobody";

  // A managed user cannot be added by an internal caller either.
  HttpResult other =
      As(t, "POST", "/scim/v2/Users", R"({"userName":"idp.two@example.com"})");
  ASSERT_EQ(other.status, 201) << other.raw;
  std::string other_id = other.body.at("id").as_string();
  EXPECT_EQ(UpdateMembers(t, gid, {other_id}, {}, false, Caller::kInternal)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(GetUser(t, other_id).groups_size(), 0);

  // The edge deletes the group, and the membership with it.
  EXPECT_EQ(As(t, "DELETE", "/scim/v2/Groups/" + gid).status, 204);
  EXPECT_EQ(GetUser(t, managed_id).groups_size(), 0);
}

}  // namespace
}  // namespace scim::testing
