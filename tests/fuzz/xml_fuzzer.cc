// libFuzzer target: DAV XML request bodies (PROPFIND, PROPPATCH, MKCOL/MKCALENDAR, REPORT).
// The body is parsed as the methods parse it (dav/xml ParseXml, ParsePropfindBody), then every
// request-element parser a REPORT or PROPPATCH runs is applied where its element occurs:
// prop lists, property updates, <limit>, hrefs, CalDAV filters, time ranges and calendar-data,
// CardDAV filters and address-data. Parsed filters are then evaluated on small fixed objects
// (bounded recurrences) so that what the parser accepted is also what the matchers can run.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dav/caldav/filter.h"
#include "dav/caldav/ical.h"
#include "dav/carddav/vcard.h"
#include "dav/context.h"
#include "dav/prop_request.h"
#include "dav/prop_update.h"
#include "dav/reports/report_scope.h"
#include "dav/xml.h"

namespace {

namespace dav = cartable::dav;
namespace ns = cartable::dav::ns;

// A recurring event with an override and an alarm (COUNT bounds the expansion).
constexpr std::string_view kEvent =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fuzz//EN\r\n"
    "BEGIN:VEVENT\r\nUID:e1\r\nDTSTAMP:20260101T000000Z\r\n"
    "DTSTART;TZID=Europe/Paris:20260310T100000\r\nDURATION:PT1H\r\n"
    "RRULE:FREQ=DAILY;COUNT=20\r\nSUMMARY:Conseil de classe\r\n"
    "ATTENDEE;PARTSTAT=ACCEPTED;CN=Jean:mailto:jean@example.org\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:e1\r\nDTSTAMP:20260101T000000Z\r\n"
    "RECURRENCE-ID;TZID=Europe/Paris:20260312T100000\r\n"
    "DTSTART;TZID=Europe/Paris:20260312T140000\r\nDURATION:PT2H\r\nSUMMARY:Moved\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n";

constexpr std::string_view kCard =
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c1\r\nFN:Jean Labert\r\nN:Labert;Jean;;;\r\n"
    "EMAIL;TYPE=work:jean@example.org\r\nTEL;TYPE=cell:+33 6 00 00 00 00\r\n"
    "item1.ADR;TYPE=work:;;1 rue X;Orléans;;45000;France\r\nEND:VCARD\r\n";

void Walk(const pugi::xml_node& element, int depth) {
  if (depth > 256) return;  // stack guard: the limit on depth is the parser's job, not ours
  for (pugi::xml_node c = element.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    bool bad = false;
    dav::QName q = dav::NameOf(c, &bad);
    if (q.Is(ns::kCalDav, "filter")) {
      auto f = dav::caldav::ParseFilter(c);
      if (f.ok()) {
        dav::caldav::PlanFilter(*f);
        (void)dav::caldav::MatchesFilter(kEvent, *f);
        (void)dav::caldav::MatchesFilter(kEvent, *f, "America/New_York");
      }
    } else if (q.Is(ns::kCalDav, "time-range")) {
      auto r = dav::caldav::ParseTimeRange(c);
      if (r.ok()) (void)dav::caldav::BusyPeriods(kEvent, *r);
    } else if (q.Is(ns::kCalDav, "calendar-data")) {
      auto r = dav::caldav::ParseCalendarDataRequest(c);
      if (r.ok()) (void)dav::caldav::RenderCalendarData(kEvent, *r);
    } else if (q.Is(ns::kCardDav, "filter")) {
      auto f = dav::carddav::ParseCardFilter(c);
      if (f.ok()) (void)dav::carddav::MatchesCardFilter(kCard, *f);
    } else if (q.Is(ns::kCardDav, "address-data")) {
      auto r = dav::carddav::ParseAddressDataRequest(c);
      if (r.ok()) (void)dav::carddav::RenderAddressData(kCard, *r);
    } else if (q.Is(ns::kDav, "href")) {
      (void)dav::HrefPath(c.child_value());
    } else if (q.Is(ns::kDav, "prop")) {
      (void)dav::PropNames(c);
    }
    Walk(c, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  const dav::DavOptions options;
  (void)dav::ParsePropfindBody(body, options);
  auto doc = dav::ParseXml(body, dav::XmlLimitsOf(options));
  if (!doc.ok()) return 0;
  pugi::xml_node root = (*doc)->document_element();
  (void)dav::NameOf(root);
  (void)dav::CollectUpdates(root);
  (void)dav::ParseReportProps(root, options);
  (void)dav::ParseLimit(root, ns::kDav, "DAV");
  (void)dav::ParseLimit(root, ns::kCardDav, "CARDDAV");
  Walk((*doc)->root(), 0);
  // A dead property is stored as its self-contained fragment and served back verbatim.
  std::string fragment = dav::SelfContainedXml(root);
  (void)dav::ParseXml(fragment);
  return 0;
}
