#include "directory/otp.h"

#include <gtest/gtest.h>
#include <qrencode.h>

#include <cstdio>
#include <regex>
#include <set>

namespace cartable::directory {
namespace {

// RFC 6238 Appendix B: the SHA-1 seed "12345678901234567890" (ASCII), in base32.
constexpr const char* kRfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

// The code the OATH Toolkit's own command computes (an independent implementation of the same
// RFC, run as a separate program), or "" when it failed.
std::string Oathtool(const std::string& secret, int64_t now) {
  const std::string cmd =
      "oathtool --totp -b '" + secret + "' --now '@" + std::to_string(now) + "' 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return "";
  char buf[64] = {};
  std::string out = fgets(buf, sizeof buf, p) != nullptr ? buf : "";
  ::pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

TEST(OtpTest, MatchesTheRfc6238TestVectors) {
  // Appendix B lists 8-digit codes; 6-digit codes are their last six digits (RFC 4226 §5.3).
  EXPECT_EQ(TotpCode(kRfcSecret, 59), "287082");
  EXPECT_EQ(TotpCode(kRfcSecret, 1111111109), "081804");
  EXPECT_EQ(TotpCode(kRfcSecret, 1111111111), "050471");
  EXPECT_EQ(TotpCode(kRfcSecret, 1234567890), "005924");
  EXPECT_EQ(TotpCode(kRfcSecret, 2000000000), "279037");
  EXPECT_EQ(TotpCode(kRfcSecret, 20000000000), "353130");
}

TEST(OtpTest, CodesAgreeWithOathtool) {
  ASSERT_EQ(Oathtool(kRfcSecret, 59), "287082") << "is oathtool installed?";
  std::vector<std::string> secrets = {kRfcSecret, "JBSWY3DPEHPK3PXP"};
  for (int i = 0; i < 3; ++i) secrets.push_back(NewTotpSecret());
  for (const std::string& secret : secrets) {
    for (int64_t now :
         {int64_t{0}, int64_t{1700000000}, int64_t{1765000015}, int64_t{4102444800}}) {
      const std::string theirs = Oathtool(secret, now);
      ASSERT_EQ(theirs.size(), 6u) << secret << " @" << now;
      EXPECT_EQ(TotpCode(secret, now), theirs) << secret << " @" << now;
      // A code oathtool made is accepted, and names its RFC 6238 time step.
      EXPECT_EQ(VerifyTotp(secret, theirs, now), now / 30) << secret << " @" << now;
    }
  }
}

TEST(OtpTest, AcceptsOneStepOfDriftAndNoMore) {
  const std::string secret = NewTotpSecret();
  const int64_t t = 1765000015;  // step 58833333, 15 s into it
  const std::string code = Oathtool(secret, t);
  ASSERT_EQ(code.size(), 6u);
  EXPECT_EQ(VerifyTotp(secret, code, t), t / 30);
  EXPECT_EQ(VerifyTotp(secret, code, t + 30), t / 30);  // the phone is 30 s behind
  EXPECT_EQ(VerifyTotp(secret, code, t - 30), t / 30);  // the phone is 30 s ahead
  EXPECT_EQ(VerifyTotp(secret, code, t + 60), std::nullopt);
  EXPECT_EQ(VerifyTotp(secret, code, t - 60), std::nullopt);
  // The step returned is the code's, not the verifier's: the caller's replay guard compares it.
  EXPECT_EQ(VerifyTotp(secret, Oathtool(secret, t + 30), t), t / 30 + 1);
}

TEST(OtpTest, RefusesMalformedCodesAndSecrets) {
  const std::string code = TotpCode(kRfcSecret, 59);
  EXPECT_EQ(VerifyTotp(kRfcSecret, "287 082", 59), 1);                     // typed with a blank
  EXPECT_EQ(VerifyTotp("gezdgnbvgy3tqojqgezdgnbvgy3tqojq", code, 59), 1);  // lower case
  EXPECT_EQ(VerifyTotp(kRfcSecret, "287083", 59), std::nullopt);
  EXPECT_EQ(VerifyTotp(kRfcSecret, "28708", 59), std::nullopt);
  EXPECT_EQ(VerifyTotp(kRfcSecret, "2870820", 59), std::nullopt);
  EXPECT_EQ(VerifyTotp(kRfcSecret, "94287082", 59), std::nullopt);  // 8 digits
  EXPECT_EQ(VerifyTotp(kRfcSecret, "28708a", 59), std::nullopt);
  EXPECT_EQ(VerifyTotp(kRfcSecret, "", 59), std::nullopt);
  EXPECT_EQ(VerifyTotp("", code, 59), std::nullopt);
  EXPECT_EQ(VerifyTotp("not base32!", code, 59), std::nullopt);
  EXPECT_EQ(TotpCode("not base32!", 59), "");
}

TEST(OtpTest, NewSecretsAre160BitBase32) {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    std::string s = NewTotpSecret();
    EXPECT_TRUE(std::regex_match(s, std::regex("[A-Z2-7]{32}"))) << s;
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 20u);
}

TEST(OtpTest, UriFollowsTheKeyUriFormat) {
  EXPECT_EQ(TotpUri("Cartable", "jmartin", "JBSWY3DPEHPK3PXP"),
            "otpauth://totp/Cartable:jmartin?secret=JBSWY3DPEHPK3PXP&issuer=Cartable"
            "&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(TotpUri("Académie d'Orléans", "a&b", "X"),
            "otpauth://totp/Acad%C3%A9mie%20d%27Orl%C3%A9ans:a%26b?secret=X"
            "&issuer=Acad%C3%A9mie%20d%27Orl%C3%A9ans&algorithm=SHA1&digits=6&period=30");
}

TEST(OtpTest, QrSvgIsACleanScalableSymbolWithAQuietZone) {
  const std::string uri = TotpUri("Cartable", "jmartin", NewTotpSecret());
  const std::string svg = QrSvg(uri);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex("viewBox=\"0 0 (\\d+) (\\d+)\"")));
  const int size = std::stoi(m[1]);
  EXPECT_EQ(m[1], m[2]);
  // Versions 1..40 are 21..177 modules (4 more per version), plus 4 light modules each side.
  EXPECT_EQ((size - 8 - 21) % 4, 0) << size;
  EXPECT_GE(size, 29);
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("shape-rendering=\"crispEdges\""), std::string::npos);
  EXPECT_EQ(svg.substr(svg.size() - 6), "</svg>");
  // The top-left finder pattern starts right after the quiet zone: 7 dark modules in a row.
  EXPECT_NE(svg.find("d=\"M4 4h7v1h-7z"), std::string::npos);
  // Nothing is drawn inside the quiet zone.
  std::regex move("M(\\d+) (\\d+)h(\\d+)");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), move); it != std::sregex_iterator();
       ++it) {
    const int x = std::stoi((*it)[1]), y = std::stoi((*it)[2]), run = std::stoi((*it)[3]);
    EXPECT_GE(x, 4);
    EXPECT_GE(y, 4);
    EXPECT_LE(x + run, size - 4);
    EXPECT_LE(y + 1, size - 4);
  }
  EXPECT_EQ(QrSvg(std::string(4000, 'x')), "");  // beyond what a QR code holds
}

// The SVG draws exactly libqrencode's symbol: the runs of the path, read back into a grid of
// modules, are the dark modules of the matrix libqrencode computes for the same text.
TEST(OtpTest, QrSvgDrawsLibqrencodeModulesExactly) {
  const std::string uri = TotpUri("Cartable", "hlegalldubois", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  QRcode* qr =
      QRcode_encodeData(static_cast<int>(uri.size()),
                        reinterpret_cast<const unsigned char*>(uri.data()), 0, QR_ECLEVEL_M);
  ASSERT_NE(qr, nullptr);
  const int w = qr->width;
  std::vector<bool> expected(w * w), drawn(w * w);
  for (int i = 0; i < w * w; ++i) expected[i] = (qr->data[i] & 1) != 0;
  QRcode_free(qr);
  const std::string svg = QrSvg(uri);
  std::regex run("M(\\d+) (\\d+)h(\\d+)v1h-(\\d+)z");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), run); it != std::sregex_iterator();
       ++it) {
    const int x = std::stoi((*it)[1]) - 4, y = std::stoi((*it)[2]) - 4, n = std::stoi((*it)[3]);
    ASSERT_EQ(n, std::stoi((*it)[4]));
    for (int i = 0; i < n; ++i) {
      ASSERT_FALSE(drawn[y * w + x + i]) << "drawn twice";
      drawn[y * w + x + i] = true;
    }
  }
  EXPECT_EQ(drawn, expected);
  EXPECT_NE(svg.find("viewBox=\"0 0 " + std::to_string(w + 8) + " " + std::to_string(w + 8)),
            std::string::npos);
}

TEST(OtpTest, RecoveryCodesAreTenDistinctFiftyBitCodes) {
  std::vector<std::string> codes = NewRecoveryCodes();
  ASSERT_EQ(codes.size(), 10u);
  std::set<std::string> seen(codes.begin(), codes.end());
  EXPECT_EQ(seen.size(), 10u);
  for (const std::string& c : codes) {
    EXPECT_TRUE(std::regex_match(c, std::regex("[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{2}"))) << c;
    EXPECT_EQ(NormalRecoveryCode(c).size(), 10u);
  }
  EXPECT_EQ(NewRecoveryCodes(3).size(), 3u);
  EXPECT_EQ(NormalRecoveryCode(" ABCD-efgh - IJ "), "abcdefghij");
}

}  // namespace
}  // namespace cartable::directory
