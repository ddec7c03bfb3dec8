// The web application's JSON API over address books, contacts and the staff directory (issue
// 13, dav/api/contacts_api.h, collections_api.h, directory_api.h) over real sockets: the
// directory, invitations and free/busy calls with the session cookie (and CSRF) as well as
// HTTP Basic; address books created, renamed, deleted; contacts listed, created (also from the
// directory), edited with If-Match, deleted; vCard import with a bad card and a bound, export
// round trip; what CardDAV clients then see; the directory's establishment filter, person card
// and group members.
// People: Hélène and Jean (Indre-et-Loire, Lycée Descartes), Julie (Loiret, Collège Jean Zay).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "directory/import.h"
#include "tests/testlib/test_server.h"
#include "tests/testlib/web_client.h"

namespace cartable {
namespace {

using nlohmann::json;
using testlib::Reply;
using testlib::TestServer;
using testlib::WebClient;
using testlib::WebPage;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kHelene = "helene.le-gall-dubois@ac-orleans-tours.fr";
constexpr const char* kJean = "jean.martin@ac-orleans-tours.fr";
constexpr const char* kJulie = "julie.martin@ac-orleans-tours.fr";
constexpr const char* kStaff =
    "nom;prenom;email;fonction;etablissement;uai;departement;telephone\n"
    "Le Gall-Dubois;Hélène;helene.le-gall-dubois@ac-orleans-tours.fr;Professeure;"
    "Lycée Descartes;0370001A;37;02 47 00 00 01\n"
    "Martin;Jean;jean.martin@ac-orleans-tours.fr;CPE;Lycée Descartes;0370001A;37;\n"
    "Martin;Julie;julie.martin@ac-orleans-tours.fr;Professeure;Collège Jean Zay;0450002B;45;\n";
constexpr const char* kBooks = "/api/v1/addressbooks";
constexpr const char* kContacts = "/api/v1/addressbooks/contacts/contacts";

// An iPhone's card, with what the web form does not show (PHOTO, X-ABLabel, X- properties).
constexpr const char* kIosCard =
    "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.2//EN\r\n"
    "N:Appleseed;Johnny;;;\r\nFN:Johnny Appleseed\r\nORG:Apple Inc.;\r\n"
    "item1.EMAIL;type=INTERNET;type=pref:johnny@example.com\r\nitem1.X-ABLabel:_$!<Other>!$_\r\n"
    "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBD\r\n"
    "X-ADDRESSBOOKSERVER-X-SOCIAL;X-USER=\"jo;hn\":x\r\nUID:ios-1\r\nEND:VCARD\r\n";

std::string Card(const std::string& uid, const std::string& fn) {
  return "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:" + uid + "\r\nFN:" + fn + "\r\nN:" + fn +
         ";;;;\r\nEND:VCARD\r\n";
}

json Body(const std::string& body) { return json::parse(body, nullptr, false); }

void SmallImports(server::Config& c) {
  c.max_import_cards = 2;
  c.max_group_members = 1;
}

class ContactsApiTest : public ::testing::Test {
 protected:
  explicit ContactsApiTest(void (*tweak)(server::Config&) = nullptr) : server_(tweak) {}
  void SetUp() override {
    // Accounts made by hand first: the import adopts them by e-mail (and their passwords).
    server_.AddUser("hlegalldubois", "pw", "Hélène Le Gall-Dubois", kHelene);
    server_.AddUser("jmartin", "pw", "Jean Martin", kJean);
    server_.AddUser("jmartin2", "pw", "Julie Martin", kJulie);
    auto key = directory::SecretKey::LoadOrCreate(server_.data_dir() + "/secret.key");
    ASSERT_TRUE(key.ok());
    auto report = directory::ImportDirectory(server_.store(), kStaff, *key, {});
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    ASSERT_TRUE(report->errors.empty()) << report->errors[0].message;
  }
  Reply Do(const std::string& user, const std::string& method, const std::string& path,
           const std::string& body = "", Headers headers = {}) {
    if (!body.empty() && headers.empty()) headers = {{"Content-Type", "application/json"}};
    return server_.Request(method, path, body, headers, user, "pw");
  }
  // A browser signed in as `login` (session cookie and CSRF token).
  WebClient SignedIn(const std::string& login) {
    store::User user = *server_.store().ThreadSession().GetUserByLogin(login);
    auto s = server_.app().account_service().CreateSession(user, store::SessionStage::kFull,
                                                           {"127.0.0.1", "test browser"});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    WebClient b(server_.port());
    b.SetCookie("cartable_session", s->token);
    b.set_json_csrf(s->session.csrf_token);
    return b;
  }
  json Contacts(const std::string& user, const std::string& path = kContacts) {
    Reply r = Do(user, "GET", path);
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r.body)["contacts"];
  }
  json Create(const std::string& user, const json& fields, const std::string& path = kContacts) {
    Reply r = Do(user, "POST", path, fields.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return Body(r.body)["contact"];
  }
  std::string Dav(const std::string& user, const std::string& path) {
    Reply r = Do(user, "GET", path);
    EXPECT_EQ(r.status, 200) << path;
    return r.body;
  }
  std::string SyncToken(const std::string& user, const std::string& path) {
    Reply r = Do(user, "PROPFIND", path,
                 R"(<D:propfind xmlns:D="DAV:"><D:prop><D:sync-token/></D:prop></D:propfind>)",
                 {{"Depth", "0"}});
    return testlib::ParseMultiStatus(r.body).props[path]["{DAV:}sync-token"].text;
  }
  TestServer server_;
};

class ContactsApiBoundsTest : public ContactsApiTest {
 protected:
  ContactsApiBoundsTest() : ContactsApiTest(SmallImports) {}
};

void SmallAnswers(server::Config& c) { c.max_response_bytes = 4000; }

class ContactsApiAnswerBoundTest : public ContactsApiTest {
 protected:
  ContactsApiAnswerBoundTest() : ContactsApiTest(SmallAnswers) {}
};

// ---- the existing Basic-only calls now take the web session ----

TEST_F(ContactsApiTest, DirectoryInvitationsAndFreeBusyTakeTheSessionCookie) {
  WebClient b = SignedIn("jmartin");
  WebPage found = b.Json("GET", "/api/v1/directory?q=helene");
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(Body(found.body)["people"][0]["login"], "hlegalldubois");
  EXPECT_EQ(b.Json("GET", "/api/v1/directory/groups").status, 200);
  WebPage invitations = b.Json("GET", "/api/v1/invitations");
  ASSERT_EQ(invitations.status, 200) << invitations.body;
  EXPECT_TRUE(Body(invitations.body)["invitations"].is_array());
  const std::string fb = json{{"attendees", {kHelene}},
                              {"from", "2026-12-07T00:00:00Z"},
                              {"to", "2026-12-08T00:00:00Z"}}
                             .dump();
  WebPage no_token = b.Json("POST", "/api/v1/freebusy", fb, {}, /*with_csrf=*/false);
  EXPECT_EQ(no_token.status, 403) << "a cookie request changing state needs X-CSRF-Token";
  EXPECT_EQ(Body(no_token.body)["error"], "csrf");
  WebPage busy = b.Json("POST", "/api/v1/freebusy", fb);
  ASSERT_EQ(busy.status, 200) << busy.body;
  EXPECT_EQ(Body(busy.body), Body(Do("jmartin", "POST", "/api/v1/freebusy", fb).body))
      << "the same answer by cookie and by Basic";
  // Without a session or credentials: 401 with the Basic challenge, as before.
  WebClient anonymous(server_.port());
  WebPage refused = anonymous.Json("GET", "/api/v1/directory?q=helene");
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.Header("WWW-Authenticate").find("Basic"), std::string::npos);
  // Basic clients see what they saw.
  EXPECT_EQ(Do("jmartin", "GET", "/api/v1/directory?q=helene").status, 200);
  EXPECT_EQ(Do("jmartin", "GET", "/api/v1/freebusy").status, 405);
  EXPECT_EQ(Do("jmartin", "DELETE", "/api/v1/directory").status, 405);
  EXPECT_EQ(server_.Request("GET", "/api/v1/invitations").status, 401);
}

// ---- address books ----

TEST_F(ContactsApiTest, AddressBooksAreListedCreatedRenamedAndDeleted) {
  json books = Body(Do("jmartin", "GET", kBooks).body)["addressbooks"];
  ASSERT_EQ(books.size(), 2u) << books;
  EXPECT_EQ(books[0]["id"], "contacts");
  EXPECT_EQ(books[0]["writable"], true);
  EXPECT_EQ(books[1]["id"], "annuaire");
  EXPECT_EQ(books[1]["writable"], false);
  EXPECT_EQ(books[1]["url"], "/dav/addressbooks/jmartin/annuaire/");

  WebClient b = SignedIn("jmartin");
  WebPage made = b.Json("POST", kBooks, R"({"name": "Parents d'élèves"})");
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string id = Body(made.body)["addressbook"]["id"];
  EXPECT_EQ(Body(made.body)["addressbook"]["name"], "Parents d'élèves");
  EXPECT_EQ(Body(made.body)["addressbook"]["writable"], true);
  // A CardDAV address book like any other.
  Reply prop = Do("jmartin", "PROPFIND", "/dav/addressbooks/jmartin/" + id + "/",
                  R"(<D:propfind xmlns:D="DAV:"><D:prop><D:displayname/><D:resourcetype/>
                     </D:prop></D:propfind>)",
                  {{"Depth", "0"}});
  ASSERT_EQ(prop.status, 207);
  EXPECT_NE(prop.body.find("Parents d'élèves"), std::string::npos) << prop.body;
  EXPECT_NE(prop.body.find("addressbook"), std::string::npos);

  WebPage renamed = b.Json("PATCH", std::string(kBooks) + "/" + id, R"({"name": "Parents"})");
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  books = Body(Do("jmartin", "GET", kBooks).body)["addressbooks"];
  ASSERT_EQ(books.size(), 3u);
  for (const json& book : books) {
    if (book["id"] == id) {
      EXPECT_EQ(book["name"], "Parents");
    }
  }

  WebPage bad = b.Json("PATCH", std::string(kBooks) + "/" + id, R"({"name": "  "})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Body(bad.body)["field"], "name");
  EXPECT_FALSE(Body(bad.body)["message"].get<std::string>().empty());
  EXPECT_EQ(b.Json("POST", kBooks, R"({"nom": "x"})").status, 400);
  EXPECT_EQ(b.Json("PATCH", std::string(kBooks) + "/nope", R"({"name": "x"})").status, 404);

  EXPECT_EQ(b.Json("DELETE", std::string(kBooks) + "/" + id).status, 204);
  EXPECT_EQ(Do("jmartin", "PROPFIND", "/dav/addressbooks/jmartin/" + id + "/", "", {{"Depth", "0"}})
                .status,
            404);
  WebPage keep = b.Json("DELETE", std::string(kBooks) + "/contacts");
  EXPECT_EQ(keep.status, 409) << keep.body;
  EXPECT_EQ(Body(keep.body)["error"], "default-addressbook");
  EXPECT_EQ(b.Json("DELETE", std::string(kBooks) + "/annuaire").status, 403);
  EXPECT_EQ(b.Json("PATCH", std::string(kBooks) + "/annuaire", R"({"name": "x"})").status, 403);
  EXPECT_EQ(b.Json("DELETE", std::string(kBooks) + "/nope").status, 404);
  EXPECT_EQ(b.Json("PUT", std::string(kBooks) + "/contacts", "{}").status, 405);
}

TEST_F(ContactsApiTest, ASharedBookIsRenamedForTheShareeOnlyAndNotDeleted) {
  ASSERT_EQ(Do("jmartin", "POST", std::string(kBooks) + "/contacts/shares",
               json{{"with", "jmartin2"}, {"access", "read"}}.dump())
                .status,
            201);
  Create("jmartin", {{"given", "Anne"}, {"family", "Durand"}});
  json books = Body(Do("jmartin2", "GET", kBooks).body)["addressbooks"];
  ASSERT_EQ(books.size(), 3u) << books;
  const std::string mount = books[1]["id"];
  EXPECT_EQ(books[1]["writable"], false);
  EXPECT_EQ(books[1]["access"], "read");
  Reply renamed =
      Do("jmartin2", "PATCH", std::string(kBooks) + "/" + mount, R"({"name": "Contacts de Jean"})");
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(Body(Do("jmartin2", "GET", kBooks).body)["addressbooks"][1]["name"],
            "Contacts de Jean");
  EXPECT_EQ(Body(Do("jmartin", "GET", kBooks).body)["addressbooks"][0]["name"], "Contacts")
      << "the owner's name is unchanged";
  EXPECT_EQ(Do("jmartin2", "DELETE", std::string(kBooks) + "/" + mount).status, 403);
  // A read sharee reads the contacts and writes none.
  const std::string path = std::string(kBooks) + "/" + mount + "/contacts";
  json seen = Contacts("jmartin2", path);
  ASSERT_EQ(seen.size(), 1u);
  Reply write = Do("jmartin2", "POST", path, R"({"given": "Paul"})");
  EXPECT_EQ(write.status, 403) << write.body;
  EXPECT_EQ(Body(write.body)["error"], "forbidden");
  EXPECT_EQ(Do("jmartin2", "PATCH", path + "/" + seen[0]["name"].get<std::string>(),
               R"({"given": "Paul"})")
                .status,
            403);
  EXPECT_EQ(Do("jmartin2", "DELETE", path + "/" + seen[0]["name"].get<std::string>()).status, 403);
  EXPECT_EQ(Contacts("jmartin").size(), 1u);
  // Someone else's book is not found through the API.
  EXPECT_EQ(Do("hlegalldubois", "GET", path).status, 404);
}

// ---- contacts ----

TEST_F(ContactsApiTest, ContactsAreCreatedEditedAndDeletedThroughTheCardDavPath) {
  const std::string book = "/dav/addressbooks/jmartin/contacts/";
  const std::string token0 = SyncToken("jmartin", book);
  WebClient b = SignedIn("jmartin");
  WebPage made = b.Json("POST", kContacts,
                        json{{"given", "Anne"},
                             {"family", "Durand"},
                             {"org", "Mairie de Tours"},
                             {"title", "Secrétaire"},
                             {"emails", {{{"type", "work"}, {"value", "anne@tours.fr"}}}},
                             {"phones", {{{"type", "cell"}, {"value", "06 00 00 00 01"}}}},
                             {"note", "Deux lignes\nde note"}}
                            .dump());
  ASSERT_EQ(made.status, 201) << made.body;
  json c = Body(made.body)["contact"];
  EXPECT_EQ(c["fn"], "Anne Durand");
  EXPECT_EQ(c["kind"], "individual");
  EXPECT_EQ(c["emails"][0]["value"], "anne@tours.fr");
  const std::string name = c["name"], etag = c["etag"];
  EXPECT_EQ(name, c["uid"].get<std::string>() + ".vcf");
  // What CardDAV clients read: a vCard 3.0 with the fields, in the sync log.
  std::string card = Dav("jmartin", book + name);
  EXPECT_NE(card.find("VERSION:3.0"), std::string::npos) << card;
  EXPECT_NE(card.find("N:Durand;Anne;;;"), std::string::npos) << card;
  EXPECT_NE(card.find("ORG:Mairie de Tours"), std::string::npos) << card;
  EXPECT_NE(card.find("EMAIL;TYPE=work:anne@tours.fr"), std::string::npos) << card;
  EXPECT_NE(card.find("TEL;TYPE=cell:06 00 00 00 01"), std::string::npos) << card;
  EXPECT_NE(card.find("NOTE:Deux lignes\\nde note"), std::string::npos) << card;
  EXPECT_NE(SyncToken("jmartin", book), token0);
  EXPECT_EQ(Do("jmartin", "GET", book + name).headers["etag"], etag);

  // PATCH with a stale If-Match: 412, nothing changed.
  WebPage stale = b.Json("PATCH", std::string(kContacts) + "/" + name, R"({"title": "x"})",
                         {{"If-Match", "\"stale\""}});
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_EQ(Body(stale.body)["error"], "changed");
  EXPECT_EQ(Dav("jmartin", book + name), card);
  WebPage edited = b.Json("PATCH", std::string(kContacts) + "/" + name,
                          R"({"title": "Directrice", "phones": []})", {{"If-Match", etag}});
  ASSERT_EQ(edited.status, 200) << edited.body;
  json e = Body(edited.body)["contact"];
  EXPECT_EQ(e["title"], "Directrice");
  EXPECT_EQ(e["phones"].size(), 0u);
  EXPECT_EQ(e["org"], "Mairie de Tours");
  EXPECT_NE(e["etag"], etag);
  card = Dav("jmartin", book + name);
  EXPECT_EQ(card.find("TEL"), std::string::npos) << card;
  EXPECT_NE(card.find("TITLE:Directrice"), std::string::npos) << card;

  // Bad fields: 400 naming the field, with a French message; nothing stored.
  WebPage bad = b.Json("PATCH", std::string(kContacts) + "/" + name,
                       R"({"emails": [{"type": "work", "value": "pas une adresse"}]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Body(bad.body)["field"], "emails");
  EXPECT_NE(Body(bad.body)["message"].get<std::string>().find("adresse"), std::string::npos);
  EXPECT_EQ(b.Json("POST", kContacts, R"({"given": 3})").status, 400);
  EXPECT_EQ(Body(b.Json("POST", kContacts, R"({"kind": "robot", "fn": "R"})").body)["field"],
            "kind");
  EXPECT_EQ(Body(b.Json("POST", kContacts, R"({"note": "x"})").body)["field"], "fn");
  EXPECT_EQ(b.Json("POST", kContacts, "[1]").status, 400);
  EXPECT_EQ(Dav("jmartin", book + name), card);

  // 404s, 405.
  EXPECT_EQ(b.Json("PATCH", std::string(kContacts) + "/none.vcf", R"({"title": "x"})").status, 404);
  EXPECT_EQ(b.Json("GET", "/api/v1/addressbooks/nope/contacts").status, 404);
  EXPECT_EQ(b.Json("PUT", std::string(kContacts) + "/" + name, "{}").status, 405);

  // DELETE with a stale If-Match, then for real.
  EXPECT_EQ(b.Json("DELETE", std::string(kContacts) + "/" + name, "", {{"If-Match", etag}}).status,
            412);
  EXPECT_EQ(b.Json("DELETE", std::string(kContacts) + "/" + name).status, 204);
  EXPECT_EQ(Do("jmartin", "GET", book + name).status, 404);
  EXPECT_EQ(b.Json("DELETE", std::string(kContacts) + "/" + name).status, 404);
  EXPECT_EQ(Contacts("jmartin").size(), 0u);
}

TEST_F(ContactsApiTest, AnEditKeepsWhatTheFormDoesNotShow) {
  ASSERT_EQ(Do("jmartin", "PUT", "/dav/addressbooks/jmartin/contacts/ios-1.vcf", kIosCard,
               {{"Content-Type", "text/vcard"}})
                .status,
            201);
  json list = Contacts("jmartin");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["fn"], "Johnny Appleseed");
  EXPECT_EQ(list[0]["emails"][0]["type"], "other");
  Reply r =
      Do("jmartin", "PATCH", std::string(kContacts) + "/ios-1.vcf", R"({"title": "Ingénieur"})");
  ASSERT_EQ(r.status, 200) << r.body;
  std::string card = Dav("jmartin", "/dav/addressbooks/jmartin/contacts/ios-1.vcf");
  for (const char* kept :
       {"PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBD",
        "item1.EMAIL;TYPE=INTERNET;TYPE=pref:johnny@example.com", "item1.X-ABLABEL:_$!<Other>!$_",
        "X-ADDRESSBOOKSERVER-X-SOCIAL;X-USER=\"jo;hn\":x", "UID:ios-1",
        "PRODID:-//Apple Inc.//iPhone OS 17.2//EN", "TITLE:Ingénieur"}) {
    EXPECT_NE(card.find(kept), std::string::npos) << kept << "\n" << card;
  }
}

TEST_F(ContactsApiTest, GroupsListTheirMembersAndMembersTheirGroups) {
  json anne = Create("jmartin", {{"given", "Anne"}, {"family", "Durand"}});
  json paul = Create("jmartin", {{"given", "Paul"}, {"family", "Petit"}});
  json group =
      Create("jmartin", {{"kind", "group"}, {"fn", "Conseil"}, {"members", {anne["uid"]}}});
  EXPECT_EQ(group["members"], json({anne["uid"]}));
  std::string card =
      Dav("jmartin", "/dav/addressbooks/jmartin/contacts/" + group["name"].get<std::string>());
  EXPECT_NE(card.find("X-ADDRESSBOOKSERVER-KIND:group"), std::string::npos) << card;
  EXPECT_NE(card.find("X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:" + anne["uid"].get<std::string>()),
            std::string::npos)
      << card;
  // Adding a member and renaming: PATCH of the group.
  Reply added =
      Do("jmartin", "PATCH", std::string(kContacts) + "/" + group["name"].get<std::string>(),
         json{{"fn", "Conseil de classe"}, {"members", {anne["uid"], paul["uid"]}}}.dump());
  ASSERT_EQ(added.status, 200) << added.body;
  for (const json& c : Contacts("jmartin")) {
    if (c["kind"] == "group") {
      EXPECT_EQ(c["fn"], "Conseil de classe");
      EXPECT_EQ(c["members"].size(), 2u);
    } else {
      EXPECT_EQ(c["groups"], json({group["uid"]})) << c;
    }
  }
  // vCard 4 clients read the group in their version.
  Reply v4 =
      Do("jmartin", "GET", "/dav/addressbooks/jmartin/contacts/" + group["name"].get<std::string>(),
         "", {{"Accept", "text/vcard; version=4.0"}});
  EXPECT_NE(v4.body.find("KIND:group"), std::string::npos) << v4.body;
}

TEST_F(ContactsApiTest, AColleagueIsCopiedFromTheDirectory) {
  json c = Create("jmartin", {{"from_directory", "hlegalldubois"}});
  EXPECT_EQ(c["fn"], "Hélène Le Gall-Dubois");
  EXPECT_EQ(c["given"], "Hélène");
  EXPECT_EQ(c["family"], "Le Gall-Dubois");
  EXPECT_EQ(c["org"], "Lycée Descartes");
  EXPECT_EQ(c["title"], "Professeure");
  EXPECT_EQ(c["emails"],
            json::parse(R"([{"type": "work", "value": ")" + std::string(kHelene) + R"("}])"));
  EXPECT_EQ(c["phones"][0]["value"], "02 47 00 00 01");
  Reply unknown = Do("jmartin", "POST", kContacts, R"({"from_directory": "personne"})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Body(unknown.body)["field"], "from_directory");
  EXPECT_EQ(Do("jmartin", "POST", kContacts, R"({"from_directory": "departement-37"})").status, 404)
      << "a group account is not a colleague";
  // The annuaire itself is read-only.
  Reply ro = Do("jmartin", "POST", "/api/v1/addressbooks/annuaire/contacts", R"({"given": "X"})");
  EXPECT_EQ(ro.status, 403) << ro.body;
  EXPECT_GE(Contacts("jmartin", "/api/v1/addressbooks/annuaire/contacts").size(), 3u);
}

// Address books count no quota (collection_types.cc), as for a CardDAV PUT; the card size
// bound of the PUT path applies (CARDDAV:max-resource-size, 1 MiB), told as 413.
TEST_F(ContactsApiTest, TheCardSizeBoundIsThatOfACardDavPut) {
  Reply big = Do("jmartin", "POST", kContacts,
                 json{{"given", "Anne"}, {"note", std::string((1 << 20) + 10, 'x')}}.dump());
  EXPECT_EQ(big.status, 413) << big.body.substr(0, 300);
  EXPECT_EQ(Body(big.body)["error"], "too-large");
  EXPECT_NE(Body(big.body)["detail"].get<std::string>().find("limit"), std::string::npos)
      << big.body.substr(0, 300);
  EXPECT_EQ(Contacts("jmartin").size(), 0u);
}

// ---- import and export ----

TEST_F(ContactsApiTest, ImportKeepsGoodCardsAndSaysWhyOthersAreRefused) {
  // One card already in this book (same UID: updated), one in another book of the user (same
  // UID: imported under a new one), one without FN (refused), one new.
  ASSERT_EQ(Do("jmartin", "PUT", "/dav/addressbooks/jmartin/contacts/a.vcf", Card("uid-a", "Avant"),
               {{"Content-Type", "text/vcard"}})
                .status,
            201);
  Reply other = Do("jmartin", "POST", kBooks, R"({"name": "Autre"})");
  const std::string other_id = Body(other.body)["addressbook"]["id"];
  ASSERT_EQ(Do("jmartin", "PUT", "/dav/addressbooks/jmartin/" + other_id + "/b.vcf",
               Card("uid-b", "Bernard"), {{"Content-Type", "text/vcard"}})
                .status,
            201);
  const std::string file = Card("uid-a", "Après") + Card("uid-b", "Bernard bis") +
                           "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:uid-c\r\nEND:VCARD\r\n" +
                           Card("uid-d", "Denise");
  WebClient b = SignedIn("jmartin");
  WebPage r = b.Send("POST", "/api/v1/addressbooks/contacts/import", file,
                     {{"Content-Type", "text/vcard"}, {"X-CSRF-Token", b.json_csrf()}});
  ASSERT_EQ(r.status, 200) << r.body;
  json j = Body(r.body);
  EXPECT_EQ(j["imported"], 3);
  EXPECT_EQ(j["updated"], 1);
  ASSERT_EQ(j["rejected"].size(), 1u) << j;
  EXPECT_EQ(j["rejected"][0]["index"], 2);
  EXPECT_NE(j["rejected"][0]["reason"].get<std::string>().find("FN"), std::string::npos) << j;
  json list = Contacts("jmartin");
  ASSERT_EQ(list.size(), 3u) << list;
  std::map<std::string, std::string> by_fn;
  for (const json& c : list) by_fn[c["fn"]] = c["uid"];
  EXPECT_EQ(by_fn["Après"], "uid-a") << "the same UID in the same book updates the card";
  EXPECT_EQ(by_fn.count("Avant"), 0u);
  ASSERT_EQ(by_fn.count("Bernard bis"), 1u);
  EXPECT_NE(by_fn["Bernard bis"], "uid-b") << "a UID of another book gets a new one";
  EXPECT_EQ(Dav("jmartin", "/dav/addressbooks/jmartin/contacts/a.vcf").find("FN:Après") !=
                std::string::npos,
            true);
  // Not a vCard body; a read-only book.
  EXPECT_EQ(Do("jmartin", "POST", "/api/v1/addressbooks/contacts/import", "{}").status, 415);
  EXPECT_EQ(Do("jmartin", "POST", "/api/v1/addressbooks/annuaire/import", file,
               {{"Content-Type", "text/vcard"}})
                .status,
            403);
  EXPECT_EQ(Do("jmartin", "POST", "/api/v1/addressbooks/contacts/import", "pas de carte",
               {{"Content-Type", "text/vcard"}})
                .status,
            400);
}

TEST_F(ContactsApiTest, ExportThenImportGivesTheSameContacts) {
  Create("jmartin", {{"given", "Anne"},
                     {"family", "Durand"},
                     {"emails", {{{"type", "home"}, {"value", "anne@example.fr"}}}}});
  Create("jmartin", {{"given", "Élise"}, {"family", "Noël"}});
  ASSERT_EQ(Do("jmartin", "PUT", "/dav/addressbooks/jmartin/contacts/ios-1.vcf", kIosCard,
               {{"Content-Type", "text/vcard"}})
                .status,
            201);
  Reply exported = Do("jmartin", "GET", "/api/v1/addressbooks/contacts/export");
  ASSERT_EQ(exported.status, 200);
  EXPECT_EQ(exported.Header("content-type").rfind("text/vcard", 0), 0u);
  EXPECT_EQ(
      exported.Header("content-disposition").rfind("attachment; filename=\"Contacts.vcf\"", 0), 0u)
      << exported.Header("content-disposition");
  Reply made = Do("jmartin2", "POST", kBooks, R"({"name": "Copie"})");
  const std::string copy = Body(made.body)["addressbook"]["id"];
  Reply imported = Do("jmartin2", "POST", "/api/v1/addressbooks/" + copy + "/import", exported.body,
                      {{"Content-Type", "text/vcard; charset=utf-8"}});
  ASSERT_EQ(imported.status, 200) << imported.body;
  EXPECT_EQ(Body(imported.body)["imported"], 3);
  auto strip = [](json list) {
    for (json& c : list) {
      c.erase("etag");
      c.erase("name");
    }
    std::sort(list.begin(), list.end(),
              [](const json& a, const json& b) { return a["uid"] < b["uid"]; });
    return list;
  };
  EXPECT_EQ(strip(Contacts("jmartin2", "/api/v1/addressbooks/" + copy + "/contacts")),
            strip(Contacts("jmartin")));
  std::string ios;
  for (const json& c : Contacts("jmartin2", "/api/v1/addressbooks/" + copy + "/contacts")) {
    if (c["uid"] == "ios-1") ios = c["name"];
  }
  EXPECT_NE(Dav("jmartin2", "/dav/addressbooks/jmartin2/" + copy + "/" + ios).find("PHOTO;"),
            std::string::npos);
}

TEST_F(ContactsApiBoundsTest, AnImportBeyondTheBoundIsRefusedWhole) {
  const std::string file = Card("u1", "Un") + Card("u2", "Deux") + Card("u3", "Trois");
  Reply r = Do("jmartin", "POST", "/api/v1/addressbooks/contacts/import", file,
               {{"Content-Type", "text/vcard"}});
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(Body(r.body)["error"], "too-many-cards");
  EXPECT_EQ(Contacts("jmartin").size(), 0u) << "nothing of a refused import is stored";
  r = Do("jmartin", "POST", "/api/v1/addressbooks/contacts/import",
         Card("u1", "Un") + Card("u2", "Deux"), {{"Content-Type", "text/vcard"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Contacts("jmartin").size(), 2u);
}

// The contact list and the export are bounded like a multistatus ([limits] max_response_bytes):
// 507 with a message, never a partial list.
TEST_F(ContactsApiAnswerBoundTest, ListAndExportAreBoundedByTheResponseSize) {
  for (int i = 0; i < 20; ++i) {
    Create("jmartin", {{"given", "Personne " + std::to_string(i)},
                       {"family", "Durand"},
                       {"note", std::string(300, 'n')}});
  }
  Reply list = Do("jmartin", "GET", kContacts);
  EXPECT_EQ(list.status, 507);
  EXPECT_EQ(Body(list.body)["error"], "too-large");
  Reply exported = Do("jmartin", "GET", "/api/v1/addressbooks/contacts/export");
  EXPECT_EQ(exported.status, 507);
  EXPECT_EQ(Body(exported.body)["error"], "too-large");
  // Nothing is lost: the cards are all stored.
  store::Session& s = server_.store().ThreadSession();
  store::Collection book = *s.GetCollection("/dav/addressbooks/jmartin/contacts/");
  size_t cards = 0;
  ASSERT_TRUE(s.ForEachObject(book.id, [&](const store::Object&) {
                 ++cards;
                 return Status::OK();
               }).ok());
  EXPECT_EQ(cards, 20u);
}

// ---- the directory ----

TEST_F(ContactsApiTest, DirectoryFiltersPersonCardAndGroupMembers) {
  json est = Body(Do("jmartin", "GET", "/api/v1/directory?q=martin&etablissement=0370001a").body);
  ASSERT_EQ(est["people"].size(), 1u) << est;
  EXPECT_EQ(est["people"][0]["login"], "jmartin");
  json all = Body(Do("jmartin", "GET", "/api/v1/directory?etablissement=0370001A").body);
  EXPECT_EQ(all["people"].size(), 2u) << all;
  EXPECT_EQ(
      Body(Do("jmartin", "GET", "/api/v1/directory?q=martin&etablissement=0999999Z").body)["people"]
          .size(),
      0u);

  Reply person = Do("jmartin", "GET", "/api/v1/directory/people/jmartin2");
  ASSERT_EQ(person.status, 200) << person.body;
  EXPECT_EQ(Body(person.body)["person"]["etablissement"], "Collège Jean Zay");
  EXPECT_EQ(Body(person.body)["person"]["email"], kJulie);
  EXPECT_EQ(Do("jmartin", "GET", "/api/v1/directory/people/personne").status, 404);
  EXPECT_EQ(Do("jmartin", "GET", "/api/v1/directory/people/departement-37").status, 404);

  // A group account with a scheduling address shows it.
  store::Session& s = server_.store().ThreadSession();
  store::User dep = *s.GetUserByGroupKey("departement:37");
  dep.email = "dsden37@ac-orleans-tours.fr";
  ASSERT_TRUE(s.UpdateUser(dep).ok());
  json groups = Body(Do("jmartin", "GET", "/api/v1/directory/groups").body);
  bool seen37 = false, seen_est = false;
  for (const json& g : groups["departements"]) {
    if (g["code"] != "37") continue;
    seen37 = true;
    EXPECT_EQ(g["key"], "departement-37");
    EXPECT_EQ(g["email"], "dsden37@ac-orleans-tours.fr");
  }
  for (const json& g : groups["etablissements"]) {
    if (g["uai"] != "0450002B") continue;
    seen_est = true;
    EXPECT_EQ(g["key"], "etablissement-0450002B");
    EXPECT_TRUE(g["email"].is_null());
  }
  EXPECT_TRUE(seen37 && seen_est) << groups;

  Reply members = Do("jmartin", "GET", "/api/v1/directory/groups/departement-37/members");
  ASSERT_EQ(members.status, 200) << members.body;
  json m = Body(members.body);
  EXPECT_EQ(m["group"]["name"], "DSDEN 37 — Indre-et-Loire");
  EXPECT_EQ(m["group"]["email"], "dsden37@ac-orleans-tours.fr");
  EXPECT_EQ(m["people"].size(), 2u);
  EXPECT_EQ(m["truncated"], false);
  json est_members =
      Body(Do("jmartin", "GET", "/api/v1/directory/groups/etablissement-0450002B/members").body);
  EXPECT_EQ(est_members["group"]["name"], "Collège Jean Zay");
  ASSERT_EQ(est_members["people"].size(), 1u);
  EXPECT_EQ(est_members["people"][0]["login"], "jmartin2");
  EXPECT_EQ(Do("jmartin", "GET", "/api/v1/directory/groups/departement-99/members").status, 404);
  EXPECT_EQ(Do("jmartin", "GET", "/api/v1/directory/groups/autre-1/members").status, 404);
}

TEST_F(ContactsApiBoundsTest, GroupMembersAreBounded) {
  json m = Body(Do("jmartin", "GET", "/api/v1/directory/groups/departement-37/members").body);
  EXPECT_EQ(m["people"].size(), 1u);
  EXPECT_EQ(m["truncated"], true);
}

}  // namespace
}  // namespace cartable
