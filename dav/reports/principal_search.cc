// Finding colleagues from calendar clients: principal-property-search and
// principal-search-property-set (RFC 3744 §9.4-9.5) and CalendarServer's
// calendarserver-principal-search (macOS attendee completion). Candidates come from the staff
// directory's index (plus an exact login/email lookup for accounts outside the directory) and
// the group accounts (departments and establishments, dav/sharing/principal_groups.h), then
// every match is checked on the principal's own values; at most kMaxResults answers.
#include <algorithm>
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

// Active users who may satisfy `needle` (a superset): directory substring index, then exact
// login and email.
Result<std::vector<store::User>> Candidates(store::Session& s, const std::string& needle) {
  std::vector<store::User> users;
  std::set<store::Id> seen;
  auto add = [&](Result<store::User> u) {
    if (u.ok() && u->state == store::UserState::kActive && seen.insert(u->id).second) {
      users.push_back(std::move(u.value()));
    }
  };
  Result<std::vector<store::Id>> ids = s.DirectoryEntriesContaining(needle, kMaxCandidates);
  if (!ids.ok()) return ids.status();
  Result<std::vector<store::DirectoryEntry>> entries = s.GetDirectoryEntries(*ids);
  if (!entries.ok()) return entries.status();
  for (const store::DirectoryEntry& e : *entries) {
    if (e.user_id != 0) add(s.GetUserById(e.user_id));
  }
  add(s.GetUserByLogin(needle));
  add(s.GetUserByEmail(needle));
  Result<std::vector<store::User>> groups = sharing::SearchGroups(s, needle, kMaxCandidates);
  if (!groups.ok()) return groups.status();
  for (store::User& g : *groups) add(std::move(g));
  return users;
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
    Result<std::vector<store::User>> users = Candidates(req.session, source->needle);
    if (!users.ok()) return users.status();
    for (const store::User& u : *users) {
      if (count == limit || done.count(u.id)) continue;
      auto ok = [&u](const Criterion& c) { return Satisfies(u, c); };
      bool match = all_of ? std::all_of(criteria.begin(), criteria.end(), ok)
                          : std::any_of(criteria.begin(), criteria.end(), ok);
      if (!match) continue;
      done.insert(u.id);
      ++count;
      if (Status s = WritePropResponse(req, PrincipalTarget(u), props, false, out); !s.ok()) {
        return s;
      }
    }
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
  Result<std::vector<store::User>> users = Candidates(req.session, longest.needle);
  if (!users.ok()) return users.status();
  size_t count = 0;
  for (const store::User& u : *users) {
    bool all = std::all_of(criteria.begin(), criteria.end(), [&u](Criterion c) {
      if (Satisfies(u, c)) return true;
      c.field = Field::kAddress;
      return Satisfies(u, c);
    });
    if (!all || count == limit) continue;
    ++count;
    if (Status s = WritePropResponse(req, PrincipalTarget(u), *props, false, out); !s.ok()) {
      return s;
    }
  }
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
