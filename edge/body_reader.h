#ifndef SCIM_EDGE_BODY_READER_H_
#define SCIM_EDGE_BODY_READER_H_

#include <cpprest/http_msg.h>

#include <cstddef>
#include <functional>
#include <string>

namespace scim::edge {

// A request body as far as the edge keeps it.
struct ReceivedBody {
  // The body; empty once it is too large.
  std::string text;
  bool too_large = false;
  // The Content-Length it declared, or 0 when it sent none (chunked).
  size_t declared_length = 0;
  // Why the body could not be read (the client went away mid-body).
  std::string error;
};

// Reads `request`'s body as it arrives and calls `done` once: when the body
// has ended, or as soon as more than `limit` bytes are known to come (a
// Content-Length above it, or that many bytes of a chunked body). Past the
// limit the rest is still read but dropped, so memory stays bounded whatever
// a client sends and the connection stays in step for the response, which
// cpprestsdk writes once the whole request is in.
void ReadBody(web::http::http_request request, size_t limit,
              std::function<void(ReceivedBody)> done);

// Whether the request says a body follows (Content-Length above 0 or a
// Transfer-Encoding); one that does on a method taking none is still read,
// by DrainBody, and dropped rather than buffered.
bool DeclaresBody(const web::http::http_request& request);
void DrainBody(web::http::http_request request);

}  // namespace scim::edge

#endif  // SCIM_EDGE_BODY_READER_H_
