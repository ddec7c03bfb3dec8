// The webmail's JSON sharing API (issue 12): listing own and shared collections, shares of a
// calendar or an address book, delegates, invitations, events of a shared calendar.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/testlib/test_server.h"
#include "tests/testlib/web_client.h"

namespace cartable {
namespace {

using nlohmann::json;
using testlib::Reply;
using testlib::TestServer;

constexpr char kOwnerMail[] = "jean.labert@ac-orleans-tours.fr";
constexpr char kMarker[] = "MARQUEUR-PRIVE-7d1e";

json Body(const Reply& r) {
  json j = json::parse(r.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.status << " " << r.body;
  return j;
}

// The entry of `id` in a {"calendars"|"addressbooks": [...]} listing (null when absent).
json Find(const json& list, const std::string& id) {
  for (const json& c : list) {
    if (c["id"] == id) return c;
  }
  return nullptr;
}

class SharingApiTest : public ::testing::Test {
 protected:
  explicit SharingApiTest(void (*tweak)(server::Config&) = nullptr) : server_(tweak) {}

  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", kOwnerMail);
    server_.AddUser("mdupont", "pw", "Marie Dupont", "marie.dupont@ac-orleans-tours.fr");
    server_.AddUser("pmartin", "pw", "Paul Martin", "paul.martin@ac-orleans-tours.fr");
  }

  Reply As(const std::string& login, const std::string& method, const std::string& path,
           const std::string& body = "") {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!body.empty()) headers.push_back({"Content-Type", "application/json"});
    return server_.Request(method, path, body, headers, login, "pw");
  }

  // jlabert shares `collection` ("calendars/agenda") with `with` at `access`; returns the reply.
  Reply Share(const std::string& collection, const std::string& with, const std::string& access) {
    return As("jlabert", "POST", "/api/v1/" + collection + "/shares",
              json{{"with", with}, {"access", access}}.dump());
  }

  // The id ("partage-N") under which `login` sees jlabert's `owner_id` collection in `list`.
  std::string MountId(const std::string& login, const std::string& list) {
    Reply r = As(login, "GET", "/api/v1/" + list);
    EXPECT_EQ(r.status, 200) << r.body;
    const json listed = Body(r)[list];  // kept: a temporary's element would dangle in the loop
    for (const json& c : listed) {
      if (c["owner"]["login"] == "jlabert") return c["id"];
    }
    return "";
  }

  void PutEvent(const std::string& name, const std::string& summary, const std::string& cls) {
    std::string ics =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:" + name +
        "\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261110T090000Z\r\nDTEND:20261110T100000Z\r\n"
        "SUMMARY:" +
        summary + "\r\nLOCATION:Bureau " + summary + "\r\nDESCRIPTION:" + summary + "\r\n" +
        (cls.empty() ? "" : "CLASS:" + cls + "\r\n") + "END:VEVENT\r\nEND:VCALENDAR\r\n";
    Reply r = server_.Request("PUT", "/dav/calendars/jlabert/agenda/" + name + ".ics", ics,
                              {{"Content-Type", "text/calendar"}}, "jlabert", "pw");
    ASSERT_EQ(r.status, 201) << r.body;
  }

  // Creates the department group account and puts `login` in the department's directory.
  void MakeDepartmentMember(const std::string& login) {
    store::Session& s = server_.store().ThreadSession();
    auto txn = s.Begin(true);
    ASSERT_TRUE(txn.ok());
    store::User group;
    group.login = "departement-37";
    group.display_name = "Indre-et-Loire";
    group.kind = store::UserKind::kGroup;
    group.group_key = "departement:37";
    ASSERT_TRUE(s.CreateUser(group).ok());
    auto user = s.GetUserByLogin(login);
    ASSERT_TRUE(user.ok());
    store::DirectoryEntry e;
    e.source_key = "numen-" + login;
    e.user_id = user->id;
    e.card_uid = "urn:uuid:" + login;
    e.nom = user->display_name;
    e.email = user->email;
    e.departement = "37";
    e.uai = "0370001A";
    ASSERT_TRUE(s.PutDirectoryEntry(e).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }

  TestServer server_;
};

TEST_F(SharingApiTest, ListsOwnAndSharedCalendarsWithOwnerAndAccess) {
  Reply shared = Share("calendars/agenda", "mdupont", "read");
  ASSERT_EQ(shared.status, 201) << shared.body;
  EXPECT_EQ(Body(shared)["with"], "mdupont");
  EXPECT_EQ(Body(shared)["name"], "Marie Dupont");
  EXPECT_EQ(Body(shared)["access"], "read");
  EXPECT_EQ(Body(shared)["status"], "accepted");  // [sharing] auto_accept defaults to on

  json mine = Body(As("jlabert", "GET", "/api/v1/calendars"))["calendars"];
  ASSERT_EQ(mine.size(), 2u) << mine;
  EXPECT_EQ(Find(mine, "agenda")["access"], "owner");
  EXPECT_EQ(Find(mine, "agenda")["shared"], true);
  EXPECT_EQ(Find(mine, "agenda")["owner"]["login"], "jlabert");
  EXPECT_EQ(Find(mine, "taches")["shared"], false);

  json theirs = Body(As("mdupont", "GET", "/api/v1/calendars"))["calendars"];
  ASSERT_EQ(theirs.size(), 3u) << theirs;
  const json& mount = theirs[2];
  EXPECT_EQ(mount["id"].get<std::string>().rfind("partage-", 0), 0u) << mount;
  EXPECT_EQ(mount["name"], "Agenda");
  EXPECT_EQ(mount["owner"], (json{{"login", "jlabert"}, {"name", "Jean Labert"}}));
  EXPECT_EQ(mount["access"], "read");
  EXPECT_EQ(mount["shared"], true);
  EXPECT_EQ(mount["url"], "/dav/calendars/mdupont/" + mount["id"].get<std::string>() + "/");
  EXPECT_EQ(mount["components"][0], "VEVENT");
  EXPECT_EQ(Find(theirs, "agenda")["access"], "owner");  // her own agenda is still hers

  // Nobody else sees it.
  json others = Body(As("pmartin", "GET", "/api/v1/calendars"))["calendars"];
  EXPECT_EQ(others.size(), 2u) << others;
}

TEST_F(SharingApiTest, ChangesListsAndRevokesShares) {
  ASSERT_EQ(Share("calendars/agenda", "mdupont", "read").status, 201);
  // By e-mail address: the same colleague, so the share changes (200, not a second share).
  Reply changed = Share("calendars/agenda", "marie.dupont@ac-orleans-tours.fr", "read-write");
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(Body(changed)["access"], "read-write");
  ASSERT_EQ(Share("calendars/agenda", "pmartin", "freebusy").status, 201);

  Reply list = As("jlabert", "GET", "/api/v1/calendars/agenda/shares");
  ASSERT_EQ(list.status, 200) << list.body;
  json shares = Body(list)["shares"];
  ASSERT_EQ(shares.size(), 2u) << shares;
  EXPECT_EQ(shares[0]["with"], "mdupont");
  EXPECT_EQ(shares[0]["access"], "read-write");
  EXPECT_EQ(shares[0]["group"], false);
  EXPECT_EQ(shares[1]["with"], "pmartin");
  EXPECT_EQ(shares[1]["name"], "Paul Martin");
  EXPECT_EQ(shares[1]["access"], "freebusy");
  std::string mount = MountId("mdupont", "calendars");
  ASSERT_FALSE(mount.empty());
  EXPECT_EQ(Find(Body(As("mdupont", "GET", "/api/v1/calendars"))["calendars"], mount)["access"],
            "read-write");

  Reply gone = As("jlabert", "DELETE", "/api/v1/calendars/agenda/shares?with=mdupont");
  EXPECT_EQ(gone.status, 204) << gone.body;
  EXPECT_TRUE(gone.body.empty());
  shares = Body(As("jlabert", "GET", "/api/v1/calendars/agenda/shares"))["shares"];
  ASSERT_EQ(shares.size(), 1u) << shares;
  EXPECT_EQ(shares[0]["with"], "pmartin");
  EXPECT_EQ(MountId("mdupont", "calendars"), "");
  Reply again = As("jlabert", "DELETE", "/api/v1/calendars/agenda/shares?with=mdupont");
  EXPECT_EQ(again.status, 404) << again.body;
  EXPECT_TRUE(Body(again)["error"].is_string());
}

TEST_F(SharingApiTest, ShareErrors) {
  auto expect = [&](const Reply& r, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_NE(r.Header("content-type").find("application/json"), std::string::npos);
    EXPECT_TRUE(Body(r)["error"].is_string()) << r.body;
  };
  expect(Share("calendars/agenda", "personne", "read"), 404);                  // unknown user
  expect(Share("calendars/agenda", "departement:99", "read"), 404);            // unknown group
  expect(Share("calendars/agenda", "mdupont", "write"), 400);                  // bad access
  expect(Share("calendars/agenda", "", "read"), 400);                          // no sharee
  expect(As("jlabert", "POST", "/api/v1/calendars/agenda/shares", "{"), 400);  // not JSON
  expect(As("jlabert", "POST", "/api/v1/calendars/agenda/shares", "[1]"), 400);
  expect(As("jlabert", "DELETE", "/api/v1/calendars/agenda/shares"), 400);  // no ?with=
  expect(Share("calendars/nope", "mdupont", "read"), 404);                  // unknown calendar
  expect(Share("calendars/inbox", "mdupont", "read"), 404);                 // not a calendar
  expect(As("jlabert", "GET", "/api/v1/calendars/partage-999/shares"), 404);
  expect(Share("calendars/agenda", "jlabert", "read"), 403);           // myself
  expect(Share("addressbooks/contacts", "mdupont", "freebusy"), 403);  // no such access
  Reply put = As("jlabert", "PUT", "/api/v1/calendars/agenda/shares", "{}");
  expect(put, 405);
  // The router's Allow lists the methods of the whole /api/v1/calendars row (PATCH: the web
  // agenda's changes of calendars, events and tasks, issue 13).
  EXPECT_EQ(put.Header("allow"), "GET, HEAD, POST, DELETE, PATCH");
  expect(server_.Request("GET", "/api/v1/calendars/agenda/shares"), 401);
  // Nothing was stored by the refused requests.
  EXPECT_EQ(Body(As("jlabert", "GET", "/api/v1/calendars/agenda/shares"))["shares"].size(), 0u);

  // Only the owner sees or changes the shares: the sharee gets 403 on their mount.
  ASSERT_EQ(Share("calendars/agenda", "mdupont", "read-write").status, 201);
  std::string mount = MountId("mdupont", "calendars");
  ASSERT_FALSE(mount.empty());
  expect(As("mdupont", "GET", "/api/v1/calendars/" + mount + "/shares"), 403);
  expect(As("mdupont", "POST", "/api/v1/calendars/" + mount + "/shares",
            R"({"with": "pmartin", "access": "read"})"),
         403);
  expect(As("mdupont", "DELETE", "/api/v1/calendars/" + mount + "/shares?with=mdupont"), 403);
  // And another user's calendar is not reachable at all.
  expect(As("pmartin", "GET", "/api/v1/calendars/" + mount + "/shares"), 404);
  json shares = Body(As("jlabert", "GET", "/api/v1/calendars/agenda/shares"))["shares"];
  ASSERT_EQ(shares.size(), 1u);
  EXPECT_EQ(shares[0]["access"], "read-write");
}

TEST_F(SharingApiTest, SharesAnAddressBook) {
  Reply shared = Share("addressbooks/contacts", "mdupont", "read");
  ASSERT_EQ(shared.status, 201) << shared.body;
  json mine = Body(As("jlabert", "GET", "/api/v1/addressbooks"))["addressbooks"];
  ASSERT_EQ(mine.size(), 2u) << mine;  // and the annuaire, last (issue 13)
  EXPECT_EQ(mine[1]["id"], "annuaire");
  EXPECT_EQ(mine[0]["id"], "contacts");
  EXPECT_EQ(mine[0]["name"], "Contacts");
  EXPECT_EQ(mine[0]["shared"], true);
  json theirs = Body(As("mdupont", "GET", "/api/v1/addressbooks"))["addressbooks"];
  ASSERT_EQ(theirs.size(), 3u) << theirs;
  EXPECT_EQ(theirs[1]["owner"]["login"], "jlabert");
  EXPECT_EQ(theirs[1]["access"], "read");
  EXPECT_EQ(theirs[1]["url"],
            "/dav/addressbooks/mdupont/" + theirs[1]["id"].get<std::string>() + "/");
  // Calendars and address books are listed apart.
  EXPECT_EQ(Body(As("mdupont", "GET", "/api/v1/calendars"))["calendars"].size(), 2u);
  EXPECT_EQ(As("mdupont", "GET", "/api/v1/addressbooks/contacts/shares").status, 200);
  // POST creates an address book since issue 13: a body without a name is refused.
  EXPECT_EQ(As("mdupont", "POST", "/api/v1/addressbooks").status, 400);
  EXPECT_EQ(As("mdupont", "GET", "/api/v1/addressbooks/contacts/cards").status, 404);
  EXPECT_EQ(server_.Request("GET", "/api/v1/addressbooks").status, 401);
  EXPECT_EQ(As("jlabert", "DELETE", "/api/v1/addressbooks/contacts/shares?with=mdupont").status,
            204);
  EXPECT_EQ(Body(As("mdupont", "GET", "/api/v1/addressbooks"))["addressbooks"].size(), 2u);
}

TEST_F(SharingApiTest, SharesWithADepartment) {
  MakeDepartmentMember("mdupont");
  Reply shared = Share("calendars/agenda", "departement:37", "read");
  ASSERT_EQ(shared.status, 201) << shared.body;
  EXPECT_EQ(Body(shared)["with"], "departement:37");
  EXPECT_EQ(Body(shared)["name"], "Indre-et-Loire");
  EXPECT_EQ(Body(shared)["group"], true);
  EXPECT_EQ(Body(shared)["status"], "accepted");
  std::string mount = MountId("mdupont", "calendars");
  ASSERT_FALSE(mount.empty());
  EXPECT_EQ(MountId("pmartin", "calendars"), "");  // not in the department
  // A group cannot be a delegate.
  Reply group = As("jlabert", "POST", "/api/v1/me/delegates",
                   R"({"login": "departement-37", "access": "read"})");
  EXPECT_EQ(group.status, 403) << group.body;
  EXPECT_EQ(As("jlabert", "DELETE", "/api/v1/calendars/agenda/shares?with=departement:37").status,
            204);
  EXPECT_EQ(MountId("mdupont", "calendars"), "");
}

TEST_F(SharingApiTest, EventsOfASharedCalendarWithTheViewersAccess) {
  PutEvent("public", "Conseil de classe", "");
  PutEvent("private", kMarker, "PRIVATE");
  ASSERT_EQ(Share("calendars/agenda", "mdupont", "read").status, 201);
  std::string mount = MountId("mdupont", "calendars");
  ASSERT_FALSE(mount.empty());
  const std::string query = "/events?from=2026-11-01&to=2026-12-01";

  // The owner sees both events whole.
  Reply own = As("jlabert", "GET", "/api/v1/calendars/agenda" + query);
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_NE(own.body.find(kMarker), std::string::npos);

  Reply r = As("mdupont", "GET", "/api/v1/calendars/" + mount + query);
  ASSERT_EQ(r.status, 200) << r.body;
  json j = Body(r);
  EXPECT_EQ(j["calendar"], mount);
  ASSERT_EQ(j["events"].size(), 2u) << r.body;
  json by_uid;
  for (const json& e : j["events"]) by_uid[e["uid"].get<std::string>()] = e;
  EXPECT_EQ(by_uid["public"]["summary"], "Conseil de classe");
  EXPECT_EQ(by_uid["public"]["href"], "/dav/calendars/mdupont/" + mount + "/public.ics");
  // The private event is busy time only, and nothing of it leaves.
  EXPECT_EQ(by_uid["private"]["start"], "2026-11-10T09:00:00Z");
  EXPECT_EQ(by_uid["private"]["summary"], "Occupé");
  EXPECT_EQ(by_uid["private"]["location"], "");
  EXPECT_EQ(r.body.find(kMarker), std::string::npos) << r.body;

  // Free/busy only: no events.
  ASSERT_EQ(Share("calendars/agenda", "mdupont", "freebusy").status, 200);
  Reply fb = As("mdupont", "GET", "/api/v1/calendars/" + mount + query);
  EXPECT_EQ(fb.status, 403) << fb.body;
  EXPECT_EQ(fb.body.find(kMarker), std::string::npos);
  EXPECT_EQ(fb.body.find("Conseil"), std::string::npos);
  // Someone without a share: as if nothing were there.
  Reply other = As("pmartin", "GET", "/api/v1/calendars/" + mount + query);
  EXPECT_EQ(other.status, 404) << other.body;
  // After revocation, nothing.
  ASSERT_EQ(As("jlabert", "DELETE", "/api/v1/calendars/agenda/shares?with=mdupont").status, 204);
  EXPECT_EQ(As("mdupont", "GET", "/api/v1/calendars/" + mount + query).status, 404);
}

TEST_F(SharingApiTest, Delegates) {
  Reply added = As("jlabert", "POST", "/api/v1/me/delegates",
                   R"({"login": "mdupont", "access": "read-write"})");
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(Body(added),
            (json{{"login", "mdupont"}, {"name", "Marie Dupont"}, {"access", "read-write"}}));
  ASSERT_EQ(As("jlabert", "POST", "/api/v1/me/delegates",
               R"({"login": "paul.martin@ac-orleans-tours.fr", "access": "read"})")
                .status,
            201);
  Reply changed =
      As("jlabert", "POST", "/api/v1/me/delegates", R"({"login": "mdupont", "access": "read"})");
  EXPECT_EQ(changed.status, 200) << changed.body;

  json mine = Body(As("jlabert", "GET", "/api/v1/me/delegates"));
  ASSERT_EQ(mine["delegates"].size(), 2u) << mine;
  EXPECT_EQ(mine["delegates"][0],
            (json{{"login", "mdupont"}, {"name", "Marie Dupont"}, {"access", "read"}}));
  EXPECT_EQ(mine["delegates"][1]["login"], "pmartin");
  EXPECT_EQ(mine["delegate_of"].size(), 0u);
  json hers = Body(As("mdupont", "GET", "/api/v1/me/delegates"));
  EXPECT_EQ(hers["delegates"].size(), 0u);
  ASSERT_EQ(hers["delegate_of"].size(), 1u) << hers;
  EXPECT_EQ(hers["delegate_of"][0],
            (json{{"login", "jlabert"}, {"name", "Jean Labert"}, {"access", "read"}}));

  EXPECT_EQ(As("jlabert", "DELETE", "/api/v1/me/delegates?login=mdupont").status, 204);
  EXPECT_EQ(Body(As("mdupont", "GET", "/api/v1/me/delegates"))["delegate_of"].size(), 0u);
  EXPECT_EQ(Body(As("jlabert", "GET", "/api/v1/me/delegates"))["delegates"].size(), 1u);
}

TEST_F(SharingApiTest, DelegateErrors) {
  auto expect = [&](const Reply& r, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_TRUE(Body(r)["error"].is_string()) << r.body;
  };
  auto post = [&](const std::string& body) {
    return As("jlabert", "POST", "/api/v1/me/delegates", body);
  };
  expect(post(R"({"login": "personne", "access": "read"})"), 404);
  expect(post(R"({"login": "mdupont", "access": "freebusy"})"), 400);
  expect(post(R"({"login": "mdupont"})"), 400);
  expect(post(R"({"access": "read"})"), 400);
  expect(post("pas du json"), 400);
  expect(post(R"({"login": "jlabert", "access": "read"})"), 400);  // myself
  expect(As("jlabert", "DELETE", "/api/v1/me/delegates?login=mdupont"), 404);
  expect(As("jlabert", "DELETE", "/api/v1/me/delegates"), 400);
  expect(As("jlabert", "PUT", "/api/v1/me/delegates", "{}"), 405);
  expect(As("jlabert", "GET", "/api/v1/me/delegates/mdupont"), 404);
  expect(server_.Request("GET", "/api/v1/me/delegates"), 401);
  EXPECT_EQ(Body(As("jlabert", "GET", "/api/v1/me/delegates"))["delegates"].size(), 0u);
  // The account API's own /api/v1/me still answers.
  EXPECT_EQ(Body(As("jlabert", "GET", "/api/v1/me"))["login"], "jlabert");
}

// The webmail signed in with the session cookie: reads need nothing more, changes the session's
// CSRF token, and a request from another site is refused.
TEST_F(SharingApiTest, SessionCookieWithCsrf) {
  testlib::WebClient w(server_.port());
  ASSERT_EQ(w.Json("POST", "/api/v1/session", R"({"login": "jlabert", "password": "pw"})").status,
            200);
  ASSERT_FALSE(w.json_csrf().empty());
  testlib::WebPage list = w.Json("GET", "/api/v1/calendars", "", {}, false);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(Body(Reply{list.status, {}, list.body})["calendars"].size(), 2u);
  const std::string share = R"({"with": "mdupont", "access": "read"})";
  testlib::WebPage forged = w.Json("POST", "/api/v1/calendars/agenda/shares", share, {}, false);
  EXPECT_EQ(forged.status, 403) << forged.body;
  testlib::WebPage cross = w.Json("POST", "/api/v1/calendars/agenda/shares", share,
                                  {{"Origin", "https://ailleurs.example"}});
  EXPECT_EQ(cross.status, 403) << cross.body;
  EXPECT_EQ(Body(As("jlabert", "GET", "/api/v1/calendars/agenda/shares"))["shares"].size(), 0u);
  testlib::WebPage made = w.Json("POST", "/api/v1/calendars/agenda/shares", share);
  EXPECT_EQ(made.status, 201) << made.body;
  testlib::WebPage delegated =
      w.Json("POST", "/api/v1/me/delegates", R"({"login": "mdupont", "access": "read"})");
  EXPECT_EQ(delegated.status, 201) << delegated.body;
  EXPECT_EQ(w.Json("DELETE", "/api/v1/me/delegates?login=mdupont", "", {}, false).status, 403);
  EXPECT_EQ(w.Json("DELETE", "/api/v1/me/delegates?login=mdupont").status, 204);
  EXPECT_EQ(w.Json("GET", "/api/v1/me/invitations", "", {}, false).status, 200);
  // Without credentials: JSON 401 with the Basic challenge, as before the cookie was accepted.
  Reply none = server_.Request("GET", "/api/v1/calendars");
  EXPECT_EQ(none.status, 401);
  EXPECT_NE(none.Header("www-authenticate").find("Basic"), std::string::npos);
  EXPECT_TRUE(Body(none)["error"].is_string());
}

// [sharing] max_shares_per_collection = 1, max_delegates = 1, auto_accept = false.
void TightSharing(server::Config& config) {
  config.share_auto_accept = false;
  config.max_shares_per_collection = 1;
  config.max_delegates = 1;
}

class TightSharingApiTest : public SharingApiTest {
 protected:
  TightSharingApiTest() : SharingApiTest(TightSharing) {}
};

TEST_F(TightSharingApiTest, BoundsGive409AndKeepWhatIsStored) {
  ASSERT_EQ(Share("calendars/agenda", "mdupont", "read").status, 201);
  Reply over = Share("calendars/agenda", "pmartin", "read");
  EXPECT_EQ(over.status, 409) << over.body;
  EXPECT_NE(Body(over)["error"].get<std::string>().find("max_shares_per_collection"),
            std::string::npos)
      << over.body;
  // Changing the existing share is not a new one.
  EXPECT_EQ(Share("calendars/agenda", "mdupont", "read-write").status, 200);
  json shares = Body(As("jlabert", "GET", "/api/v1/calendars/agenda/shares"))["shares"];
  ASSERT_EQ(shares.size(), 1u);
  EXPECT_EQ(shares[0]["with"], "mdupont");

  ASSERT_EQ(
      As("jlabert", "POST", "/api/v1/me/delegates", R"({"login": "mdupont", "access": "read"})")
          .status,
      201);
  Reply too_many =
      As("jlabert", "POST", "/api/v1/me/delegates", R"({"login": "pmartin", "access": "read"})");
  EXPECT_EQ(too_many.status, 409) << too_many.body;
  EXPECT_NE(Body(too_many)["error"].get<std::string>().find("max_delegates"), std::string::npos);
  EXPECT_EQ(As("jlabert", "POST", "/api/v1/me/delegates",
               R"({"login": "mdupont", "access": "read-write"})")
                .status,
            200);
  json delegates = Body(As("jlabert", "GET", "/api/v1/me/delegates"))["delegates"];
  ASSERT_EQ(delegates.size(), 1u);
  EXPECT_EQ(delegates[0]["access"], "read-write");
}

TEST_F(TightSharingApiTest, InvitationsAreAnsweredByTheSharee) {
  Reply shared = Share("calendars/agenda", "mdupont", "read");
  ASSERT_EQ(shared.status, 201) << shared.body;
  EXPECT_EQ(Body(shared)["status"], "pending");
  EXPECT_EQ(MountId("mdupont", "calendars"), "");  // not before she accepts

  Reply pending = As("mdupont", "GET", "/api/v1/me/invitations");
  ASSERT_EQ(pending.status, 200) << pending.body;
  json invitations = Body(pending)["invitations"];
  ASSERT_EQ(invitations.size(), 1u) << pending.body;
  EXPECT_EQ(invitations[0]["type"], "calendar");
  EXPECT_EQ(invitations[0]["name"], "Agenda");
  EXPECT_EQ(invitations[0]["owner"], (json{{"login", "jlabert"}, {"name", "Jean Labert"}}));
  EXPECT_EQ(invitations[0]["access"], "read");
  std::string uid = invitations[0]["uid"];
  ASSERT_FALSE(uid.empty());
  EXPECT_EQ(Body(As("pmartin", "GET", "/api/v1/me/invitations"))["invitations"].size(), 0u);

  // Not someone else's to answer; bad bodies.
  EXPECT_EQ(As("pmartin", "POST", "/api/v1/me/invitations/" + uid, R"({"accept": true})").status,
            404);
  EXPECT_EQ(As("mdupont", "POST", "/api/v1/me/invitations/inconnue", R"({"accept": true})").status,
            404);
  EXPECT_EQ(As("mdupont", "POST", "/api/v1/me/invitations/" + uid, R"({"accept": "oui"})").status,
            400);
  EXPECT_EQ(As("mdupont", "GET", "/api/v1/me/invitations/" + uid).status, 405);
  EXPECT_EQ(As("mdupont", "POST", "/api/v1/me/invitations").status, 405);
  EXPECT_EQ(server_.Request("GET", "/api/v1/me/invitations").status, 401);

  Reply accepted = As("mdupont", "POST", "/api/v1/me/invitations/" + uid, R"({"accept": true})");
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  json a = Body(accepted);
  EXPECT_EQ(a["accepted"], true);
  std::string mount = a["id"];
  EXPECT_EQ(mount.rfind("partage-", 0), 0u);
  EXPECT_EQ(a["url"], "/dav/calendars/mdupont/" + mount + "/");
  EXPECT_EQ(MountId("mdupont", "calendars"), mount);
  EXPECT_EQ(Body(As("mdupont", "GET", "/api/v1/me/invitations"))["invitations"].size(), 0u);
  EXPECT_EQ(Body(As("jlabert", "GET", "/api/v1/calendars/agenda/shares"))["shares"][0]["status"],
            "accepted");
}

TEST_F(TightSharingApiTest, DecliningLeavesTheHomeUnchanged) {
  ASSERT_EQ(Share("addressbooks/contacts", "mdupont", "read").status, 201);
  json invitations = Body(As("mdupont", "GET", "/api/v1/me/invitations"))["invitations"];
  ASSERT_EQ(invitations.size(), 1u);
  EXPECT_EQ(invitations[0]["type"], "addressbook");
  std::string uid = invitations[0]["uid"];
  Reply declined = As("mdupont", "POST", "/api/v1/me/invitations/" + uid, R"({"accept": false})");
  ASSERT_EQ(declined.status, 200) << declined.body;
  EXPECT_EQ(Body(declined), (json{{"uid", uid}, {"accepted", false}}));
  EXPECT_EQ(Body(As("mdupont", "GET", "/api/v1/addressbooks"))["addressbooks"].size(), 2u);
  EXPECT_EQ(Body(As("mdupont", "GET", "/api/v1/me/invitations"))["invitations"].size(), 0u);
  EXPECT_EQ(
      Body(As("jlabert", "GET", "/api/v1/addressbooks/contacts/shares"))["shares"][0]["status"],
      "declined");
}

}  // namespace
}  // namespace cartable
