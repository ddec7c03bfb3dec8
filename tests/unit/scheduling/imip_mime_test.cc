#include "dav/scheduling/imip_mime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace cartable::dav::scheduling {
namespace {

const char kIcs[] =
    "BEGIN:VCALENDAR\r\n"
    "VERSION:2.0\r\n"
    "PRODID:-//Cartable//Test//FR\r\n"
    "METHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:conseil-3b@cartable\r\n"
    "DTSTAMP:20261101T100000Z\r\n"
    "DTSTART;TZID=Europe/Paris:20261201T170000\r\n"
    "DTEND;TZID=Europe/Paris:20261201T183000\r\n"
    "SUMMARY:Conseil de classe 3e B – élèves\r\n"
    "ORGANIZER;CN=Jérôme Lévêque:mailto:jerome.leveque@ac-orleans-tours.fr\r\n"
    "ATTENDEE;CN=Jean Labert:mailto:jean.labert@ac-orleans-tours.fr\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n";

ImipMail SampleMail() {
  ImipMail mail;
  mail.from = {"Jerome.Leveque@ac-orleans-tours.fr", "Jérôme Lévêque"};
  mail.to = {{"jean.labert@ac-orleans-tours.fr", "Jean Labert"}, {"parent@example.com", ""}};
  mail.subject = "Invitation : Conseil de classe 3e B (mar. 1er déc. 2026 17:00)";
  mail.text = "Jérôme Lévêque vous invite à cet événement.\n\nQuoi : Conseil de classe\n";
  mail.method = "request";
  mail.ics = kIcs;
  mail.message_id_domain = "agenda.ac-orleans-tours.fr";
  return mail;
}

std::string Build(const ImipMail& mail) {
  Result<std::string> raw = BuildImipMessage(mail);
  EXPECT_TRUE(raw.ok()) << raw.status().ToString();
  return raw.ok() ? *raw : std::string();
}

std::string Lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// The header lines of the block starting at `from` (up to the blank line), unfolded.
std::vector<std::string> Headers(const std::string& raw, size_t from = 0) {
  size_t end = raw.find("\r\n\r\n", from);
  std::string block = raw.substr(from, end == std::string::npos ? std::string::npos : end - from);
  std::vector<std::string> out;
  size_t start = 0;
  while (start < block.size()) {
    size_t nl = block.find("\r\n", start);
    if (nl == std::string::npos) nl = block.size();
    std::string line = block.substr(start, nl - start);
    if (!out.empty() && !line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      out.back() += line;
    } else {
      out.push_back(line);
    }
    start = nl + 2;
  }
  return out;
}

// The unfolded value of header `name` (case-insensitive) in `headers`, "" if absent.
std::string Header(const std::vector<std::string>& headers, const std::string& name) {
  for (const std::string& h : headers) {
    if (Lower(h.substr(0, name.size() + 1)) == Lower(name) + ":") {
      size_t v = h.find_first_not_of(' ', name.size() + 1);
      return v == std::string::npos ? "" : h.substr(v);
    }
  }
  return "";
}

// The headers of the MIME part whose Content-Type starts with `type`.
std::vector<std::string> PartHeaders(const std::string& raw, const std::string& type) {
  std::string lower = Lower(raw);
  size_t at = lower.find("\r\ncontent-type: " + type);
  if (at == std::string::npos) return {};
  size_t start = lower.rfind("\r\n--", at);  // the boundary line opening this part
  start = lower.find("\r\n", start + 2) + 2;
  return Headers(raw, start);
}

TEST(ImipMimeTest, BuildThenParseRoundTrip) {
  std::string raw = Build(SampleMail());
  Result<InboundImip> in = ParseImipMessage(raw);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->from, "jerome.leveque@ac-orleans-tours.fr");
  EXPECT_EQ(in->method, "REQUEST");
  EXPECT_EQ(in->ics, kIcs);  // byte for byte, CRLF and UTF-8 included
  EXPECT_NE(in->message_id.find("@agenda.ac-orleans-tours.fr"), std::string::npos);
}

TEST(ImipMimeTest, OutputUsesCrlfAndShortLines) {
  ImipMail mail = SampleMail();
  mail.text += std::string(2500, 'x') + "\r\nfin\n";
  mail.ics = std::string(kIcs).insert(sizeof("BEGIN:VCALENDAR\r\n") - 1,
                                      "X-LONG:" + std::string(3000, 'y') + "\r\n");
  std::string raw = Build(mail);
  ASSERT_FALSE(raw.empty());
  size_t start = 0;
  while (start < raw.size()) {
    size_t nl = raw.find('\n', start);
    ASSERT_NE(nl, std::string::npos) << "the message must end with CRLF";
    ASSERT_GT(nl, 0u);
    EXPECT_EQ(raw[nl - 1], '\r') << "bare LF at offset " << nl;
    EXPECT_LE(nl - 1 - start, 998u) << "line at offset " << start;
    EXPECT_EQ(raw.substr(start, nl - 1 - start).find('\r'), std::string::npos);
    start = nl + 1;
  }
  Result<InboundImip> in = ParseImipMessage(raw);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->ics, mail.ics);  // the long line survives the transfer encoding
}

TEST(ImipMimeTest, HeadersAndStructure) {
  std::string raw = Build(SampleMail());
  std::vector<std::string> top = Headers(raw);
  EXPECT_EQ(Header(top, "MIME-Version"), "1.0");
  EXPECT_EQ(
      std::count_if(top.begin(), top.end(),
                    [](const std::string& h) { return Lower(h).rfind("mime-version:", 0) == 0; }),
      1);
  EXPECT_NE(Header(top, "Date"), "");
  std::string id = Header(top, "Message-Id");
  ASSERT_GE(id.size(), 3u);
  EXPECT_EQ(id.front(), '<');
  EXPECT_EQ(id.back(), '>');
  EXPECT_NE(id.find("@agenda.ac-orleans-tours.fr>"), std::string::npos) << id;
  EXPECT_NE(Header(Headers(Build(SampleMail())), "Message-Id"), id) << "Message-IDs must differ";
  std::string to = Header(top, "To");
  EXPECT_NE(to.find("Jean Labert <jean.labert@ac-orleans-tours.fr>"), std::string::npos) << to;
  EXPECT_NE(to.find("parent@example.com"), std::string::npos) << to;
  EXPECT_EQ(Lower(Header(top, "Content-Type")).rfind("multipart/alternative;", 0), 0u)
      << Header(top, "Content-Type");

  std::vector<std::string> text = PartHeaders(raw, "text/plain");
  EXPECT_EQ(Lower(Header(text, "Content-Type")), "text/plain; charset=utf-8");
  EXPECT_EQ(Lower(Header(text, "Content-Transfer-Encoding")), "quoted-printable");
  std::vector<std::string> cal = PartHeaders(raw, "text/calendar");
  std::string cal_type = Header(cal, "Content-Type");
  EXPECT_NE(cal_type.find("method=REQUEST"), std::string::npos) << cal_type;
  EXPECT_NE(Lower(cal_type).find("charset=utf-8"), std::string::npos) << cal_type;
  std::string cte = Lower(Header(cal, "Content-Transfer-Encoding"));
  EXPECT_TRUE(cte == "base64" || cte == "quoted-printable") << cte;
  // The text part comes first: clients show the last alternative they understand.
  EXPECT_LT(Lower(raw).find("content-type: text/plain"),
            Lower(raw).find("content-type: text/calendar"));
}

TEST(ImipMimeTest, NonAsciiHeadersAreEncoded) {
  std::string raw = Build(SampleMail());
  size_t end = raw.find("\r\n\r\n");
  std::string head = raw.substr(0, end);
  EXPECT_TRUE(std::all_of(head.begin(), head.end(), [](char ch) {
    return static_cast<unsigned char>(ch) < 0x80;
  })) << "headers must be 7-bit (RFC 2047)";
  std::vector<std::string> top = Headers(raw);
  EXPECT_NE(Lower(Header(top, "Subject")).find("=?utf-8?"), std::string::npos)
      << Header(top, "Subject");
  std::string from = Header(top, "From");
  EXPECT_NE(Lower(from).find("=?utf-8?"), std::string::npos) << from;
  EXPECT_NE(from.find("<Jerome.Leveque@ac-orleans-tours.fr>"), std::string::npos) << from;
  // The body is 7-bit too (quoted-printable and base64).
  EXPECT_TRUE(std::all_of(raw.begin(), raw.end(),
                          [](char ch) { return static_cast<unsigned char>(ch) < 0x80; }));
}

TEST(ImipMimeTest, BuildRejectsIncompleteMail) {
  ImipMail no_from = SampleMail();
  no_from.from.address.clear();
  EXPECT_EQ(BuildImipMessage(no_from).status().code(), Status::Code::kBadRequest);
  ImipMail no_to = SampleMail();
  no_to.to.clear();
  EXPECT_EQ(BuildImipMessage(no_to).status().code(), Status::Code::kBadRequest);
  ImipMail no_method = SampleMail();
  no_method.method.clear();
  EXPECT_EQ(BuildImipMessage(no_method).status().code(), Status::Code::kBadRequest);
  ImipMail bad_method = SampleMail();
  bad_method.method = "REQUEST\r\nX: y";
  EXPECT_EQ(BuildImipMessage(bad_method).status().code(), Status::Code::kBadRequest);
  for (const char* bad :
       {"", "no-at-sign", "a@b.fr>\r\nBcc: x@y.fr", "a b@c.fr", "a@b.fr,c@d.fr"}) {
    ImipMail bad_to = SampleMail();
    bad_to.to.push_back({bad, ""});
    EXPECT_EQ(BuildImipMessage(bad_to).status().code(), Status::Code::kBadRequest) << bad;
    ImipMail bad_from = SampleMail();
    bad_from.from.address = bad;
    EXPECT_EQ(BuildImipMessage(bad_from).status().code(), Status::Code::kBadRequest) << bad;
  }
}

TEST(ImipMimeTest, NoHeaderInjectionThroughNamesOrSubject) {
  ImipMail mail = SampleMail();
  mail.subject = "Salut\r\nBcc: victim@example.com";
  mail.from.name = "Jean\r\nBcc: victim@example.com";
  mail.to[1].name = "Parent\nX-Injected: 1";
  std::string raw = Build(mail);
  std::vector<std::string> top = Headers(raw);
  EXPECT_EQ(Header(top, "Bcc"), "");
  EXPECT_EQ(Header(top, "X-Injected"), "");
  EXPECT_NE(Header(top, "Subject").find("Salut"), std::string::npos);
  Result<InboundImip> in = ParseImipMessage(raw);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->from, "jerome.leveque@ac-orleans-tours.fr");
}

// What Outlook sends: multipart/mixed, the calendar as a base64 attachment, LF line ends here.
const char kOutlookStyle[] =
    "From: \"LABERT Jean\" <Jean.Labert@AC-Orleans-Tours.FR>\n"
    "To: <salle.b12@ac-orleans-tours.fr>\n"
    "Subject: =?iso-8859-1?Q?R=E9union?=\n"
    "Message-ID: <AM0PR01MB1234@outlook.example>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"_004_outer_\"\n"
    "\n"
    "--_004_outer_\n"
    "Content-Type: multipart/alternative; boundary=\"_000_inner_\"\n"
    "\n"
    "--_000_inner_\n"
    "Content-Type: text/plain; charset=\"us-ascii\"\n"
    "\n"
    "Hello\n"
    "--_000_inner_\n"
    "Content-Type: text/html; charset=\"us-ascii\"\n"
    "\n"
    "<p>Hello</p>\n"
    "--_000_inner_--\n"
    "\n"
    "--_004_outer_\n"
    "Content-Type: text/calendar; charset=\"utf-8\"; method=request; name=\"invite.ics\"\n"
    "Content-Disposition: attachment; filename=\"invite.ics\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    // "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nSUMMARY:Réunion\r\nEND:VCALENDAR\r\n"
    "QkVHSU46VkNBTEVOREFSDQpNRVRIT0Q6UkVRVUVTVA0KU1VNTUFSWTpSw6l1bmlvbg0KRU5EOlZD\n"
    "QUxFTkRBUg0K\n"
    "--_004_outer_--\n";

TEST(ImipMimeTest, ParsesOutlookStyleAttachment) {
  Result<InboundImip> in = ParseImipMessage(kOutlookStyle);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->from, "jean.labert@ac-orleans-tours.fr");
  EXPECT_EQ(in->method, "REQUEST");
  EXPECT_EQ(in->ics, "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nSUMMARY:Réunion\r\nEND:VCALENDAR\r\n");
  EXPECT_EQ(in->message_id, "AM0PR01MB1234@outlook.example");
}

TEST(ImipMimeTest, ConvertsLatin1ToUtf8AndAcceptsApplicationIcs) {
  std::string raw =
      "From: Mairie <accueil@mairie.example>\r\n"
      "To: jean.labert@ac-orleans-tours.fr\r\n"
      "Subject: Annulation\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=b1\r\n"
      "\r\n"
      "--b1\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n"
      "Voir la pièce jointe.\r\n"
      "--b1\r\n"
      "Content-Type: application/ics; charset=iso-8859-1; method=Cancel\r\n"
      "Content-Transfer-Encoding: 8bit\r\n"
      "\r\n"
      "BEGIN:VCALENDAR\r\nSUMMARY:F\xeate de l'\xe9"
      "cole\r\nEND:VCALENDAR\r\n"
      "--b1--\r\n";
  Result<InboundImip> in = ParseImipMessage(raw);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->from, "accueil@mairie.example");
  EXPECT_EQ(in->method, "CANCEL");
  // The CRLF before "--b1--" belongs to the boundary (RFC 2046 §5.1.1), not to the content.
  EXPECT_EQ(in->ics, "BEGIN:VCALENDAR\r\nSUMMARY:Fête de l'école\r\nEND:VCALENDAR");
  EXPECT_EQ(in->message_id, "");
}

TEST(ImipMimeTest, UnknownCharsetIsAnError) {
  Result<InboundImip> in = ParseImipMessage(
      "From: a@b.fr\nContent-Type: text/calendar; charset=x-no-such-charset\n\n"
      "BEGIN:VCALENDAR\nEND:VCALENDAR\n");
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().code(), Status::Code::kBadRequest);
  EXPECT_NE(in.status().message().find("unsupported charset x-no-such-charset"), std::string::npos)
      << in.status().message();
}

TEST(ImipMimeTest, FindsCalendarInsideForwardedMessage) {
  std::string raw =
      "From: relay@example.com\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=x\n"
      "\n"
      "--x\n"
      "Content-Type: message/rfc822\n"
      "\n"
      "From: orig@example.com\n"
      "Content-Type: text/calendar; method=REPLY\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "BEGIN:VCALENDAR=0D\n"
      "END:VCALENDAR=0D\n"
      "\n"
      "--x--\n";
  Result<InboundImip> in = ParseImipMessage(raw);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->from, "relay@example.com");
  EXPECT_EQ(in->method, "REPLY");
  EXPECT_EQ(in->ics.rfind("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r", 0), 0u) << in->ics;
}

TEST(ImipMimeTest, MethodMayBeAbsent) {
  Result<InboundImip> in = ParseImipMessage(
      "From: a@b.fr\nContent-Type: text/calendar\n\nBEGIN:VCALENDAR\nEND:VCALENDAR\n");
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->method, "");
  EXPECT_EQ(in->ics, "BEGIN:VCALENDAR\nEND:VCALENDAR\n");
}

TEST(ImipMimeTest, MessageWithoutCalendarIsAnError) {
  Result<InboundImip> in = ParseImipMessage(
      "From: a@b.fr\r\nTo: c@d.fr\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/alternative; boundary=q\r\n\r\n"
      "--q\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
      "--q\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--q--\r\n");
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().code(), Status::Code::kBadRequest);
  EXPECT_NE(in.status().message().find("no text/calendar part"), std::string::npos)
      << in.status().message();
}

TEST(ImipMimeTest, MessageWithoutFromIsAnError) {
  Result<InboundImip> in =
      ParseImipMessage("To: c@d.fr\nContent-Type: text/calendar\n\nBEGIN:VCALENDAR\n");
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().code(), Status::Code::kBadRequest);
  EXPECT_NE(in.status().message().find("no From address"), std::string::npos)
      << in.status().message();
}

TEST(ImipMimeTest, GarbageIsAnError) {
  for (std::string garbage : {std::string(), std::string("\x00\x01\xff\xfe garbage", 13),
                              std::string("just some words\n\n\n"), std::string(5000, '-')}) {
    Result<InboundImip> in = ParseImipMessage(garbage);
    EXPECT_FALSE(in.ok()) << "input of " << garbage.size() << " bytes";
    EXPECT_EQ(in.status().code(), Status::Code::kBadRequest);
  }
}

}  // namespace
}  // namespace cartable::dav::scheduling
