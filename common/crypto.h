#ifndef SCIM_COMMON_CRYPTO_H_
#define SCIM_COMMON_CRYPTO_H_

#include <string>
#include <string_view>

namespace scim {

// `n` bytes from the OS CSPRNG, hex-encoded (2n characters).
std::string RandomHex(size_t n);

// A new API token secret: 256 random bits, URL-safe base64, prefixed "scim_".
std::string NewTokenSecret();

// A random (version 4) UUID in its usual 8-4-4-4-12 form.
std::string NewUuid();

// A version 4 UUID for ids that must be unique but need not be
// unpredictable (request ids, audit event ids): from a per-thread generator
// seeded once from the CSPRNG, so it costs a tenth of NewUuid on every
// request. Never use it for anything secret.
std::string NewFastUuid();

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// Compares without an early exit, so timing says nothing about the contents.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace scim

#endif  // SCIM_COMMON_CRYPTO_H_
