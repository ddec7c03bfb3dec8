#include "server/config.h"

#include <ini.h>

#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

#include "server/forwarded.h"
#include "server/http/message.h"

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
    std::string_view item = http::Trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    if (item.empty()) continue;
    size_t colon = item.find(':');
    if (colon == std::string_view::npos || http::Trim(item.substr(0, colon)).empty() ||
        http::Trim(item.substr(colon + 1)).empty()) {
      return "invalid department '" + std::string(item) + "' (expected CODE:Name)";
    }
    out[std::string(http::Trim(item.substr(0, colon)))] =
        std::string(http::Trim(item.substr(colon + 1)));
  }
  return out.empty() ? "no department given" : std::string();
}

// "a.fr, b.fr" -> lowercase items.
std::string ParseList(std::string_view value, std::vector<std::string>& out) {
  out.clear();
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    std::string item(http::Trim(value.substr(start, comma - start)));
    for (char& ch : item) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (!item.empty()) out.push_back(item);
    start = comma + 1;
  }
  return std::string();
}

std::string ParseTls(std::string_view value, SmtpSettings::Tls& out) {
  if (value == "none")
    out = SmtpSettings::Tls::kNone;
  else if (value == "starttls")
    out = SmtpSettings::Tls::kStartTls;
  else if (value == "require-starttls")
    out = SmtpSettings::Tls::kRequireStartTls;
  else
    return "invalid tls '" + std::string(value) + "' (none, starttls, require-starttls)";
  return std::string();
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  for (size_t i = 0; i < lower_prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != lower_prefix[i]) return false;
  }
  return true;
}

// The URLs of [auth] ldap_url, space-separated: each ldap:// or ldaps:// (libldap also knows
// ldapi:// and cldap://, which have no place here).
std::string ParseLdapUrls(std::string_view value, std::string& out) {
  bool any = false;
  size_t start = 0;
  while (start < value.size()) {
    size_t end = value.find_first_of(" \t", start);
    if (end == std::string_view::npos) end = value.size();
    std::string_view url = value.substr(start, end - start);
    if (!url.empty()) {
      if (!StartsWithIgnoreCase(url, "ldap://") && !StartsWithIgnoreCase(url, "ldaps://")) {
        return "invalid ldap_url '" + std::string(url) + "' (ldap:// or ldaps://)";
      }
      any = true;
    }
    start = end + 1;
  }
  if (!any) return "empty ldap_url";
  out = std::string(http::Trim(value));
  return std::string();
}

}  // namespace

std::string ParseRelay(std::string_view value, SmtpSettings& out) {
  std::string_view host = value, port_text;
  if (!value.empty() && value.front() == '[') {  // [::1]:2525
    size_t close = value.find(']');
    if (close == std::string_view::npos) return "invalid relay '" + std::string(value) + "'";
    host = value.substr(1, close - 1);
    if (close + 1 < value.size()) {
      if (value[close + 1] != ':') return "invalid relay '" + std::string(value) + "'";
      port_text = value.substr(close + 2);
    }
  } else if (size_t colon = value.find(':'); colon != std::string_view::npos) {
    if (value.find(':', colon + 1) != std::string_view::npos) {
      return "invalid relay '" + std::string(value) + "' (write IPv6 as [ADDR]:PORT)";
    }
    host = value.substr(0, colon);
    port_text = value.substr(colon + 1);
  }
  unsigned port = 25;
  const bool has_port = value.find(':') != std::string_view::npos &&
                        (value.front() != '[' || value.find("]:") != std::string_view::npos);
  if (has_port && (!ParseUnsigned(port_text, port) || port == 0 || port > 65535)) {
    return "invalid relay port in '" + std::string(value) + "'";
  }
  if (host.empty()) return "invalid relay '" + std::string(value) + "' (HOST[:PORT])";
  out.host = std::string(host);
  out.port = port;
  return std::string();
}

namespace {

// [web] frame_ancestors: origins ("https://host[:port]") separated by spaces; each becomes a
// source of the CSP frame-ancestors directive, so nothing that could end or extend the
// directive (';', ',', quotes, a path) is accepted.
std::string ParseFrameAncestors(std::string_view value, std::vector<std::string>& out) {
  std::vector<std::string> origins;
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    size_t end = i;
    while (end < value.size() && value[end] != ' ' && value[end] != '\t') ++end;
    if (end == i) break;
    std::string_view origin = value.substr(i, end - i);
    i = end;
    size_t scheme = origin.find("://");
    bool ok = (origin.starts_with("https://") || origin.starts_with("http://")) &&
              origin.size() > scheme + 3 && origin.find('/', scheme + 3) == std::string_view::npos;
    for (char ch : origin) {
      auto u = static_cast<unsigned char>(ch);
      if (u <= 0x20 || u >= 0x7f || ch == ';' || ch == ',' || ch == '\'' || ch == '"') ok = false;
    }
    if (!ok) {
      return "invalid origin '" + std::string(origin) +
             "' (https://host[:port], separated by spaces)";
    }
    origins.emplace_back(origin);
  }
  out = std::move(origins);
  return std::string();
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
  // A number within [lo, hi]; the field keeps its value when refused.
  auto range = [&](unsigned& field, unsigned lo, unsigned hi) {
    unsigned v = 0;
    if (!ParseUnsigned(value, v) || v < lo || v > hi) {
      return "invalid value '" + std::string(value) + "' (" + std::to_string(lo) + " to " +
             std::to_string(hi) + ")";
    }
    field = v;
    return std::string();
  };
  if (section == "server") {
    if (key == "listen") return str(c.listen);
    if (key == "workers") return num(c.workers);
    if (key == "malloc_arenas") return num(c.malloc_arenas);
    if (key == "data_dir") return str(c.data_dir);
    if (key == "public_url") {
      std::string err = CheckPublicUrl(value);
      return err.empty() ? str(c.public_url) : err;
    }
    if (key == "trusted_proxies") return AddressSet::Parse(value, &c.trusted_proxies);
    if (key == "forwarded_header") {
      if (value != "x-forwarded-for" && value != "forwarded") {
        return "invalid value '" + std::string(value) + "' (x-forwarded-for, forwarded)";
      }
      return str(c.forwarded_header);
    }
  } else if (section == "limits") {
    if (key == "max_body_bytes") return num(c.max_body_bytes);
    if (key == "max_header_bytes") return num(c.max_header_bytes);
    if (key == "request_timeout_seconds") return num(c.request_timeout_seconds);
    if (key == "idle_timeout_seconds") return num(c.idle_timeout_seconds);
    if (key == "shutdown_grace_seconds") return num(c.shutdown_grace_seconds);
    if (key == "max_connections") return num(c.max_connections);
    if (key == "max_connections_per_address") return num(c.max_connections_per_address);
    if (key == "max_queued_output_bytes") return num(c.max_queued_output_bytes);
    if (key == "lingering_close_seconds") return num(c.lingering_close_seconds);
    if (key == "lingering_close_bytes") return num(c.lingering_close_bytes);
    if (key == "gzip_min_bytes") return num(c.gzip_min_bytes);
    if (key == "max_xml_depth") return num(c.max_xml_depth);
    if (key == "max_xml_elements") return num(c.max_xml_elements);
    if (key == "max_properties_per_request") return num(c.max_properties_per_request);
    if (key == "max_expand_property_depth") return num(c.max_expand_property_depth);
    if (key == "max_response_bytes") return num(c.max_response_bytes);
    if (key == "max_instances_per_request") return num(c.max_instances_per_request);
    if (key == "max_import_cards") return num(c.max_import_cards);
    if (key == "tz_cache_entries") return num(c.tz_cache_entries);
  } else if (section == "auth") {
    if (key == "realm") return str(c.realm);
    if (key == "auth_cache_seconds") return num(c.auth_cache_seconds);
    if (key == "hash_threads") {
      std::string err = num(c.hash_threads);
      if (err.empty() && (c.hash_threads < 1 || c.hash_threads > 64)) {
        err = "hash_threads must be between 1 and 64";
      }
      return err;
    }
    if (key == "hash_queue") {
      std::string err = num(c.hash_queue);
      if (err.empty() && (c.hash_queue < 1 || c.hash_queue > 100000)) {
        err = "hash_queue must be between 1 and 100000";
      }
      return err;
    }
    if (key == "refused_body_drain_bytes") return num(c.refused_body_drain_bytes);
    if (key == "backend") {
      if (value != "local" && value != "ldap") {
        return "invalid backend '" + std::string(value) + "' (local, ldap)";
      }
      return str(c.auth_backend);
    }
    if (key == "ldap_url") return ParseLdapUrls(value, c.ldap_url);
    if (key == "ldap_user_dn") {
      if (value.find("{login}") == std::string_view::npos) {
        return "ldap_user_dn '" + std::string(value) + "' has no {login}";
      }
      return str(c.ldap_user_dn);
    }
    if (key == "ldap_search_base") return str(c.ldap_search_base);
    if (key == "ldap_search_filter") {
      if (value.size() < 2 || value.front() != '(' || value.back() != ')' ||
          value.find("{login}") == std::string_view::npos) {
        return "ldap_search_filter '" + std::string(value) +
               "' must be a filter in parentheses with {login}, e.g. (uid={login})";
      }
      return str(c.ldap_search_filter);
    }
    if (key == "ldap_bind_dn") return str(c.ldap_bind_dn);
    if (key == "ldap_bind_password") return str(c.ldap_bind_password);
    if (key == "ldap_starttls") {
      return ParseBool(value, c.ldap_starttls) ? std::string()
                                               : "invalid boolean '" + std::string(value) + "'";
    }
    if (key == "ldap_ca_file") return str(c.ldap_ca_file);
    if (key == "ldap_timeout_seconds") {
      std::string err = num(c.ldap_timeout_seconds);
      if (err.empty() && (c.ldap_timeout_seconds < 1 || c.ldap_timeout_seconds > 300)) {
        err = "ldap_timeout_seconds must be between 1 and 300";
      }
      return err;
    }
  } else if (section == "accounts") {
    if (key == "mail_domain") return str(c.mail_domain);
    if (key == "default_quota_bytes") return num(c.default_quota_bytes);
    if (key == "secret_key_file") return str(c.secret_key_file);
    if (key == "session_idle_minutes") return range(c.session_idle_minutes, 1, 10080);
    if (key == "session_max_hours") return range(c.session_max_hours, 1, 8760);
    if (key == "max_sessions_per_user") return range(c.max_sessions_per_user, 1, 1000);
    if (key == "lockout_threshold") return range(c.lockout_threshold, 0, 1000);
    if (key == "lockout_window_minutes") return range(c.lockout_window_minutes, 1, 1440);
    if (key == "lockout_minutes") return range(c.lockout_minutes, 1, 1440);
    if (key == "lockout_max_temporary") return range(c.lockout_max_temporary, 0, 20);
    if (key == "address_max_failures") return range(c.address_max_failures, 0, 1000000);
    if (key == "address_window_minutes") return range(c.address_window_minutes, 1, 1440);
    if (key == "password_min_length") return range(c.password_min_length, 8, 256);
    if (key == "password_min_strength") return range(c.password_min_strength, 0, 30);
    if (key == "password_history") return range(c.password_history, 0, 24);
    if (key == "password_expiry_days") return range(c.password_expiry_days, 0, 3650);
    if (key == "self_service_per_hour") return range(c.self_service_per_hour, 1, 100000);
    if (key == "reset_link_minutes") return range(c.reset_link_minutes, 1, 10080);
    if (key == "otp_issuer") {
      // Shown in the otpauth:// label, where ':' separates issuer and account (Key Uri Format).
      if (value.empty() || value.size() > 64 || value.find(':') != std::string_view::npos) {
        return "invalid otp_issuer '" + std::string(value) + "' (1-64 bytes, no ':')";
      }
      return str(c.otp_issuer);
    }
    if (key == "max_app_passwords") {
      if (!ParseUnsigned(value, c.max_app_passwords) || c.max_app_passwords == 0) {
        return "invalid max_app_passwords '" + std::string(value) + "' (1 or more)";
      }
      return std::string();
    }
  } else if (section == "directory") {
    if (key == "departments") return ParseDepartments(value, c.departments);
    if (key == "max_disable_percent") {
      if (!ParseUnsigned(value, c.max_disable_percent) || c.max_disable_percent > 100) {
        return "invalid percentage '" + std::string(value) + "' (0 to 100)";
      }
      return std::string();
    }
    if (key == "max_import_bytes") return num(c.max_import_bytes);
    if (key == "import_batch_size") {
      if (!ParseUnsigned(value, c.import_batch_size) || c.import_batch_size == 0) {
        return "invalid batch size '" + std::string(value) + "' (1 or more)";
      }
      return std::string();
    }
  } else if (section == "scheduling") {
    if (key == "enabled") {
      return ParseBool(value, c.scheduling) ? std::string()
                                            : "invalid boolean '" + std::string(value) + "'";
    }
    if (key == "internal_domains") return ParseList(value, c.internal_domains);
    if (key == "max_group_members") return num(c.max_group_members);
  } else if (section == "sharing") {
    if (key == "auto_accept") {
      return ParseBool(value, c.share_auto_accept) ? std::string()
                                                   : "invalid boolean '" + std::string(value) + "'";
    }
    if (key == "max_shares_per_collection") return num(c.max_shares_per_collection);
    if (key == "max_delegates") return num(c.max_delegates);
  } else if (section == "mail") {
    if (key == "relay") return ParseRelay(value, c.smtp);
    if (key == "tls") return ParseTls(value, c.smtp.tls);
    if (key == "username") return str(c.smtp.username);
    if (key == "password") return str(c.smtp.password);
    if (key == "verify_peer") {
      return ParseBool(value, c.smtp.verify_peer) ? std::string()
                                                  : "invalid boolean '" + std::string(value) + "'";
    }
    if (key == "timeout_seconds") return num(c.smtp.timeout_seconds);
    if (key == "from") return str(c.mail_from);
    if (key == "retry_seconds") return num(c.mail_retry_seconds);
    if (key == "expire_hours") return num(c.mail_expire_hours);
  } else if (section == "imip") {
    if (key == "trusted_authserv_ids") return ParseList(value, c.imip_trusted_authserv_ids);
    if (key == "require") {
      if (value != "dmarc" && value != "dkim" && value != "none") {
        return "invalid require '" + std::string(value) + "' (dmarc, dkim, none)";
      }
      return str(c.imip_require);
    }
    if (key == "max_message_bytes") {
      uint64_t bytes = 0;
      if (!ParseUnsigned(value, bytes)) return "invalid number '" + std::string(value) + "'";
      c.imip_max_message_bytes = bytes;
      return std::string();
    }
  } else if (section == "store") {
    if (key == "backend") {
      if (value != "sqlite" && value != "postgresql") {
        return "invalid backend '" + std::string(value) + "' (sqlite, postgresql)";
      }
      return str(c.store_backend);
    }
    if (key == "postgresql_url") return str(c.postgresql_url);
    if (key == "pool_size") return range(c.store_pool_size, 1, 1000);
    if (key == "mail_claim_seconds") return range(c.store_mail_claim_seconds, 60, 86400);
    if (key == "busy_timeout_ms") return num(c.store_busy_timeout_ms);
    if (key == "change_log_max_entries") return num(c.change_log_max_entries);
    if (key == "change_log_max_age_days") return num(c.change_log_max_age_days);
    if (key == "memory_mib") return num(c.store_memory_mib);
  } else if (section == "log") {
    if (key == "access_log") {
      return ParseBool(value, c.access_log) ? std::string()
                                            : "invalid boolean '" + std::string(value) + "'";
    }
    if (key == "access_log_file") return str(c.access_log_file);
    if (key == "access_log_flush_ms") return num(c.access_log_flush_ms);
    if (key == "format") {
      if (value != "text" && value != "json") {
        return "invalid format '" + std::string(value) + "' (text, json)";
      }
      return str(c.log_format);
    }
  } else if (section == "metrics") {
    if (key == "allow") return AddressSet::Parse(value, &c.metrics_allow);
    if (key == "token_file") return str(c.metrics_token_file);
  } else if (section == "web") {
    if (key == "app_dir") return str(c.web_app_dir);
    if (key == "app_max_bytes") return num(c.web_app_max_bytes);
    if (key == "frame_ancestors") return ParseFrameAncestors(value, c.web_frame_ancestors);
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

std::string Config::Check() const {
  if (store_backend == "postgresql" && postgresql_url.empty()) {
    return "key 'store.postgresql_url': required when backend = postgresql "
           "(postgresql://user:password@host:port/dbname)";
  }
  if (auth_backend != "ldap") return "";
  if (ldap_url.empty()) return "key 'auth.ldap_url': required when backend = ldap";
  if (ldap_user_dn.empty() == ldap_search_base.empty()) {
    return "key 'auth.ldap_user_dn': backend = ldap needs either ldap_user_dn (a DN with "
           "{login}) or ldap_search_base (with ldap_search_filter), not both";
  }
  if (!ldap_bind_dn.empty() && ldap_bind_password.empty()) {
    // RFC 4513 §5.1.2: a DN with an empty password is an unauthenticated (anonymous) bind.
    return "key 'auth.ldap_bind_password': required with ldap_bind_dn";
  }
  std::string lower_url = ldap_url;
  for (char& ch : lower_url) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (ldap_starttls && lower_url.find("ldaps://") != std::string::npos) {
    return "key 'auth.ldap_starttls': not with an ldaps:// URL (already TLS)";
  }
  return "";
}

std::string Config::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot read file: " + std::strerror(errno);
  std::ostringstream text;
  text << in.rdbuf();
  const std::string content = text.str();
  // libinih reads a line into a buffer of INI_MAX_LINE bytes and silently parses the rest of a
  // longer line as a new line: a long postgresql_url would become "unknown key" or, worse, a
  // different key. Refuse such a line by its number instead.
  constexpr size_t kMaxLine = INI_MAX_LINE - 2;  // the line's characters, without "\n" and NUL
  size_t line = 1;
  for (size_t begin = 0; begin < content.size(); ++line) {
    size_t end = content.find('\n', begin);
    if (end == std::string::npos) end = content.size();
    size_t length = end - begin;
    if (length > 0 && content[end - 1] == '\r') --length;
    if (length > kMaxLine) {
      return path + ":" + std::to_string(line) + ": line longer than " + std::to_string(kMaxLine) +
             " characters, the configuration reader's limit (a password in a URL may go in a "
             ".pgpass file)";
    }
    begin = end + 1;
  }
  ParseState state{this, ""};
  int rc = ini_parse_string(content.c_str(), &OnEntry, &state);
  if (rc == 0) {
    std::string err = Check();
    return err.empty() ? err : path + ": " + err;
  }
  // ini_parse returns the line of the first error: either ours or a syntax error.
  std::string what = state.error.empty() ? "syntax error" : state.error;
  return path + ":" + std::to_string(rc) + ": " + what;
}

}  // namespace cartable::server
