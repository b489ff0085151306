// The digests and ids common/crypto.cc hands out: token hashes must match
// what older versions stored, from any number of threads at once, and user
// ids must stay random version-4 UUIDs.
#include "common/crypto.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace scim {
namespace {

TEST(Sha256HexTest, MatchesTheStandardVectors) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(
      Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256HexTest, ThreadsHashingAtOnceEachGetTheirOwnDigest) {
  std::vector<std::string> got(8);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&got, t] {
      std::string last;
      for (int i = 0; i < 2000; ++i) last = Sha256Hex(std::to_string(t));
      got[t] = last;
    });
  }
  for (auto& t : threads) t.join();
  for (size_t t = 0; t < got.size(); ++t) {
    EXPECT_EQ(got[t], Sha256Hex(std::to_string(t))) << t;
  }
  EXPECT_NE(got[0], got[1]);
}

TEST(NewUuidTest, IdsAreDistinctVersion4UuidsOnEveryThread) {
  std::vector<std::vector<std::string>> ids(4);
  std::vector<std::thread> threads;
  for (auto& out : ids) {
    threads.emplace_back([&out] {
      // More than one refill of the per-thread buffer.
      for (int i = 0; i < 100; ++i) out.push_back(NewUuid());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> seen;
  for (const auto& out : ids) {
    for (const std::string& id : out) {
      ASSERT_EQ(id.size(), 36u) << id;
      EXPECT_EQ(id[8], '-');
      EXPECT_EQ(id[13], '-');
      EXPECT_EQ(id[18], '-');
      EXPECT_EQ(id[23], '-');
      EXPECT_EQ(id[14], '4') << "version 4: " << id;
      EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos)
          << "RFC 4122 variant: " << id;
      EXPECT_TRUE(seen.insert(id).second) << "repeated: " << id;
    }
  }
  EXPECT_EQ(seen.size(), 400u);
}

}  // namespace
}  // namespace scim
