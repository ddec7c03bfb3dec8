#include "dav/store/store_codec.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace cartable::store {

const char* StateText(UserState state) {
  return state == UserState::kDisabled ? "disabled" : "active";
}

UserState StateOf(std::string_view text) {
  return text == "disabled" ? UserState::kDisabled : UserState::kActive;
}

UserKind KindOf(std::string_view text) {
  return text == "group" ? UserKind::kGroup : UserKind::kPerson;
}

const char* StageText(SessionStage stage) {
  switch (stage) {
    case SessionStage::kFull: return "full";
    case SessionStage::kNeedsOtp: return "needs-otp";
    case SessionStage::kNeedsEnrolment: return "needs-enrolment";
    case SessionStage::kMustChange: return "must-change";
  }
  return "full";
}

SessionStage StageOf(std::string_view text) {
  if (text == "full") return SessionStage::kFull;
  if (text == "needs-enrolment") return SessionStage::kNeedsEnrolment;
  if (text == "must-change") return SessionStage::kMustChange;
  return SessionStage::kNeedsOtp;
}

const char* AccessText(ShareAccess a) {
  switch (a) {
    case ShareAccess::kRead: return "read";
    case ShareAccess::kReadWrite: return "read-write";
    case ShareAccess::kFreeBusy: return "freebusy";
  }
  return "read";
}

ShareAccess AccessOf(std::string_view text) {
  if (text == "read") return ShareAccess::kRead;
  if (text == "read-write") return ShareAccess::kReadWrite;
  return ShareAccess::kFreeBusy;
}

const char* StatusText(ShareStatus s) {
  switch (s) {
    case ShareStatus::kPending: return "pending";
    case ShareStatus::kAccepted: return "accepted";
    case ShareStatus::kDeclined: return "declined";
  }
  return "pending";
}

ShareStatus StatusOf(std::string_view text) {
  if (text == "accepted") return ShareStatus::kAccepted;
  if (text == "declined") return ShareStatus::kDeclined;
  return ShareStatus::kPending;
}

const char* DelegateText(DelegateAccess a) {
  return a == DelegateAccess::kReadWrite ? "read-write" : "read";
}

DelegateAccess DelegateOf(std::string_view text) {
  return text == "read-write" ? DelegateAccess::kReadWrite : DelegateAccess::kRead;
}

std::optional<GroupKey> ParseGroupKey(const std::string& key) {
  const size_t colon = key.find(':');
  if (colon == std::string::npos) return std::nullopt;
  const std::string kind = key.substr(0, colon);
  std::string value = key.substr(colon + 1);
  if (kind == "departement") return GroupKey{GroupKey::Kind::kDepartement, std::move(value)};
  if (kind == "etablissement") return GroupKey{GroupKey::Kind::kEtablissement, std::move(value)};
  return std::nullopt;
}

std::string JoinComponents(const std::vector<std::string>& components) {
  std::string out;
  for (const std::string& c : components) {
    if (!out.empty()) out += ',';
    out += c;
  }
  return out;
}

bool IsCalendarComponent(const std::string& c) {
  return c == "VEVENT" || c == "VTODO" || c == "VJOURNAL" || c == "VFREEBUSY";
}

int64_t SpanClass(const OccurrenceSpan& s) {
  int64_t d;
  if (__builtin_sub_overflow(s.hi, s.lo, &d) || d < 0) return 64;
  return d == 0 ? 0 : 64 - __builtin_clzll(static_cast<uint64_t>(d));
}

int64_t LowestLo(int64_t start, int64_t c) {
  int64_t out;
  if (c >= 63 || __builtin_sub_overflow(start, int64_t{1} << c, &out)) return kNoLowerBound;
  return out;
}

void SortUnique(std::vector<Id>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

Session::OccurrenceMatches SettleOccurrenceMatches(std::vector<Id> matched,
                                                   std::vector<Id> other_zone,
                                                   std::vector<Id> incomplete) {
  Session::OccurrenceMatches out;
  out.matched = std::move(matched);
  SortUnique(out.matched);
  SortUnique(other_zone);
  if (!other_zone.empty()) {
    std::vector<Id> kept;
    std::set_difference(out.matched.begin(), out.matched.end(), other_zone.begin(),
                        other_zone.end(), std::back_inserter(kept));
    out.matched = std::move(kept);
  }
  incomplete.insert(incomplete.end(), other_zone.begin(), other_zone.end());
  SortUnique(incomplete);
  std::set_difference(incomplete.begin(), incomplete.end(), out.matched.begin(), out.matched.end(),
                      std::back_inserter(out.unsure));
  out.indexed = true;
  return out;
}

}  // namespace cartable::store
