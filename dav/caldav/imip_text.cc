// The French summary of an iTIP message. Day and month names are written here rather than
// taken from a C locale, so the text does not depend on what locales a host has installed.
#include "dav/caldav/imip_text.h"

#include <strings.h>

#include <ctime>
#include <optional>
#include <vector>

#include "dav/caldav/ical_internal.h"

namespace cartable::dav::caldav {
namespace {

using internal::PropertyText;
using internal::TimeContext;

constexpr const char* kParis = "Europe/Paris";
constexpr size_t kWidth = 76;  // body lines wrap here (characters, not bytes)
constexpr size_t kMaxAttendeesShown = 30;
constexpr size_t kMaxDescriptionChars = 1500;

constexpr const char* kDays[] = {"dimanche", "lundi",    "mardi", "mercredi",
                                 "jeudi",    "vendredi", "samedi"};
constexpr const char* kShortDays[] = {"dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."};
constexpr const char* kMonths[] = {"janvier",   "février", "mars",     "avril",
                                   "mai",       "juin",    "juillet",  "août",
                                   "septembre", "octobre", "novembre", "décembre"};
constexpr const char* kShortMonths[] = {"janv.", "févr.", "mars",  "avr.", "mai",  "juin",
                                        "juil.", "août",  "sept.", "oct.", "nov.", "déc."};

// A moment as the reader sees it: wall-clock time in Paris, or a calendar date (all-day).
struct Shown {
  icaltimetype local;
  bool is_date = false;
};

struct Person {
  std::string name;
  std::string address;
  std::string Display() const {
    if (name.empty()) return address;
    return address.empty() ? name : name + " <" + address + ">";
  }
  const std::string& Short() const { return name.empty() ? address : name; }
};

// Field values go on one line: control characters (unescaped "\n" included) become spaces.
std::string OneLine(std::string s) {
  for (char& ch : s) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = ' ';
  }
  return s;
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (char ch : s) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  return n;
}

// `value` on lines of at most kWidth characters, broken at spaces: the first line starts with
// `first`, the others with `indent`. A word longer than a line stays whole.
std::string Wrap(const std::string& first, const std::string& indent, const std::string& value) {
  std::string out = first, word;
  size_t column = Utf8Length(first);
  bool line_has_word = false;
  for (char ch : OneLine(value) + " ") {
    if (ch != ' ') {
      word.push_back(ch);
      continue;
    }
    if (word.empty()) continue;
    size_t len = Utf8Length(word);
    if (line_has_word && column + 1 + len > kWidth) {
      out += "\n" + indent;
      column = Utf8Length(indent);
      line_has_word = false;
    }
    if (line_has_word) {
      out.push_back(' ');
      ++column;
    }
    out += word;
    column += len;
    line_has_word = true;
    word.clear();
  }
  return out + "\n";
}

// "Quoi : value", continuation lines aligned under the value.
std::string Field(const std::string& label, const std::string& value) {
  std::string prefix = label + " : ";
  return Wrap(prefix, std::string(Utf8Length(prefix), ' '), value);
}

std::string Text(icalcomponent* comp, icalproperty_kind kind) {
  icalproperty* p = icalcomponent_get_first_property(comp, kind);
  return p ? PropertyText(p) : std::string();
}

Person PersonOf(icalproperty* p) {
  Person person;
  icalparameter* cn = icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER);
  if (cn && icalparameter_get_cn(cn)) person.name = OneLine(icalparameter_get_cn(cn));
  std::string value = PropertyText(p);
  if (value.size() >= 7 && strncasecmp(value.c_str(), "mailto:", 7) == 0) value.erase(0, 7);
  person.address = OneLine(value);
  return person;
}

std::string DayNumber(int day) { return day == 1 ? "1er" : std::to_string(day); }
int WeekDay(const icaltimetype& t) { return (icaltime_day_of_week(t) + 6) % 7; }  // 0 = Sunday

std::string LongDate(const icaltimetype& t) {
  return std::string(kDays[WeekDay(t)]) + " " + DayNumber(t.day) + " " + kMonths[t.month - 1] +
         " " + std::to_string(t.year);
}

std::string ShortDate(const icaltimetype& t) {
  return std::string(kShortDays[WeekDay(t)]) + " " + DayNumber(t.day) + " " +
         kShortMonths[t.month - 1] + " " + std::to_string(t.year);
}

std::string Clock(const icaltimetype& t) {
  char buf[8];
  snprintf(buf, sizeof buf, "%02d:%02d", t.hour, t.minute);
  return buf;
}

// `t` (a value of `prop`) as shown: DATE values as they are, DATE-TIME values in Paris time.
std::optional<Shown> Show(icalproperty* prop, icaltimetype t, TimeContext& tc) {
  if (icaltime_is_null_time(t) || t.month < 1 || t.month > 12) return std::nullopt;
  if (t.is_date) return Shown{t, true};
  icaltimezone* zone = tc.ZoneOf(prop, t);
  if (!zone) return std::nullopt;
  Seconds utc = TimeContext::ToUtc(t, zone);
  icaltimezone* paris = icaltimezone_get_builtin_timezone(kParis);
  if (!paris) paris = icaltimezone_get_utc_timezone();
  return Shown{icaltime_from_timet_with_zone(static_cast<time_t>(utc), 0, paris), false};
}

std::optional<Shown> ShowProperty(icalcomponent* comp, icalproperty_kind kind, TimeContext& tc) {
  icalproperty* p = icalcomponent_get_first_property(comp, kind);
  if (!p) return std::nullopt;
  icalvalue* v = icalproperty_get_value(p);
  if (!v) return std::nullopt;
  icalvalue_kind vk = icalvalue_isa(v);
  if (vk == ICAL_DATE_VALUE) return Show(p, icalvalue_get_date(v), tc);
  if (vk == ICAL_DATETIME_VALUE) return Show(p, icalvalue_get_datetime(v), tc);
  return std::nullopt;
}

// DTEND, else DTSTART + DURATION (nominal days added on the start's own wall clock).
std::optional<Shown> ShowEnd(icalcomponent* comp, TimeContext& tc) {
  if (icalcomponent_get_first_property(comp, ICAL_DTEND_PROPERTY)) {
    return ShowProperty(comp, ICAL_DTEND_PROPERTY, tc);
  }
  icalproperty* start = icalcomponent_get_first_property(comp, ICAL_DTSTART_PROPERTY);
  icalproperty* duration = icalcomponent_get_first_property(comp, ICAL_DURATION_PROPERTY);
  if (!start || !duration) return std::nullopt;
  icaltimetype t = icalproperty_get_dtstart(start);
  if (icaltime_is_null_time(t)) return std::nullopt;
  return Show(start, icaltime_add(t, icalproperty_get_duration(duration)), tc);
}

std::string DescribeSpan(const Shown& start, const std::optional<Shown>& end) {
  if (start.is_date) {
    if (!end || !end->is_date) return LongDate(start.local) + " (toute la journée)";
    icaltimetype last = end->local;
    icaltime_adjust(&last, -1, 0, 0, 0);  // DTEND of an all-day event is exclusive
    if (icaltime_compare_date_only(last, start.local) <= 0) {
      return LongDate(start.local) + " (toute la journée)";
    }
    return "du " + LongDate(start.local) + " au " + LongDate(last);
  }
  std::string out = LongDate(start.local) + ", " + Clock(start.local);
  if (end && !end->is_date && icaltime_compare(end->local, start.local) > 0) {
    out += " – ";
    if (icaltime_compare_date_only(end->local, start.local) != 0)
      out += LongDate(end->local) + ", ";
    out += Clock(end->local);
  }
  return out + " (heure de Paris)";
}

std::string ShortWhen(const Shown& when) {
  return when.is_date ? ShortDate(when.local) : ShortDate(when.local) + " " + Clock(when.local);
}

// " (répétition hebdomadaire)", " (répétition toutes les 2 semaines)", or "".
std::string Recurrence(icalcomponent* comp) {
  icalproperty* rrule = icalcomponent_get_first_property(comp, ICAL_RRULE_PROPERTY);
  if (!rrule) {
    if (icalcomponent_get_first_property(comp, ICAL_RDATE_PROPERTY)) return " (répétition)";
    if (icalcomponent_get_first_property(comp, ICAL_RECURRENCEID_PROPERTY)) {
      return " (une occurrence d'une série)";
    }
    return "";
  }
  icalrecurrencetype r = icalproperty_get_rrule(rrule);
  bool each = r.interval <= 1;
  std::string n = std::to_string(r.interval);
  switch (r.freq) {
    case ICAL_DAILY_RECURRENCE:
      return each ? " (répétition quotidienne)" : " (répétition tous les " + n + " jours)";
    case ICAL_WEEKLY_RECURRENCE:
      return each ? " (répétition hebdomadaire)" : " (répétition toutes les " + n + " semaines)";
    case ICAL_MONTHLY_RECURRENCE:
      return each ? " (répétition mensuelle)" : " (répétition tous les " + n + " mois)";
    case ICAL_YEARLY_RECURRENCE:
      return each ? " (répétition annuelle)" : " (répétition tous les " + n + " ans)";
    default: return " (répétition)";
  }
}

// The component that describes the message: the first VEVENT/VTODO without RECURRENCE-ID
// (the master), else the first one.
icalcomponent* MainComponent(icalcomponent* vcal) {
  icalcomponent* first = nullptr;
  for (icalcomponent* c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c;
       c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT)) {
    icalcomponent_kind kind = icalcomponent_isa(c);
    if (kind != ICAL_VEVENT_COMPONENT && kind != ICAL_VTODO_COMPONENT) continue;
    if (!icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY)) return c;
    if (!first) first = c;
  }
  return first;
}

// How a REPLY's PARTSTAT reads: the subject's verb and the body's sentence ending.
struct Answer {
  const char* verb;
  const char* sentence;
};

Answer AnswerOf(icalproperty* attendee) {
  icalparameter* p =
      attendee ? icalproperty_get_first_parameter(attendee, ICAL_PARTSTAT_PARAMETER) : nullptr;
  switch (p ? icalparameter_get_partstat(p) : ICAL_PARTSTAT_NONE) {
    case ICAL_PARTSTAT_ACCEPTED: return {"a accepté", "a accepté l'invitation."};
    case ICAL_PARTSTAT_DECLINED: return {"a refusé", "a refusé l'invitation."};
    case ICAL_PARTSTAT_TENTATIVE:
      return {"a répondu peut-être", "a répondu peut-être à l'invitation."};
    case ICAL_PARTSTAT_DELEGATED: return {"a délégué", "a délégué l'invitation."};
    default: return {"a répondu", "a répondu à l'invitation."};
  }
}

bool IsOptional(icalproperty* attendee) {
  icalparameter* role = icalproperty_get_first_parameter(attendee, ICAL_ROLE_PARAMETER);
  return role && icalparameter_get_role(role) == ICAL_ROLE_OPTPARTICIPANT;
}

std::string Attendees(icalcomponent* comp) {
  std::string out;
  size_t shown = 0, total = 0;
  for (icalproperty* p = icalcomponent_get_first_property(comp, ICAL_ATTENDEE_PROPERTY); p;
       p = icalcomponent_get_next_property(comp, ICAL_ATTENDEE_PROPERTY), ++total) {
    if (shown == kMaxAttendeesShown) continue;
    out += Wrap("  - ", "    ", PersonOf(p).Display() + (IsOptional(p) ? " (facultatif)" : ""));
    ++shown;
  }
  if (total == 0) return "";
  if (total > shown) out += "  - … et " + std::to_string(total - shown) + " autres\n";
  return "Participants :\n" + out;
}

std::string Description(icalcomponent* comp) {
  std::string text = Text(comp, ICAL_DESCRIPTION_PROPERTY);
  if (text.empty()) return "";
  if (Utf8Length(text) > kMaxDescriptionChars) {
    size_t cut = 0, chars = 0;
    while (cut < text.size() && chars < kMaxDescriptionChars) {
      ++cut;
      while (cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) ++cut;
      ++chars;
    }
    text = text.substr(0, cut) + " […]";
  }
  std::string out = "Description :\n";
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(start, nl - start);
    out += line.find_first_not_of(" \r\t") == std::string::npos ? "\n" : Wrap("  ", "  ", line);
    start = nl + 1;
  }
  return out;
}

// Everything DescribeItip needs from the calendar, read once.
struct Facts {
  std::string method;
  bool is_task = false;
  std::string summary;
  std::string location;
  std::optional<Shown> start, end, due;
  std::string recurrence;
  std::optional<Person> organizer;
  icalproperty* first_attendee = nullptr;
};

Facts ReadFacts(icalcomponent* vcal, icalcomponent* comp) {
  Facts f;
  icalproperty* method = icalcomponent_get_first_property(vcal, ICAL_METHOD_PROPERTY);
  f.method = method ? PropertyText(method) : "";
  f.is_task = icalcomponent_isa(comp) == ICAL_VTODO_COMPONENT;
  f.summary = OneLine(Text(comp, ICAL_SUMMARY_PROPERTY));
  if (f.summary.find_first_not_of(' ') == std::string::npos) f.summary = "(sans titre)";
  f.location = OneLine(Text(comp, ICAL_LOCATION_PROPERTY));
  TimeContext tc(vcal, kParis);
  f.start = ShowProperty(comp, ICAL_DTSTART_PROPERTY, tc);
  if (f.start) f.end = ShowEnd(comp, tc);
  if (f.is_task) f.due = ShowProperty(comp, ICAL_DUE_PROPERTY, tc);
  f.recurrence = Recurrence(comp);
  if (icalproperty* org = icalcomponent_get_first_property(comp, ICAL_ORGANIZER_PROPERTY)) {
    f.organizer = PersonOf(org);
  }
  f.first_attendee = icalcomponent_get_first_property(comp, ICAL_ATTENDEE_PROPERTY);
  return f;
}

std::string Subject(const Facts& f) {
  std::optional<Shown> when = f.start ? f.start : f.due;
  std::string dated = f.summary + (when ? " (" + ShortWhen(*when) + ")" : "");
  if (f.method == "REQUEST" || f.method == "ADD") return "Invitation : " + dated;
  if (f.method == "CANCEL") return "Annulé : " + dated;
  if (f.method == "REPLY") {
    std::string who = f.first_attendee ? PersonOf(f.first_attendee).Short() : "Un participant";
    return "Réponse : " + who + " " + AnswerOf(f.first_attendee).verb + " : " + f.summary;
  }
  return "Calendrier : " + dated;
}

std::string Opening(const Facts& f) {
  std::string what = f.is_task ? "cette tâche" : "cet événement";
  if (f.method == "REQUEST") {
    if (!f.organizer) return "Vous êtes invité(e) à " + what + ".";
    return f.organizer->Short() +
           (f.is_task ? " vous confie cette tâche." : " vous invite à cet événement.");
  }
  if (f.method == "ADD") return "Des occurrences ont été ajoutées à " + what + ".";
  if (f.method == "CANCEL") {
    return f.organizer ? f.organizer->Short() + " a annulé " + what + "."
                       : std::string(f.is_task ? "Cette tâche a été annulée."
                                               : "Cet événement a été annulé.");
  }
  if (f.method == "REPLY") {
    std::string who = f.first_attendee ? PersonOf(f.first_attendee).Display() : "Un participant";
    return who + " " + AnswerOf(f.first_attendee).sentence;
  }
  return "Message de calendrier (" + (f.method.empty() ? std::string("sans méthode") : f.method) +
         ").";
}

std::string Closing(const std::string& method) {
  if (method == "REQUEST" || method == "ADD") {
    return "Cette invitation est jointe au format iCalendar (calendar.ics).";
  }
  if (method == "CANCEL") return "Cette annulation est jointe au format iCalendar (calendar.ics).";
  if (method == "REPLY") return "Cette réponse est jointe au format iCalendar (calendar.ics).";
  return "Ce message est joint au format iCalendar (calendar.ics).";
}

std::string Body(const Facts& f, icalcomponent* comp) {
  std::string out = Wrap("", "", Opening(f)) + "\n";
  out += Field("Quoi", f.summary);
  if (f.start) out += Field("Quand", DescribeSpan(*f.start, f.end) + f.recurrence);
  if (f.due)
    out += Field("Échéance", DescribeSpan(*f.due, std::nullopt) + (f.start ? "" : f.recurrence));
  if (!f.location.empty()) out += Field("Où", f.location);
  if (f.organizer) out += Field("Organisé par", f.organizer->Display());
  if (f.method == "REPLY") {
    std::string comment = Text(comp, ICAL_COMMENT_PROPERTY);
    if (!comment.empty()) out += Field("Commentaire", comment);
  } else {
    out += Attendees(comp);
    if (f.method == "REQUEST" || f.method == "ADD") {
      std::string description = Description(comp);
      if (!description.empty()) out += "\n" + description;
    }
  }
  return out + "\n" + Closing(f.method) + "\n";
}

}  // namespace

Result<ImipText> DescribeItip(std::string_view itip) {
  Result<CalendarObject> cal = CalendarObject::Parse(itip);
  if (!cal.ok()) return Status::BadRequest("the iTIP message is not an iCalendar object");
  return DescribeItip(*cal);
}

Result<ImipText> DescribeItip(const CalendarObject& itip) {
  if (itip.empty()) return Status::BadRequest("the iTIP message is not an iCalendar object");
  icalcomponent* vcal = itip.Vcal();
  icalcomponent* comp = MainComponent(vcal);
  if (!comp) return Status::BadRequest("the iTIP message has no VEVENT or VTODO");
  Facts facts = ReadFacts(vcal, comp);
  ImipText text;
  text.subject = Subject(facts);
  text.body = Body(facts, comp);
  return text;
}

}  // namespace cartable::dav::caldav
