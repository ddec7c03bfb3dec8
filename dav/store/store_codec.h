// The logic both Store backends (sqlite_*.cc, pg_*.cc) share beyond SQL: the texts their columns
// hold for the enums of store.h, the group keys of the directory, and the occurrence index
// arithmetic. One copy, so that a database written by one backend reads the same in the other
// (migrate-store copies rows as they are).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dav/store/store.h"

namespace cartable::store {

// ---- users (users.state, users.kind) ----

const char* StateText(UserState state);
UserState StateOf(std::string_view text);
UserKind KindOf(std::string_view text);

// ---- web sessions (web_sessions.stage) ----

const char* StageText(SessionStage stage);
// An unknown stage (a later version's) gives the least access: the session must sign in again.
SessionStage StageOf(std::string_view text);

// ---- sharing (shares.access, shares.status, delegates.access) ----

const char* AccessText(ShareAccess a);
// An unknown value (a later version's) gives the least access.
ShareAccess AccessOf(std::string_view text);
const char* StatusText(ShareStatus s);
ShareStatus StatusOf(std::string_view text);
const char* DelegateText(DelegateAccess a);
DelegateAccess DelegateOf(std::string_view text);

// A directory group key, "departement:<code>" or "etablissement:<uai>" (GroupKeysOfUser).
struct GroupKey {
  enum class Kind { kDepartement, kEtablissement };
  Kind kind;
  std::string value;
};
// The parts of `key`; nullopt for a key of no known kind (it has no members).
std::optional<GroupKey> ParseGroupKey(const std::string& key);

// ---- collections (collections.components) ----

// "VEVENT,VTODO": the stored form of a calendar's supported components (names never contain a
// comma; SplitNonEmpty(text, ',') reads it back).
std::string JoinComponents(const std::vector<std::string>& components);

// ---- occurrence index (issue 14, 0010_occurrences.sql) ----

// The components whose objects have occurrence rows (calendar-query time ranges, §9.9).
bool IsCalendarComponent(const std::string& c);

// The span length class of an interval (0010_occurrences.sql): the bit length of hi - lo, 64
// when it does not fit an int64. An instance of class c overlapping [start, end) has
// lo > start - 2^c.
int64_t SpanClass(const OccurrenceSpan& s);

// A lower bound of lo for a class-c instance overlapping [start, ...) (hi > start and
// hi - lo < 2^c); kNoLowerBound when it does not fit, so unbounded spans are always seen.
int64_t LowestLo(int64_t start, int64_t c);

void SortUnique(std::vector<Id>& v);

// The answer of QueryOccurrences from the ids its three reads found: `matched` (a span overlaps),
// `other_zone` (spans evaluated in another floating zone prove nothing) and `incomplete` (rows
// complete only before the range's end prove matches only). Sets `indexed`.
Session::OccurrenceMatches SettleOccurrenceMatches(std::vector<Id> matched,
                                                   std::vector<Id> other_zone,
                                                   std::vector<Id> incomplete);

}  // namespace cartable::store
