// Finding colleagues from calendar clients: principal-property-search and
// principal-search-property-set (RFC 3744 §9.4-9.5) and CalendarServer's
// calendarserver-principal-search (macOS attendee completion). Candidates come from the staff
// directory's index (plus an exact login/email lookup for accounts outside the directory) and
// the group accounts (departments and establishments, dav/sharing/principal_groups.h), then
// every match is checked on the principal's own values; at most kMaxResults answers.
#include <algorithm>
#include <functional>
#include <set>

#include "dav/multistatus.h"
#include "dav/prop_request.h"
#include "dav/report_registry.h"
#include "dav/sharing/principal_groups.h"
#include "dav/text_fold.h"
#include "dav/xml.h"

namespace cartable::dav {
namespace {

constexpr size_t kMaxResults = 50;
constexpr size_t kMaxCandidates = 500;

enum class Field { kName, kAddress };

struct Criterion {
  Field field;
  std::string needle;  // folded
  bool starts_with = false;
};

// The principal's folded values for `field`.
std::vector<std::string> Values(const store::User& u, Field field) {
  if (field == Field::kName) return {FoldForSearch(u.display_name)};
  // A group's login holds its department code or UAI ("etablissement-0370001a"); its calendar
  // address is a URN (no e-mail).
  if (u.kind == store::UserKind::kGroup) return {FoldForSearch(sharing::GroupAddress(u.login))};
  return {FoldForSearch(u.email), FoldForSearch(u.login)};
}

bool Satisfies(const store::User& u, const Criterion& c) {
  for (const std::string& v : Values(u, c.field)) {
    if (c.starts_with) {
      // starts-with applies to any word of a name ("lab" finds "Jean Labert").
      if (v.compare(0, c.needle.size(), c.needle) == 0) return true;
      for (size_t sp = v.find(' '); sp != std::string::npos; sp = v.find(' ', sp + 1)) {
        if (v.compare(sp + 1, c.needle.size(), c.needle) == 0) return true;
      }
    } else if (v.find(c.needle) != std::string::npos) {
      return true;
    }
  }
  return false;
}

// Active users who may satisfy `needle` (a superset), in a fixed order: the directory's
// substring index (entry id order), then the exact login and email, then groups. `visit` gets
// each once and returns false to stop: a search wants at most kMaxResults answers, and reading
// every candidate's account first (up to kMaxCandidates, one lookup each) made a search's cost
// grow with the directory (PostgreSQL, 15,000 entries: 78 ms of CPU, issue 15).
Status ForEachCandidate(store::Session& s, const std::string& needle,
                        const std::function<Result<bool>(const store::User&)>& visit) {
  std::set<store::Id> seen;
  bool stopped = false;
  auto offer = [&](Result<store::User> u) -> Status {
    if (stopped || !u.ok() || u->state != store::UserState::kActive || !seen.insert(u->id).second) {
      return Status::OK();
    }
    Result<bool> more = visit(*u);
    if (!more.ok()) return more.status();
    stopped = !*more;
    return Status::OK();
  };
  Result<std::vector<store::Id>> ids = s.DirectoryEntriesContaining(needle, kMaxCandidates);
  if (!ids.ok()) return ids.status();
  constexpr size_t kBatch = 64;  // entries read per query
  for (size_t i = 0; i < ids->size() && !stopped; i += kBatch) {
    std::vector<store::Id> batch(
        ids->begin() + static_cast<ptrdiff_t>(i),
        ids->begin() + static_cast<ptrdiff_t>(std::min(i + kBatch, ids->size())));
    Result<std::vector<store::DirectoryEntry>> entries = s.GetDirectoryEntries(batch);
    if (!entries.ok()) return entries.status();
    for (const store::DirectoryEntry& e : *entries) {
      if (stopped) break;
      if (e.user_id == 0) continue;
      if (Status st = offer(s.GetUserById(e.user_id)); !st.ok()) return st;
    }
  }
  if (Status st = offer(s.GetUserByLogin(needle)); !st.ok()) return st;
  if (Status st = offer(s.GetUserByEmail(needle)); !st.ok()) return st;
  if (stopped) return Status::OK();
  Result<std::vector<store::User>> groups = sharing::SearchGroups(s, needle, kMaxCandidates);
  if (!groups.ok()) return groups.status();
  for (store::User& g : *groups) {
    if (Status st = offer(std::move(g)); !st.ok()) return st;
  }
  return Status::OK();
}

// Answers the principals satisfying `criteria` (all, or any) with `props`.
MethodResult Answer(const Request& req, const std::vector<Criterion>& criteria, bool all_of,
                    const PropRequest& props, size_t limit) {
  MultistatusWriter out(req.ctx.options.max_response_bytes);
  if (criteria.empty()) return out.Finish();
  // The longest needle gives the smallest candidate set for "all"; "any" needs every needle.
  std::vector<const Criterion*> sources;
  if (all_of) {
    sources.push_back(&*std::max_element(
        criteria.begin(), criteria.end(),
        [](const Criterion& a, const Criterion& b) { return a.needle.size() < b.needle.size(); }));
  } else {
    for (const Criterion& c : criteria) sources.push_back(&c);
  }
  std::set<store::Id> done;
  size_t count = 0;
  for (const Criterion* source : sources) {
    if (count == limit) break;
    Status st =
        ForEachCandidate(req.session, source->needle, [&](const store::User& u) -> Result<bool> {
          if (done.count(u.id)) return true;
          auto ok = [&u](const Criterion& c) { return Satisfies(u, c); };
          bool match = all_of ? std::all_of(criteria.begin(), criteria.end(), ok)
                              : std::any_of(criteria.begin(), criteria.end(), ok);
          if (!match) return true;
          done.insert(u.id);
          ++count;
          if (Status s = WritePropResponse(req, PrincipalTarget(u), props, false, out); !s.ok()) {
            return s;
          }
          return count < limit;
        });
    if (!st.ok()) return st;
  }
  return out.Finish();
}

std::optional<Field> FieldOf(const QName& q) {
  if (q.Is(ns::kDav, "displayname")) return Field::kName;
  if (q.Is(ns::kCalDav, "calendar-user-address-set") ||
      q.Is(ns::kCalendarServer, "email-address-set")) {
    return Field::kAddress;
  }
  return std::nullopt;
}

std::string Needle(std::string_view text) {
  // XML text: any white space around the value (clients indent).
  const char* kSpace = " \t\r\n";
  size_t a = text.find_first_not_of(kSpace);
  if (a == std::string_view::npos) return "";
  text = text.substr(a, text.find_last_not_of(kSpace) - a + 1);
  std::string t = FoldForSearch(text);
  if (t.compare(0, 7, "mailto:") == 0) t.erase(0, 7);
  return t;
}

}  // namespace

MethodResult RunPrincipalPropertySearch(const Request& req, Target&, const pugi::xml_node& root) {
  std::vector<Criterion> criteria;
  for (pugi::xml_node ps : root.children()) {
    if (!Is(ps, ns::kDav, "property-search")) continue;
    pugi::xml_node match = Child(ps, ns::kDav, "match");
    std::string needle = Needle(match.child_value());
    if (needle.empty()) continue;
    bool starts = std::string_view(match.attribute("match-type").value()) == "starts-with";
    for (const QName& q : PropNames(Child(ps, ns::kDav, "prop"))) {
      if (std::optional<Field> f = FieldOf(q)) criteria.push_back({*f, needle, starts});
    }
  }
  bool all_of = std::string_view(root.attribute("test").value()) == "allof";
  Result<PropRequest> props = ParseReportProps(root, req.ctx.options);
  if (!props.ok()) return props.status();
  return Answer(req, criteria, all_of, *props, kMaxResults);
}

MethodResult RunCalendarServerPrincipalSearch(const Request& req, Target&,
                                              const pugi::xml_node& root) {
  // Every token must match the name or an address.
  std::vector<Criterion> criteria;
  for (pugi::xml_node tok : root.children()) {
    if (!Is(tok, ns::kCalendarServer, "search-token")) continue;
    std::string needle = Needle(tok.child_value());
    if (!needle.empty()) criteria.push_back({Field::kName, needle, false});
  }
  size_t limit = kMaxResults;
  if (pugi::xml_node l = Child(root, ns::kCalendarServer, "limit")) {
    int n = std::atoi(Child(l, ns::kCalendarServer, "nresults").child_value());
    if (n > 0) limit = std::min<size_t>(limit, static_cast<size_t>(n));
  }
  Result<PropRequest> props = ParseReportProps(root, req.ctx.options);
  if (!props.ok()) return props.status();
  // A token may match the name or an address: check both, all tokens required.
  MultistatusWriter out(req.ctx.options.max_response_bytes);
  if (criteria.empty()) return out.Finish();
  const Criterion& longest = *std::max_element(
      criteria.begin(), criteria.end(),
      [](const Criterion& a, const Criterion& b) { return a.needle.size() < b.needle.size(); });
  size_t count = 0;
  Status st =
      ForEachCandidate(req.session, longest.needle, [&](const store::User& u) -> Result<bool> {
        bool all = std::all_of(criteria.begin(), criteria.end(), [&u](Criterion c) {
          if (Satisfies(u, c)) return true;
          c.field = Field::kAddress;
          return Satisfies(u, c);
        });
        if (!all) return true;
        ++count;
        if (Status s = WritePropResponse(req, PrincipalTarget(u), *props, false, out); !s.ok()) {
          return s;
        }
        return count < limit;
      });
  if (!st.ok()) return st;
  return out.Finish();
}

MethodResult RunPrincipalSearchPropertySet(const Request&, Target&, const pugi::xml_node&) {
  http::HttpResponse r;
  r.status = 200;
  r.headers.Set("Content-Type", kXmlContentType);
  XmlWriter w(r.body);
  w.OpenRoot(ns::kDav, "principal-search-property-set");
  struct Row {
    std::string_view ns, local, description;
  };
  for (const Row& row : {Row{ns::kDav, "displayname", "Nom"},
                         Row{ns::kCalDav, "calendar-user-address-set", "Adresse électronique"},
                         Row{ns::kCalendarServer, "email-address-set", "Adresse électronique"}}) {
    w.Open(ns::kDav, "principal-search-property");
    w.Open(ns::kDav, "prop");
    w.Empty(row.ns, row.local);
    w.Close();
    w.TextElement(ns::kDav, "description", row.description);
    w.Close();
  }
  w.Finish();
  return r;
}

}  // namespace cartable::dav
