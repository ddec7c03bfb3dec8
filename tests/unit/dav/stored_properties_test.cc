// Stored data as getters and PROPFIND see them: settings the server reads itself come typed with
// the collection (no property query); dead-property rows are read from the store once per
// resource when first asked (never a silent empty answer), and a Depth-1 walk reads the rows of
// all object members with one query, or none when nothing asked needs them.
#include <gtest/gtest.h>

#include "dav/caldav/calendar_collection.h"
#include "dav/methods/methods.h"
#include "dav/property_registry.h"
#include "dav/target.h"
#include "tests/testlib/temp_store.h"
#include "tests/unit/dav/counting_session.h"
#include "tests/unit/dav/dav_test_util.h"

namespace cartable::dav {
namespace {

constexpr const char* kAgenda = "/dav/calendars/jlabert/agenda/";
constexpr const char* kColor = R"(<x:color xmlns:x="urn:x">rouge</x:color>)";

class StoredPropertiesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    me_ = testing::AddJeanLabert(inner());
    ASSERT_NE(me_.user_id, 0);
    ASSERT_TRUE(EnsureHome(inner(), "/dav/calendars/jlabert/", me_).ok());
    auto agenda = inner().GetCollection(kAgenda);
    ASSERT_TRUE(agenda.ok());
    for (int i = 0; i < 5; ++i) {
      auto o =
          inner().PutObject(agenda->id, "e" + std::to_string(i) + ".ics", "text/calendar", "x");
      ASSERT_TRUE(o.ok());
      if (i == 3) {
        ASSERT_TRUE(
            inner().SetProperty(store::Owner::kObject, o->id, {"urn:x", "color", kColor}).ok());
      }
    }
    store::CollectionSettings settings = agenda->settings;
    settings.transparent = true;
    ASSERT_TRUE(inner().SetCollectionSettings(agenda->id, settings).ok());
    ASSERT_TRUE(inner()
                    .SetProperty(store::Owner::kCollection, agenda->id,
                                 {"urn:x", "note", R"(<x:note xmlns:x="urn:x">conseils</x:note>)"})
                    .ok());
  }

  Target At(const std::string& path) {
    Result<Target> t = Resolve(counting_, path, me_);
    EXPECT_TRUE(t.ok()) << path;
    return t.ok() ? *t : Target{};
  }
  // The value a live property's getter writes for `path`, asked alone through a fresh context.
  std::string Get(const std::string& path, std::string_view ns, std::string_view local) {
    Target t = At(path);
    Request req{http_, me_, counting_, ctx_};
    PropContext c(req, t);
    const LiveProperty* live =
        PropertyRegistry::Default().Find({std::string(ns), std::string(local)});
    EXPECT_NE(live, nullptr);
    std::string out;
    XmlWriter w(out);
    EXPECT_TRUE(live->get(c, w));
    EXPECT_TRUE(c.error().ok());
    return out;
  }
  http::HttpResponse Propfind(const std::string& path, const std::string& depth,
                              const std::string& body) {
    http_.method = "PROPFIND";
    http_.path = path;
    http_.headers.Set("Depth", depth);
    http_.body = body;
    Target t = At(path);
    counting_.Reset();
    Request req{http_, me_, counting_, ctx_};
    MethodResult r = HandlePropfind(req, t);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : http::HttpResponse{};
  }

  store::Session& inner() { return store_->ThreadSession(); }
  testlib::TempStore store_;
  store::CountingSession counting_{store_->ThreadSession()};
  DavContext ctx_{*store_, {}, [] { return std::chrono::system_clock::now(); }};
  http::HttpRequest http_;
  Principal me_;
};

TEST_F(StoredPropertiesTest, SettingsComeWithTheTargetAndRowsAreReadOnce) {
  counting_.Reset();
  std::string comps = Get(kAgenda, ns::kCalDav, "supported-calendar-component-set");
  EXPECT_NE(comps.find("VEVENT"), std::string::npos) << comps;
  EXPECT_EQ(comps.find("VTODO"), std::string::npos) << "the stored set, not the default: " << comps;
  std::string transp = Get(kAgenda, ns::kCalDav, "schedule-calendar-transp");
  EXPECT_NE(transp.find("transparent"), std::string::npos) << transp;
  EXPECT_EQ(counting_.collection_property_reads, 0) << "typed settings need no property query";

  // Rows are read on first use, once per resource, whoever asks.
  Target t = At(kAgenda);
  Request req{http_, me_, counting_, ctx_};
  PropContext c(req, t);
  counting_.Reset();
  const store::DeadProperty* note = c.Stored("urn:x", "note");
  ASSERT_NE(note, nullptr);
  EXPECT_NE(note->xml.find("conseils"), std::string::npos);
  EXPECT_EQ(c.Stored("urn:x", "absent"), nullptr);
  EXPECT_EQ(c.StoredRows().size(), 1u);
  EXPECT_EQ(counting_.collection_property_reads, 1);
}

TEST_F(StoredPropertiesTest, ResourcesWithoutRowsReadNothing) {
  Target t = At("/dav/principals/users/jlabert/");
  Request req{http_, me_, counting_, ctx_};
  PropContext c(req, t);
  counting_.Reset();
  EXPECT_TRUE(c.StoredRows().empty());
  EXPECT_EQ(counting_.collection_property_reads + counting_.object_property_reads, 0);
}

TEST_F(StoredPropertiesTest, DepthOneReadsMemberRowsInOneQuery) {
  http::HttpResponse r = Propfind(
      kAgenda, "1",
      R"(<D:propfind xmlns:D="DAV:" xmlns:x="urn:x" xmlns:C="urn:ietf:params:xml:ns:caldav">
                  <D:prop><x:color/><C:schedule-calendar-transp/></D:prop></D:propfind>)");
  EXPECT_EQ(r.status, 207);
  EXPECT_NE(r.body.find("rouge"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("transparent"), std::string::npos) << r.body;
  EXPECT_EQ(counting_.object_property_reads, 0) << "no query per member";
  EXPECT_EQ(counting_.bulk_property_reads, 1);
  EXPECT_EQ(counting_.collection_property_reads, 1) << "the calendar's own rows";

  r = Propfind(kAgenda, "1", "");  // allprop
  EXPECT_NE(r.body.find("rouge"), std::string::npos) << r.body;
  EXPECT_EQ(counting_.object_property_reads, 0);
  EXPECT_EQ(counting_.bulk_property_reads, 1);
}

TEST_F(StoredPropertiesTest, DepthOneReadsNoRowsWhenNothingAskedNeedsThem) {
  http::HttpResponse r = Propfind(
      kAgenda, "1",
      R"(<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:resourcetype/></D:prop></D:propfind>)");
  EXPECT_EQ(r.status, 207);
  EXPECT_EQ(counting_.object_property_reads, 0);
  EXPECT_EQ(counting_.bulk_property_reads, 0);
  EXPECT_EQ(counting_.collection_property_reads, 0);
}

TEST_F(StoredPropertiesTest, DepthOneOnTheHomeAnswersEachCalendarsStoredSettings) {
  http::HttpResponse r =
      Propfind("/dav/calendars/jlabert/", "1",
               R"(<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
                  <D:prop><C:supported-calendar-component-set/></D:prop></D:propfind>)");
  EXPECT_EQ(r.status, 207);
  size_t agenda = r.body.find("/dav/calendars/jlabert/agenda/");
  size_t tasks = r.body.find("/dav/calendars/jlabert/taches/");
  ASSERT_NE(agenda, std::string::npos) << r.body;
  ASSERT_NE(tasks, std::string::npos) << r.body;
  ASSERT_LT(agenda, tasks);
  std::string agenda_part = r.body.substr(agenda, tasks - agenda);
  EXPECT_NE(agenda_part.find("VEVENT"), std::string::npos) << r.body;
  EXPECT_EQ(agenda_part.find("VTODO"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace cartable::dav
