// Helpers shared by the vcard*.cc files; not part of the engine's interface.
#pragma once

#include <string>
#include <string_view>

#include "dav/carddav/vcard.h"

namespace cartable::dav::carddav::internal {

std::string Upper(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Converts `card` in place to `version` ("3.0" or "4.0"); a no-op when it already is.
void ConvertCard(VCard* card, std::string_view version);

}  // namespace cartable::dav::carddav::internal
