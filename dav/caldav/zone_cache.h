// The process-wide cache of expanded time zones (issue 14): every calendar object carries its own
// VTIMEZONE, and libical expands a zone's STANDARD/DAYLIGHT rules from their DTSTART (often 1970)
// up to the current year + 5 the first time a time is converted in it, through ICU calendar
// arithmetic. Done per object, that was 80-91 % of the CPU of an event PUT. The cache keeps one
// expanded zone per distinct VTIMEZONE *definition* (its canonical text, not its TZID: two
// objects may carry different rules under one TZID) and hands it to every TimeContext.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cartable::dav::caldav {

// [limits] tz_cache_entries: how many distinct VTIMEZONE definitions stay expanded. Real
// deployments see a handful (one per client version and zone); the default leaves room for many
// clients and zones at about 10 KiB per entry (the definition plus its expanded transitions).
inline constexpr size_t kDefaultZoneCacheEntries = 256;

// Sets the bound (least recently used definitions are evicted beyond it). 0 disables the cache:
// every object then expands its own zones, as libical does by default. Thread-safe; zones in use
// by a running request stay valid after eviction (shared ownership).
void SetZoneCacheCapacity(size_t entries);

struct ZoneCacheStats {
  size_t entries = 0;
  size_t capacity = 0;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
};
// A snapshot of the counters (tests, diagnostics).
ZoneCacheStats GetZoneCacheStats();

// Drops every entry and resets the counters (tests).
void ClearZoneCache();

}  // namespace cartable::dav::caldav
