// Brute-force reference test: random recurring calendar objects are expanded by a naive,
// independent implementation (own civil arithmetic + libc mktime for zones), and
// MatchesFilter(time-range) must agree with it on random ranges; the index must be sound
// (whenever the reference matches, the index span overlaps the range).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <set>
#include <string>
#include <vector>

#include "dav/caldav/occurrences.h"
#include "tests/unit/caldav/test_util.h"

namespace cartable::dav::caldav {
namespace {

struct Rng {
  uint64_t s = 0x9E3779B97F4A7C15ull;
  uint64_t Next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  int In(int lo, int hi) { return lo + static_cast<int>(Next() % (hi - lo + 1)); }
};

int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}
void CivilFromDays(int64_t z, int* y, int* m, int* d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(yoe + era * 400 + (*m <= 2));
}

// Local wall time in an Olson zone -> UTC, through libc (not libical).
int64_t LocalToUtc(const std::string& zone, int64_t day, int minute_of_day) {
  int y, m, d;
  CivilFromDays(day, &y, &m, &d);
  if (zone == "UTC") return day * 86400 + minute_of_day * 60;
  setenv("TZ", zone.c_str(), 1);
  tzset();
  struct tm tm = {};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  tm.tm_hour = minute_of_day / 60;
  tm.tm_min = minute_of_day % 60;
  tm.tm_isdst = -1;
  return mktime(&tm);
}

std::string Date(int64_t day) {
  int y, m, d;
  CivilFromDays(day, &y, &m, &d);
  char b[16];
  snprintf(b, sizeof b, "%04d%02d%02d", y, m, d);
  return b;
}
std::string Local(int64_t day, int minute) {
  char b[16];
  snprintf(b, sizeof b, "T%02d%02d00", minute / 60, minute % 60);
  return Date(day) + b;
}

struct Inst {
  int64_t day;  // local date of the original occurrence
  int64_t s, e;
};

struct Case {
  std::string ics, floating_tz;
  std::vector<Inst> instances;  // the reference expansion (finite horizon)
};

// One random calendar object and its naive expansion.
Case Generate(Rng& r) {
  static const char* kZones[] = {"UTC", "Europe/Paris", "America/New_York"};
  static const char* kDays[] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};
  static const int kMinutes[] = {0, 360, 540, 600, 720, 1050, 1230, 1410};
  Case c;
  int kind = r.In(0, 4);  // 0 UTC, 1 Paris, 2 New York, 3 floating, 4 all-day
  std::string zone = kind <= 2 ? kZones[kind] : kZones[r.In(0, 2)];
  c.floating_tz = kind >= 3 ? zone : kZones[r.In(0, 2)];
  bool all_day = kind == 4;
  int64_t day0 = DaysFromCivil(r.In(2025, 2027), r.In(1, 12), r.In(1, 28));
  int minute = all_day ? 0 : kMinutes[r.In(0, 7)];
  int dur_min = all_day ? 0 : std::vector<int>{0, 30, 60, 90, 1470}[r.In(0, 4)];
  int dur_days = all_day ? r.In(0, 3) : 0;  // 0 = no DTEND
  auto fmt = [&](int64_t day) {
    if (all_day) return ";VALUE=DATE:" + Date(day);
    if (kind == 0) return ":" + Local(day, minute) + "Z";
    if (kind == 3) return ":" + Local(day, minute);
    return ";TZID=" + zone + ":" + Local(day, minute);
  };
  auto start_of = [&](int64_t day) { return LocalToUtc(zone, day, minute); };
  auto end_of = [&](int64_t day, int64_t s) {
    if (all_day) return LocalToUtc(zone, day + std::max(dur_days, 1), 0);
    return s + dur_min * 60;
  };
  std::string ev = "BEGIN:VEVENT\nUID:gen\nDTSTAMP:20250101T000000Z\nDTSTART" + fmt(day0) + "\n";
  if (all_day && dur_days) ev += "DTEND;VALUE=DATE:" + Date(day0 + dur_days) + "\n";
  if (!all_day) ev += "DURATION:PT" + std::to_string(dur_min) + "M\n";
  // Rule.
  int freq = r.In(0, 3);  // none, daily, weekly, monthly
  int interval = r.In(1, 3);
  int ending = r.In(0, 2);  // count, until, unbounded
  int count = r.In(1, 15);
  int64_t until_day = day0 + r.In(0, 120);
  std::set<int> byday;
  std::vector<int64_t> days;
  const int64_t horizon = DaysFromCivil(2031, 1, 1);
  if (freq == 0) {
    days.push_back(day0);
  } else {
    std::string rule = std::string("RRULE:FREQ=") + (freq == 1   ? "DAILY"
                                                     : freq == 2 ? "WEEKLY"
                                                                 : "MONTHLY");
    if (interval > 1) rule += ";INTERVAL=" + std::to_string(interval);
    int wd0 = static_cast<int>(((day0 % 7) + 7 + 3) % 7);  // 0 = Monday (1970-01-01 was Thu)
    if (freq == 2 && r.In(0, 1)) {
      byday.insert(wd0);
      byday.insert(r.In(0, 6));
      byday.insert(r.In(0, 6));
      rule += ";BYDAY=";
      bool first = true;
      for (int d : byday) {
        rule += (first ? "" : ",") + std::string(kDays[d]);
        first = false;
      }
    }
    std::vector<int64_t> all;
    int y0, m0, d0;
    CivilFromDays(day0, &y0, &m0, &d0);
    for (int k = 0; all.size() < 2000; ++k) {
      int64_t day;
      if (freq == 1) {
        day = day0 + int64_t(k) * interval;
      } else if (freq == 3) {
        int months = (m0 - 1) + k * interval;
        day = DaysFromCivil(y0 + months / 12, months % 12 + 1, d0);
      } else if (byday.empty()) {
        day = day0 + int64_t(k) * 7 * interval;
      } else {
        int64_t monday = day0 - wd0 + int64_t(k) * 7 * interval;
        for (int d : byday) {
          if (monday + d >= day0) all.push_back(monday + d);
        }
        if (monday > horizon) break;
        continue;
      }
      if (day > horizon) break;
      all.push_back(day);
    }
    if (ending == 0) {
      rule += ";COUNT=" + std::to_string(count);
      if (all.size() > size_t(count)) all.resize(count);
    } else if (ending == 1) {
      int64_t until_utc = all_day ? 0 : LocalToUtc(zone, until_day, minute) + 60;
      if (all_day) {
        rule += ";UNTIL=" + Date(until_day);
      } else {
        rule += ";UNTIL=" + FormatUtcDateTime(until_utc);
      }
      std::vector<int64_t> kept;
      for (int64_t d : all) {
        if (all_day ? d <= until_day : start_of(d) <= until_utc) kept.push_back(d);
      }
      all = kept;
    }
    ev += rule + "\n";
    days = all;
  }
  // EXDATEs and one moved override among the first instances.
  std::set<int64_t> excluded;
  if (freq && days.size() > 2) {
    for (int i = r.In(0, 2); i > 0; --i)
      excluded.insert(days[r.In(1, std::min<int>(days.size() - 1, 12))]);
    for (int64_t d : excluded) ev += "EXDATE" + fmt(d) + "\n";
  }
  ev += "END:VEVENT\n";
  int64_t moved_day = -1;
  int64_t moved_s = 0, moved_e = 0;
  if (freq && days.size() > 1 && r.In(0, 2) == 0) {
    moved_day = days[r.In(0, std::min<int>(days.size() - 1, 12))];
    if (excluded.count(moved_day)) moved_day = -1;
  }
  if (moved_day >= 0) {
    int shift_days = r.In(-40, 40);
    ev += "BEGIN:VEVENT\nUID:gen\nDTSTAMP:20250101T000000Z\nRECURRENCE-ID" + fmt(moved_day) + "\n";
    if (all_day) {
      ev += "DTSTART;VALUE=DATE:" + Date(moved_day + shift_days) +
            "\nDTEND;VALUE=DATE:" + Date(moved_day + shift_days + 1) + "\n";
      moved_s = LocalToUtc(zone, moved_day + shift_days, 0);
      moved_e = LocalToUtc(zone, moved_day + shift_days + 1, 0);
    } else {
      moved_s = start_of(moved_day) + shift_days * 86400 + r.In(-12, 12) * 3600;
      moved_e = moved_s + r.In(0, 3) * 1800;
      ev +=
          "DTSTART:" + FormatUtcDateTime(moved_s) + "\nDTEND:" + FormatUtcDateTime(moved_e) + "\n";
    }
    ev += "END:VEVENT\n";
  }
  for (int64_t d : days) {
    if (excluded.count(d) || d == moved_day) continue;
    int64_t s = start_of(d);
    c.instances.push_back(Inst{d, s, end_of(d, s)});
  }
  if (moved_day >= 0) c.instances.push_back(Inst{moved_day, moved_s, moved_e});
  c.ics = testing::Cal(ev);
  return c;
}

// The zone `name` as a VTIMEZONE under a TZID the system database does not know, so the engine
// evaluates floating values with the definition itself (a calendar-timezone from a client with
// its own zone names). The rules in force 2025-2031.
std::string UnknownTzidDefinition(const std::string& name) {
  bool paris = name == "Europe/Paris";
  std::string std_off = paris ? "+0100" : "-0500", dst_off = paris ? "+0200" : "-0400";
  std::string rule = paris ? "BYMONTH=3;BYDAY=-1SU" : "BYMONTH=3;BYDAY=2SU";
  std::string back = paris ? "BYMONTH=10;BYDAY=-1SU" : "BYMONTH=11;BYDAY=1SU";
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VTIMEZONE\r\n"
         "TZID:Reference test " +
         name + "\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:" + std_off + "\r\nTZOFFSETTO:" + dst_off +
         "\r\nDTSTART:19700101T020000\r\nRRULE:FREQ=YEARLY;" + rule +
         "\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:" + dst_off +
         "\r\nTZOFFSETTO:" + std_off + "\r\nDTSTART:19700101T" + (paris ? "030000" : "020000") +
         "\r\nRRULE:FREQ=YEARLY;" + back + "\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n";
}

bool RefOverlaps(const Inst& i, int64_t rs, int64_t re) {
  if (i.e > i.s) return rs < i.e && re > i.s;
  return rs <= i.s && re > i.s;
}

TEST(Reference, RandomRecurringEventsAgreeWithNaiveExpansion) {
  Rng rng;
  int objects = 0, checks = 0, matches = 0, indexed_checks = 0;
  const int64_t base = DaysFromCivil(2024, 11, 1) * 86400;
  for (int n = 0; n < 300; ++n) {
    Case c = Generate(rng);
    ValidateOptions vo;
    // PUT indexes floating values in UTC whatever the calendar's zone (which may change later):
    // the index must stay sound for queries in another zone.
    if (n % 2 == 0) vo.floating_tz = c.floating_tz;
    // Every third object in a zone gets it as a definition the system database does not know.
    std::string query_tz = c.floating_tz;
    if (n % 3 == 0 && query_tz != "UTC") query_tz = UnknownTzidDefinition(query_tz);
    Result<store::ObjectIndex> idx = ValidateCalendarObject(c.ics, vo);
    ASSERT_TRUE(idx.ok()) << idx.status().ToString() << "\n" << c.ics;
    ++objects;
    // The occurrence index (issue 14), with a horizon two years in: open-ended rules are
    // complete until then only, and later queries must be left to parsing.
    OccurrenceOptions oo;
    oo.horizon = base + 2 * 365 * 86400;
    oo.floating_tz = query_tz;
    Result<store::OccurrenceSet> occ = OccurrenceRows(c.ics, "VEVENT", oo);
    ASSERT_TRUE(occ.ok());
    ASSERT_TRUE(idx->occurrences.has_value());
    for (int q = 0; q < 40; ++q) {
      int64_t rs = base + int64_t(rng.In(0, 4 * 365 * 24)) * 3600 + rng.In(0, 1) * 1800;
      int64_t len = std::vector<int64_t>{1, 1800, 3600, 86400, 7 * 86400, 60 * 86400}[rng.In(0, 5)];
      int64_t re = rs + len;
      if (q == 0) re = store::kNoUpperBound;
      bool ref = false;
      for (const Inst& i : c.instances) ref = ref || RefOverlaps(i, rs, re);
      TimeRange tr{rs, re};
      Result<bool> got = MatchesFilter(c.ics, testing::CompRange("VEVENT", tr), query_tz);
      ASSERT_TRUE(got.ok());
      ++checks;
      matches += ref;
      ASSERT_EQ(*got, ref) << "range " << FormatUtcDateTime(rs) << " - "
                           << (re == store::kNoUpperBound ? "inf" : FormatUtcDateTime(re)) << " tz "
                           << c.floating_tz << "\n"
                           << c.ics;
      if (ref) {
        EXPECT_TRUE(idx->first_start < re && idx->last_end > rs) << "index excludes a match\n"
                                                                 << c.ics;
      }
      bool stored = false;
      for (const store::OccurrenceSpan& sp : occ->spans)
        stored = stored || (rs < sp.hi && re > sp.lo);
      // A stored span is an instance: it proves a match. Within complete_until, no span
      // proves there is none.
      ASSERT_TRUE(!stored || ref) << "stored span without an instance\n" << c.ics;
      if (re <= occ->complete_until) {
        ASSERT_EQ(stored, ref) << "occurrence rows, range " << FormatUtcDateTime(rs) << "\n"
                               << c.ics;
        ++indexed_checks;
      }
    }
  }
  EXPECT_EQ(objects, 300);
  EXPECT_GT(matches, checks / 20);        // the ranges are not all trivially empty
  EXPECT_GT(indexed_checks, checks / 2);  // most ranges are answered by the occurrence rows
}

}  // namespace
}  // namespace cartable::dav::caldav
