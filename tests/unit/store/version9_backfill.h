// The version-9 backfill both backends check (SqliteMigrationTest and PgObjectsTest
// .Version9CalendarsAreBackfilled): the rows of a database written before the occurrence index
// (schema 10), and what a store opened on it once migrated must answer.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "dav/store/store.h"

namespace cartable::store::version9 {

using Ids = std::vector<Id>;
constexpr int64_t kDay = 86400;
constexpr int64_t kT0 = 1'725'235'200;  // 2024-09-02T00:00:00Z

// One user, a calendar and an address book with their homes, two events and a card, in SQL that
// SQLite and PostgreSQL both accept.
// clang-format off
inline constexpr char kRows[] =
    "INSERT INTO users (id, login, created_at) VALUES (1, 'a', 1);"
    "INSERT INTO collections (id, path, parent_id, owner_id, kind, created_at, modified_at) "
    "VALUES (10, '/dav/calendars/a/', NULL, 1, 'calendar-home', 1, 1),"
    " (11, '/dav/calendars/a/agenda/', 10, 1, 'calendar', 1, 1),"
    " (12, '/dav/addressbooks/a/', NULL, 1, 'addressbook-home', 1, 1),"
    " (13, '/dav/addressbooks/a/contacts/', 12, 1, 'addressbook', 1, 1);"
    "INSERT INTO objects (id, collection_id, name, content_type, etag, size, created_at, "
    "modified_at, change_seq, uid, component, data) VALUES"
    " (100, 11, 'e1.ics', 'text/calendar', '\"1\"', 3, 1, 1, 1, 'e1', 'VEVENT', 'one'),"
    " (101, 11, 'e2.ics', 'text/calendar', '\"2\"', 3, 1, 1, 2, 'e2', 'VEVENT', 'two'),"
    " (102, 13, 'c.vcf', 'text/vcard', '\"3\"', 3, 1, 1, 1, 'c', 'VCARD', 'card');";
// clang-format on

inline OccurrenceSet Set(std::vector<OccurrenceSpan> spans) {
  OccurrenceSet s;
  s.spans = std::move(spans);
  s.complete_until = kNoUpperBound;
  return s;
}

// The calendar (not the address book) is listed for backfill and answers `indexed` false until
// every object has rows; a stale ETag stores nothing; rows already there are kept.
inline void ExpectBackfill(Session& s) {
  Result<std::vector<Id>> todo = s.OccurrenceBackfillCollections();
  ASSERT_TRUE(todo.ok()) << todo.status().ToString();
  EXPECT_EQ(*todo, (Ids{11}));  // not the address book
  Result<Session::OccurrenceMatches> m = s.QueryOccurrences(11, "VEVENT", kT0, kT0 + kDay, "UTC");
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->indexed);
  Result<std::vector<Object>> missing = s.ObjectsWithoutOccurrences(11, 1);
  ASSERT_TRUE(missing.ok()) << missing.status().ToString();
  ASSERT_EQ(missing->size(), 1u);
  EXPECT_EQ((*missing)[0].id, 100);
  EXPECT_EQ((*missing)[0].data, "one");
  // A stale ETag (the object was replaced since it was read) stores nothing.
  Result<bool> stored = s.BackfillOccurrences(100, "\"old\"", Set({{kT0, kT0 + 60}}));
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_FALSE(*stored);
  stored = s.BackfillOccurrences(100, "\"1\"", Set({{kT0, kT0 + 60}}));
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(*stored);
  stored = s.BackfillOccurrences(100, "\"1\"", Set({}));  // already there: kept
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(*stored);
  Result<bool> done = s.FinishOccurrenceBackfill(11);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_FALSE(*done);  // e2 has no rows yet
  missing = s.ObjectsWithoutOccurrences(11, 10);
  ASSERT_TRUE(missing.ok());
  ASSERT_EQ(missing->size(), 1u);
  EXPECT_EQ((*missing)[0].id, 101);
  ASSERT_TRUE(s.BackfillOccurrences(101, "\"2\"", Set({{kT0 + 3 * kDay, kT0 + 4 * kDay}})).ok());
  done = s.FinishOccurrenceBackfill(11);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(*done);
  todo = s.OccurrenceBackfillCollections();
  ASSERT_TRUE(todo.ok());
  EXPECT_TRUE(todo->empty());
  m = s.QueryOccurrences(11, "VEVENT", kT0, kT0 + kDay, "UTC");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->indexed);
  EXPECT_EQ(m->matched, (Ids{100}));
  EXPECT_TRUE(m->unsure.empty());
}

}  // namespace cartable::store::version9
