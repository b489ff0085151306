#include "edge/bulk_handler.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "common/status_map.h"
#include "edge/request_body.h"
#include "edge/scim_response.h"

namespace scim::edge {
namespace {

using web::http::status_codes;
using web::json::value;

constexpr char kBulkRequestSchema[] =
    "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
constexpr char kBulkResponseSchema[] =
    "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
constexpr char kBulkIdPrefix[] = "bulkId:";

absl::Status InvalidValue(const std::string& detail) {
  return WithScimType(absl::InvalidArgumentError(detail), "invalidValue");
}

using Operation = BulkOperation;

absl::StatusOr<Operation> ParseOperation(const value& op, size_t index) {
  std::string where = "Operations[" + std::to_string(index) + "]";
  if (!op.is_object()) return InvalidValue(where + " must be an object");
  Operation out;
  const value* method = FindMember(op, "method");
  if (method == nullptr || !method->is_string()) {
    return InvalidValue(where +
                        ".method is required: POST, PUT, PATCH or DELETE");
  }
  out.method = absl::AsciiStrToUpper(method->as_string());
  if (out.method != "POST" && out.method != "PUT" && out.method != "PATCH" &&
      out.method != "DELETE") {
    return InvalidValue(where + ".method '" + method->as_string() +
                        "' is not one of POST, PUT, PATCH, DELETE");
  }
  const value* path = FindMember(op, "path");
  if (path == nullptr || !path->is_string() || path->as_string().empty()) {
    return InvalidValue(where + ".path is required, e.g. \"/Users\"");
  }
  out.path = path->as_string();
  if (const value* id = FindMember(op, "bulkId"); id && id->is_string()) {
    out.bulk_id = id->as_string();
  }
  if (out.method == "POST" && out.bulk_id.empty()) {
    return InvalidValue(where + ": a POST needs a bulkId");
  }
  if (const value* v = FindMember(op, "version"); v && v->is_string()) {
    out.version = v->as_string();
  }
  if (const value* d = FindMember(op, "data"); d && !d->is_null()) {
    out.data = *d;
    out.has_data = true;
  }
  if (out.method != "DELETE" && !out.has_data) {
    return InvalidValue(where + ": " + out.method + " needs data");
  }
  return out;
}

// Replaces every "bulkId:<id>" in `text` with the id it created. Returns the
// first reference that no earlier operation defined, if any.
std::optional<std::string> Resolve(
    std::string* text, const std::map<std::string, std::string>& created) {
  size_t pos = 0;
  while ((pos = text->find(kBulkIdPrefix, pos)) != std::string::npos) {
    size_t start = pos + sizeof(kBulkIdPrefix) - 1;
    size_t end = start;
    while (end < text->size() && (*text)[end] != '"' && (*text)[end] != '/' &&
           (*text)[end] != '\\') {
      ++end;
    }
    std::string ref = text->substr(start, end - start);
    auto it = created.find(ref);
    if (it == created.end()) return ref;
    text->replace(pos, end - pos, it->second);
    pos += it->second.size();
  }
  return std::nullopt;
}

value ResultFor(const Operation& op, web::http::http_response& response) {
  value result = value::object();
  result["method"] = value::string(op.method);
  if (!op.bulk_id.empty()) result["bulkId"] = value::string(op.bulk_id);
  auto location = response.headers().find("Location");
  if (location != response.headers().end()) {
    result["location"] = value::string(location->second);
  }
  auto etag = response.headers().find("ETag");
  if (etag != response.headers().end()) {
    result["version"] = value::string(etag->second);
  }
  result["status"] = value::string(std::to_string(response.status_code()));
  if (response.status_code() >= 400) {
    std::string body = response.extract_string(true).get();
    std::error_code ec;
    value error = value::parse(body, ec);
    if (!ec) result["response"] = error;
  }
  return result;
}

value ErrorResult(const Operation& op, const absl::Status& status) {
  web::http::http_response response = ErrorResponse(status);
  return ResultFor(op, response);
}

}  // namespace

absl::StatusOr<BulkRequest> ParseBulkRequest(const std::string& body) {
  auto json = ParseJsonObject(body);
  if (!json.ok()) return json.status();
  const value* schemas = FindMember(*json, "schemas");
  bool is_bulk = false;
  if (schemas != nullptr && schemas->is_array()) {
    for (const auto& s : schemas->as_array()) {
      is_bulk |= s.is_string() &&
                 absl::EqualsIgnoreCase(s.as_string(), kBulkRequestSchema);
    }
  }
  if (!is_bulk) {
    return WithScimType(
        absl::InvalidArgumentError(std::string("a bulk body must list '") +
                                   kBulkRequestSchema + "' in schemas"),
        "invalidSyntax");
  }
  const value* ops = FindMember(*json, "Operations");
  if (ops == nullptr || !ops->is_array()) {
    return WithScimType(
        absl::InvalidArgumentError("Operations must be a list of operations"),
        "invalidSyntax");
  }
  if (ops->size() > static_cast<size_t>(kBulkMaxOperations)) {
    return WithScimType(
        absl::InvalidArgumentError(
            "the request has " + std::to_string(ops->size()) +
            " operations; the limit is " + std::to_string(kBulkMaxOperations) +
            " (see ServiceProviderConfig bulk.maxOperations)"),
        "tooMany");
  }
  BulkRequest out;
  if (const value* f = FindMember(*json, "failOnErrors"); f && !f->is_null()) {
    if (!f->is_number() || !f->as_number().is_integral() ||
        f->as_number().to_int64() < 1) {
      return InvalidValue("failOnErrors must be a whole number of at least 1");
    }
    out.fail_on_errors = static_cast<int>(
        std::min<int64_t>(f->as_number().to_int64(), kBulkMaxOperations + 1));
  }
  for (size_t i = 0; i < ops->size(); ++i) {
    out.operations.push_back(ParseOperation(ops->at(i), i));
  }
  return out;
}

web::http::http_response BulkHandler::Handle(const web::http::method& method,
                                             const std::string& body,
                                             const RequestContext& ctx) const {
  if (method != web::http::methods::POST) {
    web::http::http_response r = ErrorResponse(
        absl::Status(absl::StatusCode::kUnimplemented, "use POST for /Bulk"));
    r.set_status_code(status_codes::MethodNotAllowed);
    r.headers().add("Allow", "POST");
    return r;
  }
  auto request = ParseBulkRequest(body);
  if (!request.ok()) {
    if (ScimTypeOf(request.status()) != "tooMany") {
      return ErrorResponse(request.status());
    }
    // RFC 7644 §3.7.4: too many operations is 413, in the body too.
    value error = ErrorBody(request.status());
    error["status"] = value::string("413");
    return JsonResponse(status_codes::RequestEntityTooLarge, error);
  }
  int fail_on_errors = request->fail_on_errors;

  std::vector<Operation> parsed;
  std::vector<value> results(request->operations.size());
  std::vector<bool> done(request->operations.size(), false);
  std::map<std::string, std::string> created;  // bulkId -> id
  int errors = 0;
  for (size_t i = 0; i < request->operations.size(); ++i) {
    const auto& op = request->operations[i];
    parsed.push_back(op.ok() ? *op : Operation{});
    if (!op.ok()) {
      results[i] =
          ErrorResult(Operation{"", "", "", "", value(), false}, op.status());
      done[i] = true;
      ++errors;
    }
  }
  // An operation may refer to a bulkId created later in the list (RFC 7644
  // §3.7.2), so each pass runs what it can resolve until nothing moves.
  bool progress = true;
  while (progress && (fail_on_errors == 0 || errors < fail_on_errors)) {
    progress = false;
    for (size_t i = 0; i < parsed.size(); ++i) {
      if (done[i]) continue;
      if (fail_on_errors != 0 && errors >= fail_on_errors) break;
      Operation& op = parsed[i];
      std::string path = op.path;
      std::string data = op.has_data ? op.data.serialize() : "";
      if (Resolve(&path, created) || Resolve(&data, created)) continue;
      done[i] = true;
      progress = true;
      std::vector<std::string> segs =
          absl::StrSplit(path, '/', absl::SkipEmpty());
      RequestContext sub = ctx;
      sub.query.clear();
      // The audit trail names the operation, not the /Bulk POST carrying it.
      sub.caller.operation = op.method == "PATCH" ? "patch" : "";
      sub.caller.RestartBudget();
      if (!op.version.empty()) sub.headers["if-match"] = op.version;
      web::http::http_response response;
      bool users = !segs.empty() && absl::EqualsIgnoreCase(segs[0], "Users");
      bool groups = !segs.empty() && absl::EqualsIgnoreCase(segs[0], "Groups");
      bool id_ok = (op.method == "POST") == (segs.size() == 1);
      if ((!users && !groups) || segs.size() > 2 || !id_ok) {
        response = ErrorResponse(InvalidValue(
            "path '" + op.path + "' must be /Users or /Groups for POST, and " +
            "/Users/{id} or /Groups/{id} otherwise"));
      } else {
        std::string id = segs.size() == 2 ? segs[1] : "";
        response = users ? users_->Handle(op.method, id, data, sub)
                         : groups_->Handle(op.method, id, data, sub);
      }
      if (response.status_code() >= 400) ++errors;
      if (op.method == "POST" && response.status_code() == 201) {
        auto location = response.headers().find("Location");
        if (location != response.headers().end()) {
          std::string loc = location->second;
          created[op.bulk_id] = loc.substr(loc.rfind('/') + 1);
        }
      }
      results[i] = ResultFor(op, response);
    }
  }
  value out = value::object();
  out["schemas"] = value::array({value::string(kBulkResponseSchema)});
  std::vector<value> answered;
  for (size_t i = 0; i < parsed.size(); ++i) {
    if (done[i]) {
      answered.push_back(results[i]);
    } else if (fail_on_errors == 0 || errors < fail_on_errors) {
      // Never resolvable: it names a bulkId no operation created.
      std::string path = parsed[i].path;
      std::string data = parsed[i].has_data ? parsed[i].data.serialize() : "";
      std::optional<std::string> missing = Resolve(&path, created);
      if (!missing) missing = Resolve(&data, created);
      answered.push_back(ErrorResult(
          parsed[i],
          WithScimType(absl::AlreadyExistsError(
                           "bulkId '" + missing.value_or("") +
                           "' is not created by any operation of this request"),
                       "invalidValue")));
    }
  }
  out["Operations"] = value::array(std::move(answered));
  return JsonResponse(status_codes::OK, out);
}

}  // namespace scim::edge
