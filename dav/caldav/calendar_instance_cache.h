// A cache of recurrence-instance spans per calendar object, so a time-range calendar-query does
// not parse and expand every recurring candidate on every request (expansion through libical
// costs 50-150 µs per object; a one-week query on a 10,000-event calendar has hundreds of
// recurring candidates). Entries are keyed by object id and checked against the ETag, so a
// changed object is never answered from stale spans.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "dav/caldav/ical.h"
#include "dav/store/store.h"

namespace cartable::dav::caldav {

class InstanceCache {
 public:
  // Spans are computed over `window` (fixed for the cache's life); queries outside it are not
  // answered. `max_spans` bounds memory (16 bytes a span): a full shard is emptied.
  InstanceCache(TimeRange window, size_t max_spans);

  // Whether object (`id`, `etag`) has a `component` instance overlapping `range`, computed
  // from `data()` on a miss, floating and DATE values evaluated in `floating_tz` (ical.h). An
  // entry whose spans depend on the floating zone answers only for that zone (RFC 4791 §9.9:
  // a query's CALDAV:timezone may differ from the calendar's). nullopt when the cache cannot
  // answer: `range` is not inside the window, the expansion was capped, or the data could not
  // be read (callers then run MatchesFilter). Thread-safe.
  std::optional<bool> Overlaps(store::Id id, const std::string& etag, const std::string& component,
                               const TimeRange& range,
                               const std::function<std::optional<std::string>()>& data,
                               const std::string& floating_tz = "UTC");

  const TimeRange& window() const { return window_; }

 private:
  struct Entry {
    std::string etag;
    std::string component;
    std::vector<InstanceSpan> spans;
    std::optional<std::string> floating_tz;  // set when the spans depend on it
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<store::Id, Entry> entries;
    size_t spans = 0;
  };
  static constexpr size_t kShards = 16;

  static bool AnyOverlap(const std::vector<InstanceSpan>& spans, const TimeRange& range);

  TimeRange window_;
  size_t max_spans_per_shard_;
  Shard shards_[kShards];
};

}  // namespace cartable::dav::caldav
