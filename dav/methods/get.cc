// GET and HEAD: an object's bytes exactly as stored, with its strong ETag; a collection gets a
// small HTML index. The transport drops the body for HEAD.
#include <chrono>

#include "dav/carddav/addressbook_collection.h"
#include "dav/carddav/vcard.h"
#include "dav/collection_types.h"
#include "dav/conditional.h"
#include "dav/methods/methods.h"
#include "dav/property_registry.h"
#include "dav/sharing/per_user.h"
#include "dav/xml.h"

namespace cartable::dav {
namespace {

http::HttpResponse CollectionIndex(const Request& req, const Target& t) {
  http::HttpResponse r;
  r.headers.Set("Content-Type", "text/html; charset=utf-8");
  std::string& b = r.body;
  b = "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Cartable — ";
  AppendEscaped(b, t.path);
  b += "</title></head><body><h1>";
  AppendEscaped(b, t.path);
  b += "</h1><ul>";
  if (t.type == NodeType::kCollection) {
    auto item = [&b](const std::string& href, const std::string& label) {
      b += "<li><a href=\"";
      AppendEscaped(b, href);
      b += "\">";
      AppendEscaped(b, label);
      b += "</a></li>";
    };
    if (auto subs = req.session.ListChildCollections(t.collection.id); subs.ok()) {
      for (const store::Collection& c : *subs) {
        item(Href(c.path), c.path.substr(t.path.size()));
      }
    }
    req.session.ForEachObject(t.collection.id, [&](const store::Object& o) {
      item(Href(t.path + o.name), o.name);
      return Status::OK();
    });
  }
  b += "</ul><p>Ce dossier est servi par Cartable (WebDAV). Utilisez un client WebDAV, CalDAV ou "
       "CardDAV pour le synchroniser.</p></body></html>\n";
  return r;
}

// vCards are served in the version the client's Accept header asks for (Apple reads 3.0,
// CardBook 4.0), converted losslessly; the ETag stays the stored resource's.
void NegotiateVCard(const Request& req, http::HttpResponse& r) {
  std::string version = carddav::VersionFromAccept(req.http.headers.Get("Accept").value_or(""));
  if (version.empty()) return;
  Result<std::string> converted = carddav::ConvertVCard(r.body, version);
  if (!converted.ok() || *converted == r.body) return;
  r.body = std::move(converted.value());
  r.headers.Set("Content-Type", "text/vcard; charset=utf-8; version=" + version);
}

}  // namespace

MethodResult HandleGet(const Request& req, Target& t) {
  if (t.type != NodeType::kObject) return CollectionIndex(req, t);
  bool not_modified = false;
  // A sharee's representation has its own ETag (their alarms; dav/sharing/per_user.h).
  Result<std::string> etag = sharing::ViewerEtag(req, t);
  if (!etag.ok()) return etag.status();
  if (Status s = CheckConditions(req.http, *etag, true, &not_modified); !s.ok()) return s;
  auto last_modified = std::chrono::system_clock::from_time_t(t.object.modified_at);
  if (!not_modified && !req.http.headers.Has("If-None-Match")) {
    if (auto ims = req.http.headers.Get("If-Modified-Since")) {
      auto since = http::ParseHttpDate(*ims);
      not_modified = since && last_modified <= *since;
    }
  }
  http::HttpResponse r;
  r.headers.Set("ETag", *etag);
  r.headers.Set("Last-Modified", http::HttpDate(last_modified));
  DescribeMember(req, t, r);  // the type's headers (calendars: Schedule-Tag)
  if (not_modified) {
    r.status = 304;
    return r;
  }
  if (!t.object.data) {
    Result<store::Object> full = req.session.GetObject(t.collection.id, t.name, true);
    if (!full.ok()) return full.status();
    t.object.data = std::move(full->data);
  }
  r.status = 200;
  r.headers.Set("Content-Type",
                t.object.content_type.empty() ? "application/octet-stream" : t.object.content_type);
  // What the principal may see of it: sharees' alarms, private events reduced (the read hook).
  Result<std::string> body = sharing::CalendarView(req, t, std::move(*t.object.data));
  if (!body.ok()) return body.status();
  r.body = std::move(body.value());
  if (carddav::IsCard(t)) NegotiateVCard(req, r);
  return r;
}

}  // namespace cartable::dav
