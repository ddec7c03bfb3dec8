// CalDAV REPORT request elements (RFC 4791 §9.6, §9.7, §9.9) parsed into the ical.h structs.
#include "dav/caldav/filter.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "dav/xml.h"

namespace cartable::dav::caldav {
namespace {

using dav::Precondition;

Status BadFilter(std::string msg) {
  return Status::Violates(Precondition::kValidFilter, std::move(msg));
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

bool IsCal(const pugi::xml_node& n, std::string_view local) { return Is(n, ns::kCalDav, local); }

// RFC 4791 §9.7.5: the default collation of a CalDAV text-match is i;ascii-casemap.
Result<TextMatch> ParseTextMatch(const pugi::xml_node& n) {
  return dav::ParseTextMatch(n, "i;ascii-casemap", Precondition::kSupportedCollation,
                             Precondition::kValidFilter, Precondition::kValidFilter);
}

Result<ParamFilter> ParseParamFilter(const pugi::xml_node& n) {
  ParamFilter pf;
  pf.name = Upper(n.attribute("name").value());
  if (pf.name.empty()) return BadFilter("param-filter without name");
  Status s = ForEachElement(n, [&](const pugi::xml_node& c) -> Status {
    if (IsCal(c, "is-not-defined")) {
      pf.is_not_defined = true;
    } else if (IsCal(c, "text-match")) {
      Result<TextMatch> tm = ParseTextMatch(c);
      if (!tm.ok()) return tm.status();
      pf.text_match = *tm;
    } else {
      return BadFilter("unexpected element in param-filter");
    }
    return Status::OK();
  });
  if (!s.ok()) return s;
  return pf;
}

Result<PropFilter> ParsePropFilter(const pugi::xml_node& n) {
  PropFilter pf;
  pf.name = Upper(n.attribute("name").value());
  if (pf.name.empty()) return BadFilter("prop-filter without name");
  Status s = ForEachElement(n, [&](const pugi::xml_node& c) -> Status {
    if (IsCal(c, "is-not-defined")) {
      pf.is_not_defined = true;
    } else if (IsCal(c, "time-range")) {
      Result<TimeRange> tr = ParseTimeRange(c);
      if (!tr.ok()) return tr.status();
      pf.time_range = *tr;
    } else if (IsCal(c, "text-match")) {
      Result<TextMatch> tm = ParseTextMatch(c);
      if (!tm.ok()) return tm.status();
      pf.text_match = *tm;
    } else if (IsCal(c, "param-filter")) {
      Result<ParamFilter> p = ParseParamFilter(c);
      if (!p.ok()) return p.status();
      pf.param_filters.push_back(*p);
    } else {
      return BadFilter("unexpected element in prop-filter");
    }
    return Status::OK();
  });
  if (!s.ok()) return s;
  return pf;
}

Result<CompFilter> ParseCompFilter(const pugi::xml_node& n, int depth) {
  if (depth > 16) return BadFilter("comp-filter nested too deeply");
  CompFilter cf;
  cf.name = Upper(n.attribute("name").value());
  if (cf.name.empty()) return BadFilter("comp-filter without name");
  Status s = ForEachElement(n, [&](const pugi::xml_node& c) -> Status {
    if (IsCal(c, "is-not-defined")) {
      cf.is_not_defined = true;
    } else if (IsCal(c, "time-range")) {
      Result<TimeRange> tr = ParseTimeRange(c);
      if (!tr.ok()) return tr.status();
      cf.time_range = *tr;
    } else if (IsCal(c, "prop-filter")) {
      Result<PropFilter> p = ParsePropFilter(c);
      if (!p.ok()) return p.status();
      cf.prop_filters.push_back(*p);
    } else if (IsCal(c, "comp-filter")) {
      Result<CompFilter> sub = ParseCompFilter(c, depth + 1);
      if (!sub.ok()) return sub.status();
      cf.comp_filters.push_back(*sub);
    } else {
      return BadFilter("unexpected element in comp-filter");
    }
    return Status::OK();
  });
  if (!s.ok()) return s;
  return cf;
}

Result<CompSelector> ParseCompSelector(const pugi::xml_node& n, int depth) {
  if (depth > 16) return Status::BadRequest("calendar-data comp nested too deeply");
  CompSelector sel;
  sel.name = Upper(n.attribute("name").value());
  if (sel.name.empty()) return Status::BadRequest("calendar-data comp without name");
  bool allprop = false, allcomp = false;
  Status s = ForEachElement(n, [&](const pugi::xml_node& c) -> Status {
    if (IsCal(c, "allprop")) {
      allprop = true;
    } else if (IsCal(c, "allcomp")) {
      allcomp = true;
    } else if (IsCal(c, "prop")) {
      std::string name = Upper(c.attribute("name").value());
      if (name.empty()) return Status::BadRequest("calendar-data prop without name");
      sel.all_props = false;
      sel.props.push_back(name);
    } else if (IsCal(c, "comp")) {
      Result<CompSelector> sub = ParseCompSelector(c, depth + 1);
      if (!sub.ok()) return sub.status();
      sel.all_comps = false;
      sel.comps.push_back(*sub);
    } else {
      return Status::BadRequest("unexpected element in calendar-data comp");
    }
    return Status::OK();
  });
  if (!s.ok()) return s;
  if (allprop) sel.all_props = true;
  if (allcomp) sel.all_comps = true;
  return sel;
}

}  // namespace

Result<TimeRange> ParseTimeRange(const pugi::xml_node& n) {
  TimeRange tr;
  pugi::xml_attribute start = n.attribute("start");
  pugi::xml_attribute end = n.attribute("end");
  if (!start && !end) return BadFilter("time-range without start nor end");
  if (start) {
    std::optional<Seconds> s = ParseUtcDateTime(start.value());
    if (!s) return BadFilter(std::string("bad time-range start ") + start.value());
    tr.start = *s;
  }
  if (end) {
    std::optional<Seconds> e = ParseUtcDateTime(end.value());
    if (!e) return BadFilter(std::string("bad time-range end ") + end.value());
    tr.end = *e;
  }
  if (tr.end <= tr.start) return BadFilter("time-range end is not after start");
  return tr;
}

Result<CompFilter> ParseFilter(const pugi::xml_node& filter) {
  std::vector<pugi::xml_node> comps;
  Status s = ForEachElement(filter, [&](const pugi::xml_node& c) -> Status {
    if (!IsCal(c, "comp-filter")) return BadFilter("filter expects one comp-filter");
    comps.push_back(c);
    return Status::OK();
  });
  if (!s.ok()) return s;
  if (comps.size() != 1) return BadFilter("filter expects exactly one comp-filter");
  Result<CompFilter> root = ParseCompFilter(comps[0], 0);
  if (!root.ok()) return root;
  if (root->name != "VCALENDAR") return BadFilter("the top comp-filter must be VCALENDAR");
  return root;
}

Result<CalendarDataRequest> ParseCalendarDataRequest(const pugi::xml_node& n) {
  CalendarDataRequest req;
  pugi::xml_attribute type = n.attribute("content-type");
  pugi::xml_attribute version = n.attribute("version");
  if ((type && strcasecmp(type.value(), "text/calendar") != 0) ||
      (version && strcmp(version.value(), "2.0") != 0)) {
    return Status::Violates(Precondition::kSupportedCalendarData,
                            "only text/calendar version 2.0 is supported");
  }
  Status s = ForEachElement(n, [&](const pugi::xml_node& c) -> Status {
    if (IsCal(c, "comp")) {
      Result<CompSelector> sel = ParseCompSelector(c, 0);
      if (!sel.ok()) return sel.status();
      req.comp = *sel;
      return Status::OK();
    }
    bool expand = IsCal(c, "expand");
    if (!expand && !IsCal(c, "limit-recurrence-set") && !IsCal(c, "limit-freebusy-set")) {
      return Status::BadRequest("unexpected element in calendar-data");
    }
    if (!c.attribute("start") || !c.attribute("end")) {
      return Status::BadRequest("expand/limit elements need start and end");
    }
    Result<TimeRange> tr = ParseTimeRange(c);
    if (!tr.ok()) return tr.status();
    if (expand) {
      req.expand = *tr;
    } else if (IsCal(c, "limit-recurrence-set")) {
      req.limit_recurrence = *tr;
    } else {
      req.limit_freebusy = *tr;
    }
    return Status::OK();
  });
  if (!s.ok()) return s;
  return req;
}

namespace {

// The character data of `n`, text and CDATA sections joined (clients send either).
std::string CharacterData(const pugi::xml_node& n) {
  std::string text;
  for (pugi::xml_node c : n.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) text += c.value();
  }
  return text;
}

}  // namespace

Result<std::optional<std::string>> ParseQueryTimezone(const pugi::xml_node& query) {
  pugi::xml_node tz = Child(query, ns::kCalDav, "timezone");
  pugi::xml_node id = Child(query, ns::kCalDav, "timezone-id");
  if (tz && id) {
    return Status::BadRequest("give CALDAV:timezone or CALDAV:timezone-id, not both (RFC 7809)");
  }
  if (tz) {
    std::string text = CharacterData(tz);
    if (Status st = ValidateTimezoneObject(text, "CALDAV:timezone"); !st.ok()) return st;
    return std::optional(FloatingZoneOf(text));
  }
  if (id) {
    std::string text = CharacterData(id);
    std::string_view name = text;
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.front()))) {
      name.remove_prefix(1);
    }
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) {
      name.remove_suffix(1);
    }
    std::optional<std::string> zone = FloatingZoneOfTzid(name);
    if (!zone) {
      return Status::Violates(Precondition::kValidTimezone,
                              "unknown time zone \"" + std::string(name.substr(0, 64)) + "\"");
    }
    return std::optional(std::move(*zone));
  }
  return std::optional<std::string>();
}

}  // namespace cartable::dav::caldav
