// MultistatusWriter on listings: a body that grows past the point where EndResponse reserves
// the rest (64 KiB) holds exactly the responses written, hrefs encoded and escaped as in a small
// body, and the max_bytes bound still refuses the whole answer (507).
#include "dav/multistatus.h"

#include <gtest/gtest.h>

#include "dav/property_registry.h"

namespace cartable::dav {
namespace {

// One member's response, written the way WritePropResponse writes a listing's.
void WriteMember(MultistatusWriter& out, const std::string& path, std::string_view etag) {
  std::string props;
  XmlWriter w(props);
  w.TextElement(ns::kDav, "getetag", etag);
  out.BeginResponseAt(path);
  out.Propstat(200, props, Fragment::kWritten);
  out.EndResponse();
}

std::string ExpectedMember(std::string_view href, std::string_view etag) {
  return "<d:response><d:href>" + std::string(href) + "</d:href><d:propstat><d:prop><d:getetag>" +
         std::string(etag) + "</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status>" +
         "</d:propstat></d:response>";
}

TEST(MultistatusWriterTest, ALargeListingHoldsEveryResponseEncodedAndEscaped) {
  MultistatusWriter out(0);
  std::string expected;
  for (int i = 0; i < 2000; ++i) {  // ~300 KiB: well past the reservation point
    const std::string name = "a&b c<" + std::to_string(i) + "\xc3\xa9.ics";
    WriteMember(out, "/dav/calendars/u/cal & co/" + name, "\"e&" + std::to_string(i) + "\"");
    expected += ExpectedMember(
        "/dav/calendars/u/cal%20&amp;%20co/a&amp;b%20c%3C" + std::to_string(i) + "%C3%A9.ics",
        "&quot;e&amp;" + std::to_string(i) + "&quot;");
  }
  // The same members through the slow path (BeginResponse with Href()).
  MultistatusWriter slow(0);
  for (int i = 0; i < 3; ++i) {
    slow.BeginResponse(
        Href("/dav/calendars/u/cal & co/a&b c<" + std::to_string(i) + "\xc3\xa9.ics"));
    slow.EndResponse();
  }
  http::HttpResponse r = out.Finish();
  ASSERT_EQ(r.status, 207);
  const size_t start = r.body.find("<d:response>");
  ASSERT_NE(start, std::string::npos);
  EXPECT_EQ(r.body.substr(start, expected.size()), expected);
  EXPECT_EQ(r.body.substr(start + expected.size()), "</d:multistatus>");
  http::HttpResponse s = slow.Finish();
  EXPECT_NE(s.body.find("<d:href>/dav/calendars/u/cal%20&amp;%20co/a&amp;b%20c%3C0%C3%A9.ics"
                        "</d:href>"),
            std::string::npos);
}

TEST(MultistatusWriterTest, TheBoundStillRefusesALargeListing) {
  MultistatusWriter out(100 << 10);  // past the 64 KiB reservation point
  bool refused = false;
  for (int i = 0; i < 5000 && !refused; ++i) {
    WriteMember(out, "/dav/calendars/u/cal/" + std::to_string(i) + ".ics", "\"e\"");
    refused = !out.WithinLimit().ok();
  }
  EXPECT_TRUE(refused);
  http::HttpResponse r = out.Finish();
  EXPECT_EQ(r.status, 507);
  EXPECT_NE(r.body.find("number-of-matches-within-limits"), std::string::npos);
}

TEST(PropertyRegistryTest, FindsLivePropertiesByNameAndNamespace) {
  const PropertyRegistry& r = PropertyRegistry::Default();
  const LiveProperty* etag = r.Find({std::string(ns::kDav), "getetag"});
  ASSERT_NE(etag, nullptr);
  EXPECT_EQ(etag->name.local, "getetag");
  EXPECT_EQ(r.Find({"urn:other", "getetag"}), nullptr);
  EXPECT_EQ(r.Find({std::string(ns::kDav), "no-such-property"}), nullptr);
  for (const LiveProperty& p : r.All()) {  // the first row of each name, as a scan finds it
    const LiveProperty* first = nullptr;
    for (const LiveProperty& q : r.All()) {
      if (q.name == p.name) {
        first = &q;
        break;
      }
    }
    EXPECT_EQ(r.Find(p.name), first) << p.name.local;
  }
}

}  // namespace
}  // namespace cartable::dav
