#include "dav/caldav/calendar_instance_cache.h"

#include <algorithm>

namespace cartable::dav::caldav {

InstanceCache::InstanceCache(TimeRange window, size_t max_spans)
    : window_(window), max_spans_per_shard_(std::max<size_t>(1, max_spans / kShards)) {}

bool InstanceCache::AnyOverlap(const std::vector<InstanceSpan>& spans, const TimeRange& range) {
  // Spans are sorted by lo: only those starting before range.end can overlap.
  auto end = std::lower_bound(spans.begin(), spans.end(), range.end,
                              [](const InstanceSpan& s, Seconds t) { return s.lo < t; });
  for (auto it = spans.begin(); it != end; ++it) {
    if (SpanOverlaps(*it, range)) return true;
  }
  return false;
}

std::optional<bool> InstanceCache::Overlaps(store::Id id, const std::string& etag,
                                            const std::string& component, const TimeRange& range,
                                            const std::function<std::optional<std::string>()>& data,
                                            const std::string& floating_tz) {
  if (range.start < window_.start || range.end > window_.end) return std::nullopt;
  Shard& shard = shards_[static_cast<size_t>(id) % kShards];
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    auto it = shard.entries.find(id);
    if (it != shard.entries.end() && it->second.etag == etag && it->second.component == component &&
        (!it->second.floating_tz || *it->second.floating_tz == floating_tz)) {
      return AnyOverlap(it->second.spans, range);
    }
  }
  std::optional<std::string> ics = data();
  if (!ics) return std::nullopt;
  bool complete = false, floating = false;
  Result<std::vector<InstanceSpan>> spans =
      InstanceSpans(*ics, component, window_, &complete, floating_tz, &floating);
  if (!spans.ok() || !complete) return std::nullopt;
  bool hit = AnyOverlap(*spans, range);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.entries.find(id);
  if (it != shard.entries.end()) {
    shard.spans -= it->second.spans.size();
    shard.entries.erase(it);
  }
  if (shard.spans + spans->size() > max_spans_per_shard_) {
    shard.entries.clear();
    shard.spans = 0;
  }
  shard.spans += spans->size();
  shard.entries.emplace(id, Entry{etag, component, std::move(spans.value()),
                                  floating ? std::optional(floating_tz) : std::nullopt});
  return hit;
}

}  // namespace cartable::dav::caldav
