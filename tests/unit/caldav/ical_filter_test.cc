// Text-match collations, negation, is-not-defined, param-filter, PlanFilter.
#include <gtest/gtest.h>

#include "tests/unit/caldav/test_util.h"

namespace cartable::dav::caldav {
namespace {

using testing::Cal;

const std::string kIcs =
    Cal("BEGIN:VEVENT\nUID:x\nDTSTART:20260310T100000Z\nSUMMARY:Réunion ÉQUIPE Ωmega Привет\n"
        "LOCATION:Salle\\, B\nATTENDEE;CN=Ann Smith;PARTSTAT=ACCEPTED:mailto:ann@example.com\n"
        "END:VEVENT\n");

CompFilter WithProp(PropFilter pf) {
  CompFilter root{"VCALENDAR", false, std::nullopt, {}, {}};
  CompFilter ev{"VEVENT", false, std::nullopt, {}, {}};
  ev.prop_filters.push_back(std::move(pf));
  root.comp_filters.push_back(ev);
  return root;
}

bool Text(const std::string& prop, const std::string& value, const std::string& collation,
          MatchType type = MatchType::kContains, bool negate = false) {
  PropFilter pf;
  pf.name = prop;
  pf.text_match = TextMatch{value, collation, type, negate};
  return *MatchesFilter(kIcs, WithProp(pf));
}

TEST(Filter, Collations) {
  EXPECT_TRUE(Text("SUMMARY", "réunion", "i;ascii-casemap"));
  EXPECT_FALSE(Text("SUMMARY", "RÉUNION", "i;ascii-casemap"));  // É is not ASCII
  EXPECT_TRUE(Text("SUMMARY", "RÉUNION", "i;unicode-casemap"));
  EXPECT_TRUE(Text("SUMMARY", "équipe", "i;unicode-casemap"));
  EXPECT_FALSE(Text("SUMMARY", "equipe", "i;unicode-casemap"));  // accents kept
  EXPECT_TRUE(Text("SUMMARY", "ωMEGA", "i;unicode-casemap"));
  EXPECT_TRUE(Text("SUMMARY", "ПРИВЕТ", "i;unicode-casemap"));
  EXPECT_FALSE(Text("SUMMARY", "réunion", "i;octet"));
  EXPECT_TRUE(Text("SUMMARY", "Réunion", "i;octet"));
}

TEST(Filter, MatchTypesAndNegation) {
  EXPECT_TRUE(Text("SUMMARY", "réunion", "i;ascii-casemap", MatchType::kStartsWith));
  EXPECT_FALSE(Text("SUMMARY", "équipe", "i;unicode-casemap", MatchType::kStartsWith));
  EXPECT_TRUE(Text("SUMMARY", "привет", "i;unicode-casemap", MatchType::kEndsWith));
  EXPECT_TRUE(Text("LOCATION", "salle, b", "i;ascii-casemap", MatchType::kEquals));  // unescaped
  EXPECT_FALSE(Text("LOCATION", "salle", "i;ascii-casemap", MatchType::kEquals));
  EXPECT_TRUE(Text("SUMMARY", "dinner", "i;ascii-casemap", MatchType::kContains, true));
  EXPECT_FALSE(Text("SUMMARY", "réunion", "i;ascii-casemap", MatchType::kContains, true));
  EXPECT_FALSE(Text("DESCRIPTION", "x", "i;ascii-casemap", MatchType::kContains, true));  // absent
}

TEST(Filter, IsNotDefined) {
  PropFilter absent{"DESCRIPTION", true, std::nullopt, std::nullopt, {}};
  EXPECT_TRUE(*MatchesFilter(kIcs, WithProp(absent)));
  PropFilter present{"SUMMARY", true, std::nullopt, std::nullopt, {}};
  EXPECT_FALSE(*MatchesFilter(kIcs, WithProp(present)));
  CompFilter root{"VCALENDAR", false, std::nullopt, {}, {}};
  root.comp_filters.push_back(CompFilter{"VTODO", true, std::nullopt, {}, {}});
  EXPECT_TRUE(*MatchesFilter(kIcs, root));
  root.comp_filters[0].name = "VEVENT";
  EXPECT_FALSE(*MatchesFilter(kIcs, root));
  CompFilter alarm{"VCALENDAR", false, std::nullopt, {}, {}};
  CompFilter ev{"VEVENT", false, std::nullopt, {}, {}};
  ev.comp_filters.push_back(CompFilter{"VALARM", true, std::nullopt, {}, {}});
  alarm.comp_filters.push_back(ev);
  EXPECT_TRUE(*MatchesFilter(kIcs, alarm));
}

TEST(Filter, ParamFilter) {
  PropFilter pf{"ATTENDEE", false, std::nullopt, std::nullopt, {}};
  pf.param_filters.push_back(
      ParamFilter{"PARTSTAT", false, TextMatch{"accepted", "i;ascii-casemap", MatchType::kEquals}});
  EXPECT_TRUE(*MatchesFilter(kIcs, WithProp(pf)));
  pf.param_filters[0].text_match->value = "declined";
  EXPECT_FALSE(*MatchesFilter(kIcs, WithProp(pf)));
  pf.param_filters[0] = ParamFilter{"ROLE", true, std::nullopt};
  EXPECT_TRUE(*MatchesFilter(kIcs, WithProp(pf)));
  pf.param_filters[0] = ParamFilter{"CN", false, TextMatch{"smith", "i;ascii-casemap"}};
  EXPECT_TRUE(*MatchesFilter(kIcs, WithProp(pf)));
}

TEST(Filter, PropTimeRange) {
  PropFilter pf{
      "DTSTART", false, testing::Range("20260310T000000Z", "20260311T000000Z"), std::nullopt, {}};
  EXPECT_TRUE(*MatchesFilter(kIcs, WithProp(pf)));
  pf.time_range = testing::Range("20260311T000000Z", "20260312T000000Z");
  EXPECT_FALSE(*MatchesFilter(kIcs, WithProp(pf)));
}

TEST(Filter, RootOnlyMatchesEverything) {
  CompFilter root{"VCALENDAR", false, std::nullopt, {}, {}};
  EXPECT_TRUE(*MatchesFilter(kIcs, root));
  EXPECT_FALSE(MatchesFilter("garbage", root).ok());
}

TEST(Filter, PlanFilter) {
  IndexPlan p =
      PlanFilter(testing::CompRange("VEVENT", testing::Range("20260101T000000Z", nullptr)));
  EXPECT_EQ(p.component, "VEVENT");
  EXPECT_EQ(p.range.start, testing::T("20260101T000000Z"));
  EXPECT_EQ(p.range.end, store::kNoUpperBound);
  EXPECT_TRUE(p.exact);
  PropFilter pf{"SUMMARY", false, std::nullopt, TextMatch{"x"}, {}};
  IndexPlan q = PlanFilter(WithProp(pf));
  EXPECT_EQ(q.component, "VEVENT");
  EXPECT_FALSE(q.exact);
  CompFilter two{"VCALENDAR", false, std::nullopt, {}, {}};
  two.comp_filters = {CompFilter{"VEVENT"}, CompFilter{"VTODO"}};
  EXPECT_EQ(PlanFilter(two).component, "");
  CompFilter neg{"VCALENDAR", false, std::nullopt, {}, {}};
  neg.comp_filters = {CompFilter{"VEVENT", true}};
  EXPECT_EQ(PlanFilter(neg).component, "");
  EXPECT_FALSE(PlanFilter(neg).exact);
}

}  // namespace
}  // namespace cartable::dav::caldav
