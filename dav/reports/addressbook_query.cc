// addressbook-query (RFC 6352 §8.6): filters on vCards, with limit/nresults truncation answered
// as a 507 response for the request-URI. In the staff directory (50,000 cards) the candidates
// come from the directory's full-text index, never from scanning every card; personal books are
// small and are scanned.
#include <algorithm>
#include <functional>
#include <unordered_set>

#include "dav/carddav/vcard.h"
#include "dav/members.h"
#include "dav/multistatus.h"
#include "dav/prop_request.h"
#include "dav/property_registry.h"
#include "dav/report_registry.h"
#include "dav/reports/report_scope.h"
#include "dav/xml.h"

namespace cartable::dav {
namespace {

// Properties the directory index covers (see DirectoryEntriesContaining).
bool Indexed(const std::string& prop) {
  for (const char* p :
       {"FN", "N", "EMAIL", "ORG", "TITLE", "TEL", "X-CARTABLE-UAI", "X-CARTABLE-DEPARTEMENT"}) {
    if (prop == p) return true;
  }
  return false;
}

// A text that every matching card must contain, when the filter implies one: then the index's
// substring search yields a superset of the matches. nullopt = the filter cannot be pre-filtered.
std::optional<std::string> RequiredNeedle(const carddav::CardFilter& f) {
  if (f.prop_filters.empty()) return std::nullopt;
  if (!f.all_of && f.prop_filters.size() != 1) return std::nullopt;
  for (const carddav::PropFilter& p : f.prop_filters) {
    if (p.is_not_defined || !Indexed(p.name) || p.text_matches.empty()) continue;
    if (!p.all_of && (p.text_matches.size() != 1 || !p.param_filters.empty())) continue;
    for (const TextMatch& m : p.text_matches) {
      if (!m.negate && !m.value.empty() && m.collation != "i;octet") return m.value;
    }
  }
  return std::nullopt;
}

// The directory entries that may match `needle`, or nullopt when the index could not narrow
// them down (too many).
Result<std::optional<std::vector<store::Id>>> DirectoryCandidates(const Request& req,
                                                                  const std::string& needle) {
  constexpr size_t kMaxCandidates = 5000;
  Result<std::vector<store::Id>> ids =
      req.session.DirectoryEntriesContaining(needle, kMaxCandidates + 1);
  if (!ids.ok()) return ids.status();
  if (ids->size() > kMaxCandidates) return std::optional<std::vector<store::Id>>();
  return std::optional<std::vector<store::Id>>(std::move(ids.value()));
}

// Feeds the cards of the entries `ids` to the visitor `consider` in batches, so a query with a
// limit reads only what it needs (entries, then cards). Returns like a store walk (EndVisit).
Status ConsiderInBatches(const Request& req, store::Id collection,
                         const std::vector<store::Id>& ids, const store::ObjectVisitor& consider) {
  constexpr size_t kBatch = 64;
  for (size_t i = 0; i < ids.size(); i += kBatch) {
    std::vector<store::Id> batch(ids.begin() + i, ids.begin() + std::min(ids.size(), i + kBatch));
    Result<std::vector<store::DirectoryEntry>> entries = req.session.GetDirectoryEntries(batch);
    if (!entries.ok()) return entries.status();
    std::vector<std::string> names;
    for (const store::DirectoryEntry& e : *entries) {
      std::string_view uid = e.card_uid;
      if (uid.substr(0, 9) == "urn:uuid:") uid.remove_prefix(9);
      names.push_back(std::string(uid) + ".vcf");
    }
    Result<std::vector<store::Object>> objects = req.session.GetObjects(collection, names, true);
    if (!objects.ok()) return objects.status();
    for (const store::Object& o : *objects) {
      if (Status st = consider(o); !st.ok()) return store::EndVisit(std::move(st));
    }
  }
  return Status::OK();
}

}  // namespace

MethodResult RunAddressbookQuery(const Request& req, Target& t, const pugi::xml_node& root) {
  pugi::xml_node filter_node = Child(root, ns::kCardDav, "filter");
  if (!filter_node) return Status::BadRequest("addressbook-query needs a CARDDAV:filter");
  Result<carddav::CardFilter> filter = carddav::ParseCardFilter(filter_node);
  if (!filter.ok()) return filter.status();
  Result<PropRequest> props = ParseReportProps(root, req.ctx.options);
  if (!props.ok()) return props.status();
  Result<size_t> limit = ParseLimit(root, ns::kCardDav, "CARDDAV");
  if (!limit.ok()) return limit.status();
  Scope scope = ScopeOf(t);

  MultistatusWriter out(req.ctx.options.max_response_bytes);
  Target child = ChildObjectTarget(scope.collection, store::Object{});
  size_t matches = 0;
  bool truncated = false;
  auto consider = [&](const store::Object& o) {
    if (scope.only && o.name != *scope.only) return Status::OK();
    if (!o.data || !carddav::MatchesCardFilter(*o.data, *filter)) return Status::OK();
    if (*limit > 0 && matches == *limit) {
      truncated = true;
      return store::StopVisit();
    }
    ++matches;
    FillObjectTarget(scope.collection, o, child);
    return WritePropResponse(req, child, *props, false, out);
  };
  std::optional<std::string> needle;
  if (scope.collection.collection.kind == store::kKindDirectory) needle = RequiredNeedle(*filter);
  bool done = false;
  if (needle) {
    auto candidates = DirectoryCandidates(req, *needle);
    if (!candidates.ok()) return candidates.status();
    if (candidates->has_value()) {
      Status fed = ConsiderInBatches(req, scope.collection.collection.id, **candidates, consider);
      if (!fed.ok()) return fed;
      done = true;
    }
  }
  if (!done) {
    store::ObjectQuery q;
    q.with_data = true;
    Status s = req.session.QueryObjects(scope.collection.collection.id, q, consider);
    if (!s.ok()) return s;
  }
  if (truncated) {
    // RFC 6352 §8.6.1: the truncation is reported on the request-URI.
    out.BeginResponse(Href(t.path));
    out.xml().TextElement(ns::kDav, "status", StatusLine(507));
    out.xml().Open(ns::kDav, "error");
    out.xml().Empty(ns::kDav, "number-of-matches-within-limits");
    out.xml().Close();
    out.EndResponse();
  }
  return out.Finish();
}

}  // namespace cartable::dav
