// What every DAV handler is given: the server-wide context and the per-request one.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dav/store/store.h"
#include "server/http/message.h"

namespace cartable::dav {

class PropertyRegistry;

// The authenticated user a request acts for.
struct Principal {
  store::Id user_id = 0;
  std::string login;
  std::string display_name;
  std::string email;
};

struct DavOptions {
  int64_t default_quota_bytes = 50ll << 20;
  uint64_t max_resource_size = 10ull << 20;
  // Scheduling (dav/scheduling/scheduler.h).
  bool scheduling = true;
  std::vector<std::string> internal_domains = {"ac-orleans-tours.fr"};  // lowercase
  std::string mail_from;  // envelope sender of iMIP mail; "" = the sender's address
  std::string message_id_domain = "cartable.localhost";
  int64_t mail_retry_seconds = 300;
  int64_t mail_expire_seconds = 120 * 3600;
  // Bounds on the work one request may cause ([limits] in the config file; README table).
  // XML request bodies: element nesting and element count (400 / 413 before any walk).
  size_t max_xml_depth = 64;
  size_t max_xml_elements = 50000;
  // Property names in one PROPFIND/REPORT DAV:prop, or updates in one PROPPATCH/MKCOL (413).
  size_t max_properties_per_request = 1000;
  // Nested levels an expand-property REPORT expands (RFC 3253 §3.8 leaves it to the server);
  // DAV:property elements deeper than this are answered with the plain value (hrefs).
  size_t max_expand_property_depth = 3;
  // Bytes of one multistatus answer (507 DAV:number-of-matches-within-limits); 0 = no bound.
  uint64_t max_response_bytes = 64ull << 20;
  // Recurrence instances produced for one request: expand, free-busy (507, as above).
  uint64_t max_instances_per_request = 50000;
  // Sharing ([sharing] in the config file; dav/sharing/).
  bool share_auto_accept = true;           // colleagues' shares are accepted at once
  size_t max_shares_per_collection = 200;  // shares of one collection (409 beyond)
  size_t max_delegates = 50;               // delegates of one user (409 beyond)
  // Members an invited group (CUTYPE=GROUP attendee) is expanded into ([scheduling]); beyond
  // it the group is not expanded and its SCHEDULE-STATUS says 5.3 (RFC 6638 §3.2.9).
  size_t max_group_members = 500;
  // vCards in one import of the web application (POST /api/v1/addressbooks/{id}/import): more
  // is refused whole with 413 before anything is stored ([limits] max_import_cards).
  size_t max_import_cards = 1000;
};

// Injectable clock so time-dependent tests are deterministic.
using Clock = std::function<std::chrono::system_clock::time_point()>;

class HomeCache;

// Server-wide, built once in server/app and shared by all threads (read-only after start,
// except the thread-safe caches).
struct DavContext {
  store::Store& store;
  DavOptions options;
  Clock clock;
  HomeCache* homes = nullptr;  // homes known to exist; optional
  // Called after every committed write transaction, which may have queued iMIP mail
  // (store::QueuedMail): wakes the mail worker that sends it (scheduling::MailQueue). Requests
  // never talk SMTP themselves. Empty = no worker in this process (the CLI): the running
  // server's worker finds the mail on its next poll.
  std::function<void()> mail_committed = nullptr;
};

// One request being served.
struct PreparedBody;  // dav/prepared_body.h

struct Request {
  const http::HttpRequest& http;
  const Principal& principal;
  store::Session& session;
  const DavContext& ctx;
  // The body parsed and validated before the write transaction began (PrepareBody), or null.
  PreparedBody* prepared = nullptr;
};

}  // namespace cartable::dav
