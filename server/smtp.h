// The SMTP relay settings and the libcurl client that implements scheduling's MailSender.
#pragma once

#include <memory>
#include <string>

#include "dav/scheduling/mail_sender.h"

namespace cartable::server {

struct SmtpSettings {
  std::string host;  // "" = no relay configured: Send() answers kUnavailable
  unsigned port = 25;
  enum class Tls {
    kNone,
    kStartTls,
    kRequireStartTls
  } tls = Tls::kStartTls;  // kStartTls: opportunistic
  std::string username;    // "" = no AUTH
  std::string password;
  unsigned connect_timeout_seconds = 5;
  unsigned timeout_seconds = 20;  // the whole transaction
  bool verify_peer = true;        // certificate checks for STARTTLS
};

// The libcurl SMTP client (server/smtp.cc).
std::unique_ptr<dav::scheduling::MailSender> MakeSmtpSender(const SmtpSettings& settings);

}  // namespace cartable::server
