// A transaction that can end before its commit is durable (issue 14), for a caller that answers
// later (a deferred HTTP response): the SQLite store's, whose durability is a group fsync that
// other commits can join while this thread serves their requests (sqlite_commit.cc).
#pragma once

#include <functional>

#include "dav/status.h"

namespace cartable::store {

class CommitsLater {
 public:
  // Transaction::Commit() without the wait: ends the transaction before returning, as Commit()
  // does (later transactions see its changes), but may return before the commit is durable.
  // `durable` is called exactly once, with what Commit() would have returned, on this thread
  // before the return or later on another thread; it must not block nor use the store.
  virtual void CommitThen(std::function<void(Status)> durable) = 0;

 protected:
  ~CommitsLater() = default;
};

}  // namespace cartable::store
