// Sample loading for the vCard tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace cartable::dav::carddav::testing {

inline std::string Sample(const std::string& name) {
  std::ifstream in(std::string(CARDDAV_SAMPLES) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The card with LF line endings turned into CRLF (samples are stored as clients send them).
inline std::string Crlf(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out.push_back('\r');
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace cartable::dav::carddav::testing
