// A RequestHandler for transport tests: echoes the request back so tests can see exactly what
// the transport parsed. Special paths: /throw throws, /sleep?MS sleeps, /gate waits for `open`,
// /status/N answers N, /xml/N answers N bytes of XML, /omit sets omit_body itself, /close asks the
// transport to close. Admission: /refuse… is refused with 401 before its body is read, /pending…
// waits until the test calls ResumePending. Handle: /later… is answered when the test calls
// DeliverLater (a deferred response).
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "server/http/message.h"

namespace cartable::server::testing {

class EchoHandler : public http::RequestHandler {
 public:
  http::HttpResponse Handle(http::HttpRequest& request) override {
    calls.fetch_add(1);
    if (request.path == "/throw") throw std::runtime_error("boom");
    if (request.path == "/gate") {
      // Holds the request until the test opens the gate (at most 5 s).
      entered.store(true);
      for (int i = 0; i < 500 && !open.load(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    if (request.path == "/sleep") {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(request.query)));
    }
    if (request.path.starts_with("/status/")) {
      http::HttpResponse r;
      r.status = std::stoi(request.path.substr(8));
      r.body = "ignored";
      return r;
    }
    if (request.path.starts_with("/xml/")) {
      size_t n = std::stoul(request.path.substr(5));
      return http::HttpResponse::Text(207, std::string(n, 'x'), "application/xml; charset=utf-8");
    }
    if (request.path == "/omit") {
      http::HttpResponse r = http::HttpResponse::Text(200, "twelve bytes");
      r.omit_body = true;
      return r;
    }
    if (request.path == "/close") {
      http::HttpResponse r = http::HttpResponse::Text(200, "bye");
      r.close = true;
      return r;
    }
    if (request.path.starts_with("/later") && request.deliver_later) {
      // Answered later by DeliverLater, from the test's thread (the hash pool's role).
      std::lock_guard<std::mutex> lock(mu_);
      later_.push_back({request.deliver_later, request.method + " " + request.path});
      return http::HttpResponse::Later();
    }
    request.user = "alice";
    std::string body = request.method + " " + request.path + " q=" + request.query +
                       " raw=" + request.raw_path + " v=" + std::to_string(request.http_major) +
                       "." + std::to_string(request.http_minor) + "\n";
    for (const auto& [name, value] : request.headers.All()) body += name + ": " + value + "\n";
    body += "\n" + request.body;
    return http::HttpResponse::Text(200, std::move(body));
  }
  http::Admission Admit(http::HttpRequest& request, const http::ResumeAdmission& resume) override {
    admissions.fetch_add(1);
    if (request.path.starts_with("/refuse")) {
      return http::Admission::Refuse(http::HttpResponse::Text(401, "refused\n"));
    }
    if (request.path.starts_with("/pending")) {
      std::lock_guard<std::mutex> lock(mu_);
      pending_.push_back(resume);
      return http::Admission::Pending();
    }
    return http::Admission::Accept();
  }
  // Resumes every pending admission with `admission`, from the calling thread; how many.
  int ResumePending(const http::Admission& admission) {
    std::vector<http::ResumeAdmission> pending;
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending.swap(pending_);
    }
    for (auto& resume : pending) resume(admission);
    return static_cast<int>(pending.size());
  }
  // Delivers every deferred /later response (body "later: METHOD PATH"); how many.
  int DeliverLater() {
    std::vector<Later> later;
    {
      std::lock_guard<std::mutex> lock(mu_);
      later.swap(later_);
    }
    for (auto& l : later) l.deliver(http::HttpResponse::Text(200, "later: " + l.what));
    return static_cast<int>(later.size());
  }
  int LaterCount() {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(later_.size());
  }
  int PendingCount() {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(pending_.size());
  }

  std::atomic<int> calls{0};
  std::atomic<int> admissions{0};
  std::atomic<bool> entered{false};  // a /gate request is being handled
  std::atomic<bool> open{false};     // lets /gate requests finish

 private:
  std::mutex mu_;
  std::vector<http::ResumeAdmission> pending_;
  struct Later {
    http::DeliverResponse deliver;
    std::string what;
  };
  std::vector<Later> later_;
};

}  // namespace cartable::server::testing
