// The vCards of the shared directory address book (/dav/directory/): one vCard 4.0 per active
// person, one KIND:group card per department and per establishment. Output is deterministic
// (no REV, members sorted) so re-importing unchanged data yields identical bytes and leaves the
// collection's sync token alone.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dav/store/store.h"

namespace cartable::directory {

// RFC 6350 §3.4 text escaping: '\' ',' ';' and newlines.
std::string EscapeVCardText(std::string_view text);
// One content line "NAME:value" folded at 75 octets (continuations start with a space, UTF-8
// sequences never split), CRLF terminated.
std::string FoldVCardLine(std::string_view line);

// "DSDEN 37 — Indre-et-Loire" for code "37" given the department names.
std::string DepartmentGroupName(const std::string& code,
                                const std::map<std::string, std::string>& names);

// The person's card (entry.card_uid is its UID).
std::string PersonVCard(const store::DirectoryEntry& entry,
                        const std::map<std::string, std::string>& department_names);

// A group card: UID `uid`, FN `name`, one MEMBER per uid of `member_uids` (sorted here).
std::string GroupVCard(const std::string& uid, const std::string& name,
                       std::vector<std::string> member_uids);

// A name-based, stable "urn:uuid:..." for a group card named e.g. "dsden-37" (UUID version 8,
// from a BLAKE2b hash of the name), so a group keeps its UID across imports with no state.
std::string GroupUid(const std::string& card_name);
// A fresh random "urn:uuid:..." (UUID version 4).
std::string NewCardUid();

struct DirectoryCard {
  std::string name;  // "<uuid>.vcf", "dsden-37.vcf", "etab-<uai>.vcf"
  std::string uid;
  std::string data;
};

// Every card the directory address book must hold for `entries` (inactive ones are skipped).
// Establishment groups take the name of their first active member in `entries` order.
std::vector<DirectoryCard> DirectoryCards(
    const std::vector<store::DirectoryEntry>& entries,
    const std::map<std::string, std::string>& department_names);

}  // namespace cartable::directory
