#include "edge/body_reader.h"

#include <array>
#include <memory>
#include <utility>

namespace scim::edge {
namespace {

using web::http::header_names;

// One read loop over a request body's stream, alive while reads are queued.
class Reader : public std::enable_shared_from_this<Reader> {
 public:
  Reader(web::http::http_request request, size_t limit,
         std::function<void(ReceivedBody)> done)
      : buffer_(request.body().streambuf()),
        limit_(limit),
        done_(std::move(done)) {
    if (request.headers().has(header_names::content_length)) {
      body_.declared_length =
          static_cast<size_t>(request.headers().content_length());
      exact_length_ = !request.headers().has(header_names::transfer_encoding);
    }
  }

  void Start() {
    if (body_.declared_length > limit_) TooLarge();
    if (exact_length_ && body_.declared_length == 0) {
      Finish();
      return;
    }
    Next();
  }

 private:
  void Next() {
    auto self = shared_from_this();
    buffer_.getn(chunk_.data(), chunk_.size())
        .then([self](pplx::task<size_t> read) {
          size_t n = 0;
          try {
            n = read.get();
          } catch (const std::exception& e) {
            self->body_.error = e.what();
            self->Finish();
            return;
          }
          if (n == 0) {
            self->Finish();
            return;
          }
          self->Take(n);
          // Once the declared length is in, the body is whole: asking for
          // more would cost one more task (a thread hop) only to learn so.
          if (self->exact_length_ && !self->body_.too_large &&
              self->received_ >= self->body_.declared_length) {
            self->Finish();
            return;
          }
          self->Next();
        });
  }

  void Take(size_t n) {
    received_ += n;
    if (body_.too_large) return;
    if (received_ > limit_) {
      TooLarge();
      return;
    }
    body_.text.append(reinterpret_cast<const char*>(chunk_.data()), n);
  }

  void TooLarge() {
    body_.too_large = true;
    std::string().swap(body_.text);
    Finish();
  }

  // Calls `done_` the first time only.
  void Finish() {
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    try {
      done(std::move(body_));
    } catch (...) {
      // `done` answers the request itself; nothing is left to tell anyone.
    }
  }

  concurrency::streams::streambuf<uint8_t> buffer_;
  size_t limit_;
  std::function<void(ReceivedBody)> done_;
  ReceivedBody body_;
  size_t received_ = 0;
  // A Content-Length without a Transfer-Encoding: the body is exactly that.
  bool exact_length_ = false;
  std::array<uint8_t, 16 << 10> chunk_;
};

}  // namespace

void ReadBody(web::http::http_request request, size_t limit,
              std::function<void(ReceivedBody)> done) {
  std::make_shared<Reader>(std::move(request), limit, std::move(done))->Start();
}

bool DeclaresBody(const web::http::http_request& request) {
  return request.headers().has(header_names::transfer_encoding) ||
         request.headers().content_length() > 0;
}

void DrainBody(web::http::http_request request) {
  ReadBody(std::move(request), 0, [](ReceivedBody) {});
}

}  // namespace scim::edge
