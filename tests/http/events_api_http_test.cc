// The web agenda's JSON writes of calendars, events and tasks (dav/api/events_api.h,
// dav/api/calendar_api.cc) over HTTP: the fields the agenda reads, the recurrence scopes, the
// DAV PUT path behind every write (scheduling, sharing access, If-Match) and the errors.
#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using nlohmann::json;
using testlib::Reply;
using testlib::TestServer;

constexpr char kJean[] = "jean.labert@ac-orleans-tours.fr";
constexpr char kMarie[] = "marie.dupont@ac-orleans-tours.fr";

class EventsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", kJean);
    server_.AddUser("mdupont", "pw", "Marie Dupont", kMarie);
    server_.AddUser("pmartin", "pw", "Paul Martin", "paul.martin@ac-orleans-tours.fr");
  }

  Reply As(const std::string& login, const std::string& method, const std::string& path,
           const std::string& body = "",
           std::vector<std::pair<std::string, std::string>> headers = {}) {
    if (!body.empty()) headers.push_back({"Content-Type", "application/json"});
    return server_.Request(method, path, body, headers, login, "pw");
  }
  static json Body(const Reply& r) { return json::parse(r.body, nullptr, false); }

  // Events of jlabert's `calendar` (as `login`) in [from, to).
  json Events(const std::string& login, const std::string& calendar, const std::string& from,
              const std::string& to) {
    Reply r =
        As(login, "GET", "/api/v1/calendars/" + calendar + "/events?from=" + from + "&to=" + to);
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r)["events"];
  }

  // Semaine A: Mondays 10:00-11:00 Paris every two weeks from 2 November 2026, 15 min alarm.
  json CreateWeekA() {
    Reply r = As("jlabert", "POST", "/api/v1/calendars/agenda/events", R"({
      "summary": "Conseil pédagogique", "location": "Salle 12",
      "start": "2026-11-02T10:00:00", "end": "2026-11-02T11:00:00", "timezone": "Europe/Paris",
      "alarms": [15], "class": "PRIVATE",
      "rrule": {"freq": "WEEKLY", "interval": 2, "byday": ["MO"], "until": null, "count": null}
    })");
    EXPECT_EQ(r.status, 201) << r.body;
    return Body(r)["event"];
  }

  std::string Share(const std::string& with, const std::string& access) {
    Reply r = As("jlabert", "POST", "/api/v1/calendars/agenda/shares",
                 json{{"with", with}, {"access", access}}.dump());
    EXPECT_TRUE(r.status == 201 || r.status == 200) << r.body;
    Reply list = As(with, "GET", "/api/v1/calendars");
    const json calendars = Body(list)["calendars"];
    for (const json& c : calendars) {
      if (c["owner"]["login"] == "jlabert") return c["id"];
    }
    return "";
  }

  size_t QueuedMail() {
    Result<std::vector<store::QueuedMail>> q =
        server_.store().ThreadSession().DueMail(std::numeric_limits<store::UnixTime>::max(), 1000);
    EXPECT_TRUE(q.ok());
    return q.ok() ? q->size() : 0;
  }

  TestServer server_;
};

TEST_F(EventsApiTest, CreateThenListWithTheAgendasFields) {
  json created = CreateWeekA();
  ASSERT_TRUE(created.is_object()) << created;
  EXPECT_EQ(created["start"], "2026-11-02T09:00:00Z");
  const std::string name = created["name"];
  EXPECT_TRUE(name.ends_with(".ics"));

  json events = Events("jlabert", "agenda", "2026-11-01", "2026-12-01");
  ASSERT_EQ(events.size(), 3u) << events;
  const json& e = events[1];
  EXPECT_EQ(e["start"], "2026-11-16T09:00:00Z");
  EXPECT_EQ(e["end"], "2026-11-16T10:00:00Z");
  EXPECT_EQ(e["name"], name);
  EXPECT_TRUE(e["etag"].is_string() && !e["etag"].get<std::string>().empty());
  EXPECT_EQ(e["timezone"], "Europe/Paris");
  EXPECT_EQ(e["rrule"]["freq"], "WEEKLY");
  EXPECT_EQ(e["rrule"]["interval"], 2);
  EXPECT_EQ(e["rrule"]["byday"], json::array({"MO"}));
  EXPECT_TRUE(e["rrule"]["until"].is_null());
  EXPECT_TRUE(e["recurring"].get<bool>());
  EXPECT_EQ(e["alarms"], json::array({15}));
  EXPECT_EQ(e["class"], "PRIVATE");
  EXPECT_FALSE(e["transparent"].get<bool>());
  EXPECT_TRUE(e["editable"].get<bool>());
  EXPECT_FALSE(e["organizer_is_me"].get<bool>());
  EXPECT_TRUE(e["my_partstat"].is_null());
  EXPECT_EQ(e["location"], "Salle 12");

  // What CalDAV clients read: local time with its zone.
  Reply dav = As("jlabert", "GET", "/dav/calendars/jlabert/agenda/" + name);
  ASSERT_EQ(dav.status, 200);
  EXPECT_NE(dav.body.find("DTSTART;TZID=Europe/Paris:20261102T100000"), std::string::npos)
      << dav.body;
  EXPECT_NE(dav.body.find("BEGIN:VTIMEZONE"), std::string::npos);
  EXPECT_EQ(dav.Header("etag"), e["etag"]);

  // The listing says which calendars may be written.
  Reply list = As("jlabert", "GET", "/api/v1/calendars");
  json listed = Body(list);  // kept alive: a range-for over Body(list)["calendars"] dangles
  for (const json& c : listed["calendars"]) EXPECT_TRUE(c["writable"].get<bool>()) << c;
}

TEST_F(EventsApiTest, MoveOneOccurrenceThenThisAndFollowingThenDeleteOne) {
  const std::string name = CreateWeekA()["name"];
  // Move 16 November to Tuesday 17, 14:00 Paris.
  Reply moved = As("jlabert", "PATCH", "/api/v1/calendars/agenda/events/" + name,
                   R"({"scope": "one", "occurrence": "2026-11-16T09:00:00Z",
                       "start": "2026-11-17T14:00:00+01:00", "end": "2026-11-17T15:00:00+01:00"})");
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(Body(moved)["event"]["start"], "2026-11-17T13:00:00Z");
  json events = Events("jlabert", "agenda", "2026-11-01", "2026-12-01");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["start"], "2026-11-02T09:00:00Z");
  EXPECT_EQ(events[1]["start"], "2026-11-17T13:00:00Z");
  EXPECT_EQ(events[1]["recurrence_id"], "20261116T090000Z");
  EXPECT_EQ(events[2]["start"], "2026-11-30T09:00:00Z");

  // From 30 November on, at 11:00 and in another room: a new series.
  Reply following = As("jlabert", "PATCH", "/api/v1/calendars/agenda/events/" + name,
                       R"({"scope": "following", "occurrence": "2026-11-30T09:00:00Z",
                           "start": "2026-11-30T11:00:00", "location": "CDI"})");
  ASSERT_EQ(following.status, 200) << following.body;
  const std::string series = Body(following)["event"]["name"];
  EXPECT_NE(series, name);
  events = Events("jlabert", "agenda", "2026-11-01", "2027-01-01");
  ASSERT_EQ(events.size(), 5u) << events;
  EXPECT_EQ(events[2]["start"], "2026-11-30T10:00:00Z");
  EXPECT_EQ(events[2]["name"], series);
  EXPECT_EQ(events[2]["location"], "CDI");
  EXPECT_EQ(events[1]["name"], name);
  EXPECT_EQ(events[1]["location"], "Salle 12");

  // Delete 14 December of the new series.
  Reply del = As(
      "jlabert", "DELETE",
      "/api/v1/calendars/agenda/events/" + series + "?scope=one&occurrence=2026-12-14T10:00:00Z");
  ASSERT_EQ(del.status, 204) << del.body;
  events = Events("jlabert", "agenda", "2026-12-01", "2027-01-01");
  ASSERT_EQ(events.size(), 1u) << events;
  EXPECT_EQ(events[0]["start"], "2026-12-28T10:00:00Z");
  // All of the first series.
  ASSERT_EQ(As("jlabert", "DELETE", "/api/v1/calendars/agenda/events/" + name).status, 204);
  EXPECT_EQ(Events("jlabert", "agenda", "2026-11-01", "2026-11-29").size(), 0u);
  EXPECT_EQ(As("jlabert", "GET", "/dav/calendars/jlabert/agenda/" + name).status, 404);
}

TEST_F(EventsApiTest, IfMatchMismatchIsRefusedAndNothingChanges) {
  json created = CreateWeekA();
  const std::string name = created["name"];
  const std::string etag = created["etag"];
  Reply stale = As("jlabert", "PATCH", "/api/v1/calendars/agenda/events/" + name,
                   R"({"summary": "Autre"})", {{"If-Match", "\"not-the-etag\""}});
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_EQ(Body(stale)["error"], "changed");
  EXPECT_EQ(Events("jlabert", "agenda", "2026-11-01", "2026-11-03")[0]["summary"],
            "Conseil pédagogique");
  Reply fresh = As("jlabert", "PATCH", "/api/v1/calendars/agenda/events/" + name,
                   R"({"summary": "Autre"})", {{"If-Match", etag}});
  EXPECT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_EQ(Events("jlabert", "agenda", "2026-11-01", "2026-11-03")[0]["summary"], "Autre");
  EXPECT_EQ(
      As("jlabert", "DELETE", "/api/v1/calendars/agenda/events/" + name, "", {{"If-Match", etag}})
          .status,
      412);
}

TEST_F(EventsApiTest, BadFieldsNameTheField) {
  auto field = [&](const std::string& body) {
    Reply r = As("jlabert", "POST", "/api/v1/calendars/agenda/events", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    json j = Body(r);
    EXPECT_FALSE(j["message"].get<std::string>().empty());
    return j["field"].is_string() ? j["field"].get<std::string>() : std::string();
  };
  EXPECT_EQ(field(R"({"start": "2026-12-07T10:00:00Z"})"), "summary");
  EXPECT_EQ(field(R"({"summary": "x", "start": "demain"})"), "start");
  EXPECT_EQ(
      field(R"({"summary": "x", "start": "2026-12-07T10:00:00Z", "end": "2026-12-07T09:00:00Z"})"),
      "end");
  EXPECT_EQ(
      field(R"({"summary": "x", "start": "2026-12-07", "alarms": [1,2,3,4,5,6,7,8,9,10,11]})"),
      "alarms");
  EXPECT_EQ(field(R"({"summary": "x", "start": "2026-12-07", "class": "SECRET"})"), "class");
  EXPECT_EQ(field(R"({"summary": "x", "start": "2026-12-07", "rrule": {"freq": "HOURLY"}})"),
            "rrule.freq");
  json many = json::array();
  for (int i = 0; i < 51; ++i) many.push_back("p" + std::to_string(i) + "@example.org");
  EXPECT_EQ(field(json{{"summary", "x"}, {"start", "2026-12-07"}, {"attendees", many}}.dump()),
            "attendees");
  // Text lengths: the calendar's max-resource-size (1 MiB), as for a PUT.
  Reply big =
      As("jlabert", "POST", "/api/v1/calendars/agenda/events",
         json{{"summary", "x"}, {"start", "2026-12-07"}, {"description", std::string(1100000, 'a')}}
             .dump());
  EXPECT_EQ(big.status, 403) << big.body.substr(0, 300);  // CALDAV:max-resource-size
  EXPECT_EQ(Body(big)["error"], "too-large");
  // A task in a calendar of events only.
  Reply made = As("jlabert", "POST", "/api/v1/calendars/agenda/tasks", R"({"summary": "x"})");
  EXPECT_EQ(made.status, 403) << made.body;
  EXPECT_EQ(Body(made)["error"], "wrong-calendar");
  // Nothing was stored by the refused requests.
  EXPECT_EQ(Events("jlabert", "agenda", "2026-11-01", "2027-01-01").size(), 0u);
  // Unknown calendar, another user's calendar: 404.
  EXPECT_EQ(As("jlabert", "POST", "/api/v1/calendars/nope/events", R"({"summary": "x"})").status,
            404);
  EXPECT_EQ(As("jlabert", "PATCH", "/api/v1/calendars/agenda/events/nope.ics", "{}").status, 404);
  EXPECT_EQ(As("jlabert", "PATCH",
               "/api/v1/calendars/agenda/events/" + CreateWeekA()["name"].get<std::string>(),
               R"({"scope": "one"})")
                .status,
            400);
}

TEST_F(EventsApiTest, ReadShareeIsRefusedWriterWritesAsTheOwner) {
  const std::string name = CreateWeekA()["name"];
  const std::string mount = Share("mdupont", "read");
  ASSERT_FALSE(mount.empty());
  json seen = Events("mdupont", mount, "2026-11-01", "2026-11-03");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(seen[0]["editable"].get<bool>());
  Reply create = As("mdupont", "POST", "/api/v1/calendars/" + mount + "/events",
                    R"({"summary": "Intrus", "start": "2026-12-07"})");
  EXPECT_EQ(create.status, 403) << create.body;
  Reply patch = As("mdupont", "PATCH", "/api/v1/calendars/" + mount + "/events/" + name,
                   R"({"summary": "Intrus"})");
  EXPECT_EQ(patch.status, 403) << patch.body;
  EXPECT_EQ(As("mdupont", "DELETE", "/api/v1/calendars/" + mount + "/events/" + name).status, 403);
  EXPECT_EQ(Events("jlabert", "agenda", "2026-11-01", "2026-12-01").size(), 3u);
  // Someone the calendar is not shared with: as if it did not exist.
  EXPECT_EQ(As("pmartin", "POST", "/api/v1/calendars/" + mount + "/events",
               R"({"summary": "x", "start": "2026-12-07"})")
                .status,
            404);
  // A read-write sharee creates in the owner's calendar.
  ASSERT_EQ(Share("mdupont", "read-write"), mount);
  Reply ok = As("mdupont", "POST", "/api/v1/calendars/" + mount + "/events",
                R"({"summary": "Réunion de service", "start": "2026-12-07"})");
  EXPECT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(Events("jlabert", "agenda", "2026-12-07", "2026-12-08").size(), 1u);
}

TEST_F(EventsApiTest, AttendeesAreInvitedAsByACalDavPut) {
  Reply r = As("jlabert", "POST", "/api/v1/calendars/agenda/events",
               json{{"summary", "Inspection"},
                    {"start", "2027-03-04T10:00:00"},
                    {"duration_minutes", 60},
                    {"attendees", json::array({json{{"address", kMarie}, {"name", "Marie Dupont"}},
                                               "invite.externe@example.org"})}}
                   .dump());
  ASSERT_EQ(r.status, 201) << r.body;
  json event = Body(r)["event"];
  EXPECT_TRUE(event["organizer_is_me"].get<bool>());
  EXPECT_EQ(event["my_partstat"], "ACCEPTED");
  EXPECT_EQ(event["attendees"].size(), 3u);
  // The colleague has it in her calendar, waiting for her answer.
  Reply inv = As("mdupont", "GET", "/api/v1/invitations");
  ASSERT_EQ(inv.status, 200);
  ASSERT_EQ(Body(inv)["invitations"].size(), 1u) << inv.body;
  EXPECT_EQ(Body(inv)["invitations"][0]["summary"], "Inspection");
  // The outside address gets iMIP mail (queued: no relay in tests).
  EXPECT_EQ(QueuedMail(), 1u);
  json marie = Events("mdupont", "agenda", "2027-03-04", "2027-03-05");
  ASSERT_EQ(marie.size(), 1u);
  EXPECT_EQ(marie[0]["my_partstat"], "NEEDS-ACTION");
  EXPECT_FALSE(marie[0]["organizer_is_me"].get<bool>());
  EXPECT_FALSE(marie[0]["editable"].get<bool>());
  // Moving it tells them: a second mail, SEQUENCE 1.
  Reply moved =
      As("jlabert", "PATCH", "/api/v1/calendars/agenda/events/" + event["name"].get<std::string>(),
         R"({"start": "2027-03-04T14:00:00"})");
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(QueuedMail(), 2u);
  Reply copy =
      As("mdupont", "GET", "/dav/calendars/mdupont/agenda/" + marie[0]["name"].get<std::string>());
  EXPECT_NE(copy.body.find("SEQUENCE:1"), std::string::npos) << copy.body;
  EXPECT_NE(copy.body.find("T140000"), std::string::npos) << copy.body;
}

TEST_F(EventsApiTest, TasksCreateCompleteFilter) {
  const std::string base = "/api/v1/calendars/taches/tasks";
  Reply late = As("jlabert", "POST", base,
                  R"({"summary": "Rendre les notes", "due": "2020-01-10", "priority": 1})");
  ASSERT_EQ(late.status, 201) << late.body;
  Reply later = As("jlabert", "POST", base,
                   R"({"summary": "Préparer le conseil", "due": "2099-06-01T10:00:00Z"})");
  ASSERT_EQ(later.status, 201) << later.body;
  Reply none = As("jlabert", "POST", base, R"({"summary": "Sans échéance"})");
  ASSERT_EQ(none.status, 201);
  EXPECT_EQ(Body(late)["task"]["due"], "2020-01-10");
  EXPECT_EQ(Body(later)["task"]["due"], "2099-06-01T10:00:00Z");
  EXPECT_TRUE(Body(none)["task"]["due"].is_null());

  auto list = [&](const std::string& status) {
    Reply r = As("jlabert", "GET", base + "?status=" + status);
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r)["tasks"];
  };
  json all = list("all");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]["summary"], "Rendre les notes");  // open first, by due date
  EXPECT_EQ(all[2]["summary"], "Sans échéance");
  ASSERT_EQ(list("overdue").size(), 1u);
  EXPECT_EQ(list("overdue")[0]["summary"], "Rendre les notes");

  const std::string name = Body(late)["task"]["name"];
  Reply done = As("jlabert", "PATCH", base + "/" + name, R"({"done": true})");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(Body(done)["task"]["status"], "COMPLETED");
  EXPECT_EQ(Body(done)["task"]["percent"], 100);
  EXPECT_FALSE(Body(done)["task"]["completed"].is_null());
  EXPECT_EQ(list("overdue").size(), 0u);
  EXPECT_EQ(list("done").size(), 1u);
  EXPECT_EQ(list("todo").size(), 2u);
  EXPECT_EQ(list("all")[2]["summary"], "Rendre les notes");  // done last
  Reply reopened = As("jlabert", "PATCH", base + "/" + name, R"({"done": false})");
  EXPECT_EQ(Body(reopened)["task"]["status"], "NEEDS-ACTION");
  EXPECT_TRUE(Body(reopened)["task"]["completed"].is_null());
  EXPECT_EQ(As("jlabert", "PATCH", base + "/" + name, R"({"priority": 42})").status, 400);
  EXPECT_EQ(As("jlabert", "GET", base + "?status=bientot").status, 400);
  EXPECT_EQ(As("jlabert", "DELETE", base + "/" + name).status, 204);
  EXPECT_EQ(list("all").size(), 2u);
}

TEST_F(EventsApiTest, CalendarsCreateRenameDelete) {
  Reply made =
      As("jlabert", "POST", "/api/v1/calendars", R"({"name": "Réunions 3e", "color": "#1E90FF"})");
  ASSERT_EQ(made.status, 201) << made.body;
  json cal = Body(made)["calendar"];
  EXPECT_EQ(cal["id"], "reunions-3e");
  EXPECT_EQ(cal["name"], "Réunions 3e");
  EXPECT_EQ(cal["color"], "#1E90FF");
  EXPECT_EQ(cal["components"], json::array({"VEVENT"}));
  EXPECT_TRUE(cal["writable"].get<bool>());
  // A second one of the same name gets its own id.
  Reply twice = As("jlabert", "POST", "/api/v1/calendars",
                   R"({"name": "Réunions 3e", "components": ["VTODO"]})");
  ASSERT_EQ(twice.status, 201);
  EXPECT_EQ(Body(twice)["calendar"]["id"], "reunions-3e-2");
  EXPECT_EQ(Body(twice)["calendar"]["components"], json::array({"VTODO"}));
  EXPECT_EQ(As("jlabert", "POST", "/api/v1/calendars", R"({"name": "x", "color": "rouge"})").status,
            400);
  EXPECT_EQ(As("jlabert", "POST", "/api/v1/calendars", R"({"color": "#000000"})").status, 400);
  Reply long_name =
      As("jlabert", "POST", "/api/v1/calendars", json{{"name", std::string(201, 'a')}}.dump());
  EXPECT_EQ(long_name.status, 400);
  EXPECT_EQ(Body(long_name)["field"], "name");

  Reply renamed =
      As("jlabert", "PATCH", "/api/v1/calendars/reunions-3e", R"({"name": "Conseils"})");
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(Body(renamed)["calendar"]["name"], "Conseils");
  EXPECT_EQ(Body(renamed)["calendar"]["color"], "#1E90FF");

  // A sharee's rename is theirs only.
  const std::string mount = Share("mdupont", "read");
  Reply own = As("mdupont", "PATCH", "/api/v1/calendars/" + mount,
                 R"({"name": "Agenda de Jean", "color": "#FF0000"})");
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(Body(own)["calendar"]["name"], "Agenda de Jean");
  Reply mine = As("jlabert", "GET", "/api/v1/calendars");
  json mine_listed = Body(mine);
  for (const json& c : mine_listed["calendars"]) EXPECT_NE(c["name"], "Agenda de Jean");
  EXPECT_EQ(As("mdupont", "DELETE", "/api/v1/calendars/" + mount).status, 403);
  EXPECT_EQ(As("pmartin", "PATCH", "/api/v1/calendars/" + mount, R"({"name": "x"})").status, 404);

  EXPECT_EQ(As("jlabert", "DELETE", "/api/v1/calendars/reunions-3e").status, 204);
  EXPECT_EQ(As("jlabert", "GET", "/dav/calendars/jlabert/reunions-3e/").status, 404);
  // The last calendar of events stays.
  Reply last = As("jlabert", "DELETE", "/api/v1/calendars/agenda");
  EXPECT_EQ(last.status, 409) << last.body;
  EXPECT_EQ(Body(last)["error"], "last-calendar");
  EXPECT_EQ(As("jlabert", "DELETE", "/api/v1/calendars/nope").status, 404);
}

}  // namespace
}  // namespace cartable
