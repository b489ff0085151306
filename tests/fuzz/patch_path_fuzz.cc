// libFuzzer target: PATCH operation paths (attr, attr.sub, attr[filter].sub,
// URN-qualified), resolved against the User and Group schemas, and then
// applied, so the resolved path is exercised too.
#include <cpprest/json.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "edge/patch_engine.h"
#include "edge/patch_path.h"
#include "edge/resource_schema.h"

namespace {

web::json::value SampleUser() {
  std::error_code ec;
  return web::json::value::parse(
      R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
          "userName":"u","emails":[{"value":"a@example.com","type":"work"}],
          "phoneNumbers":[{"value":"+441234","type":"mobile"}],
          "name":{"givenName":"A"},"roles":[{"value":"R"}]})",
      ec);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the resource and the op; the rest is the path.
  bool group = data[0] & 1;
  const char* ops[] = {"add", "replace", "remove"};
  const char* op = ops[(data[0] >> 1) % 3];
  std::string path(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto& schema =
      group ? scim::edge::GroupResource() : scim::edge::UserResource();
  auto parsed = scim::edge::ParsePatchPath(path, schema);
  if (!parsed.ok() || group) return 0;
  web::json::value patch = web::json::value::object();
  web::json::value operation = web::json::value::object();
  operation["op"] = web::json::value::string(op);
  operation["path"] = web::json::value::string(path);
  operation["value"] = web::json::value::string("x");
  patch["Operations"] = web::json::value::array({operation});
  web::json::value user = SampleUser();
  (void)scim::edge::ApplyPatch(patch, schema, &user);
  return 0;
}
