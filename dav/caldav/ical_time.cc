// Parsing, serialisation and time-zone resolution on top of libical.
#include <atomic>
#include <cstdio>
#include <cstring>

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

TimeContext::TimeContext(icalcomponent* vcal, const std::string& floating_tz) : vcal_(vcal) {
  floating_ = icaltimezone_get_builtin_timezone(floating_tz.c_str());
  if (!floating_) floating_ = icaltimezone_get_utc_timezone();
}

icaltimezone* TimeContext::Zone(const char* tzid) {
  auto it = cache_.find(tzid);
  if (it != cache_.end()) return it->second;
  icaltimezone* zone = vcal_ ? icalcomponent_get_timezone(vcal_, tzid) : nullptr;
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
  return floating_;
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
