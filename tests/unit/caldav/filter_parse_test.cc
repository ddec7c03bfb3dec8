// Filter and calendar-data XML parsing.
#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "dav/caldav/filter.h"

namespace cartable::dav::caldav {
namespace {

using dav::Precondition;

pugi::xml_document Doc(const std::string& inner) {
  pugi::xml_document d;
  std::string xml = "<C:root xmlns:C=\"urn:ietf:params:xml:ns:caldav\">" + inner + "</C:root>";
  EXPECT_TRUE(d.load_string(xml.c_str()));
  return d;
}

Result<CompFilter> Filter(const std::string& inner) {
  pugi::xml_document d = Doc("<C:filter>" + inner + "</C:filter>");
  return ParseFilter(d.first_child().first_child());
}

TEST(FilterParse, Valid) {
  Result<CompFilter> f = Filter(
      "<C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VEVENT\">"
      "<C:time-range start=\"20260101T000000Z\" end=\"20260201T000000Z\"/>"
      "<C:prop-filter name=\"summary\"><C:text-match collation=\"i;unicode-casemap\" "
      "negate-condition=\"yes\">Lunch</C:text-match></C:prop-filter>"
      "<C:prop-filter name=\"ATTENDEE\"><C:param-filter name=\"PARTSTAT\">"
      "<C:text-match>accepted</C:text-match></C:param-filter></C:prop-filter>"
      "<C:comp-filter name=\"VALARM\"><C:is-not-defined/></C:comp-filter>"
      "</C:comp-filter></C:comp-filter>");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->comp_filters.size(), 1u);
  const CompFilter& ev = f->comp_filters[0];
  EXPECT_EQ(ev.name, "VEVENT");
  ASSERT_TRUE(ev.time_range);
  EXPECT_EQ(ev.time_range->start, *ParseUtcDateTime("20260101T000000Z"));
  ASSERT_EQ(ev.prop_filters.size(), 2u);
  EXPECT_EQ(ev.prop_filters[0].name, "SUMMARY");
  EXPECT_TRUE(ev.prop_filters[0].text_match->negate);
  EXPECT_EQ(ev.prop_filters[0].text_match->collation, "i;unicode-casemap");
  EXPECT_EQ(ev.prop_filters[1].param_filters[0].name, "PARTSTAT");
  EXPECT_TRUE(ev.comp_filters[0].is_not_defined);
}

TEST(FilterParse, OpenEndedTimeRange) {
  Result<CompFilter> f = Filter(
      "<C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VTODO\">"
      "<C:time-range start=\"20260101T000000Z\"/></C:comp-filter></C:comp-filter>");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->comp_filters[0].time_range->end, store::kNoUpperBound);
}

TEST(FilterParse, Errors) {
  EXPECT_EQ(Filter("<C:comp-filter name=\"VEVENT\"/>").status().precondition(),
            Precondition::kValidFilter);
  EXPECT_EQ(Filter("").status().precondition(), Precondition::kValidFilter);
  EXPECT_EQ(Filter("<C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VEVENT\">"
                   "<C:time-range/></C:comp-filter></C:comp-filter>")
                .status()
                .precondition(),
            Precondition::kValidFilter);
  EXPECT_EQ(Filter("<C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VEVENT\">"
                   "<C:time-range start=\"2026-01-01\"/></C:comp-filter></C:comp-filter>")
                .status()
                .precondition(),
            Precondition::kValidFilter);
  EXPECT_EQ(Filter("<C:comp-filter name=\"VCALENDAR\"><C:prop-filter name=\"X\">"
                   "<C:text-match collation=\"i;klingon\">a</C:text-match></C:prop-filter>"
                   "</C:comp-filter>")
                .status()
                .precondition(),
            Precondition::kSupportedCollation);
  EXPECT_EQ(Filter("<C:comp-filter name=\"VCALENDAR\"><C:prop-filter name=\"X\">"
                   "<C:text-match match-type=\"fuzzy\">a</C:text-match></C:prop-filter>"
                   "</C:comp-filter>")
                .status()
                .precondition(),
            Precondition::kValidFilter);
}

Result<CalendarDataRequest> Data(const std::string& attrs, const std::string& inner) {
  pugi::xml_document d = Doc("<C:calendar-data " + attrs + ">" + inner + "</C:calendar-data>");
  return ParseCalendarDataRequest(d.first_child().first_child());
}

TEST(FilterParse, CalendarData) {
  Result<CalendarDataRequest> empty = Data("", "");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->comp || empty->expand || empty->limit_recurrence);
  Result<CalendarDataRequest> r =
      Data("content-type=\"text/calendar\" version=\"2.0\"",
           "<C:comp name=\"VCALENDAR\"><C:allprop/><C:comp name=\"VEVENT\"><C:prop name=\"UID\"/>"
           "<C:prop name=\"DTSTART\"/></C:comp></C:comp>"
           "<C:expand start=\"20260101T000000Z\" end=\"20260201T000000Z\"/>");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->comp->all_props);
  EXPECT_FALSE(r->comp->all_comps);
  EXPECT_EQ(r->comp->comps[0].props, (std::vector<std::string>{"UID", "DTSTART"}));
  EXPECT_TRUE(r->expand);
  Result<CalendarDataRequest> lim =
      Data("", "<C:limit-recurrence-set start=\"20260101T000000Z\" end=\"20260201T000000Z\"/>");
  EXPECT_TRUE(lim.ok() && lim->limit_recurrence);
}

TEST(FilterParse, CalendarDataErrors) {
  EXPECT_EQ(Data("content-type=\"application/json\"", "").status().precondition(),
            Precondition::kSupportedCalendarData);
  EXPECT_EQ(Data("", "<C:expand start=\"20260101T000000Z\"/>").status().code(),
            Status::Code::kBadRequest);
  EXPECT_EQ(Data("", "<C:comp/>").status().code(), Status::Code::kBadRequest);
  EXPECT_EQ(Data("", "<C:expand start=\"x\" end=\"y\"/>").status().precondition(),
            Precondition::kValidFilter);
}

}  // namespace
}  // namespace cartable::dav::caldav
