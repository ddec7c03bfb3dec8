// Validation at the door and the writers behind it (issue 10, deliverable 1), over HTTP:
// - iCalendar/vCard bytes that are not UTF-8 text are refused by PUT and COPY/MOVE (403
//   valid-calendar-data / valid-address-data naming the line), XML bodies likewise (400),
//   resource names too (400);
// - bytes already in the store (written here behind the door's back, as an older server or a
//   bug would have) are still served: GET as stored, PROPFIND/REPORT as well-formed XML, the JSON
//   API as JSON with U+FFFD, across users through invitations;
// - a changed UID at an existing URL is refused (PUT and MOVE, CalDAV and CardDAV);
// - RFC 9073 and other unknown properties are kept; a meeting override in a personal series
//   (Apple, Thunderbird) is accepted and scheduled.
#include <glib.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>

#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using nlohmann::json;
using testlib::ParseMultiStatus;
using testlib::Reply;
using testlib::TestServer;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kCal = "/dav/calendars/jlabert/agenda/";
constexpr const char* kBook = "/dav/addressbooks/jlabert/contacts/";
constexpr const char* kJean = "jean.labert@ac-orleans-tours.fr";
constexpr const char* kMarie = "marie.dupont@ac-orleans-tours.fr";
const Headers kIcs = {{"Content-Type", "text/calendar; charset=utf-8"}};
const Headers kVcf = {{"Content-Type", "text/vcard; charset=utf-8"}};
constexpr const char* kReplacement = "\xEF\xBF\xBD";

std::string Event(const std::string& uid, const std::string& summary = "Conseil de classe",
                  const std::string& extra = "") {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Cartable//Tests//FR\r\nBEGIN:VEVENT\r\nUID:" +
         uid +
         "\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261210T100000Z\r\nDTEND:20261210T110000Z\r\n"
         "SUMMARY:" +
         summary + "\r\n" + extra + "END:VEVENT\r\nEND:VCALENDAR\r\n";
}

std::string Card(const std::string& uid, const std::string& fn = "Marie Dupont") {
  return "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:" + uid + "\r\nFN:" + fn +
         "\r\nN:Dupont;Marie;;;\r\nEND:VCARD\r\n";
}

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(CARTABLE_FIXTURE_DIR) + "/clients/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_FALSE(s.str().empty()) << name;
  return s.str();
}

// A strict check, independent of the server's own code: GLib's UTF-8 validator, the XML 1.0
// character range of ASCII, and pugixml for the structure.
::testing::AssertionResult WellFormedXml(const std::string& body) {
  const char* end = nullptr;
  if (!g_utf8_validate(body.data(), static_cast<gssize>(body.size()), &end)) {
    return ::testing::AssertionFailure()
           << "not UTF-8 at offset " << (end - body.data()) << ": " << body;
  }
  for (size_t i = 0; i < body.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(body[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      return ::testing::AssertionFailure() << "control byte " << int(c) << " at " << i;
    }
  }
  if (body.find("\xEF\xBF\xBE") != std::string::npos ||
      body.find("\xEF\xBF\xBF") != std::string::npos) {
    return ::testing::AssertionFailure() << "U+FFFE/U+FFFF in the document";
  }
  pugi::xml_document doc;
  pugi::xml_parse_result r = doc.load_buffer(body.data(), body.size());
  if (!r) return ::testing::AssertionFailure() << r.description() << ": " << body;
  return ::testing::AssertionSuccess();
}

class ValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", kJean);
    server_.AddUser("mdupont", "pw", "Marie Dupont", kMarie);
    server_.SetDefaultUser("jlabert", "pw");
    // First access creates the homes and their default collections.
    EXPECT_EQ(server_.As("PROPFIND", kCal, "", {{"Depth", "0"}}).status, 207);
    EXPECT_EQ(server_.As("PROPFIND", kBook, "", {{"Depth", "0"}}).status, 207);
  }

  // Writes `data` as object `name` of the collection at `path`, behind the door's back.
  void StoreRaw(const std::string& path, const std::string& name, const std::string& type,
                const std::string& data, const std::string& uid, const std::string& component) {
    store::Session& s = server_.store().ThreadSession();
    auto txn = s.Begin(true);
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    Result<store::Collection> c = s.GetCollection(path);
    ASSERT_TRUE(c.ok()) << path;
    store::ObjectIndex index;
    index.uid = uid;
    index.component = component;
    index.needs_expansion = true;  // unbounded span: every time-range query parses it
    ASSERT_TRUE(s.PutObject(c->id, name, type, data, index).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }

  std::string GetBody(const std::string& path, const std::string& user = "jlabert") {
    Reply r = server_.Request("GET", path, "", {}, user, "pw");
    EXPECT_EQ(r.status, 200) << path;
    return r.body;
  }

  TestServer server_;
};

// ---- the door: PUT ----

TEST_F(ValidationTest, PutOfCalendarDataWithControlCharacterIsRefusedNamingTheLine) {
  std::string path = std::string(kCal) + "c.ics";
  Reply r = server_.As("PUT", path, Event("c", "Conseil\x01 de classe"), kIcs);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("valid-calendar-data"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("line 9: character U+0001"), std::string::npos) << r.body;
  EXPECT_TRUE(WellFormedXml(r.body));
  EXPECT_EQ(server_.As("GET", path).status, 404) << "nothing stored";
}

TEST_F(ValidationTest, PutOfCalendarDataNotInUtf8IsRefused) {
  Reply r = server_.As("PUT", std::string(kCal) + "l.ics", Event("l", "R\xE9union"), kIcs);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("valid-calendar-data"), std::string::npos);
  EXPECT_NE(r.body.find("line 9: byte 0xE9 is not valid UTF-8"), std::string::npos) << r.body;
}

TEST_F(ValidationTest, OverwriteWithBadBytesKeepsTheStoredEvent) {
  std::string path = std::string(kCal) + "k.ics";
  ASSERT_EQ(server_.As("PUT", path, Event("k"), kIcs).status, 201);
  EXPECT_EQ(server_.As("PUT", path, Event("k", "a\x1b[2Jb"), kIcs).status, 403);
  EXPECT_EQ(GetBody(path), Event("k"));
}

TEST_F(ValidationTest, PutOfVCardWithControlCharacterOrLatin1IsRefused) {
  Reply r = server_.As("PUT", std::string(kBook) + "m.vcf", Card("m", "Marie\x08 Dupont"), kVcf);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("valid-address-data"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("line 4"), std::string::npos) << r.body;
  r = server_.As("PUT", std::string(kBook) + "h.vcf", Card("h", "H\xE9l\xE8ne Martin"), kVcf);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("line 4: byte 0xE9"), std::string::npos) << r.body;
}

TEST_F(ValidationTest, OutboxPostWithControlCharacterIsRefused) {
  std::string fb =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nMETHOD:REQUEST\r\nBEGIN:VFREEBUSY\r\n"
      "UID:fb\x02\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261210T000000Z\r\n"
      "DTEND:20261211T000000Z\r\nORGANIZER:mailto:" +
      std::string(kJean) + "\r\nATTENDEE:mailto:" + kMarie +
      "\r\nEND:VFREEBUSY\r\nEND:VCALENDAR\r\n";
  Reply r = server_.As("POST", "/dav/calendars/jlabert/outbox/", fb, kIcs);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("valid-calendar-data"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("line 6"), std::string::npos) << r.body;
}

// ---- the door: COPY and MOVE bring stored bytes to a new place ----

TEST_F(ValidationTest, CopyAndMoveOfBadStoredBytesAreRefused) {
  StoreRaw(kCal, "bad.ics", "text/calendar", Event("bad", "a\x01z"), "bad", "VEVENT");
  ASSERT_EQ(server_.As("MKCALENDAR", "/dav/calendars/jlabert/autre/").status, 201);
  for (const char* method : {"COPY", "MOVE"}) {
    Reply r = server_.As(method, std::string(kCal) + "bad.ics", "",
                         {{"Destination", "/dav/calendars/jlabert/autre/bad.ics"}});
    EXPECT_EQ(r.status, 403) << method << r.body;
    EXPECT_NE(r.body.find("valid-calendar-data"), std::string::npos) << r.body;
  }
  EXPECT_EQ(server_.As("GET", std::string(kCal) + "bad.ics").status, 200) << "source kept";
  EXPECT_EQ(server_.As("GET", "/dav/calendars/jlabert/autre/bad.ics").status, 404);
}

// ---- the door: XML bodies and names ----

TEST_F(ValidationTest, XmlBodiesThatAreNotXmlTextGet400) {
  const std::string bad_utf8 =
      "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:displayname/></D:prop></D:propfind>\xFF";
  const std::string control =
      "<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop><D:displayname>A\x01"
      "B</D:displayname></D:prop></D:set></D:propertyupdate>";
  const std::string reference =
      "<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop><D:displayname>A&#27;B"
      "</D:displayname></D:prop></D:set></D:propertyupdate>";
  Reply r = server_.As("PROPFIND", kCal, bad_utf8, {{"Depth", "0"}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("not valid UTF-8"), std::string::npos) << r.body;
  for (const std::string& body : {control, reference}) {
    r = server_.As("PROPPATCH", kCal, body);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.body.find("U+00"), std::string::npos) << r.body;
  }
  r = server_.As("REPORT", kCal,
                 "<C:calendar-query xmlns:C=\"urn:ietf:params:xml:ns:caldav\">\x0C"
                 "</C:calendar-query>",
                 {{"Depth", "1"}});
  EXPECT_EQ(r.status, 400) << r.body;
  r = server_.As("MKCALENDAR", "/dav/calendars/jlabert/x/",
                 "<C:mkcalendar xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\"><D:set>"
                 "<D:prop><D:displayname>\xC0\xAF</D:displayname></D:prop></D:set></C:mkcalendar>",
                 {{"Content-Type", "application/xml"}});
  EXPECT_EQ(r.status, 400) << r.body;
  // The displayname is unchanged, and the calendar was not created.
  EXPECT_EQ(server_.As("PROPFIND", "/dav/calendars/jlabert/x/", "", {{"Depth", "0"}}).status, 404);
}

TEST_F(ValidationTest, NewResourceNamesMustBeUtf8WithoutControls) {
  for (const char* name : {"a%01b.ics", "caf%E9.ics", "a%0Ab.ics", "a%C2%85b.ics", "a%7Fb.ics"}) {
    Reply r = server_.As("PUT", std::string(kCal) + name, Event(std::string("n") + name), kIcs);
    EXPECT_EQ(r.status, 400) << name << " " << r.body;
    EXPECT_NE(r.body.find("invalid resource name"), std::string::npos) << r.body;
  }
  EXPECT_EQ(server_.As("MKCOL", "/dav/files/jlabert/dos%01sier/").status, 400);
  EXPECT_EQ(server_.As("MKCALENDAR", "/dav/calendars/jlabert/x%FF/").status, 400);
  ASSERT_EQ(server_.As("PUT", std::string(kCal) + "ok.ics", Event("ok"), kIcs).status, 201);
  Reply r = server_.As("COPY", std::string(kCal) + "ok.ics", "",
                       {{"Destination", std::string(kCal) + "c%03.ics"}});
  EXPECT_EQ(r.status, 400) << r.body;
  // UTF-8 names stay welcome.
  EXPECT_EQ(server_.As("PUT", std::string(kCal) + "r%C3%A9union.ics", Event("r"), kIcs).status,
            201);
}

// ---- the second line of defence: what is already stored is served safely ----

TEST_F(ValidationTest, BadStoredCalendarBytesAreServedAsWellFormedXml) {
  const std::string bad = Event("bad", "Conseil\x01 de \xFF classe \xC3", "LOCATION:\x1b[0m\r\n");
  StoreRaw(kCal, "bad.ics", "text/calendar", bad, "bad", "VEVENT");
  ASSERT_EQ(server_.As("PUT", std::string(kCal) + "good.ics", Event("good"), kIcs).status, 201);
  {  // a dead property with bad bytes, as an older server might have kept
    store::Session& s = server_.store().ThreadSession();
    auto txn = s.Begin(true);
    Result<store::Collection> c = s.GetCollection(kCal);
    ASSERT_TRUE(c.ok());
    store::DeadProperty p{"urn:x", "note", "<x:note xmlns:x=\"urn:x\">a\x02&#1;\xFE</x:note>"};
    ASSERT_TRUE(s.SetProperty(store::Owner::kCollection, c->id, p).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  EXPECT_EQ(GetBody(std::string(kCal) + "bad.ics"), bad) << "GET serves the stored bytes";

  Reply propfind = server_.As("PROPFIND", kCal,
                              R"(<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"
                                 xmlns:X="urn:x"><D:prop><D:getetag/><C:calendar-data/><X:note/>
                                 </D:prop></D:propfind>)",
                              {{"Depth", "1"}});
  ASSERT_EQ(propfind.status, 207);
  EXPECT_TRUE(WellFormedXml(propfind.body));
  auto ms = ParseMultiStatus(propfind.body);
  std::string data =
      ms.props[std::string(kCal) + "bad.ics"]["{urn:ietf:params:xml:ns:caldav}calendar-data"].text;
  EXPECT_NE(data.find(std::string("Conseil") + kReplacement + " de " + kReplacement + " classe "),
            std::string::npos)
      << data;
  EXPECT_NE(ms.props[kCal]["{urn:x}note"].xml.find(kReplacement), std::string::npos);
  EXPECT_EQ(
      ms.props[std::string(kCal) + "good.ics"]["{urn:ietf:params:xml:ns:caldav}calendar-data"].text,
      Event("good"))
      << "clean data is served byte for byte";

  const std::string prop = "<D:prop><D:getetag/><C:calendar-data/></D:prop>";
  const std::string ns = R"(xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav")";
  for (const std::string& report : {
           "<C:calendar-query " + ns + ">" + prop +
               "<C:filter><C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VEVENT\">"
               "<C:time-range start=\"20261201T000000Z\" end=\"20261231T000000Z\"/>"
               "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>",
           "<C:calendar-multiget " + ns + ">" + prop + "<D:href>" + kCal +
               "bad.ics</D:href></C:calendar-multiget>",
           "<D:sync-collection " + ns + "><D:sync-token/><D:sync-level>1</D:sync-level>" + prop +
               "</D:sync-collection>",
       }) {
    Reply r = server_.As("REPORT", kCal, report, {{"Depth", "1"}});
    ASSERT_EQ(r.status, 207) << report << r.body;
    EXPECT_TRUE(WellFormedXml(r.body)) << report;
    EXPECT_NE(r.body.find("bad.ics"), std::string::npos) << report << r.body;
  }
}

TEST_F(ValidationTest, BadStoredCardBytesAreServedAsWellFormedXml) {
  StoreRaw(kBook, "bad.vcf", "text/vcard", Card("bad", "Marie\x07 \xE9"), "bad", "VCARD");
  Reply r = server_.As("PROPFIND", kBook,
                       R"(<D:propfind xmlns:D="DAV:" xmlns:R="urn:ietf:params:xml:ns:carddav">
                          <D:prop><D:getetag/><R:address-data/></D:prop></D:propfind>)",
                       {{"Depth", "1"}});
  ASSERT_EQ(r.status, 207);
  EXPECT_TRUE(WellFormedXml(r.body));
  r = server_.As("REPORT", kBook,
                 R"(<R:addressbook-query xmlns:D="DAV:" xmlns:R="urn:ietf:params:xml:ns:carddav">
                    <D:prop><R:address-data content-type="text/vcard" version="4.0"/></D:prop>
                    <R:filter><R:prop-filter name="FN"><R:text-match>Marie</R:text-match>
                    </R:prop-filter></R:filter></R:addressbook-query>)",
                 {{"Depth", "1"}});
  ASSERT_EQ(r.status, 207) << r.body;
  EXPECT_TRUE(WellFormedXml(r.body));
  EXPECT_NE(r.body.find("bad.vcf"), std::string::npos) << r.body;
  EXPECT_EQ(GetBody(std::string(kBook) + "bad.vcf"), Card("bad", "Marie\x07 \xE9"));
}

TEST_F(ValidationTest, JsonApiAnswersBadStoredBytesWithReplacementCharacters) {
  StoreRaw(kCal, "bad.ics", "text/calendar", Event("bad", "R\xE9union \x01ok"), "bad", "VEVENT");
  Reply r = server_.As("GET", "/api/v1/calendars/agenda/events?from=2026-12-01&to=2026-12-31");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.body;
  ASSERT_EQ(j["events"].size(), 1u) << r.body;
  std::string summary = j["events"][0]["summary"].get<std::string>();
  EXPECT_EQ(summary.substr(0, 1), "R");
  EXPECT_NE(summary.find(kReplacement), std::string::npos) << summary;
  EXPECT_TRUE(g_utf8_validate(r.body.data(), static_cast<gssize>(r.body.size()), nullptr));
}

// An invitation copies the organizer's event into each colleague's calendar: a copy holding
// bad bytes (delivered before the door existed) must not break the colleague's sync, their
// invitations list, nor the organizer's answers once the colleague replies.
TEST_F(ValidationTest, BadBytesInAnInvitationBreakNeitherUsersSync) {
  const std::string meeting =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\nBEGIN:VEVENT\r\nUID:inv-1\r\n"
      "DTSTAMP:20261201T080000Z\r\nDTSTART:20270115T160000Z\r\nDTEND:20270115T170000Z\r\n"
      "SUMMARY:Inspection\r\nORGANIZER;CN=Jean Labert:mailto:" +
      std::string(kJean) + "\r\nATTENDEE;CN=Jean Labert;PARTSTAT=ACCEPTED:mailto:" + kJean +
      "\r\nATTENDEE;CN=Marie Dupont;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:" + kMarie +
      "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
  ASSERT_EQ(server_.As("PUT", std::string(kCal) + "inv.ics", meeting, kIcs).status, 201);
  const std::string marie_cal = "/dav/calendars/mdupont/agenda/";
  std::string copy = GetBody(marie_cal + "inv-1.ics", "mdupont");
  ASSERT_NE(copy.find("SUMMARY:Inspection"), std::string::npos) << copy;
  // What an older server would have delivered from an organizer's control characters.
  std::string bad = copy;
  bad.replace(bad.find("SUMMARY:Inspection"), 18, "SUMMARY:Inspection\x01\xFF");
  StoreRaw(marie_cal, "inv-1.ics", "text/calendar", bad, "inv-1", "VEVENT");

  Reply sync = server_.Request(
      "REPORT", marie_cal,
      R"(<D:sync-collection xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:sync-token/>
         <D:sync-level>1</D:sync-level><D:prop><D:getetag/><C:calendar-data/></D:prop>
         </D:sync-collection>)",
      {{"Depth", "1"}}, "mdupont", "pw");
  ASSERT_EQ(sync.status, 207) << sync.body;
  EXPECT_TRUE(WellFormedXml(sync.body));
  Reply list = server_.Request("GET", "/api/v1/invitations", "", {}, "mdupont", "pw");
  ASSERT_EQ(list.status, 200) << list.body;
  json invitations = json::parse(list.body, nullptr, false);
  ASSERT_FALSE(invitations.is_discarded());
  ASSERT_EQ(invitations["invitations"].size(), 1u) << list.body;
  EXPECT_NE(invitations["invitations"][0]["summary"].get<std::string>().find(kReplacement),
            std::string::npos);
  // Marie accepts: her copy is rewritten and Jean's copy gets her answer; both still sync.
  Reply reply = server_.Request("POST", "/api/v1/invitations/agenda/inv-1.ics/reply",
                                R"({"answer": "accepted"})", {{"Content-Type", "application/json"}},
                                "mdupont", "pw");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(GetBody(std::string(kCal) + "inv.ics").find("PARTSTAT=ACCEPTED"), std::string::npos);
  for (const auto& [user, path] : {std::pair{"jlabert", kCal}, {"mdupont", marie_cal.c_str()}}) {
    Reply r = server_.Request(
        "PROPFIND", path,
        R"(<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>
           <D:getetag/><C:calendar-data/></D:prop></D:propfind>)",
        {{"Depth", "1"}}, user, "pw");
    ASSERT_EQ(r.status, 207) << user;
    EXPECT_TRUE(WellFormedXml(r.body)) << user;
  }
}

// ---- a changed UID at an existing URL (RFC 4791 §5.3.2, RFC 6352 §5.1) ----

TEST_F(ValidationTest, PutChangingTheUidOfAnEventIsRefused) {
  std::string path = std::string(kCal) + "u.ics";
  ASSERT_EQ(server_.As("PUT", path, Event("uid-1"), kIcs).status, 201);
  Reply r = server_.As("PUT", path, Event("uid-2"), kIcs);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("valid-calendar-object-resource"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("UID"), std::string::npos) << r.body;
  EXPECT_EQ(GetBody(path), Event("uid-1"));
  EXPECT_EQ(server_.As("PUT", path, Event("uid-1", "Autre titre"), kIcs).status, 204)
      << "the same UID is an update";
}

TEST_F(ValidationTest, MoveOrCopyOntoAnEventWithAnotherUidIsRefused) {
  ASSERT_EQ(server_.As("MKCALENDAR", "/dav/calendars/jlabert/autre/").status, 201);
  std::string a = std::string(kCal) + "a.ics", b = "/dav/calendars/jlabert/autre/b.ics";
  ASSERT_EQ(server_.As("PUT", a, Event("uid-a"), kIcs).status, 201);
  ASSERT_EQ(server_.As("PUT", b, Event("uid-b"), kIcs).status, 201);
  for (const char* method : {"MOVE", "COPY"}) {
    Reply r = server_.As(method, a, "", {{"Destination", b}, {"Overwrite", "T"}});
    EXPECT_EQ(r.status, 403) << method << r.body;
    EXPECT_NE(r.body.find("valid-calendar-object-resource"), std::string::npos) << r.body;
  }
  EXPECT_EQ(GetBody(a), Event("uid-a")) << "nothing lost";
  EXPECT_EQ(GetBody(b), Event("uid-b"));
  // Onto a resource with the same UID (another calendar): allowed.
  std::string c = "/dav/calendars/jlabert/autre/c.ics";
  ASSERT_EQ(server_.As("PUT", c, Event("uid-a", "copie"), kIcs).status, 201);
  EXPECT_EQ(server_.As("MOVE", a, "", {{"Destination", c}, {"Overwrite", "T"}}).status, 204);
  EXPECT_EQ(GetBody(c), Event("uid-a"));
}

TEST_F(ValidationTest, ChangingTheUidOfACardIsRefusedByPutAndMove) {
  std::string a = std::string(kBook) + "a.vcf", b = std::string(kBook) + "b.vcf";
  ASSERT_EQ(server_.As("PUT", a, Card("card-a"), kVcf).status, 201);
  ASSERT_EQ(server_.As("PUT", b, Card("card-b", "Paul Martin"), kVcf).status, 201);
  Reply r = server_.As("PUT", a, Card("card-z"), kVcf);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("valid-address-data"), std::string::npos) << r.body;
  r = server_.As("MOVE", a, "", {{"Destination", b}, {"Overwrite", "T"}});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("valid-address-data"), std::string::npos) << r.body;
  EXPECT_EQ(GetBody(a), Card("card-a"));
  EXPECT_EQ(GetBody(b), Card("card-b", "Paul Martin"));
  EXPECT_EQ(server_.As("PUT", a, Card("card-a", "Marie Dupont-Labert"), kVcf).status, 204);
}

// ---- what libical does not know is kept ----

TEST_F(ValidationTest, Rfc9073AndUnknownPropertiesAreStoredAndServedByteForByte) {
  const std::string ics = Fixture("rfc9073_structured.ics");
  std::string path = std::string(kCal) + "structured.ics";
  Reply r = server_.As("PUT", path, ics, kIcs);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(GetBody(path), ics);
}

// ---- a meeting override in a personal series (Apple Calendar, Thunderbird) ----

TEST_F(ValidationTest, MeetingOverrideInPersonalSeriesIsAcceptedAndScheduled) {
  for (const char* name : {"apple_meeting_override.ics", "thunderbird_meeting_override.ics"}) {
    const std::string ics = Fixture(name);
    const std::string uid =
        ics.substr(ics.find("\r\nUID:") + 6,
                   ics.find("\r\n", ics.find("\r\nUID:") + 6) - ics.find("\r\nUID:") - 6);
    Reply r = server_.As("PUT", std::string(kCal) + uid + ".ics", ics, kIcs);
    ASSERT_EQ(r.status, 201) << name << r.body;
    // The invitation went out for that instance: Marie has a copy with the override only.
    std::string copy_path = "/dav/calendars/mdupont/agenda/" + uid + ".ics";
    Reply copy = server_.Request("GET", copy_path, "", {}, "mdupont", "pw");
    ASSERT_EQ(copy.status, 200) << name;
    EXPECT_NE(copy.body.find("RECURRENCE-ID"), std::string::npos) << copy.body;
    EXPECT_EQ(copy.body.find("FREQ=WEEKLY"), std::string::npos) << "the series is not hers";
    EXPECT_NE(copy.body.find(kMarie), std::string::npos);
    // The organizer's copy records the delivery.
    EXPECT_NE(GetBody(std::string(kCal) + uid + ".ics").find("SCHEDULE-STATUS"), std::string::npos)
        << name;
  }
}

}  // namespace
}  // namespace cartable
