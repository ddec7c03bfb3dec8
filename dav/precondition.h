// Every DAV precondition/postcondition element Cartable can report, with its namespace and the
// HTTP status it goes with. Handlers set a Precondition; the core renders <DAV:error>.
#pragma once

#include <string_view>

namespace cartable::dav {

enum class Precondition {
  kNone = 0,
  // RFC 4918
  kLockTokenMatchesRequestUri,
  kLockTokenSubmitted,
  kNoConflictingLock,
  kNoExternalEntities,
  kPreservedLiveProperties,
  kPropfindFiniteDepth,
  kCannotModifyProtectedProperty,
  // RFC 3253
  kSupportedReport,
  kResourceMustBeNull,  // also RFC 4791 §5.3.1.1 (MKCALENDAR), RFC 5689 §3 (extended MKCOL)
  // RFC 3744
  kNeedPrivileges,
  kNoAceConflict,
  kNoProtectedAceConflict,
  kNoInheritedAceConflict,
  kLimitedNumberOfAces,
  kDenyBeforeGrant,
  kGrantOnly,
  kNoInvert,
  kNoAbstract,
  kNotSupportedPrivilege,
  kMissingRequiredPrincipal,
  kRecognizedPrincipal,
  kAllowedPrincipal,
  // RFC 4331
  kQuotaNotExceeded,
  kSufficientDiskSpace,
  // RFC 5689
  kValidResourcetype,
  // RFC 6578
  kValidSyncToken,
  kNumberOfMatchesWithinLimits,
  // RFC 4791 (CalDAV)
  kCalendarCollectionLocationOk,
  kValidCalendarData,
  kValidCalendarObjectResource,
  kSupportedCalendarData,
  kSupportedCalendarComponent,
  kNoUidConflict,
  kMaxResourceSize,
  kMinDateTime,
  kMaxDateTime,
  kMaxInstances,
  kMaxAttendeesPerInstance,
  kValidFilter,
  kSupportedFilter,
  kSupportedCollation,
  kValidCalendarTimezone,
  kValidTimezone,  // RFC 7809: a CALDAV:timezone-id the server does not know
  // RFC 6352 (CardDAV)
  kSupportedAddressData,
  kValidAddressData,
  kAddressbookCollectionLocationOk,
  kCardNoUidConflict,
  kCardMaxResourceSize,
  kCardSupportedFilter,
  kCardSupportedCollation,
  kSupportedAddressDataConversion,
  // RFC 6638 (scheduling)
  kValidSchedulingMessage,
  kValidOrganizer,
  kUniqueSchedulingObjectResource,
  kSameOrganizerInAllComponents,
  kAllowedOrganizerObjectChange,
  kAllowedAttendeeObjectChange,
  kDefaultCalendarNeeded,
  kValidScheduleDefaultCalendarUrl,
  kValidScheduleCalendarTransp,
  kOrganizerAllowed,
  kRecipientExists,
  // Cartable's own (urn:cartable), where no RFC names the condition
  kDefaultAddressbookNeeded,  // like CALDAV:default-calendar-needed, for the home's contacts/
  kCount                      // keep last
};

struct PreconditionInfo {
  std::string_view local_name;
  std::string_view ns;
  int http_code;
};

// The table row of `p`. Precondition::kNone has an empty name and code 0.
const PreconditionInfo& Describe(Precondition p);

}  // namespace cartable::dav
