#include "server/config.h"

#include <ini.h>

#include <charconv>
#include <cstring>
#include <string_view>

#include "server/http_message.h"

namespace cartable::server {

namespace {

struct ParseState {
  Config* config;
  std::string error;  // first error (without file/line), "" while none
};

template <typename T>
bool ParseUnsigned(std::string_view s, T& out) {
  if (s.empty()) return false;
  T v{};
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return false;
  out = v;
  return true;
}

bool ParseBool(std::string_view s, bool& out) {
  if (s == "true" || s == "yes" || s == "on" || s == "1") {
    out = true;
  } else if (s == "false" || s == "no" || s == "off" || s == "0") {
    out = false;
  } else {
    return false;
  }
  return true;
}

// Applies one key; returns "" or a message naming the problem.
// "18:Cher, 37:Indre-et-Loire" -> {"18": "Cher", "37": "Indre-et-Loire"}.


std::string ParseDepartments(std::string_view value, std::map<std::string, std::string>& out) {
  out.clear();
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = Trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    if (item.empty()) continue;
    size_t colon = item.find(':');
    if (colon == std::string_view::npos || Trim(item.substr(0, colon)).empty() ||
        Trim(item.substr(colon + 1)).empty()) {
      return "invalid department '" + std::string(item) + "' (expected CODE:Name)";
    }
    out[std::string(Trim(item.substr(0, colon)))] = std::string(Trim(item.substr(colon + 1)));
  }
  return out.empty() ? "no department given" : std::string();
}

std::string Apply(Config& c, std::string_view section, std::string_view key,
                  std::string_view value) {
  auto str = [&](std::string& field) {
    field = std::string(value);
    return std::string();
  };
  auto num = [&](auto& field) {
    return ParseUnsigned(value, field) ? std::string()
                                       : "invalid number '" + std::string(value) + "'";
  };
  if (section == "server") {
    if (key == "listen") return str(c.listen);
    if (key == "workers") return num(c.workers);
    if (key == "data_dir") return str(c.data_dir);
    if (key == "public_url") return str(c.public_url);
  } else if (section == "limits") {
    if (key == "max_body_bytes") return num(c.max_body_bytes);
    if (key == "max_header_bytes") return num(c.max_header_bytes);
    if (key == "request_timeout_seconds") return num(c.request_timeout_seconds);
    if (key == "idle_timeout_seconds") return num(c.idle_timeout_seconds);
    if (key == "shutdown_grace_seconds") return num(c.shutdown_grace_seconds);
    if (key == "gzip_min_bytes") return num(c.gzip_min_bytes);
  } else if (section == "auth") {
    if (key == "realm") return str(c.realm);
    if (key == "auth_cache_seconds") return num(c.auth_cache_seconds);
  } else if (section == "accounts") {
    if (key == "mail_domain") return str(c.mail_domain);
    if (key == "default_quota_bytes") return num(c.default_quota_bytes);
  } else if (section == "directory") {
    if (key == "departments") return ParseDepartments(value, c.departments);
  } else if (section == "log") {
    if (key == "access_log") {
      return ParseBool(value, c.access_log) ? std::string()
                                            : "invalid boolean '" + std::string(value) + "'";
    }
    if (key == "access_log_file") return str(c.access_log_file);
  } else {
    return "unknown section [" + std::string(section) + "]";
  }
  return "unknown key";
}

int OnEntry(void* user, const char* section, const char* name, const char* value) {
  auto* state = static_cast<ParseState*>(user);
  std::string error = Apply(*state->config, section, name, value);
  if (error.empty()) return 1;
  if (state->error.empty()) {
    state->error = "key '" + std::string(section) + "." + name + "': " + error;
  }
  return 0;
}

}  // namespace

std::string Config::LoadFile(const std::string& path) {
  ParseState state{this, ""};
  int rc = ini_parse(path.c_str(), &OnEntry, &state);
  if (rc == 0) return "";
  if (rc < 0) return path + ": cannot read file: " + std::strerror(errno);
  // ini_parse returns the line of the first error: either ours or a syntax error.
  std::string what = state.error.empty() ? "syntax error" : state.error;
  return path + ":" + std::to_string(rc) + ": " + what;
}

}  // namespace cartable::server
