// The application: authentication, the route table, and the DAV engine behind it. Built once by
// main.cc (or a test) from the config and the store; serves requests from every worker thread.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "dav/caldav/calendar_instance_cache.h"
#include "dav/context.h"
#include "dav/dav_handler.h"
#include "dav/scheduling/mail_queue.h"
#include "dav/store/store.h"
#include "dav/target.h"
#include "directory/accounts.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/http/message.h"
#include "server/router.h"
#include "server/smtp.h"
#include "server/user_directory.h"

namespace cartable::server {

// The DAV engine's options from the server configuration.
dav::DavOptions DavOptionsFrom(const Config& config);
// The store's options ([store] section) from the server configuration.
store::StoreOptions StoreOptionsFrom(const Config& config);

class App : public http::RequestHandler {
 public:
  // `store` and `config` must outlive the App.
  App(const Config& config, store::Store& store, dav::Clock clock = {});
  http::HttpResponse Handle(http::HttpRequest& request) override;
  // Authenticates when the headers are complete, before the body is read: no or malformed
  // credentials on a path that needs them → 401 at once; cached credentials → accepted at once;
  // otherwise the password hash is queued on the hash pool (kPending; 503 + Retry-After when
  // its queue is full). An accepted request carries its AuthUser to Handle.
  http::Admission Admit(http::HttpRequest& request, const http::ResumeAdmission& resume) override;

  // The authenticator (its verification counter is what tests watch).
  const Authenticator& authenticator() const { return auth_; }

  directory::Accounts& accounts() { return accounts_; }
  // The iMIP mail worker (the outbox); started by the constructor, stopped by the destructor,
  // woken after every committed write.
  dav::scheduling::MailQueue& mail_queue() { return *mail_queue_; }

 private:
  static dav::Principal ToPrincipal(const AuthUser& user);
  // Whether `request` needs credentials on `route` (Handle and Admit agree through this).
  static bool NeedsAuth(const Route& route, const http::HttpRequest& request);
  // The user Admit verified, else authenticates now (a direct caller, not the transport).
  std::optional<AuthUser> CurrentUser(const http::HttpRequest& request);
  http::HttpResponse ChallengeFor(const Route& route) const;
  http::HttpResponse ServeDav(http::HttpRequest& request, const AuthUser& user);
  // Authenticates and serves the request as if it named the DAV root.
  http::HttpResponse AuthenticatedDav(http::HttpRequest& request);
  // PROPFIND of `/` after authentication: answered for `/` itself (DavHandler::PropfindServerRoot).
  http::HttpResponse PropfindRoot(http::HttpRequest& request);
  http::HttpResponse HomePage(const http::HttpRequest& request) const;

  const Config& config_;
  directory::Accounts accounts_;
  AccountsUserDirectory users_;  // the authenticator's view of accounts_
  Authenticator auth_;
  std::unique_ptr<dav::caldav::InstanceCache> instances_;
  std::unique_ptr<dav::scheduling::MailSender> mail_;
  dav::HomeCache homes_;
  dav::DavContext dav_ctx_;
  dav::DavHandler dav_;
  Router router_;
  std::unique_ptr<dav::scheduling::MailQueue> mail_queue_;
  std::map<std::string, std::string> departments_;  // code -> name, for the directory API
};

}  // namespace cartable::server
