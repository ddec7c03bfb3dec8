#include "dav/api/contacts_api.h"

#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "dav/api/collections_api.h"
#include "dav/api/json_response.h"
#include "dav/carddav/addressbook_collection.h"
#include "dav/carddav/vcard.h"
#include "dav/carddav/vcard_edit.h"
#include "dav/methods/methods.h"
#include "dav/sharing/mount.h"
#include "dav/target.h"

namespace cartable::dav::api {
namespace {

using carddav::ContactFields;
using carddav::TypedValue;
using nlohmann::json;

constexpr char kCardType[] = "text/vcard; charset=utf-8";

// One card of a book, parsed.
struct Card {
  store::Object object;
  ContactFields fields;
};

// The address book `id` of the principal's home (their own, a share mount or the annuaire),
// inside a transaction. kNotFound for anything else.
struct OpenedBook {
  std::unique_ptr<store::Transaction> txn;
  Target book;
};

Result<OpenedBook> OpenBook(const DavContext& ctx, const Principal& principal,
                            const std::string& id, bool write) {
  store::Session& s = ctx.store.ThreadSession();
  const std::string home = HomePath(AddressbookArea(), principal.login);
  if (Status st = EnsureHome(s, home, principal, ctx.homes); !st.ok()) return st;
  Result<std::unique_ptr<store::Transaction>> txn = s.Begin(write);
  if (!txn.ok()) return txn.status();
  Status unknown = Status::NotFound("no address book '" + id + "'");
  if (id.empty() || id == "." || id == "..") return unknown;
  Result<Target> t = Resolve(s, home + id + "/", principal);
  if (!t.ok()) return t.status().code() == Status::Code::kNotFound ? unknown : t.status();
  if (t->type != NodeType::kCollection ||
      (t->kind != ResourceKind::kAddressbook && t->kind != ResourceKind::kDirectory) ||
      !CanRead(*t, principal)) {
    return unknown;
  }
  return OpenedBook{std::move(txn.value()), std::move(t.value())};
}

// Every card of `book` with its fields, by name; cards that no longer parse are left out.
Result<std::vector<Card>> ReadCards(store::Session& s, const Target& book) {
  std::vector<Card> cards;
  store::ObjectQuery q;
  q.with_data = true;
  Status st = s.QueryObjects(book.collection.id, q, [&](const store::Object& o) {
    Result<carddav::VCard> card = carddav::ParseVCard(o.data.value_or(""));
    if (card.ok()) cards.push_back({o, carddav::ReadContact(*card)});
    return Status::OK();
  });
  if (!st.ok()) return st;
  return cards;
}

json TypedJson(const std::vector<TypedValue>& values) {
  json out = json::array();
  for (const TypedValue& v : values) out.push_back({{"type", v.type}, {"value", v.value}});
  return out;
}

// The groups of `cards` that list `uid` as a member.
std::vector<std::string> GroupsOf(const std::vector<Card>& cards, const std::string& uid) {
  std::vector<std::string> groups;
  const std::string wanted = carddav::MemberUid(uid);
  for (const Card& c : cards) {
    if (c.fields.kind != "group") continue;
    for (const std::string& m : c.fields.members) {
      if (m == wanted) {
        groups.push_back(c.fields.uid);
        break;
      }
    }
  }
  return groups;
}

json ContactJson(const store::Object& o, const ContactFields& f,
                 const std::vector<std::string>& groups) {
  return json{{"name", o.name},
              {"etag", o.etag},
              {"uid", f.uid},
              {"kind", f.kind},
              {"fn", f.fn},
              {"given", f.given},
              {"family", f.family},
              {"org", f.org},
              {"title", f.title},
              {"emails", TypedJson(f.emails)},
              {"phones", TypedJson(f.phones)},
              {"note", f.note},
              {"members", f.members},
              {"groups", groups}};
}

// The contact as stored at `name` now (after a write), with its groups.
http::HttpResponse ContactAnswer(store::Session& s, const Target& book, const std::string& name,
                                 int status) {
  Result<std::vector<Card>> cards = ReadCards(s, book);
  if (!cards.ok()) return CardApiError(cards.status());
  for (const Card& c : *cards) {
    if (c.object.name == name) {
      return Json(status, json{{"contact",
                                ContactJson(c.object, c.fields, GroupsOf(*cards, c.fields.uid))}});
    }
  }
  return CardApiError(Status::Internal("the stored contact does not parse"));
}

// The fields of `body` over `fields` (absent members keep their value). Errors name the field.
bool ReadFields(const json& body, ContactFields* fields, std::string* field) {
  const std::pair<const char*, std::string*> kText[] = {
      {"kind", &fields->kind},     {"fn", &fields->fn},   {"given", &fields->given},
      {"family", &fields->family}, {"org", &fields->org}, {"title", &fields->title},
      {"note", &fields->note}};
  for (const auto& [name, value] : kText) {
    auto it = body.find(name);
    if (it == body.end()) continue;
    if (it->is_null()) {
      value->clear();
    } else if (it->is_string()) {
      *value = it->get<std::string>();
    } else {
      *field = name;
      return false;
    }
  }
  const std::pair<const char*, std::vector<TypedValue>*> kLists[] = {{"emails", &fields->emails},
                                                                     {"phones", &fields->phones}};
  for (const auto& [name, list] : kLists) {
    auto it = body.find(name);
    if (it == body.end()) continue;
    *field = name;
    if (!it->is_array()) return false;
    list->clear();
    for (const json& v : *it) {
      if (!v.is_object() || !v.contains("value") || !v["value"].is_string() ||
          (v.contains("type") && !v["type"].is_string())) {
        return false;
      }
      list->push_back({v.value("type", "other"), v["value"].get<std::string>()});
      if (list->back().type.empty()) list->back().type = "other";
    }
  }
  if (auto it = body.find("members"); it != body.end()) {
    *field = "members";
    if (!it->is_array()) return false;
    fields->members.clear();
    for (const json& m : *it) {
      if (!m.is_string()) return false;
      fields->members.push_back(carddav::MemberUid(m.get<std::string>()));
    }
  }
  field->clear();
  return true;
}

http::HttpResponse BadField(const std::string& field) {
  return ApiError(400, "invalid-field", "Le champ « " + field + " » n'a pas la bonne forme.",
                  field);
}

// The fields of a colleague's directory entry (the annuaire's person card).
Result<ContactFields> DirectoryFields(store::Session& s, const std::string& login) {
  Result<store::User> user = s.GetUserByLogin(login);
  if (!user.ok() || user->kind != store::UserKind::kPerson) {
    return Status::NotFound("no colleague '" + login + "'");
  }
  Result<store::DirectoryEntry> e = s.GetDirectoryEntryByUser(user->id);
  if (!e.ok() || !e->active) return Status::NotFound("no directory entry for '" + login + "'");
  ContactFields f;
  f.given = e->prenom;
  f.family = e->nom;
  f.fn = e->prenom + (e->prenom.empty() ? "" : " ") + e->nom;
  f.org = e->etablissement;
  f.title = e->fonction;
  if (!e->email.empty()) f.emails.push_back({"work", e->email});
  if (!e->telephone.empty()) f.phones.push_back({"work", e->telephone});
  return f;
}

// Stores `text` at `t` as a CardDAV PUT would (privileges of the dispatcher's PUT row first).
Result<WriteResult> StoreCard(const Request& req, Target& t, const std::string& text) {
  if (t.type == NodeType::kMissing) {
    if (!t.access.Has(kPrivBind)) return Denied(t, "PUT");
    if (Status s = CheckNewResourceName(t.path); !s.ok()) return s;
    if (Status s = sharing::CheckReservedName(t); !s.ok()) return s;
  } else if (!t.access.Has(kPrivWriteContent)) {
    return Denied(t, "PUT");
  }
  return PutMember(req, t, text, kCardType);
}

http::HttpResponse Committed(store::Transaction& txn, http::HttpResponse answer) {
  if (answer.status < 300) {
    if (Status s = txn.Commit(); !s.ok()) return CardApiError(s);
  }
  return answer;
}

http::HttpResponse ListContacts(const DavContext& ctx, const Target& book) {
  Result<std::vector<Card>> cards = ReadCards(ctx.store.ThreadSession(), book);
  if (!cards.ok()) return CardApiError(cards.status());
  json list = json::array();
  for (const Card& c : *cards) {
    list.push_back(ContactJson(c.object, c.fields, GroupsOf(*cards, c.fields.uid)));
  }
  http::HttpResponse r = Json(200, json{{"contacts", list}});
  if (ctx.options.max_response_bytes != 0 && r.body.size() > ctx.options.max_response_bytes) {
    return ApiError(507, "too-large",
                    "Ce carnet est trop grand pour être affiché en entier ; exportez-le.");
  }
  return r;
}

http::HttpResponse CreateContact(const Request& req, const Target& book) {
  std::optional<json> body = JsonObjectBody(req.http);
  if (!body) {
    return ApiError(400, "invalid-json", "Le corps de la requête doit être un objet JSON.");
  }
  ContactFields fields;
  std::string field;
  if (auto from = body->find("from_directory"); from != body->end()) {
    if (!from->is_string()) return BadField("from_directory");
    Result<ContactFields> copied = DirectoryFields(req.session, from->get<std::string>());
    if (!copied.ok()) {
      return ApiError(
          404, "unknown-person",
          "Personne ne porte l'identifiant « " + from->get<std::string>() + " » dans l'annuaire.",
          "from_directory");
    }
    fields = std::move(copied.value());
  } else if (!ReadFields(*body, &fields, &field)) {
    return BadField(field);
  }
  if (Status s = carddav::CheckContact(fields, &field); !s.ok()) {
    return ApiError(400, "invalid-field", s.message(), field);
  }
  const std::string uid = carddav::NewContactUid();
  const std::string name = uid + ".vcf";
  Result<Target> t = Resolve(req.session, book.path + name, req.principal, BodyRead::kForWrite);
  if (!t.ok()) return CardApiError(t.status());
  Result<WriteResult> stored =
      StoreCard(req, *t, carddav::SerializeVCard(carddav::NewContact(uid, fields)));
  if (!stored.ok()) return CardApiError(stored.status());
  return ContactAnswer(req.session, book, name, 201);
}

// An existing card of `book` named `name`, with its data.
Result<Target> ExistingCard(const Request& req, const Target& book, const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return Status::NotFound("no contact '" + name + "'");
  }
  Result<Target> t = Resolve(req.session, book.path + name, req.principal, BodyRead::kYes);
  if (!t.ok()) return t.status();
  if (t->type != NodeType::kObject || !carddav::IsCard(*t)) {
    return Status::NotFound("no contact '" + name + "'");
  }
  return t;
}

http::HttpResponse EditContact(const Request& req, const Target& book, const std::string& name) {
  Result<Target> t = ExistingCard(req, book, name);
  if (!t.ok()) return CardApiError(t.status());
  std::optional<json> body = JsonObjectBody(req.http);
  if (!body) {
    return ApiError(400, "invalid-json", "Le corps de la requête doit être un objet JSON.");
  }
  Result<carddav::VCard> card = carddav::ParseVCard(t->object.data.value_or(""));
  if (!card.ok()) return CardApiError(card.status());
  const ContactFields before = carddav::ReadContact(*card);
  ContactFields after = before;
  std::string field;
  if (!ReadFields(*body, &after, &field)) return BadField(field);
  if (Status s = carddav::CheckContact(after, &field); !s.ok()) {
    return ApiError(400, "invalid-field", s.message(), field);
  }
  carddav::ApplyContact(before, after, &card.value());
  Result<WriteResult> stored = StoreCard(req, *t, carddav::SerializeVCard(*card));
  if (!stored.ok()) return CardApiError(stored.status());
  return ContactAnswer(req.session, book, name, 200);
}

http::HttpResponse DeleteContact(const Request& req, const Target& book, const std::string& name) {
  Result<Target> t = ExistingCard(req, book, name);
  if (!t.ok()) return CardApiError(t.status());
  if (!t->access.Has(kPrivUnbind)) return CardApiError(Denied(*t, "DELETE"));
  if (Status s = DeleteMember(req, *t); !s.ok()) return CardApiError(s);
  return NoContent();
}

// The UID of `card` set to `uid` (an imported card whose UID another book of the user holds).
void SetUid(carddav::VCard* card, const std::string& uid) {
  for (carddav::VCardProperty& p : card->properties) {
    if (p.name == "UID") {
      p.params.clear();
      p.value = carddav::EscapeText(uid);
    }
  }
}

// Whether another address book of the principal's own (not `book`) holds a card with `uid`.
Result<bool> UidElsewhere(store::Session& s, const Target& book, const std::string& uid) {
  if (!book.owner) return false;
  Result<store::Collection> home = s.GetCollection(HomePath(AddressbookArea(), book.owner->login));
  if (!home.ok()) return home.status();
  Result<std::vector<store::Collection>> books = s.ListChildCollections(home->id);
  if (!books.ok()) return books.status();
  for (const store::Collection& c : *books) {
    if (c.kind != store::kKindAddressbook || c.id == book.collection.id) continue;
    Result<store::Object> held = s.FindObjectByUid(c.id, uid);
    if (held.ok()) return true;
    if (held.status().code() != Status::Code::kNotFound) return held.status();
  }
  return false;
}

bool StoreFailure(const Status& s) {
  return s.code() == Status::Code::kInternal || s.code() == Status::Code::kUnavailable;
}

// One card of an import: a card whose UID the book holds replaces it (as a CardDAV client's PUT
// would), a card whose UID another of the user's books holds gets a new UID (so that clients
// that merge books by UID do not merge two people), any other is added. `updated` tells which.
Status ImportCard(const Request& req, const Target& book, const std::string& text, bool* updated,
                  std::string* uid_out) {
  Result<store::ObjectIndex> index = carddav::ValidateVCard(text, carddav::kMaxCardResourceSize);
  if (!index.ok()) return index.status();
  *uid_out = index->uid;
  Result<carddav::VCard> card = carddav::ParseVCard(text);
  if (!card.ok()) return card.status();
  std::string name;
  bool renamed = false;
  Result<store::Object> holder = req.session.FindObjectByUid(book.collection.id, index->uid);
  if (holder.ok()) {
    name = holder->name;
  } else if (holder.status().code() != Status::Code::kNotFound) {
    return holder.status();
  } else {
    Result<bool> elsewhere = UidElsewhere(req.session, book, index->uid);
    if (!elsewhere.ok()) return elsewhere.status();
    if (*elsewhere) {
      SetUid(&card.value(), carddav::NewContactUid());
      renamed = true;
    }
    name = carddav::NewContactUid() + ".vcf";
  }
  *updated = holder.ok();
  Result<Target> t = Resolve(req.session, book.path + name, req.principal, BodyRead::kForWrite);
  if (!t.ok()) return t.status();
  // Stored as sent (only a card given a new UID is re-serialised), as a CardDAV PUT stores it.
  return StoreCard(req, *t, renamed ? carddav::SerializeVCard(*card) : text).status();
}

http::HttpResponse Import(const Request& req, const Target& book) {
  std::string media(req.http.headers.Get("Content-Type").value_or(""));
  media = media.substr(0, media.find(';'));
  media = std::string(http::Trim(media));
  if (!http::EqualsIgnoreCase(media, "text/vcard") &&
      !http::EqualsIgnoreCase(media, "text/x-vcard")) {
    return ApiError(415, "unsupported-media-type",
                    "Envoyez un fichier de contacts vCard (text/vcard).");
  }
  if (!book.access.Has(kPrivBind | kPrivWriteContent)) {
    return ApiError(403, "forbidden", "Ce carnet d'adresses est en lecture seule.");
  }
  const size_t max = req.ctx.options.max_import_cards;
  bool truncated = false;
  std::vector<std::string> cards = carddav::SplitVCards(req.http.body, max, &truncated);
  if (truncated) {
    return ApiError(413, "too-many-cards",
                    "Ce fichier contient plus de " + std::to_string(max) +
                        " contacts : importez-le en plusieurs fois.");
  }
  if (cards.empty()) {
    return ApiError(400, "no-card", "Ce fichier ne contient aucun contact vCard.");
  }
  size_t imported = 0, updated = 0;
  json rejected = json::array();
  for (size_t i = 0; i < cards.size(); ++i) {
    bool was_update = false;
    std::string uid;
    Status st = ImportCard(req, book, cards[i], &was_update, &uid);
    if (StoreFailure(st)) return CardApiError(st);  // nothing of the import is kept
    if (!st.ok()) {
      rejected.push_back({{"index", i}, {"uid", uid}, {"reason", st.message()}});
      continue;
    }
    ++(was_update ? updated : imported);
  }
  return Json(200, json{{"imported", imported + updated},
                        {"added", imported},
                        {"updated", updated},
                        {"rejected", rejected}});
}

// A file name for `name` in a Content-Disposition header: the ASCII fallback of RFC 6266 §4.3
// (quotes, backslashes, controls and non-ASCII bytes become '_') and the UTF-8 one (RFC 8187).
std::string Disposition(const std::string& name) {
  std::string ascii, encoded;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : name) {
    const bool plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '/';
    ascii += plain ? static_cast<char>(c) : '_';
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 15];
    }
  }
  return "attachment; filename=\"" + ascii + ".vcf\"; filename*=UTF-8''" + encoded + ".vcf";
}

http::HttpResponse Export(const DavContext& ctx, const Target& book, const std::string& id) {
  std::string out;
  store::ObjectQuery q;
  q.with_data = true;
  bool too_large = false;
  Status st =
      ctx.store.ThreadSession().QueryObjects(book.collection.id, q, [&](const store::Object& o) {
        out += o.data.value_or("");
        if (!out.empty() && out.back() != '\n') out += "\r\n";
        if (ctx.options.max_response_bytes != 0 && out.size() > ctx.options.max_response_bytes) {
          too_large = true;
          return store::StopVisit();
        }
        return Status::OK();
      });
  if (too_large) {
    return ApiError(507, "too-large", "Ce carnet est trop grand pour être exporté en une fois.");
  }
  if (!st.ok()) return CardApiError(st);
  http::HttpResponse r;
  r.status = 200;
  r.headers.Set("Content-Type", kCardType);
  r.headers.Set(
      "Content-Disposition",
      Disposition(ShownName(book.collection, book.mount ? &book.mount->member : nullptr, id)));
  r.body = std::move(out);
  return r;
}

}  // namespace

http::HttpResponse CardApiError(const Status& s) {
  static const std::map<Status::Code, std::pair<const char*, const char*>> kKnown = {
      {Status::Code::kBadRequest, {"invalid", "La demande n'est pas valable."}},
      {Status::Code::kForbidden,
       {"forbidden", "Vous n'avez pas le droit de modifier ce carnet d'adresses."}},
      {Status::Code::kNotFound, {"not-found", "Ce carnet ou ce contact n'existe pas."}},
      {Status::Code::kConflict, {"conflict", "Ce contact est en conflit avec un autre."}},
      {Status::Code::kPreconditionFailed,
       {"changed", "Ce contact a été modifié entre-temps ; rechargez-le avant de le changer."}},
      {Status::Code::kTooLarge, {"too-large", "Ce contact est trop volumineux."}},
      {Status::Code::kInsufficientStorage,
       {"quota", "Votre espace de stockage est plein : supprimez des éléments pour continuer."}},
      {Status::Code::kUnavailable,
       {"unavailable", "Le service est momentanément occupé ; réessayez dans un instant."}},
  };
  // The CardDAV preconditions a card can break are 403 in DAV (RFC 6352 §6.3.2.1); the web
  // pages are told what went wrong with the status a JSON client expects.
  static const std::map<Precondition, std::tuple<int, const char*, const char*>> kCards = {
      {Precondition::kCardMaxResourceSize,
       {413, "too-large", "Ce contact est trop volumineux (1 Mo au plus)."}},
      {Precondition::kValidAddressData,
       {400, "invalid-card", "Ce contact n'est pas une carte vCard valable."}},
      {Precondition::kSupportedAddressData,
       {400, "invalid-card", "Ce contact n'est pas une carte vCard valable."}},
      {Precondition::kCardNoUidConflict,
       {409, "conflict", "Un autre contact de ce carnet porte déjà cet identifiant (UID)."}},
  };
  http::HttpResponse r = ResponseForStatus(s);
  auto known = kKnown.find(s.code());
  json body{{"error", known != kKnown.end() ? known->second.first : "internal"},
            {"message",
             known != kKnown.end() ? known->second.second : "Une erreur interne est survenue."},
            {"detail", s.message()}};
  if (auto card = kCards.find(s.precondition()); card != kCards.end()) {
    r.status = std::get<0>(card->second);
    body["error"] = std::get<1>(card->second);
    body["message"] = std::get<2>(card->second);
  }
  r.headers.Set("Content-Type", "application/json; charset=utf-8");
  r.body = DumpJson(body);
  return r;
}

http::HttpResponse ServeContacts(const DavContext& ctx, const http::HttpRequest& request,
                                 const Principal& principal, const std::string& book_id,
                                 const std::string& tail) {
  constexpr std::string_view kContacts = "/contacts";
  std::string name;
  enum class Call { kContacts, kContact, kImport, kExport } call;
  std::optional<http::HttpResponse> refused;
  if (tail == kContacts || tail == "/contacts/") {
    call = Call::kContacts;
    refused = OnlyMethods(request, {"GET", "POST"});
  } else if (tail.starts_with("/contacts/")) {
    call = Call::kContact;
    name = tail.substr(kContacts.size() + 1);
    refused = OnlyMethods(request, {"PATCH", "DELETE"});
  } else if (tail == "/import") {
    call = Call::kImport;
    refused = OnlyMethods(request, {"POST"});
  } else if (tail == "/export") {
    call = Call::kExport;
    refused = OnlyGet(request);
  } else {
    return ApiError(404, "not-found", "Cette adresse de l'API n'existe pas.");
  }
  if (refused) return *refused;
  const bool write = request.method != "GET" && request.method != "HEAD";
  Result<OpenedBook> opened = OpenBook(ctx, principal, book_id, write);
  if (!opened.ok()) return CardApiError(opened.status());
  store::Session& s = ctx.store.ThreadSession();
  const Request req{request, principal, s, ctx};
  const Target& book = opened->book;
  if (call == Call::kExport) return Export(ctx, book, book_id);
  if (call == Call::kImport) return Committed(*opened->txn, Import(req, book));
  if (!write) return ListContacts(ctx, book);
  if (request.method == "POST") return Committed(*opened->txn, CreateContact(req, book));
  if (request.method == "PATCH") return Committed(*opened->txn, EditContact(req, book, name));
  return Committed(*opened->txn, DeleteContact(req, book, name));
}

}  // namespace cartable::dav::api
