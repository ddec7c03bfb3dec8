// The process-wide cache of expanded time zones (zone_cache.h).
//
// Thread safety of a shared icaltimezone (libical 3.0.16, src/libical/icaltimezone.c): the
// expanded transitions (`zone->changes`) are read and (re)built only by
// icaltimezone_get_utc_offset and icaltimezone_get_utc_offset_of_utc_time, which hold the
// library's global `changes_mutex` around icaltimezone_ensure_coverage and the lookup (Debian
// builds it with pthreads). Everything else of a zone (TZID, location, component) is set once by
// icaltimezone_set_component, before the zone is published here, and never changed: nothing in
// dav/caldav writes to a zone TimeContext hands out. So several threads may convert times in one
// cached zone at once; each zone is expanded once, before it is published, outside this cache's
// mutex (a later year beyond the coverage extends it under libical's lock).
#include "dav/caldav/zone_cache.h"

#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "dav/caldav/ical_internal.h"

namespace cartable::dav::caldav {
namespace internal {

SharedZone::~SharedZone() {
  if (zone_) icaltimezone_free(zone_, 1);
}

namespace {

// Least recently used first out; keyed by the canonical text of the definition (the hash map
// compares the whole text, so two definitions never share an entry by a hash collision).
class ZoneCache {
 public:
  std::shared_ptr<const SharedZone> Find(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) {
      ++stats_.misses;
      return nullptr;
    }
    ++stats_.hits;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->zone;
  }

  // Publishes `zone` under `key`, or returns the entry another thread published meanwhile.
  std::shared_ptr<const SharedZone> Insert(std::string key,
                                           std::shared_ptr<const SharedZone> zone) {
    std::lock_guard<std::mutex> lock(mu_);
    if (capacity_ == 0) return zone;
    auto it = index_.find(key);
    if (it != index_.end()) return it->second->zone;
    lru_.push_front(Entry{std::move(key), std::move(zone)});
    index_.emplace(lru_.front().key, lru_.begin());
    EvictBeyond(capacity_);
    return lru_.front().zone;
  }

  bool enabled() {
    std::lock_guard<std::mutex> lock(mu_);
    return capacity_ > 0;
  }

  void SetCapacity(size_t entries) {
    std::lock_guard<std::mutex> lock(mu_);
    capacity_ = entries;
    EvictBeyond(capacity_);
  }

  ZoneCacheStats Stats() {
    std::lock_guard<std::mutex> lock(mu_);
    ZoneCacheStats s = stats_;
    s.entries = lru_.size();
    s.capacity = capacity_;
    return s;
  }

  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    index_.clear();
    lru_.clear();
    stats_ = ZoneCacheStats{};
  }

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const SharedZone> zone;
  };

  void EvictBeyond(size_t n) {
    while (lru_.size() > n) {
      index_.erase(lru_.back().key);
      lru_.pop_back();  // a TimeContext still using the zone keeps it alive
      ++stats_.evictions;
    }
  }

  std::mutex mu_;
  size_t capacity_ = kDefaultZoneCacheEntries;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // views lru_ keys
  ZoneCacheStats stats_;
};

ZoneCache& TheCache() {
  static ZoneCache* cache = new ZoneCache;  // never destroyed: threads may still run at exit
  return *cache;
}

// A zone owning `vtimezone` (a detached VTIMEZONE), expanded up to libical's usual coverage
// (the current year + 5) so that concurrent readers find it ready. Null (and `vtimezone` freed)
// when libical refuses it.
std::shared_ptr<const SharedZone> Build(icalcomponent* vtimezone) {
  icaltimezone* zone = icaltimezone_new();
  if (!zone) {
    icalcomponent_free(vtimezone);
    return nullptr;
  }
  if (!icaltimezone_set_component(zone, vtimezone)) {  // no TZID: the component was not taken
    icalcomponent_free(vtimezone);
    icaltimezone_free(zone, 1);
    return nullptr;
  }
  // Any year up to the current one expands to the current year + ICALTIMEZONE_EXTRA_COVERAGE.
  icaltimetype t = icaltime_null_time();
  t.year = 2000;
  t.month = t.day = 1;
  icaltimezone_get_utc_offset(zone, &t, nullptr);
  return std::make_shared<const SharedZone>(zone);
}

}  // namespace

std::shared_ptr<const SharedZone> SharedZoneOf(icalcomponent* vtimezone) {
  ZoneCache& cache = TheCache();
  if (!vtimezone || !cache.enabled()) return nullptr;
  char* text = icalcomponent_as_ical_string_r(vtimezone);
  if (!text) return nullptr;
  std::string key(text);
  icalmemory_free_buffer(text);
  if (std::shared_ptr<const SharedZone> hit = cache.Find(key)) return hit;
  std::shared_ptr<const SharedZone> built = Build(icalcomponent_new_clone(vtimezone));
  if (!built) return nullptr;
  return cache.Insert(std::move(key), std::move(built));
}

std::shared_ptr<const SharedZone> SharedZoneOfDefinition(const std::string& ics) {
  ZoneCache& cache = TheCache();
  if (!cache.enabled()) return nullptr;
  // Keyed by the whole VCALENDAR text: it begins with BEGIN:VCALENDAR, so it never equals the
  // canonical text of a lone VTIMEZONE (SharedZoneOf).
  if (std::shared_ptr<const SharedZone> hit = cache.Find(ics)) return hit;
  ComponentPtr cal = ParseCalendar(ics);
  icalcomponent* vtz =
      cal ? icalcomponent_get_first_component(cal.get(), ICAL_VTIMEZONE_COMPONENT) : nullptr;
  if (!vtz) return nullptr;
  icalcomponent_remove_component(cal.get(), vtz);
  std::shared_ptr<const SharedZone> built = Build(vtz);
  if (!built) return nullptr;
  return cache.Insert(ics, std::move(built));
}

}  // namespace internal

void SetZoneCacheCapacity(size_t entries) { internal::TheCache().SetCapacity(entries); }

ZoneCacheStats GetZoneCacheStats() { return internal::TheCache().Stats(); }

void ClearZoneCache() { internal::TheCache().Clear(); }

}  // namespace cartable::dav::caldav
