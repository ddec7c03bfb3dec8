#include "dav/caldav/calendar_occurrence_backfill.h"

#include <iostream>
#include <utility>
#include <vector>

#include "dav/caldav/occurrences.h"

namespace cartable::dav::caldav {

Result<size_t> BackfillOccurrences(store::Session& session, size_t batch,
                                   const std::atomic<bool>* stop) {
  auto stopped = [stop] { return stop != nullptr && stop->load(); };
  Result<std::vector<store::Id>> collections = session.OccurrenceBackfillCollections();
  if (!collections.ok()) return collections.status();
  size_t filled = 0;
  for (store::Id collection : *collections) {
    while (!stopped()) {
      Result<std::vector<store::Object>> objects =
          session.ObjectsWithoutOccurrences(collection, batch);
      if (!objects.ok()) return objects.status();
      if (objects->empty()) break;
      // Stored data is valid; a set that cannot be computed is stored as "never computed", so
      // queries parse that object and the backfill does not pick it again.
      std::vector<store::OccurrenceSet> sets;
      sets.reserve(objects->size());
      for (const store::Object& o : *objects) {
        Result<store::OccurrenceSet> set =
            OccurrenceRows(o.data.value_or(""), o.index.component, DefaultOccurrenceOptions());
        sets.push_back(set.ok() ? std::move(*set) : store::OccurrenceSet{});
      }
      Result<std::unique_ptr<store::Transaction>> txn = session.Begin(true);
      if (!txn.ok()) return txn.status();
      size_t progress = 0;
      for (size_t i = 0; i < objects->size(); ++i) {
        Result<bool> done =
            session.BackfillOccurrences((*objects)[i].id, (*objects)[i].etag, sets[i]);
        if (!done.ok()) return done.status();
        if (*done) ++progress;
      }
      if (Status s = (*txn)->Commit(); !s.ok()) return s;
      filled += progress;
      if (progress == 0) break;  // everything changed under us: FinishOccurrenceBackfill decides
    }
    if (stopped()) break;
    Result<bool> done = session.FinishOccurrenceBackfill(collection);
    if (!done.ok()) return done.status();
  }
  return filled;
}

OccurrenceBackfill::OccurrenceBackfill(store::Store& store) {
  thread_ = std::thread([this, &store] {
    Result<size_t> n = BackfillOccurrences(store.ThreadSession(), 100, &stop_);
    if (!n.ok()) {
      std::cerr << "occurrence index: backfill stopped: " << n.status().ToString()
                << " (resumed at the next start)\n";
    } else if (*n > 0) {
      std::cerr << "occurrence index: " << *n << " calendar objects indexed\n";
    }
    finished_ = true;
  });
}

OccurrenceBackfill::~OccurrenceBackfill() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace cartable::dav::caldav
