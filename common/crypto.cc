#include "common/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstring>
#include <memory>
#include <random>
#include <stdexcept>
#include <vector>

namespace scim {
namespace {

std::vector<unsigned char> RandomBytes(size_t n) {
  std::vector<unsigned char> buf(n);
  if (RAND_bytes(buf.data(), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return buf;
}

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

std::string UuidFrom(std::vector<unsigned char> b) {
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  std::string hex = Hex(b.data(), b.size());
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) +
         "-" + hex.substr(16, 4) + "-" + hex.substr(20);
}

}  // namespace

std::string RandomHex(size_t n) {
  auto bytes = RandomBytes(n);
  return Hex(bytes.data(), n);
}

std::string NewTokenSecret() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  auto bytes = RandomBytes(32);
  std::string out = "scim_";
  // 6 bits per character; 43 characters carry the 256 bits.
  unsigned bits = 0;
  int nbits = 0;
  for (unsigned char b : bytes) {
    bits = (bits << 8) | b;
    nbits += 8;
    while (nbits >= 6) {
      out.push_back(kAlphabet[(bits >> (nbits - 6)) & 63]);
      nbits -= 6;
    }
  }
  if (nbits > 0) out.push_back(kAlphabet[(bits << (6 - nbits)) & 63]);
  return out;
}

std::string NewUuid() {
  // OpenSSL 3 looks the generator up and takes its lock on every RAND_bytes
  // call: one call per new user was 2.6% of identity-service's CPU per
  // create (perf), for 16 bytes. Ids are cut from a per-thread buffer of its
  // output instead; token secrets still come straight from RAND_bytes.
  constexpr size_t kUuidBytes = 16;
  constexpr size_t kBufferedUuids = 32;
  thread_local unsigned char buffer[kUuidBytes * kBufferedUuids];
  thread_local size_t used = sizeof(buffer);
  if (used == sizeof(buffer)) {
    if (RAND_bytes(buffer, static_cast<int>(sizeof(buffer))) != 1) {
      throw std::runtime_error("RAND_bytes failed");
    }
    used = 0;
  }
  std::vector<unsigned char> b(buffer + used, buffer + used + kUuidBytes);
  used += kUuidBytes;
  return UuidFrom(std::move(b));
}

std::string NewFastUuid() {
  thread_local std::mt19937_64 generator = [] {
    auto seed = RandomBytes(sizeof(uint64_t) * 4);
    std::seed_seq seq(seed.begin(), seed.end());
    return std::mt19937_64(seq);
  }();
  std::vector<unsigned char> b(16);
  uint64_t halves[2] = {generator(), generator()};
  std::memcpy(b.data(), halves, sizeof(halves));
  return UuidFrom(std::move(b));
}

std::string Sha256Hex(std::string_view data) {
  // OpenSSL 3's one-shot SHA256() looks the algorithm up on every call, under
  // a lock shared by every thread, which cost more than the hash: the edge
  // hashes every request's token. The lookup is done once, and each thread
  // keeps its own context.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(
      EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned int length = 0;
  if (sha256 == nullptr || ctx == nullptr ||
      EVP_DigestInit_ex(ctx.get(), sha256, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1 ||
      length != sizeof(digest)) {
    throw std::runtime_error("SHA-256 is not available from OpenSSL");
  }
  return Hex(digest, sizeof(digest));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace scim
