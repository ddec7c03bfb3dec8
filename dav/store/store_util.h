// Helpers shared by every Store implementation, so they agree byte for byte (ETags, path rules).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dav/status.h"
#include "dav/store/store.h"

namespace cartable::store {

// The non-empty parts of `text` between `sep` characters ("/a//b/" -> {"a", "b"}).
std::vector<std::string> SplitNonEmpty(std::string_view text, char sep);

// The strong ETag of `data`, quotes included: "\"<16 hex digits of FNV-1a 64>-<size in hex>\"".
// Same bytes give the same ETag in every implementation and across restarts. The size is part of
// it so that a 64-bit hash collision must also keep the length to go unnoticed.
std::string ComputeEtag(std::string_view data);

// The last segment of a collection path, with its trailing '/': "/a/b/" -> "b/".
// The name a collection has in its parent's change log.
std::string CollectionMemberName(std::string_view path);

// OK when `path` is a valid path for a collection under a parent at `parent_path`:
// absolute, ends with '/', and, when parent_path is not empty, exactly parent_path + one segment
// + '/'. kBadRequest otherwise. Every non-root collection's path therefore starts with its
// parent's, which the subtree renames (MoveCollection) rely on.
Status CheckCollectionPath(std::string_view path, std::string_view parent_path);

// OK when `name` is a valid object name (non-empty, no '/'); kBadRequest otherwise.
Status CheckObjectName(std::string_view name);

// Current time, seconds since the Unix epoch.
UnixTime Now();

}  // namespace cartable::store
