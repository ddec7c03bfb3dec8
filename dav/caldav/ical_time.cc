// Parsing, serialisation and time-zone resolution on top of libical.
#include <atomic>
#include <cstdio>
#include <cstring>
#include <vector>

#include "dav/caldav/ical_internal.h"

namespace cartable::dav::caldav {
namespace {
std::atomic<uint64_t> parse_count{0};
}  // namespace

uint64_t ParseCount() { return parse_count.load(std::memory_order_relaxed); }

namespace internal {

ComponentPtr ParseCalendar(std::string_view ics) {
  parse_count.fetch_add(1, std::memory_order_relaxed);
  std::string copy(ics);  // libical wants a NUL-terminated buffer
  icalcomponent* root = icalparser_parse_string(copy.c_str());
  ComponentPtr owned(root);
  if (!root || icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT) return nullptr;
  return owned;
}

Seconds SatAdd(Seconds a, Seconds b) {
  if (a == store::kNoLowerBound || a == store::kNoUpperBound) return a;
  Seconds r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? store::kNoUpperBound : store::kNoLowerBound;
  return r;
}

// Howard Hinnant's days-from-civil algorithm.
static int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

Seconds CivilToSeconds(int year, int month, int day, int hour, int minute, int second) {
  return DaysFromCivil(year, month, day) * kDay + hour * 3600 + minute * 60 + second;
}

TimeContext::TimeContext(icalcomponent* vcal, const std::string& floating_tz)
    : vcal_(vcal), floating_tz_(floating_tz) {}

TimeContext::~TimeContext() {
  if (owned_floating_) icaltimezone_free(owned_floating_, 1);
}

namespace {

// A zone built from the VTIMEZONE of `ics` (a VCALENDAR text FloatingZoneOf passed on because
// the system database does not know its TZID); the caller owns it. Null when there is none.
icaltimezone* ZoneFromDefinition(const std::string& ics) {
  ComponentPtr cal = ParseCalendar(ics);
  icalcomponent* vtz =
      cal ? icalcomponent_get_first_component(cal.get(), ICAL_VTIMEZONE_COMPONENT) : nullptr;
  if (!vtz) return nullptr;
  icalcomponent_remove_component(cal.get(), vtz);
  icaltimezone* zone = icaltimezone_new();
  if (!zone) {
    icalcomponent_free(vtz);
    return nullptr;
  }
  if (!icaltimezone_set_component(zone, vtz)) {  // no TZID: the component was not taken
    icalcomponent_free(vtz);
    icaltimezone_free(zone, 1);
    return nullptr;
  }
  return zone;
}

}  // namespace

icaltimezone* TimeContext::floating_zone() {
  if (floating_) return floating_;
  if (floating_tz_.rfind("BEGIN:", 0) == 0) {
    if (std::shared_ptr<const SharedZone> shared = SharedZoneOfDefinition(floating_tz_)) {
      floating_ = shared->get();
      held_.push_back(std::move(shared));
    } else {  // the cache is disabled
      owned_floating_ = ZoneFromDefinition(floating_tz_);
      floating_ = owned_floating_;
    }
  } else if (floating_tz_ != "UTC") {
    floating_ = icaltimezone_get_builtin_timezone(floating_tz_.c_str());
  }
  if (!floating_) floating_ = icaltimezone_get_utc_timezone();
  return floating_;
}

icaltimezone* TimeContext::Zone(const char* tzid) {
  auto it = cache_.find(tzid);
  if (it != cache_.end()) return it->second;
  // The object's own definition comes first (RFC 5545 §3.6.5); libical built a zone for it at
  // parse time, but expanding it again for every object was most of the cost of a PUT.
  icaltimezone* zone = vcal_ ? icalcomponent_get_timezone(vcal_, tzid) : nullptr;
  if (zone) {
    if (std::shared_ptr<const SharedZone> shared = SharedZoneOf(icaltimezone_get_component(zone))) {
      zone = shared->get();
      held_.push_back(std::move(shared));
    }
  }
  if (!zone) zone = icaltimezone_get_builtin_timezone(tzid);
  if (!zone) zone = icaltimezone_get_builtin_timezone_from_tzid(tzid);
  if (!zone && (!strcmp(tzid, "UTC") || !strcmp(tzid, "GMT") || !strcmp(tzid, "Etc/UTC") ||
                !strcmp(tzid, "Z"))) {
    zone = icaltimezone_get_utc_timezone();
  }
  cache_[tzid] = zone;
  return zone;
}

icaltimezone* TimeContext::ZoneOf(icalproperty* prop, const icaltimetype& t) {
  if (icaltime_is_utc(t)) return icaltimezone_get_utc_timezone();
  icalparameter* param =
      prop ? icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER) : nullptr;
  if (param && !t.is_date) {
    const char* tzid = icalparameter_get_tzid(param);
    icaltimezone* zone = tzid ? Zone(tzid) : nullptr;
    if (!zone) {
      error_ = true;
      error_message_ = std::string("unknown TZID ") + (tzid ? tzid : "");
    }
    return zone;
  }
  saw_floating_ = true;
  return floating_zone();
}

Seconds TimeContext::ToUtc(icaltimetype t, icaltimezone* zone) {
  if (t.is_date) {
    t.is_date = 0;
    t.hour = t.minute = t.second = 0;
  }
  icaltimezone* utc = icaltimezone_get_utc_timezone();
  t.zone = nullptr;
  if (zone && zone != utc) icaltimezone_convert_time(&t, zone, utc);
  return CivilToSeconds(t.year, t.month, t.day, t.hour, t.minute, t.second);
}

std::optional<Seconds> TimeContext::ValueUtc(icalproperty* prop, icaltimetype t) {
  if (icaltime_is_null_time(t)) return std::nullopt;
  icaltimezone* zone = ZoneOf(prop, t);
  if (!zone) return std::nullopt;
  return ToUtc(t, zone);
}

std::optional<Seconds> TimeContext::PropUtc(icalcomponent* comp, icalproperty_kind kind) {
  icalproperty* prop = icalcomponent_get_first_property(comp, kind);
  if (!prop) return std::nullopt;
  icalvalue* v = icalproperty_get_value(prop);
  if (!v) return std::nullopt;
  icalvalue_kind vk = icalvalue_isa(v);
  if (vk == ICAL_DATE_VALUE) return ValueUtc(prop, icalvalue_get_date(v));
  if (vk == ICAL_DATETIME_VALUE) return ValueUtc(prop, icalvalue_get_datetime(v));
  return std::nullopt;
}

std::string ComponentName(icalcomponent* c) {
  icalcomponent_kind kind = icalcomponent_isa(c);
  if (kind != ICAL_X_COMPONENT) {
    const char* n = icalcomponent_kind_to_string(kind);
    return n ? n : "";
  }
  // libical 3.0 has no getter for the X- name: read it back from the serialised BEGIN line.
  char* text = icalcomponent_as_ical_string_r(c);
  std::string s = text ? text : "";
  icalmemory_free_buffer(text);
  if (s.rfind("BEGIN:", 0) != 0) return "";
  size_t end = s.find_first_of("\r\n");
  return s.substr(6, end == std::string::npos ? std::string::npos : end - 6);
}

std::vector<icalproperty*> Props(icalcomponent* c, icalproperty_kind kind) {
  std::vector<icalproperty*> out;
  for (icalproperty* p = icalcomponent_get_first_property(c, kind); p;
       p = icalcomponent_get_next_property(c, kind)) {
    out.push_back(p);
  }
  return out;
}

void RemoveProps(icalcomponent* c, icalproperty_kind kind) {
  for (icalproperty* p : Props(c, kind)) {
    icalcomponent_remove_property(c, p);
    icalproperty_free(p);
  }
}

std::string Serialize(icalcomponent* comp) {
  char* text = icalcomponent_as_ical_string_r(comp);
  if (!text) return {};
  std::string out(text);
  icalmemory_free_buffer(text);
  // libical already folds at 75 octets and ends lines with CRLF; normalise stray bare LFs.
  std::string fixed;
  fixed.reserve(out.size() + 16);
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\n' && (i == 0 || out[i - 1] != '\r')) fixed.push_back('\r');
    fixed.push_back(out[i]);
  }
  return fixed;
}

}  // namespace internal

namespace {

// The system database's zone for `tzid`: an Olson name ("Europe/Paris"), or a globally unique
// TZID (RFC 5545 §3.2.19: a leading '/') ending with one ("/mozilla.org/20050126_1/Europe/Paris",
// as Thunderbird long wrote them).
icaltimezone* BuiltinZone(const std::string& tzid) {
  if (tzid.empty()) return nullptr;
  icaltimezone* zone = icaltimezone_get_builtin_timezone(tzid.c_str());
  if (!zone) zone = icaltimezone_get_builtin_timezone_from_tzid(tzid.c_str());
  for (size_t slash = 0; !zone && tzid[0] == '/' && slash != std::string::npos;) {
    slash = tzid.find('/', slash + 1);
    if (slash != std::string::npos) zone = icaltimezone_get_builtin_timezone(&tzid[slash + 1]);
  }
  return zone;
}

// The TZID of the first VTIMEZONE of `ics` (folded lines joined), "" when none. `ics` passed
// ValidateTimezoneObject, so a line scan suffices: no parse for each object expanded.
std::string VtimezoneTzid(std::string_view ics) {
  std::vector<std::string> lines;  // logical lines: a leading space or tab continues the last
  size_t pos = 0;
  while (pos < ics.size()) {
    size_t eol = ics.find('\n', pos);
    std::string_view part = ics.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    pos = eol == std::string_view::npos ? ics.size() : eol + 1;
    if (!part.empty() && part.back() == '\r') part.remove_suffix(1);
    if (!lines.empty() && !part.empty() && (part[0] == ' ' || part[0] == '\t')) {
      lines.back().append(part.substr(1));
    } else {
      lines.emplace_back(part);
    }
  }
  bool in_vtimezone = false;
  for (const std::string& line : lines) {
    if (strncasecmp(line.c_str(), "BEGIN:VTIMEZONE", 15) == 0) in_vtimezone = true;
    if (in_vtimezone && line.size() > 4 && strncasecmp(line.c_str(), "TZID", 4) == 0 &&
        (line[4] == ':' || line[4] == ';')) {
      size_t colon = line.find(':', 4);
      return colon == std::string::npos ? "" : line.substr(colon + 1);
    }
  }
  return "";
}

}  // namespace

std::string FloatingZoneOf(std::string_view timezone_ics) {
  if (timezone_ics.empty()) return "UTC";
  icaltimezone* zone = BuiltinZone(VtimezoneTzid(timezone_ics));
  if (zone) {
    const char* location = icaltimezone_get_location(zone);
    if (location && *location) return location;
    if (zone == icaltimezone_get_utc_timezone()) return "UTC";
  }
  size_t begin = timezone_ics.find("BEGIN:");  // TimeContext recognises a definition by it
  return begin == std::string_view::npos ? "UTC" : std::string(timezone_ics.substr(begin));
}

std::optional<std::string> FloatingZoneOfTzid(std::string_view tzid) {
  std::string name(tzid);
  if (name == "UTC" || name == "Etc/UTC" || name == "GMT") return std::string("UTC");
  icaltimezone* zone = BuiltinZone(name);
  if (!zone) return std::nullopt;
  const char* location = icaltimezone_get_location(zone);
  if (location && *location) return std::string(location);
  return std::string("UTC");
}

std::optional<Seconds> ParseUtcDateTime(std::string_view v) {
  if (v.size() != 16 || v[8] != 'T' || v[15] != 'Z') return std::nullopt;
  int f[6];
  const int pos[6] = {0, 4, 6, 9, 11, 13};
  const int len[6] = {4, 2, 2, 2, 2, 2};
  for (int i = 0; i < 6; ++i) {
    int n = 0;
    for (int k = 0; k < len[i]; ++k) {
      char c = v[pos[i] + k];
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
    }
    f[i] = n;
  }
  if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60) {
    return std::nullopt;
  }
  return internal::CivilToSeconds(f[0], f[1], f[2], f[3], f[4], f[5]);
}

std::string FormatUtcDateTime(Seconds t) {
  int64_t days = t / internal::kDay;
  int64_t rem = t % internal::kDay;
  if (rem < 0) {
    rem += internal::kDay;
    --days;
  }
  // civil-from-days (Howard Hinnant).
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
  char buf[40];
  snprintf(buf, sizeof buf, "%04lld%02u%02uT%02d%02d%02dZ", static_cast<long long>(y), m, d,
           static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60),
           static_cast<int>(rem % 60));
  return buf;
}

}  // namespace cartable::dav::caldav
