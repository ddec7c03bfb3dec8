// The Store contract for collection settings (store.h CollectionSettings), against every
// implementation; plus the SQLite migration of version-5 property rows into the columns.
#include <filesystem>

#include "tests/unit/store/sqlite_schema_at.h"
#include "tests/unit/store/store_test_fixture.h"

namespace cartable::store {
namespace {

using Code = Status::Code;

template <typename Impl>
class StoreSettingsTest : public StoreTest<Impl> {};
TYPED_TEST_SUITE(StoreSettingsTest, StoreImplementations);

CollectionSettings Full(Id default_calendar) {
  CollectionSettings s;
  s.display_name = "Agenda & cours é";
  s.description = "Visites d'inspection";
  s.color = "#FF2968FF";
  s.order = -3;
  s.time_zone = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
  s.transparent = true;
  s.default_calendar_id = default_calendar;
  s.components = {"VEVENT", "VTODO"};
  return s;
}

TYPED_TEST(StoreSettingsTest, NewCollectionsHaveNoSettings) {
  Id owner = this->MakeUser("a");
  Collection home = this->MakeCollection("/dav/calendars/a/", 0, owner, kKindCalendarHome);
  EXPECT_EQ(home.settings, CollectionSettings{});
  Collection cal = this->MakeCollection("/dav/calendars/a/perso/", home.id, owner, kKindCalendar);
  const CollectionSettings s = this->session().GetCollectionById(cal.id)->settings;
  EXPECT_FALSE(s.display_name || s.description || s.color || s.order || s.time_zone ||
               s.transparent);
  EXPECT_EQ(s.default_calendar_id, 0);
  EXPECT_TRUE(s.components.empty());
}

TYPED_TEST(StoreSettingsTest, SetGetAndUnset) {
  Id owner = this->MakeUser("a");
  Collection home = this->MakeCollection("/dav/calendars/a/", 0, owner, kKindCalendarHome);
  Collection cal = this->MakeCollection("/dav/calendars/a/perso/", home.id, owner, kKindCalendar);
  Collection inbox =
      this->MakeCollection("/dav/calendars/a/inbox/", home.id, owner, kKindScheduleInbox);
  const int64_t seq = this->session().GetCollectionById(cal.id)->sync_seq;
  ASSERT_TRUE(this->session().SetCollectionSettings(cal.id, Full(cal.id)).ok());
  // Every way of reading a collection carries the record.
  EXPECT_EQ(this->session().GetCollectionById(cal.id)->settings, Full(cal.id));
  EXPECT_EQ(this->session().GetCollection("/dav/calendars/a/perso/")->settings, Full(cal.id));
  Result<std::vector<Collection>> children = this->session().ListChildCollections(home.id);
  ASSERT_TRUE(children.ok());
  ASSERT_EQ(children->size(), 2u);
  EXPECT_EQ(children->at(1).settings, Full(cal.id));  // ordered by path: inbox/, perso/
  EXPECT_EQ(children->at(0).settings, CollectionSettings{});
  EXPECT_EQ(this->session().GetCollectionById(cal.id)->sync_seq, seq) << "no change logged";

  // Transparency false is a value, not "unset".
  CollectionSettings opaque;
  opaque.transparent = false;
  opaque.order = 0;
  ASSERT_TRUE(this->session().SetCollectionSettings(cal.id, opaque).ok());
  EXPECT_EQ(this->session().GetCollectionById(cal.id)->settings, opaque);
  ASSERT_TRUE(this->session().SetCollectionSettings(cal.id, CollectionSettings{}).ok());
  EXPECT_EQ(this->session().GetCollectionById(cal.id)->settings, CollectionSettings{});

  CollectionSettings to_cal;
  to_cal.default_calendar_id = cal.id;
  ASSERT_TRUE(this->session().SetCollectionSettings(inbox.id, to_cal).ok());
  EXPECT_EQ(this->session().GetCollectionById(inbox.id)->settings.default_calendar_id, cal.id);
}

TYPED_TEST(StoreSettingsTest, ErrorsAndPersistence) {
  Id owner = this->MakeUser("a");
  Collection home = this->MakeCollection("/dav/calendars/a/", 0, owner, kKindCalendarHome);
  Collection cal = this->MakeCollection("/dav/calendars/a/perso/", home.id, owner, kKindCalendar);
  EXPECT_EQ(this->session().SetCollectionSettings(cal.id + 100, Full(0)).code(), Code::kNotFound);
  EXPECT_EQ(this->session().SetCollectionSettings(cal.id, Full(cal.id + 100)).code(),
            Code::kConflict)
      << "the default calendar must exist";
  EXPECT_EQ(this->session().GetCollectionById(cal.id)->settings, CollectionSettings{});
  ASSERT_TRUE(this->session().SetCollectionSettings(cal.id, Full(0)).ok());
  if (TypeParam::kPersistent) {
    this->Reopen();
    EXPECT_EQ(this->session().GetCollectionById(cal.id)->settings, Full(0));
  }
}

TYPED_TEST(StoreSettingsTest, FollowMovesAndDeletes) {
  Id owner = this->MakeUser("a");
  Collection home = this->MakeCollection("/dav/calendars/a/", 0, owner, kKindCalendarHome);
  Collection cal = this->MakeCollection("/dav/calendars/a/perso/", home.id, owner, kKindCalendar);
  Collection inbox =
      this->MakeCollection("/dav/calendars/a/inbox/", home.id, owner, kKindScheduleInbox);
  ASSERT_TRUE(this->session().SetCollectionSettings(cal.id, Full(0)).ok());
  CollectionSettings to_cal;
  to_cal.default_calendar_id = cal.id;
  ASSERT_TRUE(this->session().SetCollectionSettings(inbox.id, to_cal).ok());
  ASSERT_TRUE(this->session().MoveCollection(cal.id, "/dav/calendars/a/moved/", home.id).ok());
  EXPECT_EQ(this->session().GetCollection("/dav/calendars/a/moved/")->settings, Full(0));
  EXPECT_EQ(this->session().GetCollectionById(inbox.id)->settings.default_calendar_id, cal.id)
      << "the default calendar follows its calendar";
  ASSERT_TRUE(this->session().DeleteCollection(cal.id).ok());
  EXPECT_EQ(this->session().GetCollectionById(inbox.id)->settings.default_calendar_id, 0)
      << "deleting the default calendar unsets it";
}

// A version-5 database with the property rows a version-5 server wrote (pugixml's serialisation,
// dav/xml.cc SelfContainedXml) opens as version 6 with the settings in the columns.
TEST(SqliteMigrationTest, Version5SettingRowsMoveIntoColumns) {
  TempDir dir;
  const std::string data_dir = dir.path() + "/data";
  std::filesystem::create_directories(data_dir);
  {
    Result<std::unique_ptr<Db>> db = OpenAtSchemaVersion(data_dir + "/cartable.db", 5);
    ASSERT_TRUE(db.ok()) << db.status().message();
    const std::string cal = "urn:ietf:params:xml:ns:caldav", apple = "http://apple.com/ns/ical/";
    // One SQL row per line reads better than one operand per line.
    // clang-format off
    Status st = (*db)->Exec(
        "INSERT INTO users (id, login, created_at) VALUES (1, 'a', 1), (2, 'b', 1);"
        "INSERT INTO collections (id, path, parent_id, owner_id, kind, created_at, modified_at) "
        "VALUES (10, '/dav/calendars/a/', NULL, 1, 'calendar-home', 1, 1),"
        " (11, '/dav/calendars/a/agenda/', 10, 1, 'calendar', 1, 1),"
        " (12, '/dav/calendars/a/inbox/', 10, 1, 'schedule-inbox', 1, 1),"
        " (13, '/dav/calendars/a/taches/', 10, 1, 'calendar', 1, 1),"
        " (20, '/dav/calendars/b/', NULL, 2, 'calendar-home', 1, 1),"
        " (21, '/dav/calendars/b/mes cours/', 20, 2, 'calendar', 1, 1),"
        " (22, '/dav/calendars/b/inbox/', 20, 2, 'schedule-inbox', 1, 1),"
        " (30, '/dav/files/a/', NULL, 1, 'files-home', 1, 1);"
        // The server's own rows (CreateDefaultCalendars).
        "INSERT INTO collection_properties VALUES"
        " (11, 'DAV:', 'displayname', '<D:displayname xmlns:D=\"DAV:\">Agenda &amp; &lt;cours&gt;"
        "</D:displayname>'),"
        " (11, '" + cal + "', 'supported-calendar-component-set', '<C:supported-calendar-"
        "component-set xmlns:C=\"" + cal + "\"><C:comp name=\"VEVENT\"/><C:comp name=\"VTODO\"/>"
        "</C:supported-calendar-component-set>'),"
        " (13, 'DAV:', 'displayname', '<D:displayname xmlns:D=\"DAV:\">Tâches</D:displayname>'),"
        " (13, '" + cal + "', 'supported-calendar-component-set', '<C:supported-calendar-"
        "component-set xmlns:C=\"" + cal + "\"><C:comp name=\"vtodo\"/>"
        "</C:supported-calendar-component-set>'),"
        // Clients' rows, as SelfContainedXml kept them.
        " (11, '" + apple + "', 'calendar-color', '<A:calendar-color xmlns:A=\"" + apple +
        "\" symbolic-color=\"custom\">#FF2968FF</A:calendar-color>'),"
        " (11, '" + apple + "', 'calendar-order', '<x:calendar-order xmlns:x=\"" + apple +
        "\"> 7 </x:calendar-order>'),"
        " (11, '" + cal + "', 'calendar-description', '<C:calendar-description xmlns:C=\"" + cal +
        "\" xml:lang=\"fr\">Visites d''inspection</C:calendar-description>'),"
        " (11, '" + cal + "', 'calendar-timezone', '<C:calendar-timezone xmlns:C=\"" + cal +
        "\"><![CDATA[BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Europe/Paris\nEND:VTIMEZONE\n"
        "END:VCALENDAR]]></C:calendar-timezone>'),"
        " (11, '" + cal + "', 'schedule-calendar-transp', '<C:schedule-calendar-transp xmlns:C=\"" +
        cal + "\"><C:transparent/></C:schedule-calendar-transp>'),"
        " (13, '" + cal + "', 'schedule-calendar-transp', '<schedule-calendar-transp xmlns=\"" +
        cal + "\"><opaque/></schedule-calendar-transp>'),"
        " (13, '" + apple + "', 'calendar-order', '<A:calendar-order xmlns:A=\"" + apple +
        "\">first</A:calendar-order>'),"
        " (13, '" + apple + "', 'calendar-color', '<A:calendar-color xmlns:A=\"" + apple +
        "\"/>'),"
        " (11, 'urn:x', 'keep', '<X:keep xmlns:X=\"urn:x\">1</X:keep>'),"
        " (12, '" + cal + "', 'schedule-default-calendar-URL', '<C:schedule-default-calendar-URL "
        "xmlns:C=\"" + cal + "\" xmlns:D=\"DAV:\"><D:href>/dav/calendars/a/taches/</D:href>"
        "</C:schedule-default-calendar-URL>'),"
        " (22, '" + cal + "', 'schedule-default-calendar-URL', '<C:schedule-default-calendar-URL "
        "xmlns:C=\"" + cal + "\"><D:href xmlns:D=\"DAV:\">https://cartable.example:8443"
        "/dav/calendars/b/mes%20cours/</D:href></C:schedule-default-calendar-URL>'),"
        " (21, 'DAV:', 'displayname', '<D:displayname xmlns:D=\"DAV:\"/>'),"
        // Elsewhere these names are dead properties and stay rows.
        " (30, '" + apple + "', 'calendar-color', '<A:calendar-color xmlns:A=\"" + apple +
        "\">#00FF00</A:calendar-color>'),"
        " (30, 'DAV:', 'displayname', '<D:displayname xmlns:D=\"DAV:\">Mes fichiers"
        "</D:displayname>');");
    // clang-format on
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  Result<int> version = MigrateSqliteStore(data_dir);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(*version, SqliteMigrations().back().version);

  Result<std::unique_ptr<Store>> store = OpenSqliteStore(data_dir);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Session& s = (*store)->ThreadSession();
  CollectionSettings agenda = s.GetCollectionById(11)->settings;
  EXPECT_EQ(agenda.display_name, "Agenda & <cours>");
  EXPECT_EQ(agenda.components, (std::vector<std::string>{"VEVENT", "VTODO"}));
  EXPECT_EQ(agenda.color, "#FF2968FF");
  EXPECT_EQ(agenda.order, 7);
  EXPECT_EQ(agenda.description, "Visites d'inspection");
  EXPECT_EQ(agenda.time_zone,
            "BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Europe/Paris\nEND:VTIMEZONE\nEND:VCALENDAR");
  EXPECT_EQ(agenda.transparent, true);
  CollectionSettings taches = s.GetCollectionById(13)->settings;
  EXPECT_EQ(taches.display_name, "Tâches");
  EXPECT_EQ(taches.components, (std::vector<std::string>{"VTODO"}));
  EXPECT_EQ(taches.transparent, false);
  EXPECT_EQ(taches.order, std::nullopt) << "not an integer: dropped";
  EXPECT_EQ(taches.color, "") << "an empty element is an empty value";
  EXPECT_EQ(s.GetCollectionById(12)->settings.default_calendar_id, 13);
  EXPECT_EQ(s.GetCollectionById(22)->settings.default_calendar_id, 21) << "full URL, %20";
  EXPECT_EQ(s.GetCollectionById(21)->settings.display_name, "");
  EXPECT_EQ(s.GetCollectionById(30)->settings.display_name, "Mes fichiers");
  EXPECT_EQ(s.GetCollectionById(30)->settings.color, std::nullopt);

  // The migrated rows are gone; the dead properties stay.
  auto names = [&s](Id id) {
    std::vector<std::string> out;
    Result<std::vector<DeadProperty>> props = s.GetProperties(Owner::kCollection, id);
    EXPECT_TRUE(props.ok());
    if (!props.ok()) return out;
    for (const DeadProperty& p : *props) out.push_back(p.local);
    return out;
  };
  EXPECT_EQ(names(11), std::vector<std::string>{"keep"});
  EXPECT_TRUE(names(12).empty());
  EXPECT_TRUE(names(13).empty());
  EXPECT_TRUE(names(22).empty());
  EXPECT_EQ(names(30), std::vector<std::string>{"calendar-color"});
  store->reset();
  EXPECT_EQ(*MigrateSqliteStore(data_dir), SqliteMigrations().back().version);
}

}  // namespace
}  // namespace cartable::store
