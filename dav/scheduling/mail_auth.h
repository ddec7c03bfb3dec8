// Who vouches for the sender of an incoming iMIP mail: the Authentication-Results header field
// (RFC 8601) our own MTA adds after checking DMARC (RFC 7489) or DKIM (RFC 6376).
//
// The From: header of a mail is whatever its author typed; only the receiving MTA can tell
// whether the From domain authorised the message. So an iTIP message is applied only when the
// topmost Authentication-Results field whose authserv-id is one we trust says so. Fields with
// other authserv-ids are ignored (RFC 8601 §5: anyone on the path may add one). Sender: and
// Return-Path: are never consulted: DMARC authenticates the From domain, which is what iTIP
// checks against ORGANIZER/ATTENDEE; the envelope sender and Sender: may name a mailing list
// or a relay that vouches for nothing about the author.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dav/status.h"

namespace cartable::dav::scheduling {

// One "ptype.property=value" of a result ("header.d=example.org"); ptype and property
// lowercase, value as written (quotes removed).
struct AuthProperty {
  std::string ptype;
  std::string property;
  std::string value;
};

// One "method=result" of the field, with its reason and properties; method and result
// lowercase ("dkim", "pass").
struct AuthResult {
  std::string method;
  std::string result;
  std::string reason;
  std::vector<AuthProperty> properties;
  // The value of ptype.property (case-insensitive names), "" if absent.
  std::string Property(std::string_view ptype, std::string_view property) const;
};

// One Authentication-Results field: who wrote it, and its results (none for "; none").
struct AuthResults {
  std::string authserv_id;  // as written (quotes removed)
  std::vector<AuthResult> results;
};

// Parses the value of one Authentication-Results field (what follows the colon; folding
// CRLFs allowed) by the RFC 8601 §2.2 grammar: CFWS (nested comments with quoted-pairs) between
// all tokens, authserv-id and reason values as tokens or quoted strings, an optional version
// (only 1 is understood), "; none", method/version, ptype.property=pvalue (a quoted string or
// a run of characters up to space, '(' or ';', so "header.b=ab+/=" and "smtp.mailfrom=a@b"
// parse). Errors: kBadRequest naming what is wrong (an unknown version included: RFC 8601 §2.2
// says such a field must be ignored).
Result<AuthResults> ParseAuthenticationResults(std::string_view value);

// What an incoming mail must show ([imip] require).
enum class SenderCheck {
  kDmarc,  // dmarc=pass with header.from = the From domain (the default)
  kDkim,   // dkim=pass whose header.d (or header.i's domain) is aligned with the From domain
  kNone,   // nothing checked: for tests only, logged loudly at every delivery
};

struct SenderPolicy {
  // authserv-ids of our own MTAs, lowercase ([imip] trusted_authserv_ids). Empty: nothing
  // vouches for anyone, every message is refused (unless require = none).
  std::vector<std::string> trusted_authserv_ids;
  SenderCheck require = SenderCheck::kDmarc;
};

// Parses "dmarc", "dkim" or "none"; false for anything else.
bool ParseSenderCheck(std::string_view text, SenderCheck* out);

// Whether `from_address` (the bare, lowercase address of the mail's single From mailbox) is
// vouched for by `fields`, the values of the message's Authentication-Results fields in header
// order (topmost first). Only the topmost field whose authserv-id is trusted (case-insensitive)
// is read: an MTA prepends its trace fields, so that one is the last our own MTA added, and any
// field below it carrying the same id came from outside (RFC 8601 §5, §7.2). A trusted field
// that does not parse is a refusal, not a reason to read the next one.
// kDmarc: a dmarc result whose header.from equals the From domain must be "pass" (any other
// result for that domain refuses); a dmarc result without header.from is not counted.
// kDkim: some dkim=pass result's header.d (else the domain of header.i) must be aligned: equal
// to the From domain, or a parent domain of it with at least two labels (d=example.org vouches
// for user@mail.example.org; d=evil.example.org does not vouch for user@example.org, and a bare
// TLD vouches for nobody). That is DMARC's relaxed alignment without the Public Suffix List:
// the signer must hold the DNS of the From domain or of one of its parents.
// Errors: kForbidden with the reason; OK when policy.require is kNone.
Status VerifySender(const std::vector<std::string>& fields, const std::string& from_address,
                    const SenderPolicy& policy);

}  // namespace cartable::dav::scheduling
