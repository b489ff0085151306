// libFuzzer target: a request body as the edge reads it (UTF-8, depth and
// PATCH limits, JSON), mapped to the User proto, rendered back and mapped
// again, as a PUT after a GET would.
#include <cstddef>
#include <cstdint>
#include <string>

#include "edge/request_body.h"
#include "edge/user_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  auto json = scim::edge::ParseJsonObject(body);
  if (!json.ok()) return 0;
  auto user = scim::edge::UserFromJson(*json);
  if (!user.ok()) return 0;
  // Whatever was accepted must serialise (protobuf checks UTF-8 here) and
  // render.
  std::string wire = user->SerializeAsString();
  scim::identity::v1::User back;
  if (!back.ParseFromString(wire)) __builtin_trap();
  web::json::value rendered =
      scim::edge::UserToJson(*user, "https://example.com/Users/x");
  (void)scim::edge::UserFromJson(rendered);
  return 0;
}
