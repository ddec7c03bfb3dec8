#include "tests/testlib/smtp_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace cartable::testlib {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

}  // namespace

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

SmtpSink::SmtpSink(std::vector<std::string> extra_args) {
  char tmpl[] = "/tmp/cartable_smtp_sink_XXXXXX";
  char* made = mkdtemp(tmpl);
  if (!made) return;
  dir_ = made;
  std::vector<std::string> args = {
      CARTABLE_PYTHON, std::string(CARTABLE_SOURCE_DIR) + "/tests/clients/smtp_sink.py",
      "--out",         (dir_ / "out").string(),
      "--port-file",   (dir_ / "port").string(),
      "--timeout",     "60"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
}

SmtpSink::~SmtpSink() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    if (!Reap(std::chrono::seconds(10))) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  if (!dir_.empty()) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
}

unsigned SmtpSink::WaitForPort() {
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (pid_ > 0 && Clock::now() < deadline) {
    std::string text = ReadFile(dir_ / "port");
    if (!text.empty() && text.back() == '\n') return static_cast<unsigned>(std::stoul(text));
    if (Reap(std::chrono::milliseconds(0))) return 0;  // the sink died (no aiosmtpd?)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

fs::path SmtpSink::Message(int n, const char* ext) const {
  return dir_ / "out" / (std::to_string(n) + ext);
}

bool SmtpSink::Stored(int n) const { return fs::exists(Message(n, ".json")); }

bool SmtpSink::Reap(std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  do {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    if (limit.count() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (Clock::now() < deadline);
  return false;
}

SilentRelay::SilentRelay() {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener_ < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      listen(listener_, 16) == 0 &&
      getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port_ = ntohs(addr.sin_port);
  }
}

SilentRelay::~SilentRelay() {
  for (int fd : clients_) close(fd);
  if (listener_ >= 0) close(listener_);
}

bool SilentRelay::AwaitClient(std::chrono::milliseconds limit) {
  if (listener_ < 0) return false;
  pollfd p{listener_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(limit.count())) != 1) return false;
  int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return false;
  clients_.push_back(fd);
  return true;
}

}  // namespace cartable::testlib
