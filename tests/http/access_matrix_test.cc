// The access matrix of issue 12: every method against every kind of actor, with the exact status
// each one gets (/work/design12.md "Decided rules": privileges per actor, method privileges,
// refusals 403 + DAV:need-privileges, privacy of CLASS:PRIVATE/CONFIDENTIAL events), and the
// owner's private data (a unique marker in a private event's SUMMARY, DESCRIPTION and LOCATION)
// never in an answer to an actor who may not see it: neither in a refusal nor in a reduced event.
//
// The world (built with store calls, so these tests do not depend on the sharing POST protocols):
//   jlabert (owner) has the calendar conseils/ and the address book contacts/;
//   mdupont reads conseils/ and contacts/ (colleague shares, accepted), pmartin reads and writes
//   them, aroux sees conseils/ as free/busy only; sblanc is jlabert's read delegate, cpetit his
//   write delegate; lgarnier belongs to department 37 (directory entry linked to the account),
//   whose group account departement-37 owns agenda-departement/, shared with the group "read",
//   and jlabert's contacts/ are also shared with the department; tdurand (department 41) has no
//   right at all; the anonymous actor sends no credentials.
// Sharees reach a shared collection through their mount (/dav/calendars/{sharee}/partage-{id}/);
// delegates, the non-member and the anonymous actor use the owner's URL.
#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dav/caldav/ical.h"
#include "dav/carddav/vcard.h"
#include "dav/store/store.h"
#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::ParseMultiStatus;
using testlib::Reply;
using testlib::TestServer;
using Headers = std::vector<std::pair<std::string, std::string>>;

// The owner's private data: appears only in answers to the owner and the write delegate.
constexpr const char* kMarker = "MARQUEUR-PRIVE-5c1e9a";

enum Actor {
  kOwner,
  kReadSharee,
  kWriteSharee,
  kFreeBusySharee,
  kReadDelegate,
  kWriteDelegate,
  kGroupMember,
  kNonMember,
  kAnonymous,
  kActorCount,
};
constexpr std::array<const char*, kActorCount> kActorNames = {
    "owner",          "read sharee",  "read-write sharee", "free/busy sharee", "read delegate",
    "write delegate", "group member", "non-member",        "anonymous"};
constexpr std::array<const char*, kActorCount> kLogins = {
    "jlabert", "mdupont", "pmartin", "aroux", "sblanc", "cpetit", "lgarnier", "tdurand", ""};
constexpr const char* kPassword = "pw-matrice";

// Who sees CLASS:PRIVATE events whole (design: the owner and write delegates).
bool SeesPrivate(Actor a) { return a == kOwner || a == kWriteDelegate; }

const Headers kIcs = {{"Content-Type", "text/calendar; charset=utf-8"}};
const Headers kVcf = {{"Content-Type", "text/vcard; charset=utf-8"}};
const Headers kXml = {{"Content-Type", "application/xml; charset=utf-8"}};
const Headers kDepth0 = {{"Depth", "0"}, {"Content-Type", "application/xml; charset=utf-8"}};
const Headers kDepth1 = {{"Depth", "1"}, {"Content-Type", "application/xml; charset=utf-8"}};

std::string Event(const std::string& uid, const std::string& summary,
                  const std::string& extra = "") {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Cartable//matrice//FR\r\nBEGIN:VEVENT\r\n"
         "UID:" +
         uid +
         "\r\nDTSTAMP:20261120T080000Z\r\nDTSTART:20261201T080000Z\r\n"
         "DTEND:20261201T090000Z\r\nSUMMARY:" +
         summary + "\r\n" + extra + "END:VEVENT\r\nEND:VCALENDAR\r\n";
}

// CLASS:PRIVATE / CONFIDENTIAL with the marker in every text a reduced copy must drop.
std::string SecretEvent(const std::string& uid, const std::string& cls) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Cartable//matrice//FR\r\nBEGIN:VEVENT\r\n"
         "UID:" +
         uid +
         "\r\nDTSTAMP:20261120T080000Z\r\nDTSTART:20261201T100000Z\r\n"
         "DTEND:20261201T110000Z\r\nCLASS:" +
         cls + "\r\nSUMMARY:Rendez-vous " + kMarker + "\r\nDESCRIPTION:Dossier " + kMarker +
         "\r\nLOCATION:Bureau " + kMarker +
         "\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:" + kMarker +
         "\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
}

std::string Card(const std::string& uid, const std::string& fn) {
  return "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:" + uid + "\r\nFN:" + fn + "\r\nN:" + fn +
         ";;;;\r\nEMAIL:" + uid + "@example.org\r\nEND:VCARD\r\n";
}

// The objects every actor has one of, so that one actor's write never changes another's row.
std::string Own(const char* what, Actor a) {
  return std::string(what) + "-" + (a == kAnonymous ? "anonyme" : kLogins[a]);
}

// One shared world on one server. Built afresh where a row destroys what the next would need.
class World {
 public:
  World() : server_(std::make_unique<TestServer>()) { Build(); }

  TestServer& server() { return *server_; }

  // The shared calendar as `a` reaches it (the department calendar for the group member).
  std::string Calendar(Actor a) const {
    switch (a) {
      case kReadSharee:
      case kWriteSharee:
      case kFreeBusySharee:
      case kGroupMember:
        return "/dav/calendars/" + std::string(kLogins[a]) + "/partage-" +
               std::to_string(calendar_share_[a]) + "/";
      default: return kConseils;
    }
  }
  // The shared address book as `a` reaches it (no share: the owner's URL).
  std::string Book(Actor a) const {
    if (book_share_[a] != 0) {
      return "/dav/addressbooks/" + std::string(kLogins[a]) + "/partage-" +
             std::to_string(book_share_[a]) + "/";
    }
    return kContacts;
  }
  // The actor's own default calendar (the owner's for the anonymous actor).
  std::string Agenda(Actor a) const {
    return "/dav/calendars/" + std::string(a == kAnonymous ? kLogins[kOwner] : kLogins[a]) +
           "/agenda/";
  }
  store::Id calendar_share(Actor a) const { return calendar_share_[a]; }

  Reply Send(Actor a, const std::string& method, const std::string& path,
             const std::string& body = "", const Headers& headers = {}) {
    if (a == kAnonymous) return server_->Request(method, path, body, headers);
    return server_->Request(method, path, body, headers, kLogins[a], kPassword);
  }
  // COPY/MOVE with an absolute Destination, as clients send it.
  Reply Transfer(Actor a, const std::string& method, const std::string& from,
                 const std::string& to) {
    return Send(a, method, from, "",
                {{"Destination", "http://127.0.0.1:" + std::to_string(server_->port()) + to},
                 {"Overwrite", "F"}});
  }

  static constexpr const char* kConseils = "/dav/calendars/jlabert/conseils/";
  static constexpr const char* kContacts = "/dav/addressbooks/jlabert/contacts/";
  static constexpr const char* kDepartement = "/dav/calendars/departement-37/agenda-departement/";

 private:
  void Build() {
    const std::array<const char*, kActorCount> names = {
        "Jean Labert",  "Marie Dupont", "Paul Martin",   "Anne Roux", "Sophie Blanc",
        "Claire Petit", "Luc Garnier",  "Thomas Durand", ""};
    for (int a = 0; a < kAnonymous; ++a) {
      server_->AddUser(kLogins[a], kPassword, names[a],
                       std::string(kLogins[a]) + "@ac-orleans-tours.fr");
    }
    server_->AddUser("ebernard", kPassword, "Émile Bernard", "ebernard@ac-orleans-tours.fr");
    // Every person's homes exist (created on first access), with their own event.
    for (int a = 0; a < kAnonymous; ++a) {
      Actor actor = static_cast<Actor>(a);
      ASSERT_EQ(
          Send(actor, "PROPFIND", "/dav/addressbooks/" + std::string(kLogins[a]) + "/", "", kDepth0)
              .status,
          207);
      ASSERT_EQ(Send(actor, "PUT", Agenda(actor) + "propre.ics",
                     Event(Own("propre", actor), "Le mien"), kIcs)
                    .status,
                201);
    }
    ASSERT_EQ(Send(kOwner, "MKCALENDAR", kConseils).status, 201);
    ASSERT_EQ(Send(kOwner, "PUT", std::string(kConseils) + "public.ics",
                   Event("public", "Conseil de classe 4e B", "CLASS:PUBLIC\r\n"), kIcs)
                  .status,
              201);
    ASSERT_EQ(Send(kOwner, "PUT", std::string(kConseils) + "prive.ics",
                   SecretEvent("prive", "PRIVATE"), kIcs)
                  .status,
              201);
    ASSERT_EQ(Send(kOwner, "PUT", std::string(kConseils) + "confidentiel.ics",
                   SecretEvent("confidentiel", "CONFIDENTIAL"), kIcs)
                  .status,
              201);
    ASSERT_EQ(Send(kOwner, "PUT", std::string(kContacts) + "carte.vcf",
                   Card("carte", "Hélène Le Gall"), kVcf)
                  .status,
              201);
    for (int a = 0; a < kActorCount; ++a) {
      Actor actor = static_cast<Actor>(a);
      for (const char* what : {"existant", "victime", "deplace"}) {
        ASSERT_EQ(Send(kOwner, "PUT", std::string(kConseils) + Own(what, actor) + ".ics",
                       Event(Own(what, actor), "Réunion"), kIcs)
                      .status,
                  201);
      }
      ASSERT_EQ(Send(kOwner, "PUT", std::string(kContacts) + Own("carte-victime", actor) + ".vcf",
                     Card(Own("carte-victime", actor), "Parent d'élève"), kVcf)
                    .status,
                201);
    }
    BuildStore();
  }

  // Shares, delegates, the department's group account and calendar: store calls only.
  void BuildStore() {
    store::Session& s = server_->store().ThreadSession();
    auto txn = s.Begin(true);
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    std::array<store::Id, kActorCount> ids{};
    for (int a = 0; a < kAnonymous; ++a) {
      auto u = s.GetUserByLogin(kLogins[a]);
      ASSERT_TRUE(u.ok()) << u.status().ToString();
      ids[a] = u->id;
    }
    // Directory entries: lgarnier in department 37, tdurand in department 41.
    auto entry = [&](Actor a, const char* nom, const char* departement, const char* uai) {
      store::DirectoryEntry e;
      e.source_key = std::string("email:") + kLogins[a] + "@ac-orleans-tours.fr";
      e.user_id = ids[a];
      e.card_uid = std::string("urn:uuid:matrice-") + kLogins[a];
      e.nom = nom;
      e.prenom = "Personne";
      e.email = std::string(kLogins[a]) + "@ac-orleans-tours.fr";
      e.fonction = "Professeur";
      e.etablissement = "Collège";
      e.uai = uai;
      e.departement = departement;
      auto id = s.PutDirectoryEntry(e);
      ASSERT_TRUE(id.ok()) << id.status().ToString();
    };
    entry(kGroupMember, "Garnier", "37", "0370001A");
    entry(kNonMember, "Durand", "41", "0410001B");
    // The department's group account and its calendar (what `cartable directory import` and
    // `cartable group-calendar create` make; here by hand so the matrix needs neither).
    store::User group;
    group.login = "departement-37";
    group.display_name = "Indre-et-Loire";
    group.kind = store::UserKind::kGroup;
    group.group_key = "departement:37";
    auto group_id = s.CreateUser(group);
    ASSERT_TRUE(group_id.ok()) << group_id.status().ToString();
    auto home = s.CreateCollection("/dav/calendars/departement-37/", 0, *group_id,
                                   store::kKindCalendarHome);
    ASSERT_TRUE(home.ok()) << home.status().ToString();
    auto dep = s.CreateCollection(kDepartement, home->id, *group_id, store::kKindCalendar);
    ASSERT_TRUE(dep.ok()) << dep.status().ToString();
    auto put = [&](const std::string& name, const std::string& ics) {
      auto index = dav::caldav::ValidateCalendarObject(ics, dav::caldav::ValidateOptions{});
      ASSERT_TRUE(index.ok()) << index.status().ToString();
      auto o = s.PutObject(dep->id, name, "text/calendar; charset=utf-8", ics, *index);
      ASSERT_TRUE(o.ok()) << o.status().ToString();
    };
    put("public.ics", Event("public", "Conseil de classe 4e B", "CLASS:PUBLIC\r\n"));
    put("prive.ics", SecretEvent("prive", "PRIVATE"));
    put("confidentiel.ics", SecretEvent("confidentiel", "CONFIDENTIAL"));
    for (int a = 0; a < kActorCount; ++a) {
      for (const char* what : {"existant", "victime", "deplace"}) {
        put(Own(what, static_cast<Actor>(a)) + ".ics",
            Event(Own(what, static_cast<Actor>(a)), "Réunion"));
      }
    }
    auto conseils = s.GetCollection(kConseils);
    ASSERT_TRUE(conseils.ok()) << conseils.status().ToString();
    auto contacts = s.GetCollection(kContacts);
    ASSERT_TRUE(contacts.ok()) << contacts.status().ToString();
    int invite = 0;
    auto share = [&](store::Id collection, Actor sharee, const std::string& group_key,
                     store::ShareAccess access) -> store::Id {
      store::Share sh;
      sh.collection_id = collection;
      sh.sharee_user_id = group_key.empty() ? ids[sharee] : 0;
      sh.sharee_group = group_key;
      sh.access = access;
      sh.status = store::ShareStatus::kAccepted;
      sh.invite_uid = "matrice-invitation-" + std::to_string(++invite);
      auto id = s.CreateShare(sh);
      EXPECT_TRUE(id.ok()) << id.status().ToString();
      return id.ok() ? *id : 0;
    };
    calendar_share_[kReadSharee] = share(conseils->id, kReadSharee, "", store::ShareAccess::kRead);
    calendar_share_[kWriteSharee] =
        share(conseils->id, kWriteSharee, "", store::ShareAccess::kReadWrite);
    calendar_share_[kFreeBusySharee] =
        share(conseils->id, kFreeBusySharee, "", store::ShareAccess::kFreeBusy);
    calendar_share_[kGroupMember] =
        share(dep->id, kGroupMember, "departement:37", store::ShareAccess::kRead);
    book_share_[kReadSharee] = share(contacts->id, kReadSharee, "", store::ShareAccess::kRead);
    book_share_[kWriteSharee] =
        share(contacts->id, kWriteSharee, "", store::ShareAccess::kReadWrite);
    book_share_[kGroupMember] =
        share(contacts->id, kGroupMember, "departement:37", store::ShareAccess::kRead);
    store::Delegate d;
    d.owner_id = ids[kOwner];
    d.delegate_id = ids[kReadDelegate];
    d.access = store::DelegateAccess::kRead;
    ASSERT_TRUE(s.PutDelegate(d).ok());
    d.delegate_id = ids[kWriteDelegate];
    d.access = store::DelegateAccess::kReadWrite;
    ASSERT_TRUE(s.PutDelegate(d).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }

  std::unique_ptr<TestServer> server_;
  std::array<store::Id, kActorCount> calendar_share_{};
  std::array<store::Id, kActorCount> book_share_{};
};

// What one row of the matrix sends as actor `a`; the answer is reduced to a cell by Cell().
using Send = std::function<Reply(World&, Actor)>;

// A cell: the status, or "207/<code>" for a PROPPATCH answered 207 whose only property got
// <code> (RFC 4918 §9.2.1: a refused property is a 403 propstat, not a refused request).
std::string Cell(const Reply& r, const std::string& expected) {
  if (expected.rfind("207/", 0) == 0 && r.status == 207) {
    for (const auto& [href, props] : ParseMultiStatus(r.body).props) {
      for (const auto& [name, value] : props) return "207/" + std::to_string(value.status);
    }
    return "207/none";
  }
  return std::to_string(r.status);
}

struct Row {
  const char* what;
  //                                owner, read, rw, fb, rdeleg, wdeleg, group, non-member, anon
  std::array<const char*, kActorCount> expected;
  Send send;
  // A 403 in this row is a privilege refusal, which names DAV:need-privileges (design:
  // "Refusals"); false where another rule refuses (reserved names).
  bool need_privileges = true;
};

// Checks one row for every actor: the exact status, DAV:need-privileges in every privilege
// refusal, and the marker only in answers to those who see private events whole.
void Check(World& w, const Row& row, std::vector<std::string>& findings) {
  for (int i = 0; i < kActorCount; ++i) {
    Actor a = static_cast<Actor>(i);
    Reply r = row.send(w, a);
    std::string got = Cell(r, row.expected[a]);
    if (got != row.expected[a]) {
      findings.push_back(std::string(row.what) + " / " + kActorNames[a] + ": expected " +
                         row.expected[a] + ", got " + got);
    }
    EXPECT_EQ(got, row.expected[a]) << row.what << " as " << kActorNames[a] << "\n"
                                    << r.body.substr(0, 600);
    bool head = std::string_view(row.what).rfind("HEAD", 0) == 0;  // no body to look in
    if (r.status == 403 && row.need_privileges && !head) {
      EXPECT_NE(r.body.find("need-privileges"), std::string::npos)
          << row.what << " as " << kActorNames[a] << ": a refusal names DAV:need-privileges\n"
          << r.body.substr(0, 600);
    }
    if (!SeesPrivate(a) || r.status >= 400) {
      EXPECT_EQ(r.body.find(kMarker), std::string::npos)
          << row.what << " as " << kActorNames[a] << ": private data in the answer\n"
          << r.body;
      EXPECT_EQ(r.body.find("Dossier"), std::string::npos)
          << row.what << " as " << kActorNames[a] << ": the private DESCRIPTION leaked";
    }
  }
}

void Report(const std::vector<std::string>& findings) {
  for (const std::string& f : findings) std::cout << "[matrix finding] " << f << "\n";
}

const char* kPropAll = R"(<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>)";
const char* kPropEtag = R"(<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>)";
const char* kCalendarQuery = R"(<C:calendar-query xmlns:D="DAV:"
    xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>
    <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter>
    </C:filter></C:calendar-query>)";
const char* kFreeBusyQuery = R"(<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">
    <C:time-range start="20261201T000000Z" end="20261202T000000Z"/></C:free-busy-query>)";
const char* kSync = R"(<D:sync-collection xmlns:D="DAV:"><D:sync-token/>
    <D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>)";
const char* kAddressbookQuery = R"(<C:addressbook-query xmlns:D="DAV:"
    xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><C:address-data/></D:prop>
    <C:filter><C:prop-filter name="FN"><C:text-match collation="i;unicode-casemap"
    match-type="contains">hélène</C:text-match></C:prop-filter></C:filter></C:addressbook-query>)";

std::string Multiget(const std::string& base) {
  return R"(<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">)"
         R"(<D:prop><D:getetag/><C:calendar-data/></D:prop><D:href>)" +
         base + "public.ics</D:href><D:href>" + base + "prive.ics</D:href><D:href>" + base +
         "confidentiel.ics</D:href></C:calendar-multiget>";
}

std::string Proppatch(const std::string& prop) {
  return R"(<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">)"
         "<D:set><D:prop>" +
         prop + "</D:prop></D:set></D:propertyupdate>";
}

std::string FreeBusyPost() {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Cartable//matrice//FR\r\nMETHOD:REQUEST\r\n"
         "BEGIN:VFREEBUSY\r\nUID:fb-matrice\r\nDTSTAMP:20261120T080000Z\r\n"
         "DTSTART:20261201T000000Z\r\nDTEND:20261202T000000Z\r\n"
         "ORGANIZER:mailto:jlabert@ac-orleans-tours.fr\r\n"
         "ATTENDEE:mailto:ebernard@ac-orleans-tours.fr\r\nEND:VFREEBUSY\r\nEND:VCALENDAR\r\n";
}

// CalendarServer sharing (caldav-sharing.txt §5.2): share with a colleague who is no actor.
const char* kCsShare = R"(<CS:share xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/">
    <CS:set><D:href>mailto:ebernard@ac-orleans-tours.fr</D:href><CS:summary>Conseils</CS:summary>
    <CS:read/></CS:set></CS:share>)";

// --- the calendar: every method, every actor ---------------------------------------------------
TEST(AccessMatrix, SharedCalendar) {
  World w;
  const std::vector<Row> rows = {
      // clang-format off
      //                                  owner  read   rw     fb     rdeleg wdeleg group  non    anon
      {"GET public event",              {"200", "200", "200", "403", "200", "200", "200", "403", "401"},
       [](World& w, Actor a) { return w.Send(a, "GET", w.Calendar(a) + "public.ics"); }},
      {"GET private event",             {"200", "200", "200", "403", "200", "200", "200", "403", "401"},
       [](World& w, Actor a) { return w.Send(a, "GET", w.Calendar(a) + "prive.ics"); }},
      {"HEAD confidential event",       {"200", "200", "200", "403", "200", "200", "200", "403", "401"},
       [](World& w, Actor a) { return w.Send(a, "HEAD", w.Calendar(a) + "confidentiel.ics"); }},
      {"PUT new event (bind)",          {"201", "403", "201", "403", "403", "201", "403", "403", "401"},
       [](World& w, Actor a) {
         return w.Send(a, "PUT", w.Calendar(a) + Own("nouveau", a) + ".ics",
                       Event(Own("nouveau", a), "Nouveau"), kIcs);
       }},
      {"PUT over an event",             {"204", "403", "204", "403", "403", "204", "403", "403", "401"},
       [](World& w, Actor a) {
         return w.Send(a, "PUT", w.Calendar(a) + Own("existant", a) + ".ics",
                       Event(Own("existant", a), "Réunion déplacée"), kIcs);
       }},
      {"DELETE event",                  {"204", "403", "204", "403", "403", "204", "403", "403", "401"},
       [](World& w, Actor a) {
         return w.Send(a, "DELETE", w.Calendar(a) + Own("victime", a) + ".ics");
       }},
      {"PROPFIND Depth 0 calendar",     {"207", "207", "207", "207", "207", "207", "207", "403", "401"},
       [](World& w, Actor a) { return w.Send(a, "PROPFIND", w.Calendar(a), kPropAll, kDepth0); }},
      {"PROPFIND Depth 1 calendar",     {"207", "207", "207", "207", "207", "207", "207", "403", "401"},
       [](World& w, Actor a) { return w.Send(a, "PROPFIND", w.Calendar(a), kPropAll, kDepth1); }},
      {"PROPFIND Depth 0 event",        {"207", "207", "207", "403", "207", "207", "207", "403", "401"},
       [](World& w, Actor a) {
         return w.Send(a, "PROPFIND", w.Calendar(a) + "prive.ics", kPropAll, kDepth0);
       }},
      // Display name: a per-user setting on a mount (ShareMember), the owner's own elsewhere.
      {"PROPPATCH displayname",         {"207/200", "207/200", "207/200", "207/200", "403", "207/200", "207/200", "403", "401"},
       [](World& w, Actor a) {
         return w.Send(a, "PROPPATCH", w.Calendar(a),
                       Proppatch("<D:displayname>Vu par " + Own("x", a) + "</D:displayname>"),
                       kXml);
       }},
      // The description is the sharer's: a sharee's PROPPATCH gets a 403 propstat (SabreDAV).
      {"PROPPATCH calendar-description",{"207/200", "207/403", "207/403", "207/403", "403", "207/200", "207/403", "403", "401"},
       [](World& w, Actor a) {
         return w.Send(a, "PROPPATCH", w.Calendar(a),
                       Proppatch("<C:calendar-description>Changée</C:calendar-description>"),
                       kXml);
       }},
      {"REPORT calendar-query",         {"207", "207", "207", "403", "207", "207", "207", "403", "401"},
       [](World& w, Actor a) { return w.Send(a, "REPORT", w.Calendar(a), kCalendarQuery, kDepth1); }},
      {"REPORT calendar-multiget",      {"207", "207", "207", "403", "207", "207", "207", "403", "401"},
       [](World& w, Actor a) {
         return w.Send(a, "REPORT", w.Calendar(a), Multiget(w.Calendar(a)), kDepth1);
       }},
      {"REPORT sync-collection",        {"207", "207", "207", "403", "207", "207", "207", "403", "401"},
       [](World& w, Actor a) { return w.Send(a, "REPORT", w.Calendar(a), kSync, kDepth1); }},
      {"REPORT free-busy-query",        {"200", "200", "200", "200", "200", "200", "200", "403", "401"},
       [](World& w, Actor a) { return w.Send(a, "REPORT", w.Calendar(a), kFreeBusyQuery, kDepth1); }},
      // Creating in the sharer's (jlabert's) home: bind on the home.
      {"MKCALENDAR in jlabert's home",  {"201", "403", "403", "403", "403", "201", "403", "403", "401"},
       [](World& w, Actor a) {
         return w.Send(a, "MKCALENDAR", "/dav/calendars/jlabert/" + Own("nouveau", a) + "/");
       }},
      {"MKCOL in jlabert's files",      {"201", "403", "403", "403", "403", "403", "403", "403", "401"},
       [](World& w, Actor a) {
         return w.Send(a, "MKCOL", "/dav/files/jlabert/" + Own("dossier", a) + "/");
       }},
      // COPY: read on the source, bind on the destination.
      {"COPY event to own calendar",    {"201", "201", "201", "403", "201", "201", "201", "403", "401"},
       [](World& w, Actor a) {
         return w.Transfer(a, "COPY", w.Calendar(a) + "public.ics", w.Agenda(a) + "copie.ics");
       }},
      {"COPY own event into it",        {"201", "403", "201", "403", "403", "201", "403", "403", "401"},
       [](World& w, Actor a) {
         return w.Transfer(a, "COPY", w.Agenda(a) + "propre.ics",
                           w.Calendar(a) + Own("apport", a) + ".ics");
       }},
      // MOVE: + unbind on the source.
      {"MOVE event to own calendar",    {"201", "403", "201", "403", "403", "201", "403", "403", "401"},
       [](World& w, Actor a) {
         return w.Transfer(a, "MOVE", w.Calendar(a) + Own("deplace", a) + ".ics",
                           w.Agenda(a) + "deplace.ics");
       }},
      // Free-busy on jlabert's outbox, as jlabert (RFC 6638 §5): schedule-send.
      {"POST free-busy, jlabert's outbox",{"200", "403", "403", "403", "403", "200", "403", "403", "401"},
       [](World& w, Actor a) {
         return w.Send(a, "POST", "/dav/calendars/jlabert/outbox/", FreeBusyPost(), kIcs);
       }},
      // Sharing the collection: DAV:write-acl, the owner's alone.
      {"POST CS:share",                 {"200", "403", "403", "403", "403", "403", "403", "403", "401"},
       [](World& w, Actor a) { return w.Send(a, "POST", w.Calendar(a), kCsShare, kXml); }},
      // clang-format on
  };
  std::vector<std::string> findings;
  for (const Row& row : rows) Check(w, row, findings);
  Report(findings);
}

// --- the address book ------------------------------------------------------------------------
// No free/busy share and no delegation for address books: those actors use jlabert's URL.
TEST(AccessMatrix, SharedAddressBook) {
  World w;
  const std::vector<Row> rows = {
      // clang-format off
      //                                  owner  read   rw     fb     rdeleg wdeleg group  non    anon
      {"GET card",                      {"200", "200", "200", "403", "403", "403", "200", "403", "401"},
       [](World& w, Actor a) { return w.Send(a, "GET", w.Book(a) + "carte.vcf"); }},
      {"PUT new card",                  {"201", "403", "201", "403", "403", "403", "403", "403", "401"},
       [](World& w, Actor a) {
         return w.Send(a, "PUT", w.Book(a) + Own("carte", a) + ".vcf",
                       Card(Own("carte", a), "Nouveau"), kVcf);
       }},
      {"DELETE card",                   {"204", "403", "204", "403", "403", "403", "403", "403", "401"},
       [](World& w, Actor a) {
         return w.Send(a, "DELETE", w.Book(a) + Own("carte-victime", a) + ".vcf");
       }},
      {"PROPFIND Depth 1 address book", {"207", "207", "207", "403", "403", "403", "207", "403", "401"},
       [](World& w, Actor a) { return w.Send(a, "PROPFIND", w.Book(a), kPropEtag, kDepth1); }},
      {"REPORT addressbook-query",      {"207", "207", "207", "403", "403", "403", "207", "403", "401"},
       [](World& w, Actor a) { return w.Send(a, "REPORT", w.Book(a), kAddressbookQuery, kDepth1); }},
      {"REPORT sync-collection (book)", {"207", "207", "207", "403", "403", "403", "207", "403", "401"},
       [](World& w, Actor a) { return w.Send(a, "REPORT", w.Book(a), kSync, kDepth1); }},
      {"MKCOL address book, jlabert's home",{"201", "403", "403", "403", "403", "403", "403", "403", "401"},
       [](World& w, Actor a) {
         return w.Send(a, "MKCOL", "/dav/addressbooks/jlabert/" + Own("carnet", a) + "/",
                       R"(<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">)"
                       R"(<D:set><D:prop><D:resourcetype><D:collection/><C:addressbook/>)"
                       R"(</D:resourcetype></D:prop></D:set></D:mkcol>)",
                       kXml);
       }},
      // clang-format on
  };
  std::vector<std::string> findings;
  for (const Row& row : rows) Check(w, row, findings);
  Report(findings);
}

// DELETE of the shared calendar itself destroys what every later row needs: one world per
// actor. A sharee's DELETE on their mount leaves the share (sharing::LeaveShare) and the
// owner's calendar stays; the write delegate may delete the owner's calendars (CalendarServer's
// calendar-proxy-write has every privilege on the home).
TEST(AccessMatrix, DeleteTheSharedCalendar) {
  // clang-format off
  //                                                  owner  read   rw     fb     rdeleg wdeleg group  non    anon
  const std::array<const char*, kActorCount> expected = {"204", "204", "204", "204", "403", "204", "204", "403", "401"};
  // clang-format on
  for (int i = 0; i < kActorCount; ++i) {
    Actor a = static_cast<Actor>(i);
    World w;
    Reply r = w.Send(a, "DELETE", w.Calendar(a));
    EXPECT_EQ(std::to_string(r.status), expected[a]) << kActorNames[a] << "\n" << r.body;
    EXPECT_EQ(r.body.find(kMarker), std::string::npos) << kActorNames[a];
    // Whatever a sharee does with their mount, the sharer's calendar and events stay.
    bool owner_side = a == kOwner || a == kWriteDelegate;
    Reply still = w.Send(kOwner, "GET", std::string(World::kConseils) + "prive.ics");
    EXPECT_EQ(still.status, owner_side && r.status == 204 ? 404 : 200) << kActorNames[a];
    Reply dep = w.server().Request("GET", std::string(World::kDepartement) + "public.ics", "", {},
                                   kLogins[kOwner], kPassword);
    EXPECT_EQ(dep.status, 403) << "the department calendar is not jlabert's";
    if (a == kReadSharee || a == kWriteSharee || a == kFreeBusySharee || a == kGroupMember) {
      if (r.status != 204) continue;
      // The mount is gone from their home; their next PROPFIND on it finds nothing.
      EXPECT_EQ(w.Send(a, "PROPFIND", w.Calendar(a), kPropEtag, kDepth0).status, 404)
          << kActorNames[a];
    }
  }
}

// The sharer's own URL is not a sharee's door (design: "sharees go through their mount"), and a
// mount name in someone else's home is nothing.
TEST(AccessMatrix, ShareesOnlyThroughTheirMount) {
  World w;
  std::vector<std::string> findings;
  const std::vector<Row> rows = {
      // clang-format off
      //                                  owner  read   rw     fb     rdeleg wdeleg group  non    anon
      {"GET jlabert's URL of the event",{"200", "403", "403", "403", "200", "200", "403", "403", "401"},
       [](World& w, Actor a) { return w.Send(a, "GET", std::string(World::kConseils) + "public.ics"); }},
      {"PROPFIND the department's URL", {"403", "403", "403", "403", "403", "403", "403", "403", "401"},
       [](World& w, Actor a) {
         return w.Send(a, "PROPFIND", World::kDepartement, kPropEtag, kDepth0);
       }},
      // mdupont's mount name used in each actor's own home (the owner's for the anonymous).
      {"PROPFIND mdupont's mount name in own home",{"404", "207", "404", "404", "404", "404", "404", "404", "401"},
       [](World& w, Actor a) {
         std::string home = a == kAnonymous ? "jlabert" : kLogins[a];
         return w.Send(a, "PROPFIND",
                       "/dav/calendars/" + home + "/partage-" +
                           std::to_string(w.calendar_share(kReadSharee)) + "/",
                       kPropEtag, kDepth0);
       }},
      // A multiget on one's own calendar naming the sharer's hrefs: each href is resolved with
      // its own access (design: "multiget hrefs resolved + access computed"), so the private
      // event is whole for the owner and the write delegate only (the marker check of Check).
      {"multiget of jlabert's hrefs from own calendar",{"207", "207", "207", "207", "207", "207", "207", "207", "401"},
       [](World& w, Actor a) {
         return w.Send(a, "REPORT", w.Agenda(a), Multiget(World::kConseils), kDepth1);
       }},
      // Names of mounts are reserved in homes (design: MKCOL/MKCALENDAR 403).
      {"MKCALENDAR partage-999 in own home",{"403", "403", "403", "403", "403", "403", "403", "403", "401"},
       [](World& w, Actor a) {
         std::string home = a == kAnonymous ? "jlabert" : kLogins[a];
         return w.Send(a, "MKCALENDAR", "/dav/calendars/" + home + "/partage-999/");
       }, false},
      // clang-format on
  };
  for (const Row& row : rows) Check(w, row, findings);
  Report(findings);
}

// What the reduced viewers get instead of the private data (design: privacy rules): the time
// and "Occupé" for PRIVATE, "Confidentiel" for CONFIDENTIAL; and a filter on the private text
// matches nothing for them (calendar-query evaluated on what the viewer sees).
TEST(AccessMatrix, PrivateEventsReducedForEveryoneButOwnerAndWriteDelegate) {
  World w;
  for (Actor a : {kOwner, kReadSharee, kWriteSharee, kReadDelegate, kWriteDelegate, kGroupMember}) {
    Reply prive = w.Send(a, "GET", w.Calendar(a) + "prive.ics");
    ASSERT_EQ(prive.status, 200) << kActorNames[a];
    Reply conf = w.Send(a, "GET", w.Calendar(a) + "confidentiel.ics");
    ASSERT_EQ(conf.status, 200) << kActorNames[a];
    EXPECT_NE(prive.body.find("UID:prive"), std::string::npos) << kActorNames[a];
    EXPECT_NE(prive.body.find("DTSTART:20261201T100000Z"), std::string::npos) << kActorNames[a];
    if (SeesPrivate(a)) {
      EXPECT_NE(prive.body.find(kMarker), std::string::npos) << kActorNames[a] << ": whole";
      EXPECT_NE(conf.body.find("LOCATION:Bureau"), std::string::npos) << kActorNames[a];
    } else {
      EXPECT_NE(prive.body.find("SUMMARY:Occupé"), std::string::npos) << kActorNames[a] << "\n"
                                                                      << prive.body;
      EXPECT_EQ(prive.body.find("LOCATION"), std::string::npos) << kActorNames[a];
      EXPECT_EQ(prive.body.find("DESCRIPTION"), std::string::npos) << kActorNames[a];
      EXPECT_NE(conf.body.find("SUMMARY:Confidentiel"), std::string::npos) << kActorNames[a] << "\n"
                                                                           << conf.body;
      EXPECT_EQ(conf.body.find(kMarker), std::string::npos) << kActorNames[a];
    }
    // A text-match on the marker finds the event only for those who see it.
    Reply q = w.Send(a, "REPORT", w.Calendar(a),
                     std::string(R"(<C:calendar-query xmlns:D="DAV:"
      xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop><C:filter>
      <C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY">
      <C:text-match>)") + kMarker +
                         "</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter>"
                         "</C:filter></C:calendar-query>",
                     kDepth1);
    ASSERT_EQ(q.status, 207) << kActorNames[a];
    size_t matches = ParseMultiStatus(q.body).props.size();
    EXPECT_EQ(matches, SeesPrivate(a) ? 2u : 0u) << kActorNames[a] << "\n" << q.body;
  }
  // The free/busy sharee's answer carries busy time, nothing else.
  Reply fb =
      w.Send(kFreeBusySharee, "REPORT", w.Calendar(kFreeBusySharee), kFreeBusyQuery, kDepth1);
  ASSERT_EQ(fb.status, 200) << fb.body;
  EXPECT_NE(fb.body.find("20261201T100000Z"), std::string::npos) << fb.body;
  EXPECT_EQ(fb.body.find("SUMMARY"), std::string::npos) << fb.body;
  // Its Depth 1 PROPFIND lists no member (design: read-free-busy only).
  Reply list = w.Send(kFreeBusySharee, "PROPFIND", w.Calendar(kFreeBusySharee), kPropEtag, kDepth1);
  ASSERT_EQ(list.status, 207);
  EXPECT_EQ(ParseMultiStatus(list.body).props.size(), 1u) << list.body;
}

// Refused writes store nothing: the owner's copy is byte for byte what it was.
TEST(AccessMatrix, RefusedWritesChangeNothing) {
  World w;
  Reply before = w.Send(kOwner, "GET", std::string(World::kConseils) + "public.ics");
  ASSERT_EQ(before.status, 200);
  for (Actor a : {kReadSharee, kFreeBusySharee, kReadDelegate, kNonMember, kAnonymous}) {
    w.Send(a, "PUT", w.Calendar(a) + "public.ics", Event("public", "Écrasé"), kIcs);
    w.Send(a, "DELETE", w.Calendar(a) + "public.ics");
    w.Send(a, "PUT", w.Calendar(a) + "intrus.ics", Event("intrus", "Intrus"), kIcs);
  }
  Reply after = w.Send(kOwner, "GET", std::string(World::kConseils) + "public.ics");
  EXPECT_EQ(after.body, before.body);
  EXPECT_EQ(after.Header("etag"), before.Header("etag"));
  EXPECT_EQ(w.Send(kOwner, "GET", std::string(World::kConseils) + "intrus.ics").status, 404);
}

// Thunderbird reading a calendar shared read-only (CalDavCalendar.sys.mjs; docs/clients.md,
// /work/shared/CLIENTS.md rows 14, 19): OPTIONS on the parent of the calendar URL, the resource
// type and privilege PROPFIND that decides read-only mode, sync-collection then multiget, and a
// PUT that must be refused with 403 (so Thunderbird reports it instead of losing the event).
TEST(AccessMatrix, ThunderbirdOnAReadOnlyShare) {
  World w;
  const Actor me = kReadSharee;
  const std::string cal = w.Calendar(me);
  const std::string kC = "{urn:ietf:params:xml:ns:caldav}";
  const std::string kCS = "{http://calendarserver.org/ns/}";
  // 1. OPTIONS on the home (the parent of the calendar URL).
  Reply options = w.Send(me, "OPTIONS", "/dav/calendars/mdupont/");
  EXPECT_EQ(options.status, 200);
  EXPECT_NE(options.Header("dav").find("calendar-access"), std::string::npos);
  // 2. checkDavResourceType on the mount.
  Reply r = w.Send(me, "PROPFIND", cal, R"(<?xml version="1.0" encoding="UTF-8"?>
<D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><D:resourcetype/><D:owner/><D:current-user-principal/><D:current-user-privilege-set/>
<D:supported-report-set/><C:supported-calendar-component-set/><CS:getctag/></D:prop></D:propfind>)",
                   kDepth0);
  ASSERT_EQ(r.status, 207) << r.body;
  auto p = ParseMultiStatus(r.body).props[cal];
  EXPECT_NE(p["{DAV:}resourcetype"].xml.find("calendar"), std::string::npos) << r.body;
  EXPECT_NE(p["{DAV:}current-user-principal"].xml.find("/dav/principals/users/mdupont/"),
            std::string::npos);
  EXPECT_NE(p["{DAV:}owner"].xml.find("/dav/principals/users/jlabert/"), std::string::npos)
      << "DAV:owner of a mount is the sharer\n"
      << r.body;
  const std::string& cups = p["{DAV:}current-user-privilege-set"].xml;
  EXPECT_NE(cups.find("read"), std::string::npos) << cups;
  // Thunderbird marks the calendar writable on any of these (checkDavResourceType).
  for (const char* granted : {"write", "bind", ":all/", "<all/", "<all "}) {
    EXPECT_EQ(cups.find(granted), std::string::npos)
        << "read-only share, yet " << granted << ": " << cups;
  }
  EXPECT_NE(p["{DAV:}supported-report-set"].xml.find("sync-collection"), std::string::npos);
  EXPECT_NE(p[kC + "supported-calendar-component-set"].xml.find("VEVENT"), std::string::npos);
  EXPECT_FALSE(p[kCS + "getctag"].text.empty());
  // 3. First sync: sync-collection with Depth 1, then multiget of what it listed.
  Reply sync = w.Send(me, "REPORT", cal, R"(<?xml version="1.0" encoding="UTF-8"?>
<sync-collection xmlns="DAV:"><sync-token/><sync-level>1</sync-level><prop><getcontenttype/>
<getetag/></prop></sync-collection>)",
                      kDepth1);
  ASSERT_EQ(sync.status, 207) << sync.body;
  auto listed = ParseMultiStatus(sync.body).props;
  EXPECT_EQ(listed[cal + "public.ics"]["{DAV:}getetag"].status, 200) << sync.body;
  EXPECT_EQ(listed[cal + "prive.ics"]["{DAV:}getetag"].status, 200) << sync.body;
  EXPECT_EQ(sync.body.find("/dav/calendars/jlabert/"), std::string::npos)
      << "hrefs are the sharee's URLs";
  Reply mg = w.Send(me, "REPORT", cal, Multiget(cal), kDepth1);
  ASSERT_EQ(mg.status, 207) << mg.body;
  auto got = ParseMultiStatus(mg.body).props;
  EXPECT_NE(got[cal + "public.ics"][kC + "calendar-data"].text.find("Conseil de classe"),
            std::string::npos)
      << mg.body;
  EXPECT_NE(got[cal + "prive.ics"][kC + "calendar-data"].text.find("UID:prive"), std::string::npos);
  EXPECT_EQ(mg.body.find(kMarker), std::string::npos);
  // The ETag Thunderbird keeps is the one GET answers (it sends it back as If-Match).
  Reply get = w.Send(me, "GET", cal + "public.ics");
  EXPECT_EQ(get.Header("etag"), got[cal + "public.ics"]["{DAV:}getetag"].text);
  // 4. A new event and a change: 403 need-privileges, nothing stored.
  Reply put = w.Send(me, "PUT", cal + "0d6a3c1e-tb.ics", Event("0d6a3c1e-tb", "Depuis Thunderbird"),
                     {{"Content-Type", "text/calendar; charset=utf-8"}, {"If-None-Match", "*"}});
  EXPECT_EQ(put.status, 403) << put.body;
  EXPECT_NE(put.body.find("need-privileges"), std::string::npos) << put.body;
  Reply change =
      w.Send(me, "PUT", cal + "public.ics", Event("public", "Modifié"),
             {{"Content-Type", "text/calendar; charset=utf-8"}, {"If-Match", get.Header("etag")}});
  EXPECT_EQ(change.status, 403) << change.body;
  EXPECT_EQ(w.Send(kOwner, "GET", std::string(World::kConseils) + "0d6a3c1e-tb.ics").status, 404);
  EXPECT_EQ(
      w.Send(kOwner, "GET", std::string(World::kConseils) + "public.ics").body.find("Modifié"),
      std::string::npos);
  // 5. Next sync with the token: the owner's new event arrives, nothing else changed.
  std::string token;
  {
    size_t b = sync.body.find("sync-token>");
    size_t e = sync.body.find("</", b);
    if (b != std::string::npos && e != std::string::npos) {
      token = sync.body.substr(b + 11, e - b - 11);
    }
  }
  ASSERT_FALSE(token.empty()) << sync.body;
  ASSERT_EQ(w.Send(kOwner, "PUT", std::string(World::kConseils) + "nouveau.ics",
                   Event("nouveau", "Conseil pédagogique"), kIcs)
                .status,
            201);
  Reply again = w.Send(me, "REPORT", cal,
                       "<sync-collection xmlns=\"DAV:\"><sync-token>" + token +
                           "</sync-token><sync-level>1</sync-level><prop><getetag/></prop>"
                           "</sync-collection>",
                       kDepth1);
  ASSERT_EQ(again.status, 207) << again.body;
  auto delta = ParseMultiStatus(again.body).props;
  EXPECT_EQ(delta.size(), 1u) << again.body;
  EXPECT_EQ(delta.count(cal + "nouveau.ics"), 1u) << again.body;
}

}  // namespace
}  // namespace cartable
