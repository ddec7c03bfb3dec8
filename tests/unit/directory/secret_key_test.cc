#include "directory/secret_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

namespace cartable::directory {
namespace {

std::string Bytes0To31() {
  std::string k;
  for (int i = 0; i < 32; ++i) k += static_cast<char>(i);
  return k;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "secret-key-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

mode_t Mode(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

void Write(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

// Expected values computed independently with Python's hashlib:
//   blake2b(len(purpose).to_bytes(8, 'little') + purpose + value, key=bytes(range(32)),
//           digest_size=32).hexdigest()
TEST(SecretKeyTest, HashIsKeyedBlake2bSeparatedByPurpose) {
  SecretKey key = SecretKey::FromBytes(Bytes0To31());
  EXPECT_EQ(key.Hash("numen", "1234567890ABC"),
            "db57c1bbf934a56fe9f606fd7379d76966048129e23f9759001c12abde1573ab");
  EXPECT_EQ(key.Hash("birth", "1985-03-15"),
            "71bdf7ab20c6f8bcaa2cba203f5072748768908ce871c66075b465166c461084");
  EXPECT_NE(key.Hash("numen", "x"), key.Hash("session", "x"));
  EXPECT_NE(key.Hash("ab", "c"), key.Hash("a", "bc"));  // the purpose is length-prefixed
  SecretKey other = SecretKey::FromBytes(std::string(32, 'k'));
  EXPECT_NE(key.Hash("numen", "1234567890ABC"), other.Hash("numen", "1234567890ABC"));
}

TEST(SecretKeyTest, SealOpensOnlyWithTheSameKeyAndUntampered) {
  SecretKey key = SecretKey::FromBytes(Bytes0To31());
  std::string sealed = key.Seal("JBSWY3DPEHPK3PXP");
  EXPECT_EQ(key.Open(sealed), "JBSWY3DPEHPK3PXP");
  EXPECT_NE(key.Seal("JBSWY3DPEHPK3PXP"), sealed);  // random nonce
  EXPECT_EQ(
      sealed.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);  // URL-safe, unpadded: form and JSON friendly
  EXPECT_EQ(SecretKey::FromBytes(std::string(32, 'k')).Open(sealed), std::nullopt);
  std::string tampered = sealed;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(key.Open(tampered), std::nullopt);
  EXPECT_EQ(key.Open(sealed.substr(0, 20)), std::nullopt);
  EXPECT_EQ(key.Open(""), std::nullopt);
  EXPECT_EQ(key.Open("not base64 at all!"), std::nullopt);
  EXPECT_EQ(key.Open(key.Seal("")), "");
  // Sealed values are short secrets: longer input is refused before it is decoded.
  const std::string long_secret(3000, 's');
  EXPECT_EQ(key.Open(key.Seal(long_secret)), long_secret);  // 4,056 characters sealed
  EXPECT_EQ(key.Open(key.Seal(std::string(3100, 's'))), std::nullopt);
}

TEST(SecretKeyTest, LoadOrCreateMakesAPrivateFileOnceAndReadsItBack) {
  TempDir dir;
  const std::string path = dir / "data/keys/secret.key";
  Result<SecretKey> a = SecretKey::LoadOrCreate(path);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(Mode(path), 0600u);
  EXPECT_EQ(Mode(dir / "data/keys"), 0700u);
  EXPECT_EQ(Mode(dir / "data"), 0700u);
  EXPECT_EQ(std::filesystem::file_size(path), 32u);
  Result<SecretKey> b = SecretKey::LoadOrCreate(path);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->Hash("numen", "x"), b->Hash("numen", "x"));
  EXPECT_EQ(b->Open(a->Seal("secret")), "secret");
  // No temporary file left behind.
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir / "data/keys")) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST(SecretKeyTest, LoadOrCreateReadsRawOrHexKeys) {
  TempDir dir;
  Write(dir / "raw.key", Bytes0To31());
  Write(dir / "hex.key", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
  Result<SecretKey> raw = SecretKey::LoadOrCreate(dir / "raw.key");
  Result<SecretKey> hex = SecretKey::LoadOrCreate(dir / "hex.key");
  ASSERT_TRUE(raw.ok() && hex.ok());
  const std::string expected = SecretKey::FromBytes(Bytes0To31()).Hash("numen", "1234567890ABC");
  EXPECT_EQ(raw->Hash("numen", "1234567890ABC"), expected);
  EXPECT_EQ(hex->Hash("numen", "1234567890ABC"), expected);
}

TEST(SecretKeyTest, LoadOrCreateRefusesWrongSizesAndUnreadablePaths) {
  TempDir dir;
  Write(dir / "short.key", std::string(31, 'x'));
  Result<SecretKey> k = SecretKey::LoadOrCreate(dir / "short.key");
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.status().message().find("wrong size"), std::string::npos);
  EXPECT_FALSE(SecretKey::LoadOrCreate(dir / "").ok());  // a directory
  Write(dir / "file", "x");
  EXPECT_FALSE(SecretKey::LoadOrCreate(dir / "file/secret.key").ok());  // parent not a dir
  EXPECT_FALSE(SecretKey::LoadOrCreate("").ok());
}

// Concurrent first starts (several nodes, or the CLI and the server) end with one key.
TEST(SecretKeyTest, ConcurrentCreationAgreesOnOneKey) {
  TempDir dir;
  const std::string path = dir / "secret.key";
  std::vector<std::string> hashes(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < hashes.size(); ++i) {
    threads.emplace_back([&, i] {
      Result<SecretKey> k = SecretKey::LoadOrCreate(path);
      hashes[i] = k.ok() ? k->Hash("t", "v") : "error: " + k.status().ToString();
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& h : hashes) EXPECT_EQ(h, hashes[0]);
  EXPECT_EQ(hashes[0].size(), 64u);
}

TEST(SecretKeyTest, NormalNumenIsUpperCaseWithoutBlanks) {
  EXPECT_EQ(NormalNumen(" 12 e3456789 abc\t"), "12E3456789ABC");
  EXPECT_EQ(NormalNumen("12\xC2\xA0"
                        "E3456789ABC"),
            "12E3456789ABC");  // a no-break space copied from a PDF
}

TEST(SecretKeyTest, NormalBirthDateAcceptsFrenchAndIsoRealDates) {
  EXPECT_EQ(NormalBirthDate("15/03/1985"), "1985-03-15");
  EXPECT_EQ(NormalBirthDate("5/3/1985"), "1985-03-05");
  EXPECT_EQ(NormalBirthDate(" 1985-03-15 "), "1985-03-15");
  EXPECT_EQ(NormalBirthDate("29/02/2000"), "2000-02-29");  // leap (divisible by 400)
  EXPECT_EQ(NormalBirthDate("1996-02-29"), "1996-02-29");
  EXPECT_EQ(NormalBirthDate("31/12/1900"), "1900-12-31");
  for (const char* bad :
       {"29/02/1900",  "29/02/1985", "31/04/1985", "00/01/1985", "32/01/1985", "15/13/1985",
        "15/00/1985",  "1985-3-15",  "15-03-1985", "15.03.1985", "15/03/85",   "1985/03/15",
        "15/03/1985x", "",           "  ",         "31/12/1899", "01/01/3000", "1985-02-30",
        "015/03/1985", "+5/03/1985"}) {
    EXPECT_EQ(NormalBirthDate(bad), std::nullopt) << bad;
  }
}

TEST(SecretKeyTest, NormalLastNameIgnoresAccentsCaseBlanksHyphensApostrophes) {
  EXPECT_EQ(NormalLastName("Le Gall-Dubois"), NormalLastName("LE GALL DUBOIS"));
  EXPECT_EQ(NormalLastName("Le Gall-Dubois"), "legalldubois");
  EXPECT_EQ(NormalLastName("N\xE2\x80\x99"
                           "Diaye"),
            NormalLastName("ndiaye"));  // typographic apostrophe
  EXPECT_EQ(NormalLastName("Lefèvre"), NormalLastName("LEFEVRE"));
  EXPECT_NE(NormalLastName("Martin"), NormalLastName("Martine"));
}

TEST(SecretKeyTest, RandomTokensAreLowercaseBase32AndDistinct) {
  EXPECT_EQ(RandomToken().size(), 32u);    // 20 bytes = 160 bits = 32 characters
  EXPECT_EQ(RandomToken(32).size(), 52u);  // 256 bits -> 52 characters (last one partial)
  EXPECT_EQ(RandomToken(7).size(), 12u);
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string t = RandomToken(10);
    EXPECT_EQ(t.find_first_not_of("abcdefghijklmnopqrstuvwxyz234567"), std::string::npos) << t;
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace cartable::directory
