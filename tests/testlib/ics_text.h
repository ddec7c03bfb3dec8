// Reading iCalendar text in tests: unfolding and finding content lines, so assertions do not
// depend on how libical folds or orders parameters.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

namespace cartable::testlib {

// `ics` with folded lines joined (RFC 5545 §3.1).
inline std::string Unfold(const std::string& ics) {
  std::string out;
  for (size_t i = 0; i < ics.size(); ++i) {
    if (ics.compare(i, 3, "\r\n ") == 0 || ics.compare(i, 3, "\r\n\t") == 0) {
      i += 2;
      continue;
    }
    out.push_back(ics[i]);
  }
  return out;
}

// The unfolded content lines of `ics` starting with `name` and containing `needle` (ignoring
// case; "" = any).
inline std::vector<std::string> Lines(const std::string& ics, const std::string& name,
                                      const std::string& needle = "") {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  };
  std::vector<std::string> out;
  const std::string text = Unfold(ics), wanted = lower(needle);
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find("\r\n", pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    if (line.rfind(name, 0) == 0 && lower(line).find(wanted) != std::string::npos) {
      out.push_back(line);
    }
    pos = end + 2;
  }
  return out;
}

// The first ATTENDEE line naming `who`, or "".
inline std::string AttendeeLine(const std::string& ics, const std::string& who) {
  std::vector<std::string> l = Lines(ics, "ATTENDEE", who);
  return l.empty() ? "" : l.front();
}

}  // namespace cartable::testlib
