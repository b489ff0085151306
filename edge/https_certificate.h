#ifndef SCIM_EDGE_HTTPS_CERTIFICATE_H_
#define SCIM_EDGE_HTTPS_CERTIFICATE_H_

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace scim::edge {

// The edge's HTTPS certificate chain and key (SCIM_TLS_CERT, SCIM_TLS_KEY).
// Read and checked once at start-up, so a bad file stops the edge there
// instead of failing every handshake; cpprestsdk builds a TLS context per
// connection, which Configure fills from memory.
class HttpsCertificate {
 public:
  static absl::StatusOr<std::shared_ptr<const HttpsCertificate>> Load(
      const std::string& cert_file, const std::string& key_file);

  // Sets up one connection's context: TLS 1.2 or later, this certificate.
  // Never throws (it runs inside cpprestsdk's accept handler).
  void Configure(boost::asio::ssl::context& context) const;

 private:
  HttpsCertificate(std::string cert_pem, std::string key_pem)
      : cert_pem_(std::move(cert_pem)), key_pem_(std::move(key_pem)) {}
  // Loads both into `context`; the error names the setting to fix.
  absl::Status Apply(boost::asio::ssl::context& context) const;

  std::string cert_pem_;
  std::string key_pem_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_HTTPS_CERTIFICATE_H_
