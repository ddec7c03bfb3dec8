// The libcurl SMTP client behind scheduling's MailSender: one easy handle per Send(), so
// concurrent sends share nothing but libcurl's global state (initialised once).
#include "server/smtp.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cartable::server {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

constexpr size_t kMaxReply = 1000;  // characters of relay reply kept for messages

// What one transfer reads from and writes to.
struct Transfer {
  const std::string* message = nullptr;
  size_t offset = 0;
  std::string reply;  // the relay's latest reply (its lines joined), for messages
  bool reply_complete = true;
  std::string failure;  // the relay's latest 4xx/5xx reply: QUIT's "221" comes after it
};

size_t ReadMessage(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = std::min(size * count, t->message->size() - t->offset);
  memcpy(buffer, t->message->data() + t->offset, n);
  t->offset += n;
  return n;
}

// Keeps what the relay said (never what we sent: that holds AUTH credentials). libcurl hands
// over one reply line per call; "250-" lines continue a reply, "250 " ends it.
int Debug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  if (type != CURLINFO_HEADER_IN) return 0;
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (t->reply_complete) t->reply.clear();
  if (t->reply.size() < kMaxReply) {  // a chatty relay must not grow it without bound
    if (!t->reply.empty()) t->reply += " / ";
    t->reply += line.substr(0, kMaxReply);
  }
  t->reply_complete = line.size() < 4 || line[3] != '-';
  if (t->reply_complete && !t->reply.empty() && (t->reply[0] == '4' || t->reply[0] == '5')) {
    t->failure = t->reply;
  }
  return 0;
}

// An address goes into an SMTP command line: no CR, LF, angle brackets or controls.
bool IsSafeAddress(const std::string& address) {
  return std::none_of(address.begin(), address.end(), [](char ch) {
    return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f || ch == '<' || ch == '>';
  });
}

class SmtpSender : public dav::scheduling::MailSender {
 public:
  explicit SmtpSender(SmtpSettings settings) : settings_(std::move(settings)) { GlobalInit(); }

  Status Send(const std::string& envelope_from, const std::vector<std::string>& recipients,
              const std::string& message) override;

 private:
  std::string Url() const;
  void Configure(CURL* curl, Transfer& transfer, curl_slist* rcpt, const std::string& from) const;
  Status Classify(CURL* curl, CURLcode rc, const Transfer& transfer, const char* error) const;

  const SmtpSettings settings_;
};

std::string SmtpSender::Url() const {
  bool ipv6 = settings_.host.find(':') != std::string::npos;
  return "smtp://" + (ipv6 ? "[" + settings_.host + "]" : settings_.host) + ":" +
         std::to_string(settings_.port);
}

void SmtpSender::Configure(CURL* curl, Transfer& transfer, curl_slist* rcpt,
                           const std::string& from) const {
  curl_easy_setopt(curl, CURLOPT_URL, Url().c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadMessage);
  curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
                   static_cast<curl_off_t>(transfer.message->size()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
                   static_cast<long>(settings_.connect_timeout_seconds));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(settings_.timeout_seconds));
  curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);  // feeds Debug(), which prints nothing
  curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, Debug);
  curl_easy_setopt(curl, CURLOPT_DEBUGDATA, &transfer);
  long use_ssl = CURLUSESSL_NONE;
  if (settings_.tls == SmtpSettings::Tls::kStartTls) use_ssl = CURLUSESSL_TRY;
  if (settings_.tls == SmtpSettings::Tls::kRequireStartTls) use_ssl = CURLUSESSL_ALL;
  curl_easy_setopt(curl, CURLOPT_USE_SSL, use_ssl);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, settings_.verify_peer ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, settings_.verify_peer ? 2L : 0L);
  if (!settings_.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, settings_.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, settings_.password.c_str());
  }
}

// 5xx from the relay: permanent. Anything else (no connection, timeout, 4xx, TLS trouble):
// worth retrying later, since it is either transient or a relay-side configuration problem.
// libcurl's CURLINFO_RESPONSE_CODE decides (a 5xx it recovered from, such as EHLO refused
// before HELO, must not count); the text quoted is the reply that carried that code.
Status SmtpSender::Classify(CURL* curl, CURLcode rc, const Transfer& transfer,
                            const char* error) const {
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  std::string relay = "SMTP relay " + settings_.host + ":" + std::to_string(settings_.port);
  std::string detail = *error ? error : curl_easy_strerror(rc);
  bool failure_matches = code != 0 && transfer.failure.rfind(std::to_string(code), 0) == 0;
  std::string reply = failure_matches ? transfer.failure : transfer.reply;
  if (reply.empty() && code != 0) reply = std::to_string(code);
  if (code >= 500 && code < 600) {
    return Status::BadRequest(relay + " refused the message: " + reply + " (" + detail + ")");
  }
  if (code >= 400 && code < 500) {
    return Status::Unavailable(relay + " answered a temporary failure: " + reply + " (" + detail +
                               ")");
  }
  return Status::Unavailable(relay + " unavailable: " + detail +
                             (reply.empty() ? "" : " (last reply: " + reply + ")"));
}

Status SmtpSender::Send(const std::string& envelope_from,
                        const std::vector<std::string>& recipients, const std::string& message) {
  if (settings_.host.empty()) return Status::Unavailable("no SMTP relay configured");
  if (recipients.empty()) return Status::BadRequest("no recipient");
  if (!IsSafeAddress(envelope_from)) return Status::BadRequest("invalid envelope sender");
  SlistPtr rcpt;
  for (const std::string& r : recipients) {
    if (r.empty() || !IsSafeAddress(r)) return Status::BadRequest("invalid recipient '" + r + "'");
    curl_slist* next = curl_slist_append(rcpt.get(), ("<" + r + ">").c_str());
    if (!next) return Status::Internal("out of memory");
    rcpt.release();  // now owned through `next`
    rcpt.reset(next);
  }
  // Declared before the handle: curl_easy_cleanup() still sends QUIT and reports the reply
  // through Debug() into `transfer`, and may write to `error`.
  Transfer transfer;
  transfer.message = &message;
  char error[CURL_ERROR_SIZE] = "";
  EasyPtr curl(curl_easy_init());
  if (!curl) return Status::Internal("curl_easy_init failed");
  Configure(curl.get(), transfer, rcpt.get(), "<" + envelope_from + ">");
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  CURLcode rc = curl_easy_perform(curl.get());
  if (rc == CURLE_OK) return Status::OK();
  return Classify(curl.get(), rc, transfer, error);
}

}  // namespace

std::unique_ptr<dav::scheduling::MailSender> MakeSmtpSender(const SmtpSettings& settings) {
  return std::make_unique<SmtpSender>(settings);
}

}  // namespace cartable::server
