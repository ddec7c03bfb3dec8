#include "dav/precondition.h"

#include <array>

#include "dav/xml_names.h"

namespace cartable::dav {
namespace {

using P = Precondition;
struct Row {
  P p;
  PreconditionInfo info;
};

constexpr Row kRows[] = {
    {P::kNone, {"", "", 0}},
    {P::kLockTokenMatchesRequestUri, {"lock-token-matches-request-uri", ns::kDav, 409}},
    {P::kLockTokenSubmitted, {"lock-token-submitted", ns::kDav, 423}},
    {P::kNoConflictingLock, {"no-conflicting-lock", ns::kDav, 423}},
    {P::kNoExternalEntities, {"no-external-entities", ns::kDav, 403}},
    {P::kPreservedLiveProperties, {"preserved-live-properties", ns::kDav, 409}},
    {P::kPropfindFiniteDepth, {"propfind-finite-depth", ns::kDav, 403}},
    {P::kCannotModifyProtectedProperty, {"cannot-modify-protected-property", ns::kDav, 403}},
    {P::kSupportedReport, {"supported-report", ns::kDav, 403}},
    {P::kResourceMustBeNull, {"resource-must-be-null", ns::kDav, 403}},
    {P::kNeedPrivileges, {"need-privileges", ns::kDav, 403}},
    {P::kNoAceConflict, {"no-ace-conflict", ns::kDav, 409}},
    {P::kNoProtectedAceConflict, {"no-protected-ace-conflict", ns::kDav, 409}},
    {P::kNoInheritedAceConflict, {"no-inherited-ace-conflict", ns::kDav, 409}},
    {P::kLimitedNumberOfAces, {"limited-number-of-aces", ns::kDav, 409}},
    {P::kDenyBeforeGrant, {"deny-before-grant", ns::kDav, 409}},
    {P::kGrantOnly, {"grant-only", ns::kDav, 409}},
    {P::kNoInvert, {"no-invert", ns::kDav, 409}},
    {P::kNoAbstract, {"no-abstract", ns::kDav, 409}},
    {P::kNotSupportedPrivilege, {"not-supported-privilege", ns::kDav, 403}},
    {P::kMissingRequiredPrincipal, {"missing-required-principal", ns::kDav, 409}},
    {P::kRecognizedPrincipal, {"recognized-principal", ns::kDav, 403}},
    {P::kAllowedPrincipal, {"allowed-principal", ns::kDav, 403}},
    {P::kQuotaNotExceeded, {"quota-not-exceeded", ns::kDav, 507}},
    {P::kSufficientDiskSpace, {"sufficient-disk-space", ns::kDav, 507}},
    {P::kValidResourcetype, {"valid-resourcetype", ns::kDav, 403}},
    {P::kValidSyncToken, {"valid-sync-token", ns::kDav, 403}},
    {P::kNumberOfMatchesWithinLimits, {"number-of-matches-within-limits", ns::kDav, 507}},
    {P::kCalendarCollectionLocationOk, {"calendar-collection-location-ok", ns::kCalDav, 403}},
    {P::kValidCalendarData, {"valid-calendar-data", ns::kCalDav, 403}},
    {P::kValidCalendarObjectResource, {"valid-calendar-object-resource", ns::kCalDav, 403}},
    {P::kSupportedCalendarData, {"supported-calendar-data", ns::kCalDav, 403}},
    {P::kSupportedCalendarComponent, {"supported-calendar-component", ns::kCalDav, 403}},
    {P::kNoUidConflict, {"no-uid-conflict", ns::kCalDav, 403}},
    {P::kMaxResourceSize, {"max-resource-size", ns::kCalDav, 403}},
    {P::kMinDateTime, {"min-date-time", ns::kCalDav, 403}},
    {P::kMaxDateTime, {"max-date-time", ns::kCalDav, 403}},
    {P::kMaxInstances, {"max-instances", ns::kCalDav, 403}},
    {P::kMaxAttendeesPerInstance, {"max-attendees-per-instance", ns::kCalDav, 403}},
    {P::kValidFilter, {"valid-filter", ns::kCalDav, 403}},
    {P::kSupportedFilter, {"supported-filter", ns::kCalDav, 403}},
    {P::kSupportedCollation, {"supported-collation", ns::kCalDav, 403}},
    {P::kValidCalendarTimezone, {"valid-calendar-timezone", ns::kCalDav, 403}},
    {P::kValidTimezone, {"valid-timezone", ns::kCalDav, 403}},
    {P::kSupportedAddressData, {"supported-address-data", ns::kCardDav, 403}},
    {P::kValidAddressData, {"valid-address-data", ns::kCardDav, 403}},
    {P::kAddressbookCollectionLocationOk,
     {"addressbook-collection-location-ok", ns::kCardDav, 403}},
    {P::kCardNoUidConflict, {"no-uid-conflict", ns::kCardDav, 403}},
    {P::kCardMaxResourceSize, {"max-resource-size", ns::kCardDav, 403}},
    {P::kCardSupportedFilter, {"supported-filter", ns::kCardDav, 403}},
    {P::kCardSupportedCollation, {"supported-collation", ns::kCardDav, 403}},
    {P::kSupportedAddressDataConversion, {"supported-address-data-conversion", ns::kCardDav, 403}},
    {P::kValidSchedulingMessage, {"valid-scheduling-message", ns::kCalDav, 403}},
    {P::kValidOrganizer, {"valid-organizer", ns::kCalDav, 403}},
    {P::kUniqueSchedulingObjectResource, {"unique-scheduling-object-resource", ns::kCalDav, 403}},
    {P::kSameOrganizerInAllComponents, {"same-organizer-in-all-components", ns::kCalDav, 403}},
    {P::kAllowedOrganizerObjectChange,
     {"allowed-organizer-scheduling-object-change", ns::kCalDav, 403}},
    {P::kAllowedAttendeeObjectChange,
     {"allowed-attendee-scheduling-object-change", ns::kCalDav, 403}},
    {P::kDefaultCalendarNeeded, {"default-calendar-needed", ns::kCalDav, 403}},
    {P::kValidScheduleDefaultCalendarUrl,
     {"valid-schedule-default-calendar-URL", ns::kCalDav, 403}},
    {P::kValidScheduleCalendarTransp, {"valid-schedule-calendar-transp", ns::kCalDav, 403}},
    {P::kOrganizerAllowed, {"organizer-allowed", ns::kCalDav, 403}},
    {P::kRecipientExists, {"recipient-exists", ns::kCalDav, 403}},
    {P::kDefaultAddressbookNeeded, {"default-addressbook-needed", ns::kCartable, 403}},
};

constexpr auto BuildTable() {
  std::array<PreconditionInfo, static_cast<size_t>(P::kCount)> table{};
  for (const Row& r : kRows) table[static_cast<size_t>(r.p)] = r.info;
  return table;
}
constexpr auto kTable = BuildTable();
static_assert(std::size(kRows) == static_cast<size_t>(P::kCount), "one row per precondition");

}  // namespace

const PreconditionInfo& Describe(Precondition p) { return kTable[static_cast<size_t>(p)]; }

}  // namespace cartable::dav
