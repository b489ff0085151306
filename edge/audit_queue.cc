#include "edge/audit_queue.h"

#include <cpprest/json.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <iostream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "common/crypto.h"
#include "common/status_map.h"
#include "common/time_util.h"

namespace scim::edge {
namespace {

namespace apb = scim::audit::v1;

// An error detail is a sentence for an administrator; anything longer is a
// client echo nobody needs in the trail.
constexpr size_t kMaxDetail = 2000;
constexpr char kRedacted[] = "[redacted]";

bool Is(const std::string& a, const char* b) {
  return absl::EqualsIgnoreCase(a, b);
}

// The operation the request asked for, in the words of recorded changes.
std::string OperationOf(const RequestAudit& r) {
  const std::string& m = r.method;
  if (Is(r.resource, "Users") || Is(r.resource, "Groups")) {
    if (r.resource_id == ".search") return "search";
    if (r.resource_id.empty()) {
      if (Is(m, "GET")) return "list";
      if (Is(m, "POST")) return "create";
    } else {
      if (Is(m, "GET")) return "read";
      if (Is(m, "PUT")) return "replace";
      if (Is(m, "PATCH")) return "patch";
      if (Is(m, "DELETE")) return "delete";
    }
  }
  if (Is(r.resource, "Bulk")) return "bulk";
  if (Is(m, "GET")) return "read";
  return absl::AsciiStrToLower(m);
}

std::string ResourceTypeOf(const std::string& resource) {
  if (Is(resource, "Users")) return "User";
  if (Is(resource, "Groups")) return "Group";
  if (Is(resource, "Bulk")) return "Bulk";
  return resource;
}

std::string Scrub(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& s : secrets) {
    if (!s.empty()) text = absl::StrReplaceAll(text, {{s, kRedacted}});
  }
  return text;
}

std::string JsonString(const web::json::value& body, const char* name) {
  if (!body.is_object() || !body.has_field(name)) return "";
  const web::json::value& v = body.at(name);
  return v.is_string() ? v.as_string() : "";
}

}  // namespace

apb::Event RefusedRequestEvent(const RequestAudit& request,
                               const CallerInfo& caller, int http_status,
                               const std::string& error_body,
                               const std::vector<std::string>& secrets) {
  apb::Event e;
  e.set_event_id(NewUuid());
  *e.mutable_time() = NowTimestamp();
  e.set_tenant_id(request.tenant_id.empty() ? kUnauthenticatedTenant
                                            : request.tenant_id);
  e.set_request_id(Scrub(caller.request_id, secrets));
  // "token:<id>" once authenticated; never the token itself.
  e.set_actor(caller.actor);
  e.set_client_address(caller.client_address);
  e.set_operation(OperationOf(request));
  e.set_resource_type(Scrub(ResourceTypeOf(request.resource), secrets));
  e.set_resource_id(Scrub(request.resource_id, secrets));
  e.set_outcome("failure");
  e.set_http_status(http_status);
  e.set_source("scim-edge");
  std::error_code ec;
  web::json::value body = web::json::value::parse(error_body, ec);
  if (!ec) {
    e.set_scim_type(Scrub(JsonString(body, "scimType"), secrets));
    std::string detail = JsonString(body, "detail");
    // The SCIM 1.1 base path answers {"Errors": [{"description": ...}]}.
    if (detail.empty() && body.is_object() && body.has_field("Errors") &&
        body.at("Errors").is_array() && body.at("Errors").size() > 0) {
      detail = JsonString(body.at("Errors").at(0), "description");
    }
    detail = Scrub(std::move(detail), secrets);
    if (detail.size() > kMaxDetail) detail.resize(kMaxDetail);
    e.set_detail(std::move(detail));
  }
  return e;
}

AuditQueue::AuditQueue(apb::AuditService::StubInterface* stub, Options options)
    : stub_(stub), options_(options), thread_([this] { Run(); }) {}

AuditQueue::~AuditQueue() { Stop(std::chrono::milliseconds(0)); }

bool AuditQueue::Enqueue(apb::Event event) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= options_.capacity) {
      ++stats_.dropped;
      if (!drop_reported_) {
        drop_reported_ = true;
        std::cerr << "scim-edge: audit queue full (" << options_.capacity
                  << " events): dropping refused-request events and "
                     "counting them"
                  << std::endl;
      }
      return false;
    }
    queue_.push_back(std::move(event));
    ++stats_.enqueued;
  }
  cv_.notify_one();
  return true;
}

void AuditQueue::Stop(std::chrono::milliseconds grace) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    stop_by_ = std::chrono::steady_clock::now() + grace;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  Stats s = stats();
  if (s.dropped > 0) {
    std::cerr << "scim-edge: audit queue stopped; " << s.shipped
              << " refused-request events shipped, " << s.dropped << " dropped"
              << std::endl;
  }
}

AuditQueue::Stats AuditQueue::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = stats_;
  s.queued = queue_.size();
  return s;
}

absl::Status AuditQueue::Send(const std::vector<apb::Event>& batch) {
  apb::RecordEventsRequest request;
  for (const apb::Event& e : batch) *request.add_events() = e;
  grpc::ClientContext context;
  context.set_deadline(DeadlineAfter(options_.deadline));
  apb::RecordEventsResponse response;
  grpc::Status status = stub_->RecordEvents(&context, request, &response);
  return FromGrpc(context, status);
}

void AuditQueue::Run() {
  std::vector<apb::Event> batch;
  auto backoff = options_.initial_backoff;
  bool failing = false;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (batch.empty()) {
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        while (!queue_.empty() &&
               static_cast<int>(batch.size()) < options_.batch_size) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      if (stopping_ && std::chrono::steady_clock::now() >= stop_by_) {
        stats_.dropped += batch.size() + queue_.size();
        queue_.clear();
        return;
      }
    }
    // Outside the lock: the request threads keep enqueueing meanwhile.
    absl::Status sent = Send(batch);
    std::unique_lock<std::mutex> lock(mu_);
    if (sent.ok() || absl::IsInvalidArgument(sent)) {
      if (sent.ok()) {
        stats_.shipped += batch.size();
      } else {
        // Retrying a batch audit-service refuses would block every later
        // event; it cannot happen with events built by RefusedRequestEvent.
        stats_.dropped += batch.size();
        std::cerr << "scim-edge: audit-service refused " << batch.size()
                  << " events (" << sent.message() << "); dropped" << std::endl;
      }
      batch.clear();
      backoff = options_.initial_backoff;
      if (failing) {
        std::cerr << "scim-edge: audit-service is back; " << stats_.dropped
                  << " refused-request events dropped so far" << std::endl;
        failing = false;
      }
      drop_reported_ = false;
      continue;
    }
    if (!failing) {
      std::cerr << "scim-edge: cannot record refused requests ("
                << sent.message() << "); retrying, queueing up to "
                << options_.capacity << std::endl;
      failing = true;
    }
    // The same batch goes again, with the same event ids, so one that did
    // arrive before its acknowledgement was lost is not stored twice.
    auto wake = std::chrono::steady_clock::now() + backoff;
    if (stopping_) wake = std::min(wake, stop_by_);
    // New events must not cut the backoff short: a flood of refusals during
    // an outage would otherwise hammer audit-service.
    cv_.wait_until(lock, wake, [&] {
      return stopping_ && std::chrono::steady_clock::now() >= stop_by_;
    });
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace scim::edge
