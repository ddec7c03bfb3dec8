// XML namespace constants and QName. Names are always {namespace, local} pairs, never prefixes.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace cartable::dav {

namespace ns {
inline constexpr std::string_view kDav = "DAV:";
inline constexpr std::string_view kCalDav = "urn:ietf:params:xml:ns:caldav";
inline constexpr std::string_view kCardDav = "urn:ietf:params:xml:ns:carddav";
inline constexpr std::string_view kCalendarServer = "http://calendarserver.org/ns/";
inline constexpr std::string_view kApple = "http://apple.com/ns/ical/";
// Cartable's own elements (human-readable error messages inside DAV:error).
inline constexpr std::string_view kCartable = "urn:cartable";
}  // namespace ns

struct QName {
  std::string ns;
  std::string local;
  bool operator==(const QName& o) const { return local == o.local && ns == o.ns; }
  bool operator<(const QName& o) const { return ns < o.ns || (ns == o.ns && local < o.local); }
  bool Is(std::string_view n, std::string_view l) const { return local == l && ns == n; }
  // "{ns}local", Clark notation, for messages and map keys.
  std::string Clark() const { return "{" + ns + "}" + local; }
};

struct QNameHash {
  size_t operator()(const QName& q) const {
    return std::hash<std::string>()(q.ns) * 31 + std::hash<std::string>()(q.local);
  }
};

}  // namespace cartable::dav
