// Authentication-Results (RFC 8601) parsed by its grammar, and who it vouches for.
#include "dav/scheduling/mail_auth.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cartable::dav::scheduling {
namespace {

// What Gmail writes (folded, comments, several results).
constexpr char kGmailStyle[] =
    " mx.ac-orleans-tours.fr;\r\n"
    "       dkim=pass header.i=@example.org header.s=20230601 header.b=Ab+/cD=;\r\n"
    "       spf=pass (mx.ac-orleans-tours.fr: domain of orga@example.org designates 192.0.2.1 "
    "as permitted sender) smtp.mailfrom=orga@example.org;\r\n"
    "       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.org\r\n";

TEST(AuthResultsParseTest, ReadsResultsPropertiesAndComments) {
  Result<AuthResults> ar = ParseAuthenticationResults(kGmailStyle);
  ASSERT_TRUE(ar.ok()) << ar.status().ToString();
  EXPECT_EQ(ar->authserv_id, "mx.ac-orleans-tours.fr");
  ASSERT_EQ(ar->results.size(), 3u);
  EXPECT_EQ(ar->results[0].method, "dkim");
  EXPECT_EQ(ar->results[0].result, "pass");
  EXPECT_EQ(ar->results[0].Property("header", "i"), "@example.org");
  EXPECT_EQ(ar->results[0].Property("HEADER", "B"), "Ab+/cD=");
  EXPECT_EQ(ar->results[1].method, "spf");
  EXPECT_EQ(ar->results[1].Property("smtp", "mailfrom"), "orga@example.org");
  EXPECT_EQ(ar->results[2].method, "dmarc");
  EXPECT_EQ(ar->results[2].result, "pass");
  EXPECT_EQ(ar->results[2].Property("header", "from"), "example.org");
}

TEST(AuthResultsParseTest, RfcExamples) {
  // RFC 8601 Appendix B: version, "none", method versions, reasons, quoted strings, comments
  // between every token, case-insensitive keywords.
  Result<AuthResults> none = ParseAuthenticationResults("example.org 1; none");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(none->authserv_id, "example.org");
  EXPECT_TRUE(none->results.empty());

  Result<AuthResults> ar = ParseAuthenticationResults(
      "\"mail-router.example.net\" (our MX); DKIM/1 (v1) = (c) Pass reason=\"good; signature\" "
      "header.d = example.com (the signer) header.i=\"@mail.example.com\"; "
      "auth=pass (cram-md5) smtp.auth=sender@example.net;");
  ASSERT_TRUE(ar.ok()) << ar.status().ToString();
  EXPECT_EQ(ar->authserv_id, "mail-router.example.net");
  ASSERT_EQ(ar->results.size(), 2u);
  EXPECT_EQ(ar->results[0].method, "dkim");
  EXPECT_EQ(ar->results[0].result, "pass");
  EXPECT_EQ(ar->results[0].reason, "good; signature");
  EXPECT_EQ(ar->results[0].Property("header", "d"), "example.com");
  EXPECT_EQ(ar->results[0].Property("header", "i"), "@mail.example.com");
  EXPECT_EQ(ar->results[1].Property("smtp", "auth"), "sender@example.net");
}

TEST(AuthResultsParseTest, TextInCommentsIsNotAResult) {
  // A substring search would find "dmarc=pass" here; the grammar sees a comment.
  Result<AuthResults> ar = ParseAuthenticationResults(
      "mx.ac-orleans-tours.fr; spf=none (dmarc=pass header.from=example.org) "
      "smtp.mailfrom=x@example.org");
  ASSERT_TRUE(ar.ok()) << ar.status().ToString();
  ASSERT_EQ(ar->results.size(), 1u);
  EXPECT_EQ(ar->results[0].method, "spf");
  EXPECT_EQ(ar->results[0].Property("header", "from"), "");
}

TEST(AuthResultsParseTest, MalformedFieldsAreErrors) {
  for (const char* bad : {
           "",                                          // no authserv-id
           "   (only a comment)",                       // no authserv-id
           "mx.example.org",                            // no result, not even none
           "mx.example.org dmarc=pass",                 // ';' missing
           "mx.example.org; dmarc=",                    // no result keyword
           "mx.example.org; dmarc pass",                // '=' missing
           "mx.example.org; dmarc=pass (unterminated",  // comment never closed
           "mx.example.org; dmarc=pass header.from",    // property without value
           "mx.example.org; dmarc=pass header=x",       // ptype without property
           "mx.example.org 2; dmarc=pass",              // version 2: must be ignored
           "mx.example.org; none; dmarc=pass",          // none is alone or nothing
           "mx.example.org; dmarc=pass reason=",        // empty reason
       }) {
    EXPECT_FALSE(ParseAuthenticationResults(bad).ok()) << bad;
  }
  std::string deep = "mx.example.org; dmarc=pass ";
  for (int i = 0; i < 100; ++i) deep += "(";
  EXPECT_FALSE(ParseAuthenticationResults(deep).ok()) << "nesting is bounded";
}

SenderPolicy Trusting(std::vector<std::string> ids, SenderCheck require = SenderCheck::kDmarc) {
  return {std::move(ids), require};
}

constexpr char kOrga[] = "orga@example.org";

TEST(VerifySenderTest, DmarcPassFromATrustedMtaVouches) {
  SenderPolicy policy = Trusting({"mx.ac-orleans-tours.fr"});
  EXPECT_TRUE(VerifySender({kGmailStyle}, kOrga, policy).ok());
  // authserv-ids compare case-insensitively (they are domain names).
  EXPECT_TRUE(
      VerifySender({"MX.AC-Orleans-Tours.FR; dmarc=pass header.from=Example.ORG."}, kOrga, policy)
          .ok());
}

TEST(VerifySenderTest, RefusesWithoutATrustedVerdict) {
  SenderPolicy policy = Trusting({"mx.ac-orleans-tours.fr"});
  EXPECT_EQ(VerifySender({}, kOrga, policy).code(), Status::Code::kForbidden) << "no field";
  EXPECT_EQ(
      VerifySender({"mx.evil.example; dmarc=pass header.from=example.org"}, kOrga, policy).code(),
      Status::Code::kForbidden)
      << "another MTA's verdict is ignored (RFC 8601 §5)";
  EXPECT_EQ(
      VerifySender({"mx.ac-orleans-tours.fr; dmarc=fail header.from=example.org"}, kOrga, policy)
          .code(),
      Status::Code::kForbidden);
  EXPECT_EQ(
      VerifySender({"mx.ac-orleans-tours.fr; dmarc=pass header.from=other.example"}, kOrga, policy)
          .code(),
      Status::Code::kForbidden)
      << "a pass for another domain";
  EXPECT_EQ(VerifySender({"mx.ac-orleans-tours.fr; dmarc=pass"}, kOrga, policy).code(),
            Status::Code::kForbidden)
      << "a pass that names no domain";
  EXPECT_EQ(VerifySender({"mx.ac-orleans-tours.fr; spf=pass smtp.mailfrom=orga@example.org"}, kOrga,
                         policy)
                .code(),
            Status::Code::kForbidden)
      << "SPF alone authenticates the envelope, not From";
  EXPECT_EQ(VerifySender({"mx.ac-orleans-tours.fr; none"}, kOrga, policy).code(),
            Status::Code::kForbidden);
  EXPECT_EQ(VerifySender({kGmailStyle}, kOrga, Trusting({})).code(), Status::Code::kForbidden)
      << "nothing trusted by default";
}

TEST(VerifySenderTest, OnlyTheTopmostTrustedFieldCounts) {
  SenderPolicy policy = Trusting({"mx.ac-orleans-tours.fr"});
  const std::string pass = "mx.ac-orleans-tours.fr; dmarc=pass header.from=example.org";
  const std::string fail = "mx.ac-orleans-tours.fr; dmarc=fail header.from=example.org";
  const std::string other = "relay.example.net; dmarc=fail header.from=example.org";
  // A forged "pass" below our MTA's own "fail" (the sender wrote it before sending).
  EXPECT_EQ(VerifySender({fail, pass}, kOrga, policy).code(), Status::Code::kForbidden);
  EXPECT_TRUE(VerifySender({other, pass, fail}, kOrga, policy).ok());
  // A trusted field that cannot be read refuses; the next one is not consulted.
  EXPECT_EQ(VerifySender({"mx.ac-orleans-tours.fr; dmarc=", pass}, kOrga, policy).code(),
            Status::Code::kForbidden);
  // Several dmarc results for the From domain: any one that is not pass refuses.
  EXPECT_EQ(VerifySender({"mx.ac-orleans-tours.fr; dmarc=pass header.from=example.org; "
                          "dmarc=fail header.from=example.org"},
                         kOrga, policy)
                .code(),
            Status::Code::kForbidden);
}

TEST(VerifySenderTest, DkimMustBeAligned) {
  SenderPolicy policy = Trusting({"mx.ac-orleans-tours.fr"}, SenderCheck::kDkim);
  auto dkim = [&](const std::string& results, const std::string& from) {
    return VerifySender({"mx.ac-orleans-tours.fr; " + results}, from, policy).code();
  };
  const Status::Code ok = Status::Code::kOk, refused = Status::Code::kForbidden;
  EXPECT_EQ(dkim("dkim=pass header.d=example.org", kOrga), ok) << "exact";
  EXPECT_EQ(dkim("dkim=pass header.d=example.org", "orga@mail.example.org"), ok)
      << "a parent domain signs for its subdomain";
  EXPECT_EQ(dkim("dkim=pass header.i=@example.org", kOrga), ok) << "header.i when no header.d";
  EXPECT_EQ(dkim("dkim=pass header.i=orga@Example.Org", kOrga), ok);
  EXPECT_EQ(dkim("dkim=pass header.d=mail.example.org", kOrga), refused)
      << "a subdomain does not vouch for its parent";
  EXPECT_EQ(dkim("dkim=pass header.d=notexample.org", kOrga), refused) << "suffix, not a label";
  EXPECT_EQ(dkim("dkim=pass header.d=org", kOrga), refused) << "a bare TLD vouches for nobody";
  EXPECT_EQ(dkim("dkim=pass header.d=mailer.example.net", kOrga), refused) << "a third party";
  EXPECT_EQ(dkim("dkim=fail header.d=example.org", kOrga), refused);
  EXPECT_EQ(dkim("dmarc=pass header.from=example.org", kOrga), refused)
      << "require = dkim reads DKIM results only";
  EXPECT_EQ(dkim("dkim=fail header.d=example.org; dkim=pass header.d=example.org", kOrga), ok)
      << "one aligned valid signature is enough";
}

TEST(VerifySenderTest, NoneChecksNothing) {
  EXPECT_TRUE(VerifySender({}, kOrga, Trusting({}, SenderCheck::kNone)).ok());
}

TEST(VerifySenderTest, ParsesTheRequireSetting) {
  SenderCheck check = SenderCheck::kNone;
  EXPECT_TRUE(ParseSenderCheck("dkim", &check));
  EXPECT_EQ(check, SenderCheck::kDkim);
  EXPECT_TRUE(ParseSenderCheck("DMARC", &check));
  EXPECT_EQ(check, SenderCheck::kDmarc);
  EXPECT_TRUE(ParseSenderCheck("none", &check));
  EXPECT_EQ(check, SenderCheck::kNone);
  EXPECT_FALSE(ParseSenderCheck("spf", &check));
}

}  // namespace
}  // namespace cartable::dav::scheduling
