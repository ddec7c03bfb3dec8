#include "dav/caldav/imip_text.h"

#include <gtest/gtest.h>

#include <string>

namespace cartable::dav::caldav {
namespace {

// A VCALENDAR with METHOD `method` around one component whose lines are `props` (LF-separated).
std::string Itip(const std::string& method, const std::string& props,
                 const std::string& kind = "VEVENT") {
  std::string out = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//FR\r\n";
  if (!method.empty()) out += "METHOD:" + method + "\r\n";
  out += "BEGIN:" + kind + "\r\nUID:u1@test\r\nDTSTAMP:20261101T100000Z\r\n";
  size_t start = 0;
  while (start < props.size()) {
    size_t nl = props.find('\n', start);
    if (nl == std::string::npos) nl = props.size();
    out += props.substr(start, nl - start) + "\r\n";
    start = nl + 1;
  }
  return out + "END:" + kind + "\r\nEND:VCALENDAR\r\n";
}

const char kConseil[] =
    "SUMMARY:Conseil de classe 3e B\n"
    "DTSTART;TZID=Europe/Paris:20261201T170000\n"
    "DTEND;TZID=Europe/Paris:20261201T183000\n"
    "LOCATION:Salle B12\\, bâtiment Sud\n"
    "ORGANIZER;CN=Jean Labert:mailto:jean.labert@ac-orleans-tours.fr\n"
    "ATTENDEE;CN=Marie Curie;PARTSTAT=NEEDS-ACTION:mailto:marie.curie@ac-orleans-tours.fr\n"
    "ATTENDEE;ROLE=OPT-PARTICIPANT:mailto:parent@example.com";

ImipText Describe(const std::string& ics) {
  Result<ImipText> text = DescribeItip(ics);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : ImipText{};
}

bool Contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

// `text` with every run of spaces and line breaks made one space: wrapping undone.
std::string Flat(const std::string& text) {
  std::string out;
  for (char ch : text) {
    bool space = ch == ' ' || ch == '\n';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out.push_back(space ? ' ' : ch);
  }
  return out;
}

TEST(ImipTextTest, Request) {
  ImipText t = Describe(Itip("REQUEST", kConseil));
  EXPECT_EQ(t.subject, "Invitation : Conseil de classe 3e B (mar. 1er déc. 2026 17:00)");
  EXPECT_EQ(t.body,
            "Jean Labert vous invite à cet événement.\n"
            "\n"
            "Quoi : Conseil de classe 3e B\n"
            "Quand : mardi 1er décembre 2026, 17:00 – 18:30 (heure de Paris)\n"
            "Où : Salle B12, bâtiment Sud\n"
            "Organisé par : Jean Labert <jean.labert@ac-orleans-tours.fr>\n"
            "Participants :\n"
            "  - Marie Curie <marie.curie@ac-orleans-tours.fr>\n"
            "  - parent@example.com (facultatif)\n"
            "\n"
            "Cette invitation est jointe au format iCalendar (calendar.ics).\n");
}

TEST(ImipTextTest, Cancel) {
  ImipText t = Describe(Itip("CANCEL", std::string(kConseil) + "\nSTATUS:CANCELLED"));
  EXPECT_EQ(t.subject, "Annulé : Conseil de classe 3e B (mar. 1er déc. 2026 17:00)");
  EXPECT_TRUE(Contains(t.body, "Jean Labert a annulé cet événement.\n")) << t.body;
  EXPECT_TRUE(Contains(t.body, "Quand : mardi 1er décembre 2026, 17:00 – 18:30")) << t.body;
  EXPECT_TRUE(Contains(t.body, "Cette annulation est jointe au format iCalendar (calendar.ics).\n"))
      << t.body;
}

TEST(ImipTextTest, ReplyForEachAnswer) {
  struct Case {
    const char* partstat;
    const char* subject_verb;
    const char* sentence;
  } cases[] = {
      {"ACCEPTED", "a accepté", "a accepté l'invitation."},
      {"DECLINED", "a refusé", "a refusé l'invitation."},
      {"TENTATIVE", "a répondu peut-être", "a répondu peut-être à l'invitation."},
      {"DELEGATED", "a délégué", "a délégué l'invitation."},
  };
  for (const Case& c : cases) {
    ImipText t = Describe(Itip(
        "REPLY", std::string("SUMMARY:Conseil de classe 3e B\n"
                             "DTSTART:20261201T160000Z\n"
                             "ORGANIZER;CN=Jean Labert:mailto:jean.labert@ac-orleans-tours.fr\n"
                             "COMMENT:Je serai en retard\n"
                             "ATTENDEE;CN=Marie Curie;PARTSTAT=") +
                     c.partstat + ":MAILTO:marie.curie@ac-orleans-tours.fr"));
    EXPECT_EQ(t.subject,
              std::string("Réponse : Marie Curie ") + c.subject_verb + " : Conseil de classe 3e B");
    EXPECT_EQ(Flat(t.body).rfind(std::string("Marie Curie <marie.curie@ac-orleans-tours.fr> ") +
                                     c.sentence + " Quoi : Conseil de classe 3e B",
                                 0),
              0u)
        << t.body;
    EXPECT_TRUE(Contains(t.body, "Commentaire : Je serai en retard\n")) << t.body;
    EXPECT_FALSE(Contains(t.body, "Participants")) << t.body;
    EXPECT_TRUE(Contains(t.body, "Cette réponse est jointe")) << t.body;
  }
}

TEST(ImipTextTest, AllDayEvents) {
  ImipText one = Describe(Itip("REQUEST",
                               "SUMMARY:Journée banalisée\n"
                               "DTSTART;VALUE=DATE:20260316\nDTEND;VALUE=DATE:20260317"));
  EXPECT_EQ(one.subject, "Invitation : Journée banalisée (lun. 16 mars 2026)");
  EXPECT_TRUE(Contains(one.body, "Quand : lundi 16 mars 2026 (toute la journée)\n")) << one.body;
  EXPECT_TRUE(Contains(one.body, "Vous êtes invité(e) à cet événement.")) << one.body;

  ImipText three = Describe(Itip("REQUEST",
                                 "SUMMARY:Voyage scolaire\n"
                                 "DTSTART;VALUE=DATE:20260316\nDURATION:P3D"));
  EXPECT_TRUE(Contains(three.body, "Quand : du lundi 16 mars 2026 au mercredi 18 mars 2026\n"))
      << three.body;
}

TEST(ImipTextTest, Recurrence) {
  ImipText weekly = Describe(Itip("REQUEST",
                                  "SUMMARY:Réunion d'équipe\n"
                                  "DTSTART;TZID=Europe/Paris:20260907T080000\n"
                                  "DURATION:PT1H30M\n"
                                  "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=30"));
  EXPECT_TRUE(Contains(Flat(weekly.body),
                       " Quand : lundi 7 septembre 2026, 08:00 – 09:30 (heure de Paris)"
                       " (répétition hebdomadaire) "))
      << weekly.body;
  ImipText fortnight = Describe(Itip("REQUEST",
                                     "SUMMARY:Soutien\n"
                                     "DTSTART;VALUE=DATE:20260907\n"
                                     "RRULE:FREQ=WEEKLY;INTERVAL=2"));
  EXPECT_TRUE(
      Contains(Flat(fortnight.body), "(toute la journée) (répétition toutes les 2 semaines)"))
      << fortnight.body;
  ImipText monthly = Describe(Itip("REQUEST",
                                   "SUMMARY:Conseil pédagogique\n"
                                   "DTSTART:20260907T150000Z\n"
                                   "RRULE:FREQ=MONTHLY"));
  EXPECT_TRUE(Contains(Flat(monthly.body), "(répétition mensuelle)")) << monthly.body;
}

TEST(ImipTextTest, UtcShownInParisTimeSummerAndWinter) {
  ImipText summer = Describe(Itip("REQUEST",
                                  "SUMMARY:Jury\nDTSTART:20260615T080000Z\n"
                                  "DTEND:20260615T093000Z"));
  EXPECT_EQ(summer.subject, "Invitation : Jury (lun. 15 juin 2026 10:00)");
  EXPECT_TRUE(Contains(summer.body, "Quand : lundi 15 juin 2026, 10:00 – 11:30 (heure de Paris)"))
      << summer.body;
  ImipText winter = Describe(Itip("REQUEST", "SUMMARY:Jury\nDTSTART:20260115T080000Z"));
  EXPECT_EQ(winter.subject, "Invitation : Jury (jeu. 15 janv. 2026 09:00)");
  EXPECT_TRUE(Contains(winter.body, "Quand : jeudi 15 janvier 2026, 09:00 (heure de Paris)"))
      << winter.body;
  // Late on 31 December in UTC is already New Year's Day in Paris.
  ImipText new_year = Describe(Itip("REQUEST",
                                    "SUMMARY:Veille\nDTSTART:20261231T233000Z\n"
                                    "DTEND:20270101T010000Z"));
  EXPECT_EQ(new_year.subject, "Invitation : Veille (ven. 1er janv. 2027 00:30)");
  // Another zone's wall clock is converted too (New York is UTC-5 in January).
  ImipText ny = Describe(Itip("REQUEST",
                              "SUMMARY:Visio\n"
                              "DTSTART;TZID=America/New_York:20260115T090000"));
  EXPECT_EQ(ny.subject, "Invitation : Visio (jeu. 15 janv. 2026 15:00)");
}

TEST(ImipTextTest, EndOnAnotherDay) {
  ImipText t = Describe(Itip("REQUEST",
                             "SUMMARY:Nuit des sciences\n"
                             "DTSTART;TZID=Europe/Paris:20261009T200000\n"
                             "DTEND;TZID=Europe/Paris:20261010T020000"));
  // Wrapped at 76 characters, the continuation aligned under the value.
  EXPECT_TRUE(Contains(t.body,
                       "Quand : vendredi 9 octobre 2026, 20:00 – samedi 10 octobre 2026, 02:00\n"
                       "        (heure de Paris)\n"))
      << t.body;
}

TEST(ImipTextTest, TaskWithDueDate) {
  ImipText t = Describe(Itip("REQUEST",
                             "SUMMARY:Rendre les bulletins\n"
                             "DUE;TZID=Europe/Paris:20261218T120000\n"
                             "ORGANIZER:mailto:direction@ac-orleans-tours.fr",
                             "VTODO"));
  EXPECT_EQ(t.subject, "Invitation : Rendre les bulletins (ven. 18 déc. 2026 12:00)");
  EXPECT_TRUE(Contains(t.body, "direction@ac-orleans-tours.fr vous confie cette tâche.")) << t.body;
  EXPECT_TRUE(Contains(t.body, "Échéance : vendredi 18 décembre 2026, 12:00 (heure de Paris)"))
      << t.body;
}

TEST(ImipTextTest, UntitledAndLongValuesWrap) {
  ImipText untitled = Describe(Itip("REQUEST", "DTSTART:20261201T160000Z"));
  EXPECT_EQ(untitled.subject, "Invitation : (sans titre) (mar. 1er déc. 2026 17:00)");

  std::string summary = "Réunion ";
  for (int i = 0; i < 20; ++i) summary += "très ";
  summary += "importante\\navec retour à la ligne";
  ImipText t = Describe(Itip("REQUEST", "SUMMARY:" + summary +
                                            "\nDTSTART:20261201T160000Z\n"
                                            "DESCRIPTION:Ordre du jour :\\n1. Bilan\\n2. Projets"));
  size_t start = 0;
  while (start < t.body.size()) {
    size_t nl = t.body.find('\n', start);
    ASSERT_NE(nl, std::string::npos);
    std::string line = t.body.substr(start, nl - start);
    size_t chars = 0;
    for (char ch : line) chars += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
    EXPECT_LE(chars, 78u) << line;
    start = nl + 1;
  }
  EXPECT_TRUE(Contains(t.body, "Quoi : Réunion très")) << t.body;
  EXPECT_TRUE(Contains(Flat(t.body), "très importante avec retour à la ligne Quand :")) << t.body;
  EXPECT_TRUE(Contains(t.body, "\n       très")) << "continuation aligned under the value";
  EXPECT_TRUE(Contains(t.body, "Description :\n  Ordre du jour :\n  1. Bilan\n  2. Projets\n"))
      << t.body;
  EXPECT_EQ(t.subject.find('\n'), std::string::npos);
}

TEST(ImipTextTest, Errors) {
  EXPECT_EQ(DescribeItip("not a calendar").status().code(), Status::Code::kBadRequest);
  EXPECT_EQ(DescribeItip("").status().code(), Status::Code::kBadRequest);
  std::string journal = Itip("PUBLISH", "SUMMARY:Notes", "VJOURNAL");
  EXPECT_EQ(DescribeItip(journal).status().code(), Status::Code::kBadRequest);
}

}  // namespace
}  // namespace cartable::dav::caldav
