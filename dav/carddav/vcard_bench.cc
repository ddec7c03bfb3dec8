// Times ParseVCard and MatchesCardFilter on a typical Apple card. Not a test: prints numbers.
#include <chrono>
#include <cstdio>

#include "dav/carddav/vcard.h"

using namespace cartable::dav::carddav;

namespace {

constexpr char kCard[] =
    "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.2//EN\r\n"
    "N:Appleseed;Johnny;;;\r\nFN:Johnny Appleseed\r\nORG:Apple Inc.;\r\n"
    "item1.EMAIL;type=INTERNET;type=pref:johnny@example.com\r\n"
    "item1.X-ABLabel:_$!<Other>!$_\r\nTEL;type=CELL;type=VOICE;type=pref:+1 555 0100\r\n"
    "TEL;type=WORK;type=VOICE:+1 555 0199\r\n"
    "item2.ADR;type=HOME;type=pref:;;1 Infinite Loop;Cupertino;CA;95014;USA\r\n"
    "item2.X-ABADR:us\r\nBDAY;X-APPLE-OMIT-YEAR=1604:1604-04-12\r\n"
    "NOTE:Met at the conference\\, talked about CardDAV\r\n"
    "UID:7C7C4E4A-1B5B-4C4C-9C9C-0A0A0A0A0A0A\r\nEND:VCARD\r\n";

template <typename F>
double NanosPerCall(int n, F f) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) f();
  auto end = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(end - start).count() / n;
}

}  // namespace

int main() {
  const int n = 100000;
  size_t sink = 0;
  double parse = NanosPerCall(n, [&] { sink += ParseVCard(kCard)->properties.size(); });
  CardFilter filter;
  PropFilter email;
  email.name = "EMAIL";
  email.text_matches.push_back({"example.com", "i;unicode-casemap", MatchType::kEndsWith, false});
  PropFilter fn;
  fn.name = "FN";
  fn.text_matches.push_back({"apple", "i;unicode-casemap", MatchType::kContains, false});
  filter.all_of = true;
  filter.prop_filters = {email, fn};
  double match = NanosPerCall(n, [&] { sink += MatchesCardFilter(kCard, filter); });
  std::printf(
      "card: %zu bytes\nParseVCard:        %.0f ns/call\nMatchesCardFilter: %.0f ns/call"
      " (2 prop-filters, allof, includes parsing)\n(%zu)\n",
      sizeof(kCard) - 1, parse, match, sink);
  return 0;
}
