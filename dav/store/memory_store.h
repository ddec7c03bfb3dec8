// An in-memory Store for unit tests: std::map based, one mutex. It implements the same contract
// as the SQLite store (tests/unit/store/store_contract_test.cc runs against both).
//
// Concurrency: a transaction (read or write) holds the store's mutex from Begin until it ends, so
// transactions are serialized; calls outside a transaction lock for their own duration. A write
// transaction snapshots the whole data set at Begin and restores it on rollback (fine for test
// data sizes, not for production). A failing mutating call leaves nothing behind: every call
// validates before it changes anything.
#pragma once

#include <memory>

#include "dav/store/store.h"

namespace cartable::store {

std::unique_ptr<Store> NewMemoryStore();

}  // namespace cartable::store
