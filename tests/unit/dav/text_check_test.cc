// The character-level door (FindTextFault) and the repairs of the XML writer (AppendXmlText,
// XmlWriter::Raw): what enters is refused with its line, what leaves is always well-formed.
#include "dav/text_check.h"

#include <gtest/gtest.h>

#include <string>

#include "dav/xml.h"

namespace cartable {
namespace {

TEST(TextCheck, CleanContentLinesPass) {
  EXPECT_FALSE(
      FindTextFault("BEGIN:VCALENDAR\r\nSUMMARY:Réunion\tà 10 h\r\n", TextRules::kContentLines));
  EXPECT_FALSE(FindTextFault("LF only\nis a line end\n", TextRules::kContentLines));
  EXPECT_FALSE(
      FindTextFault("emoji \xF0\x9F\x93\x85 and CJK \xE6\x97\xA5", TextRules::kContentLines));
}

TEST(TextCheck, ControlCharacterNamesItsLine) {
  std::optional<TextFault> f = FindTextFault("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nSUMMARY:a\x01z\r\n",
                                             TextRules::kContentLines);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->line, 3u);
  EXPECT_EQ(f->value, 0x01u);
  EXPECT_FALSE(f->invalid_utf8);
  EXPECT_EQ(f->Describe(), "line 3: character U+0001 is not allowed");
}

TEST(TextCheck, BareCrAndDelAndNonCharactersAreRefused) {
  EXPECT_EQ(FindTextFault("A:b\rC:d\r\n", TextRules::kContentLines)->Describe(),
            "line 1: CR is only allowed before LF");
  EXPECT_EQ(FindTextFault("A:b\x7F\r\n", TextRules::kContentLines)->value, 0x7Fu);
  EXPECT_EQ(FindTextFault("A:\xEF\xBF\xBE", TextRules::kContentLines)->value, 0xFFFEu);
  EXPECT_EQ(FindTextFault("A:\x00z", TextRules::kContentLines), std::nullopt)
      << "a string literal stops at NUL; the next test passes the length";
  EXPECT_EQ(FindTextFault(std::string_view("A:\0z", 4), TextRules::kContentLines)->value, 0u);
}

TEST(TextCheck, InvalidUtf8IsRefused) {
  const char* bad[] = {
      "\xFF",              // never in UTF-8
      "\xC3",              // truncated
      "\xC3(",             // bad continuation
      "\xC0\xAF",          // overlong '/'
      "\xE0\x80\xAF",      // overlong
      "\xED\xA0\x80",      // surrogate U+D800
      "\xF4\x90\x80\x80",  // above U+10FFFF
      "\x80",              // stray continuation
      "Latin-1 caf\xE9\r\n",
  };
  for (const char* b : bad) {
    std::optional<TextFault> f = FindTextFault(std::string("X:") + b, TextRules::kContentLines);
    ASSERT_TRUE(f) << b;
    EXPECT_TRUE(f->invalid_utf8) << b;
    EXPECT_EQ(f->offset,
              2u + (std::string_view(b).find_first_of("\xFF\xC3\xC0\xE0\xED\xF4\x80\xE9")));
  }
  EXPECT_EQ(FindTextFault("a\nb\n\xFF", TextRules::kContentLines)->Describe(),
            "line 3: byte 0xFF is not valid UTF-8");
}

TEST(TextCheck, XmlRulesAndCharacterReferences) {
  EXPECT_FALSE(FindTextFault("<a>x&amp;&#233;&#x1F4C5;&#13;\r\n\t</a>", TextRules::kXml));
  EXPECT_EQ(FindTextFault("<a>\x0B</a>", TextRules::kXml)->value, 0x0Bu);
  EXPECT_EQ(FindTextFault("<a>&#1;</a>", TextRules::kXml)->value, 1u);
  EXPECT_EQ(FindTextFault("<a>&#x0;</a>", TextRules::kXml)->value, 0u);
  EXPECT_EQ(FindTextFault("<a>&#xFFFE;</a>", TextRules::kXml)->value, 0xFFFEu);
  EXPECT_EQ(FindTextFault("<a>&#xD800;</a>", TextRules::kXml)->value, 0xD800u);
  EXPECT_TRUE(FindTextFault("<a>&#99999999999999999999;</a>", TextRules::kXml));
  EXPECT_FALSE(FindTextFault("<a>\x7F</a>", TextRules::kXml)) << "DEL is an XML 1.0 Char";
}

TEST(TextCheck, NameRules) {
  EXPECT_FALSE(FindTextFault("réunion du 3 mars.ics", TextRules::kName));
  EXPECT_TRUE(FindTextFault("a\x01.ics", TextRules::kName));
  EXPECT_TRUE(FindTextFault("a\n.ics", TextRules::kName));
  EXPECT_TRUE(FindTextFault("a\x7F.ics", TextRules::kName));
  EXPECT_TRUE(FindTextFault("a\xC2\x85.ics", TextRules::kName)) << "C1 control NEL";
  EXPECT_TRUE(FindTextFault("caf\xE9.ics", TextRules::kName));
}

TEST(XmlWriterRepair, EscapedTextIsAlwaysXml) {
  std::string out;
  AppendXmlText(out, std::string_view("a\x01"
                                      "b\xFF"
                                      "c\r\n\t<&>\"\xEF\xBF\xBF"
                                      "d\xC3",
                                      17));
  EXPECT_EQ(out,
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c&#13;\n\t&lt;&amp;&gt;&quot;\xEF\xBF\xBD"
            "d\xEF\xBF\xBD");
  EXPECT_FALSE(FindTextFault(out, TextRules::kXml));
  std::string clean;
  AppendXmlText(clean, "Réunion \xF0\x9F\x93\x85");
  EXPECT_EQ(clean, "Réunion \xF0\x9F\x93\x85") << "clean text is kept byte for byte";
}

TEST(XmlWriterRepair, RawFragmentsAreRepairedNotEscaped) {
  std::string out;
  dav::XmlWriter w(out);
  w.Raw("<x:c xmlns:x=\"urn:x\">ok\x02&#1;\xFE</x:c>");
  EXPECT_EQ(out, "<x:c xmlns:x=\"urn:x\">ok\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD</x:c>");
  std::string clean;
  dav::XmlWriter c(clean);
  c.Raw("<x:c xmlns:x=\"urn:x\">&amp;&#233;</x:c>");
  EXPECT_EQ(clean, "<x:c xmlns:x=\"urn:x\">&amp;&#233;</x:c>");
}

TEST(ParseXmlDoor, RefusesWhatIsNotXmlText) {
  for (std::string body : {std::string("<D:propfind xmlns:D=\"DAV:\"><D:prop><D:displayname>\xFF"
                                       "</D:displayname></D:prop></D:propfind>"),
                           std::string("<D:propfind xmlns:D=\"DAV:\">\n<D:prop>\x01</D:prop>"
                                       "</D:propfind>"),
                           std::string("<D:propfind xmlns:D=\"DAV:\">&#2;</D:propfind>")}) {
    auto doc = dav::ParseXml(body);
    ASSERT_FALSE(doc.ok()) << body;
    EXPECT_EQ(doc.status().HttpCode(), 400);
    EXPECT_NE(doc.status().message().find("line "), std::string::npos) << doc.status().message();
  }
  EXPECT_TRUE(dav::ParseXml("<D:propfind xmlns:D=\"DAV:\">&#233;\xC3\xA9</D:propfind>").ok());
}

}  // namespace
}  // namespace cartable
