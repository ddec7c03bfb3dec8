#include "tests/testlib/raw_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace cartable::testlib {

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

bool ParseHead(std::string_view head, RawResponse& r) {
  size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  size_t sp1 = status_line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  r.version = std::string(status_line.substr(0, sp1));
  std::string_view rest = status_line.substr(sp1 + 1);
  size_t sp2 = rest.find(' ');
  r.status = std::atoi(std::string(rest.substr(0, sp2)).c_str());
  if (sp2 != std::string_view::npos) r.reason = std::string(rest.substr(sp2 + 1));
  if (r.status < 100 || r.status > 999) return false;
  while (eol != std::string_view::npos && eol + 2 < head.size()) {
    size_t start = eol + 2;
    eol = head.find("\r\n", start);
    std::string_view line = head.substr(start, eol - start);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return false;
    r.headers.emplace_back(std::string(line.substr(0, colon)), Trim(line.substr(colon + 1)));
  }
  return true;
}

}  // namespace

std::optional<std::string> RawResponse::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (IEquals(n, name)) return v;
  }
  return std::nullopt;
}

RawClient::RawClient(uint16_t port, std::chrono::milliseconds timeout, const std::string& host,
                     const std::string& source)
    : timeout_(timeout) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
  } else {
    return;
  }
  fd_ = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // Writes are bounded too: a server that stops reading fails the test instead of hanging it.
  timeval send_timeout{static_cast<time_t>(timeout.count() / 1000),
                       static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
  if (!source.empty()) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    if (addr.ss_family != AF_INET || inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1 ||
        ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
      Close();
      return;
    }
  }
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0) Close();
}

RawClient::~RawClient() { Close(); }

void RawClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawClient::Send(std::string_view bytes) {
  while (fd_ >= 0 && !bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return fd_ >= 0;
}

int RawClient::Fill(std::chrono::steady_clock::time_point deadline) {
  if (fd_ < 0) return -1;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return -1;
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return -1;
    char tmp[16384];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == ECONNRESET ? 0 : -1;
    buf_.append(tmp, static_cast<size_t>(n));
    return n == 0 ? 0 : 1;
  }
}

bool RawClient::ReadUntil(std::string_view delimiter,
                          std::chrono::steady_clock::time_point deadline, size_t& pos) {
  for (;;) {
    pos = buf_.find(delimiter);
    if (pos != std::string::npos) return true;
    if (Fill(deadline) <= 0) return false;
  }
}

bool RawClient::ReadBytes(size_t n, std::chrono::steady_clock::time_point deadline) {
  while (buf_.size() < n) {
    if (Fill(deadline) <= 0) return false;
  }
  return true;
}

bool RawClient::ReadChunked(RawResponse& r, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    size_t eol;
    if (!ReadUntil("\r\n", deadline, eol)) return false;
    size_t size = std::strtoul(buf_.substr(0, eol).c_str(), nullptr, 16);
    buf_.erase(0, eol + 2);
    if (size == 0) {  // trailers until an empty line
      if (!ReadUntil("\r\n", deadline, eol)) return false;
      while (eol != 0) {
        buf_.erase(0, eol + 2);
        if (!ReadUntil("\r\n", deadline, eol)) return false;
      }
      buf_.erase(0, 2);
      return true;
    }
    if (!ReadBytes(size + 2, deadline)) return false;
    r.body.append(buf_, 0, size);
    buf_.erase(0, size + 2);
  }
}

std::optional<RawResponse> RawClient::ReadResponse(bool head) {
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  size_t end;
  if (!ReadUntil("\r\n\r\n", deadline, end)) return std::nullopt;
  RawResponse r;
  if (!ParseHead(std::string_view(buf_).substr(0, end + 2), r)) return std::nullopt;
  buf_.erase(0, end + 4);
  if (head || r.status < 200 || r.status == 204 || r.status == 304) return r;
  auto te = r.Header("Transfer-Encoding");
  if (te && IEquals(*te, "chunked")) {
    if (!ReadChunked(r, deadline)) return std::nullopt;
    return r;
  }
  if (auto cl = r.Header("Content-Length")) {
    size_t n = std::strtoull(cl->c_str(), nullptr, 10);
    if (!ReadBytes(n, deadline)) return std::nullopt;
    r.body = buf_.substr(0, n);
    buf_.erase(0, n);
    return r;
  }
  while (Fill(deadline) > 0) {
  }
  r.body = std::move(buf_);
  buf_.clear();
  return r;
}

std::optional<RawResponse> RawClient::RoundTrip(std::string_view request, bool head) {
  if (!Send(request)) return std::nullopt;
  return ReadResponse(head);
}

bool RawClient::WaitForClose(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int rc = Fill(deadline);
    if (rc == 0) return true;
    if (rc < 0) return false;
  }
}

std::string RawClient::ReadAll() {
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (Fill(deadline) > 0) {
  }
  std::string out = std::move(buf_);
  buf_.clear();
  return out;
}

}  // namespace cartable::testlib
