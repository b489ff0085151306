#include "edge/https_certificate.h"

#include <openssl/ssl.h>

#include <boost/asio/buffer.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/status/status.h"

namespace scim::edge {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     const char* setting) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || text.str().empty()) {
    return absl::InvalidArgumentError(std::string(setting) + ": cannot read '" +
                                      path + "'; name a readable PEM file");
  }
  return text.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<const HttpsCertificate>> HttpsCertificate::Load(
    const std::string& cert_file, const std::string& key_file) {
  if (cert_file.empty() || key_file.empty()) {
    return absl::InvalidArgumentError(
        "SCIM_TLS_CERT and SCIM_TLS_KEY go together; set both (HTTPS) or "
        "neither (plain HTTP)");
  }
  absl::StatusOr<std::string> cert = ReadFile(cert_file, "SCIM_TLS_CERT");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadFile(key_file, "SCIM_TLS_KEY");
  if (!key.ok()) return key.status();
  std::shared_ptr<const HttpsCertificate> out(
      new HttpsCertificate(*std::move(cert), *std::move(key)));
  boost::asio::ssl::context probe(boost::asio::ssl::context::tls_server);
  if (absl::Status s = out->Apply(probe); !s.ok()) return s;
  if (SSL_CTX_check_private_key(probe.native_handle()) != 1) {
    return absl::InvalidArgumentError(
        "SCIM_TLS_KEY '" + key_file +
        "' is not the private key of the certificate in SCIM_TLS_CERT '" +
        cert_file + "'");
  }
  return out;
}

absl::Status HttpsCertificate::Apply(boost::asio::ssl::context& context) const {
  boost::system::error_code ec;
  context.use_certificate_chain(boost::asio::buffer(cert_pem_), ec);
  if (ec) {
    return absl::InvalidArgumentError(
        "SCIM_TLS_CERT holds no usable PEM certificate chain (" + ec.message() +
        ")");
  }
  context.use_private_key(boost::asio::buffer(key_pem_),
                          boost::asio::ssl::context::pem, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        "SCIM_TLS_KEY holds no usable PEM private key (" + ec.message() + ")");
  }
  return absl::OkStatus();
}

void HttpsCertificate::Configure(boost::asio::ssl::context& context) const {
  boost::system::error_code ec;
  context.set_options(boost::asio::ssl::context::default_workarounds |
                          boost::asio::ssl::context::no_sslv2 |
                          boost::asio::ssl::context::no_sslv3 |
                          boost::asio::ssl::context::no_tlsv1 |
                          boost::asio::ssl::context::no_tlsv1_1,
                      ec);
  if (absl::Status s = Apply(context); !s.ok() || ec) {
    // Checked at start-up, so only memory exhaustion gets here; the
    // handshake of this one connection then fails.
    std::cerr << "scim-edge: TLS context: "
              << (ec ? ec.message() : std::string(s.message())) << std::endl;
  }
}

}  // namespace scim::edge
