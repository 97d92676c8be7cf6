#include "base/sha256.h"

#include <gtest/gtest.h>

namespace strata {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256::Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256::Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256::Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256::Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, IncrementalEqualsOneShot) {
  Sha256 h;
  h.Update("hello ");
  h.Update("world");
  auto d = h.Finish();
  EXPECT_EQ(ToHex(d.data(), d.size()), Sha256::Hex("hello world"));
}

TEST(Sha256, Hmac) {  // RFC 4231, test cases 1 and 2
  auto a = HmacSha256(std::string(20, '\x0b'), "Hi There");
  EXPECT_EQ(ToHex(a.data(), a.size()), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  auto b = HmacSha256("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(ToHex(b.data(), b.size()), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  auto c = HmacSha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First");
  EXPECT_EQ(ToHex(c.data(), c.size()), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Sha256, Base64) {  // RFC 4648, section 10
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
}

// The expected secrets are what Python's hashlib.pbkdf2_hmac and hmac give for them; the
// dev cluster's tests log in with such a secret (DevClusterTest).
TEST(Sha256, ScramSecret) {
  EXPECT_EQ(ScramSha256Secret("pencil", "saltsaltsaltsalt", 1),
            "SCRAM-SHA-256$1:c2FsdHNhbHRzYWx0c2FsdA==$2hJY1rsYefWD9oURRf/53ERa5yuxeTgsKRdQeL8KRog=:"
            "a1vLGnTkCh0Wj17S3eXsdS+uXZC4iJMFnWZOYjUksLY=");
  EXPECT_EQ(ScramSha256Secret("pencil", "saltsaltsaltsalt", 16),
            "SCRAM-SHA-256$16:c2FsdHNhbHRzYWx0c2FsdA==$1I9Cus0nE40oJBdN02ZU9BdyQ3PWZLCRM3s2rrexorg=:"
            "L3/Yu60qP0Jb8xjfSeq6OveVsXCu7x+fbiacq+Jbzs4=");
  EXPECT_EQ(ScramSha256Secret("pencil", "saltsaltsaltsalt", 4096),
            "SCRAM-SHA-256$4096:c2FsdHNhbHRzYWx0c2FsdA==$Y7KMtnzzL+zDqi0RtBNdAPJekq+PCg4eCcAMKDtLILQ=:"
            "c1MMj1kLUJb96FIM7IjzQUXiW2pIi8LDbQl55vL1oRo=");
}

}  // namespace strata
