// Computes the occurrence rows (dav/caldav/occurrences.h) of calendar objects stored before the
// occurrence index existed (schema 10): the migration cannot expand recurrences in SQL, so it
// lists their collections in occurrence_backfill and the server fills them in the background at
// start. Until a collection is done its time-range queries parse candidates as before
// (Session::QueryOccurrences says `indexed` false), so every answer stays exact meanwhile.
#pragma once

#include <atomic>
#include <cstddef>
#include <thread>

#include "dav/status.h"
#include "dav/store/store.h"

namespace cartable::dav::caldav {

// Fills every collection listed for backfill, `batch` objects per write transaction (the rows
// are computed before the transaction: the writer is held only to store them). Objects replaced
// or deleted meanwhile are skipped (their PUT wrote their rows). Stops early, leaving the rest
// for the next start, when `stop` becomes true. Returns the number of objects filled; errors
// from the store (a busy database is retried by the next start).
Result<size_t> BackfillOccurrences(store::Session& session, size_t batch = 100,
                                   const std::atomic<bool>* stop = nullptr);

// Runs BackfillOccurrences on a thread of its own (with that thread's store session); the
// destructor stops it and waits (at most one batch).
class OccurrenceBackfill {
 public:
  explicit OccurrenceBackfill(store::Store& store);
  ~OccurrenceBackfill();
  OccurrenceBackfill(const OccurrenceBackfill&) = delete;
  OccurrenceBackfill& operator=(const OccurrenceBackfill&) = delete;

  // Whether the thread has finished (done, failed or stopped).
  bool finished() const { return finished_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

}  // namespace cartable::dav::caldav
