// ical_bench: rough cost of ValidateCalendarObject and MatchesFilter on typical objects.
// Not a test; prints microseconds per call.
#include <chrono>
#include <cstdio>
#include <string>

#include "dav/caldav/ical.h"

using namespace cartable::dav::caldav;

namespace {

const char* kSimple =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\nUID:b1\r\n"
    "DTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Paris:20260310T100000\r\n"
    "DTEND;TZID=Europe/Paris:20260310T110000\r\nSUMMARY:Weekly sync\r\n"
    "ATTENDEE;CN=Ann;PARTSTAT=ACCEPTED:mailto:ann@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

const char* kWeekly =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\nUID:b2\r\n"
    "DTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Paris:20200310T100000\r\n"
    "DTEND;TZID=Europe/Paris:20200310T110000\r\nRRULE:FREQ=WEEKLY;BYDAY=TU,TH\r\n"
    "EXDATE;TZID=Europe/Paris:20200312T100000\r\nSUMMARY:Open-ended\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n";

template <typename F>
void Time(const char* label, int n, F f) {
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) f();
  auto t1 = std::chrono::steady_clock::now();
  double us = std::chrono::duration<double, std::micro>(t1 - t0).count() / n;
  printf("%-50s %10.1f us/call\n", label, us);
}

}  // namespace

int main() {
  ValidateOptions opts;
  CompFilter f{"VCALENDAR", false, std::nullopt, {}, {}};
  CompFilter ev{
      "VEVENT",
      false,
      TimeRange{*ParseUtcDateTime("20260301T000000Z"), *ParseUtcDateTime("20260401T000000Z")},
      {},
      {}};
  f.comp_filters.push_back(ev);
  Time("ValidateCalendarObject (single event, TZID)", 2000,
       [&] { (void)ValidateCalendarObject(kSimple, opts); });
  Time("ValidateCalendarObject (weekly, unbounded)", 500,
       [&] { (void)ValidateCalendarObject(kWeekly, opts); });
  Time("MatchesFilter time-range (single event)", 2000, [&] { (void)MatchesFilter(kSimple, f); });
  Time("MatchesFilter time-range (weekly since 2020)", 500,
       [&] { (void)MatchesFilter(kWeekly, f); });
  CalendarDataRequest expand;
  expand.expand = ev.time_range;
  Time("RenderCalendarData expand (weekly, 1 month)", 500,
       [&] { (void)RenderCalendarData(kWeekly, expand); });
  return 0;
}
