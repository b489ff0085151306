#include "edge/bulk_handler.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>
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

// The bulkIds that "bulkId:<id>" references in `text` name, in order.
std::vector<std::string> References(const std::string& text) {
  std::vector<std::string> refs;
  size_t pos = 0;
  while ((pos = text.find(kBulkIdPrefix, pos)) != std::string::npos) {
    size_t start = pos + sizeof(kBulkIdPrefix) - 1;
    size_t end = start;
    while (end < text.size() && text[end] != '"' && text[end] != '/' &&
           text[end] != '\\') {
      ++end;
    }
    refs.push_back(text.substr(start, end - start));
    pos = end;
  }
  return refs;
}

// Replaces every "bulkId:<id>" in `text` with the id it created; each
// reference is known to be in `created`.
void Substitute(std::string* text,
                const std::map<std::string, std::string>& created) {
  size_t pos = 0;
  while ((pos = text->find(kBulkIdPrefix, pos)) != std::string::npos) {
    size_t start = pos + sizeof(kBulkIdPrefix) - 1;
    size_t end = start;
    while (end < text->size() && (*text)[end] != '"' && (*text)[end] != '/' &&
           (*text)[end] != '\\') {
      ++end;
    }
    auto it = created.find(text->substr(start, end - start));
    if (it == created.end()) {
      pos = end;
      continue;
    }
    text->replace(pos, end - pos, it->second);
    pos += it->second.size();
  }
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

// References to later POSTs are followed at most this deep, which bounds
// the recursion whatever the request holds.
constexpr size_t kMaxBulkIdDepth = 32;

std::string OperationName(size_t index) {
  return "Operations[" + std::to_string(index) + "]";
}

// One Bulk request being run (RFC 7644 §3.7.3): operations in request order,
// each counted as it finishes, stopping once `failOnErrors` have failed, so
// nothing after the last counted failure runs or is answered. An operation
// that references the bulkId of a later POST runs that POST first (§3.7.2);
// a cycle of such references fails with 409 naming it.
class BulkRun {
 public:
  BulkRun(const UsersHandler* users, const GroupsHandler* groups,
          const RequestContext& ctx,
          std::vector<absl::StatusOr<Operation>> operations, int fail_on_errors)
      : users_(users),
        groups_(groups),
        ctx_(ctx),
        operations_(std::move(operations)),
        fail_on_errors_(fail_on_errors),
        state_(operations_.size(), State::kPending),
        results_(operations_.size()) {
    for (size_t i = 0; i < operations_.size(); ++i) {
      const auto& op = operations_[i];
      if (op.ok() && op->method == "POST") definer_.emplace(op->bulk_id, i);
    }
  }

  void RunAll() {
    for (size_t i = 0; i < operations_.size() && !Stopped(); ++i) Run(i);
  }

  // The results of the operations that ran, in request order.
  std::vector<value> Results() {
    std::vector<value> out;
    for (auto& r : results_) {
      if (r.has_value()) out.push_back(std::move(*r));
    }
    return out;
  }

 private:
  enum class State { kPending, kRunning, kDone };

  bool Stopped() const {
    return fail_on_errors_ > 0 && errors_ >= fail_on_errors_;
  }

  void Finish(size_t i, value result, bool failed) {
    results_[i] = std::move(result);
    state_[i] = State::kDone;
    if (failed) ++errors_;
  }

  void Fail(size_t i, const Operation& op, const absl::Status& status) {
    Finish(i, ErrorResult(op, status), true);
  }

  // "Operations[2] (bulkId u1) -> Operations[0] (bulkId g1) -> ..." from
  // the running operation `from` to the one about to run.
  std::string Cycle(size_t from, size_t to) const {
    std::string out;
    bool on = false;
    for (size_t k : running_) {
      on |= k == from;
      if (!on) continue;
      out += OperationName(k) + " (bulkId " + operations_[k]->bulk_id + ") -> ";
    }
    return out + OperationName(to);
  }

  // Runs the POSTs whose bulkIds `text` references. OK when all created
  // their resource; `*stopped` when failOnErrors was reached meanwhile.
  absl::Status RunDependencies(size_t i, const std::string& text,
                               bool* stopped) {
    for (const std::string& ref : References(text)) {
      if (created_.count(ref) > 0) continue;
      auto d = definer_.find(ref);
      if (d == definer_.end()) {
        return InvalidValue(OperationName(i) + " refers to bulkId '" + ref +
                            "', which no POST of this request defines");
      }
      size_t j = d->second;
      if (state_[j] == State::kRunning) {
        return absl::AbortedError(
            "circular bulkId references: " + Cycle(j, j) +
            "; create the resources first and link them in a later request "
            "or operation");
      }
      if (state_[j] == State::kPending) {
        if (running_.size() >= kMaxBulkIdDepth) {
          return InvalidValue(OperationName(i) +
                              ": bulkId references to later operations nest "
                              "deeper than " +
                              std::to_string(kMaxBulkIdDepth) +
                              "; order the operations so each POST comes "
                              "before its uses");
        }
        Run(j);
        if (Stopped() && state_[j] == State::kPending) {
          *stopped = true;
          return absl::OkStatus();
        }
      }
      if (created_.count(ref) == 0) {
        return absl::AbortedError(OperationName(i) + " refers to bulkId '" +
                                  ref + "', whose POST (" + OperationName(j) +
                                  ") failed");
      }
    }
    return absl::OkStatus();
  }

  void Run(size_t i) {
    if (state_[i] != State::kPending || Stopped()) return;
    const absl::StatusOr<Operation>& parsed = operations_[i];
    if (!parsed.ok()) {
      Fail(i, Operation{}, parsed.status());
      return;
    }
    const Operation& op = *parsed;
    if (op.method == "POST" && definer_.at(op.bulk_id) != i) {
      Fail(i, op,
           InvalidValue(OperationName(i) + ": bulkId '" + op.bulk_id +
                        "' is already used by " +
                        OperationName(definer_.at(op.bulk_id)) +
                        "; give each POST its own bulkId"));
      return;
    }
    std::string path = op.path;
    std::string data = op.has_data ? op.data.serialize() : "";
    state_[i] = State::kRunning;
    running_.push_back(i);
    bool stopped = false;
    absl::Status deps = RunDependencies(i, path, &stopped);
    if (deps.ok() && !stopped) deps = RunDependencies(i, data, &stopped);
    running_.pop_back();
    state_[i] = State::kPending;
    if (stopped || Stopped()) return;  // not run, so not answered
    if (!deps.ok()) {
      Fail(i, op, deps);
      return;
    }
    Substitute(&path, created_);
    Substitute(&data, created_);
    web::http::http_response response = Dispatch(op, path, data);
    if (op.method == "POST" && response.status_code() == 201) {
      auto location = response.headers().find("Location");
      if (location != response.headers().end()) {
        const std::string& loc = location->second;
        created_[op.bulk_id] = loc.substr(loc.rfind('/') + 1);
      }
    }
    bool failed = response.status_code() >= 400;
    Finish(i, ResultFor(op, response), failed);
  }

  web::http::http_response Dispatch(const Operation& op,
                                    const std::string& path,
                                    const std::string& data) const {
    std::vector<std::string> segs =
        absl::StrSplit(path, '/', absl::SkipEmpty());
    RequestContext sub = ctx_;
    sub.query.clear();
    // Only the operation's own version is a precondition, never a header
    // of the /Bulk POST carrying it.
    sub.headers.erase("if-match");
    if (!op.version.empty()) sub.headers["if-match"] = op.version;
    // The audit trail names the operation, not the /Bulk POST carrying it.
    sub.caller.operation = op.method == "PATCH" ? "patch" : "";
    // Each operation gets a whole deadline, as a request of its own.
    sub.caller.RestartBudget();
    bool users = !segs.empty() && absl::EqualsIgnoreCase(segs[0], "Users");
    bool groups = !segs.empty() && absl::EqualsIgnoreCase(segs[0], "Groups");
    bool id_ok = (op.method == "POST") == (segs.size() == 1);
    if ((!users && !groups) || segs.size() > 2 || !id_ok) {
      return ErrorResponse(InvalidValue(
          "path '" + op.path + "' must be /Users or /Groups for POST, and " +
          "/Users/{id} or /Groups/{id} otherwise"));
    }
    std::string id = segs.size() == 2 ? segs[1] : "";
    return users ? users_->Handle(op.method, id, data, sub)
                 : groups_->Handle(op.method, id, data, sub);
  }

  const UsersHandler* users_;
  const GroupsHandler* groups_;
  const RequestContext& ctx_;
  std::vector<absl::StatusOr<Operation>> operations_;
  int fail_on_errors_;
  std::vector<State> state_;
  std::vector<std::optional<value>> results_;
  std::map<std::string, size_t> definer_;       // bulkId -> its first POST
  std::map<std::string, std::string> created_;  // bulkId -> id created
  std::vector<size_t> running_;  // operations waiting on their dependencies
  int errors_ = 0;
};

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
  BulkRun run(users_, groups_, ctx, std::move(request->operations),
              request->fail_on_errors);
  run.RunAll();
  value out = value::object();
  out["schemas"] = value::array({value::string(kBulkResponseSchema)});
  out["Operations"] = value::array(run.Results());
  return JsonResponse(status_codes::OK, out);
}

}  // namespace scim::edge
