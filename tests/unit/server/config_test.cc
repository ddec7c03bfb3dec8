#include "server/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace cartable::server {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    path_ = ::testing::TempDir() + "/cartable_config_test_" + std::to_string(getpid()) + ".ini";
    std::ofstream(path_) << text;
    return path_;
  }
  void TearDown() override {
    if (!path_.empty()) unlink(path_.c_str());
  }
  std::string path_;
};

TEST_F(ConfigTest, ReadsEveryKey) {
  Config c;
  std::string err = c.LoadFile(
      Write("[server]\nlisten = [::1]:9000\nworkers = 3\ndata_dir = /srv/c\n"
            "public_url = https://agenda.example\n"
            "[limits]\nmax_body_bytes = 100\nmax_header_bytes = 200\nrequest_timeout_seconds = 4\n"
            "idle_timeout_seconds = 5\nshutdown_grace_seconds = 6\ngzip_min_bytes = 7\n"
            "[auth]\nrealm = Test Realm\nauth_cache_seconds = 8\n"
            "[accounts]\nmail_domain = example.org\ndefault_quota_bytes = 9\n"
            "; comment\n[log]\naccess_log = false\naccess_log_file = /tmp/a.log\n"));
  EXPECT_EQ(err, "");
  EXPECT_EQ(c.listen, "[::1]:9000");
  EXPECT_EQ(c.workers, 3u);
  EXPECT_EQ(c.data_dir, "/srv/c");
  EXPECT_EQ(c.public_url, "https://agenda.example");
  EXPECT_EQ(c.max_body_bytes, 100u);
  EXPECT_EQ(c.max_header_bytes, 200u);
  EXPECT_EQ(c.request_timeout_seconds, 4u);
  EXPECT_EQ(c.idle_timeout_seconds, 5u);
  EXPECT_EQ(c.shutdown_grace_seconds, 6u);
  EXPECT_EQ(c.gzip_min_bytes, 7u);
  EXPECT_EQ(c.realm, "Test Realm");
  EXPECT_EQ(c.auth_cache_seconds, 8u);
  EXPECT_EQ(c.mail_domain, "example.org");
  EXPECT_EQ(c.default_quota_bytes, 9u);
  EXPECT_FALSE(c.access_log);
  EXPECT_EQ(c.access_log_file, "/tmp/a.log");
}

TEST_F(ConfigTest, ReadsSelfServiceKeysWithinBounds) {
  Config c;
  EXPECT_EQ(c.self_service_per_hour, 10u);
  EXPECT_EQ(c.reset_link_minutes, 30u);
  EXPECT_EQ(c.LoadFile(Write("[accounts]\nself_service_per_hour = 3\nreset_link_minutes = 5\n")),
            "");
  EXPECT_EQ(c.self_service_per_hour, 3u);
  EXPECT_EQ(c.reset_link_minutes, 5u);
  for (const char* bad : {"self_service_per_hour = 0", "self_service_per_hour = 100001",
                          "self_service_per_hour = many", "reset_link_minutes = 0",
                          "reset_link_minutes = 10081", "reset_link_minutes = -1"}) {
    Config d;
    std::string err = d.LoadFile(Write(std::string("[accounts]\n") + bad + "\n"));
    EXPECT_NE(err.find("accounts."), std::string::npos) << bad << ": " << err;
    EXPECT_EQ(d.self_service_per_hour, 10u) << bad;
    EXPECT_EQ(d.reset_link_minutes, 30u) << bad;
  }
}

TEST_F(ConfigTest, SecretKeyFileDefaultsToTheDataDirectory) {
  Config c;
  c.data_dir = "/srv/cartable";
  EXPECT_EQ(c.secret_key_file, "");
  EXPECT_EQ(c.SecretKeyFile(), "/srv/cartable/secret.key");
  EXPECT_EQ(c.LoadFile(Write("[accounts]\nsecret_key_file = /etc/cartable/secret.key\n")), "");
  EXPECT_EQ(c.SecretKeyFile(), "/etc/cartable/secret.key");
}

TEST_F(ConfigTest, ReadsHashPoolAndRefusalKeysWithinBounds) {
  Config c;
  EXPECT_EQ(c.hash_threads, 2u);
  EXPECT_EQ(c.hash_queue, 64u);
  EXPECT_EQ(c.LoadFile(Write("[auth]\nhash_threads = 1\nhash_queue = 5\n"
                             "refused_body_drain_bytes = 0\n")),
            "");
  EXPECT_EQ(c.hash_threads, 1u);
  EXPECT_EQ(c.hash_queue, 5u);
  EXPECT_EQ(c.refused_body_drain_bytes, 0u);
  for (const char* bad :
       {"hash_threads = 0", "hash_threads = 65", "hash_queue = 0", "hash_queue = 100001"}) {
    std::string err = Config().LoadFile(Write(std::string("[auth]\n") + bad + "\n"));
    EXPECT_NE(err.find("between"), std::string::npos) << bad << ": " << err;
  }
}

TEST_F(ConfigTest, ReadsConnectionLimits) {
  Config c;
  EXPECT_EQ(c.max_connections, 10000u);
  EXPECT_EQ(c.max_connections_per_address, 256u);
  EXPECT_EQ(c.max_queued_output_bytes, 16ull << 20);
  EXPECT_EQ(c.lingering_close_seconds, 5u);
  EXPECT_EQ(c.lingering_close_bytes, 16ull << 20);
  std::string err =
      c.LoadFile(Write("[limits]\nmax_connections = 11\nmax_connections_per_address = 12\n"
                       "max_queued_output_bytes = 13\nlingering_close_seconds = 14\n"
                       "lingering_close_bytes = 15\n"));
  EXPECT_EQ(err, "");
  EXPECT_EQ(c.max_connections, 11u);
  EXPECT_EQ(c.max_connections_per_address, 12u);
  EXPECT_EQ(c.max_queued_output_bytes, 13u);
  EXPECT_EQ(c.lingering_close_seconds, 14u);
  EXPECT_EQ(c.lingering_close_bytes, 15u);
}

TEST_F(ConfigTest, ReadsProxyLogAndMetricsKeys) {
  Config d;
  EXPECT_TRUE(d.trusted_proxies.empty());
  EXPECT_EQ(d.log_format, "text");
  EXPECT_EQ(d.metrics_allow.ToString(), "127.0.0.1/32 ::1/128");
  Config c;
  ASSERT_EQ(c.LoadFile(Write("[server]\ntrusted_proxies = 10.0.0.0/8, ::1\n[log]\nformat = json\n"
                             "[metrics]\nallow = 192.0.2.0/24\ntoken_file = /etc/cartable/m\n")),
            "");
  EXPECT_TRUE(c.trusted_proxies.Contains("10.2.3.4"));
  EXPECT_EQ(c.log_format, "json");
  EXPECT_TRUE(c.metrics_allow.Contains("192.0.2.9"));
  EXPECT_FALSE(c.metrics_allow.Contains("127.0.0.1"));
  EXPECT_EQ(c.metrics_token_file, "/etc/cartable/m");
  Config bad;
  std::string err = bad.LoadFile(Write("[server]\ntrusted_proxies = 10.0.0.0/40\n"));
  EXPECT_NE(err.find("server.trusted_proxies"), std::string::npos) << err;
  err = bad.LoadFile(Write("[log]\nformat = xml\n"));
  EXPECT_NE(err.find("text, json"), std::string::npos) << err;
}

// [server] public_url is checked when the file is read (http(s)://host[:port], no path), and
// [server] forwarded_header names one of the two headers.
TEST_F(ConfigTest, ChecksPublicUrlAndForwardedHeader) {
  Config c;
  EXPECT_EQ(c.forwarded_header, "x-forwarded-for");
  ASSERT_EQ(c.LoadFile(Write("[server]\npublic_url = https://agenda.example:8443/\n"
                             "forwarded_header = forwarded\n")),
            "");
  EXPECT_EQ(c.public_url, "https://agenda.example:8443/");
  EXPECT_EQ(c.forwarded_header, "forwarded");
  std::string err = c.LoadFile(Write("[server]\npublic_url = https://agenda.example/agenda/\n"));
  EXPECT_NE(err.find("server.public_url"), std::string::npos) << err;
  EXPECT_NE(err.find("path prefix is not supported"), std::string::npos) << err;
  EXPECT_EQ(c.public_url, "https://agenda.example:8443/") << "a refused value is not kept";
  err = Config().LoadFile(Write("[server]\npublic_url = agenda.example\n"));
  EXPECT_NE(err.find("server.public_url"), std::string::npos) << err;
  err = Config().LoadFile(Write("[server]\nforwarded_header = x-real-ip\n"));
  EXPECT_NE(err.find("x-forwarded-for, forwarded"), std::string::npos) << err;
}

TEST_F(ConfigTest, KeepsDefaultsForMissingKeys) {
  Config c;
  EXPECT_EQ(c.LoadFile(Write("[server]\nworkers = 2\n")), "");
  EXPECT_EQ(c.workers, 2u);
  EXPECT_EQ(c.listen, "127.0.0.1:8008");
  EXPECT_EQ(c.max_body_bytes, 10ull << 20);
}

TEST_F(ConfigTest, UnknownKeyNamesFileLineAndKey) {
  Config c;
  std::string path = Write("[server]\nworkers = 2\nbogus = 1\n");
  std::string err = c.LoadFile(path);
  EXPECT_NE(err.find(path + ":3:"), std::string::npos) << err;
  EXPECT_NE(err.find("server.bogus"), std::string::npos) << err;
}

TEST_F(ConfigTest, UnknownSectionIsAnError) {
  Config c;
  std::string err = c.LoadFile(Write("[nope]\nx = 1\n"));
  EXPECT_NE(err.find(":2:"), std::string::npos) << err;
  EXPECT_NE(err.find("nope"), std::string::npos) << err;
}

TEST_F(ConfigTest, BadNumberIsAnError) {
  Config c;
  std::string err = c.LoadFile(Write("[limits]\n\nmax_body_bytes = 12abc\n"));
  EXPECT_NE(err.find(":3:"), std::string::npos) << err;
  EXPECT_NE(err.find("limits.max_body_bytes"), std::string::npos) << err;
  EXPECT_NE(c.LoadFile(Write("[limits]\nmax_body_bytes = -1\n")), "");
  EXPECT_NE(c.LoadFile(Write("[log]\naccess_log = maybe\n")), "");
}

TEST_F(ConfigTest, MissingFileIsAnError) {
  Config c;
  std::string err = c.LoadFile("/nonexistent/cartable.ini");
  EXPECT_NE(err.find("/nonexistent/cartable.ini"), std::string::npos);
}

TEST_F(ConfigTest, ReadsDavWorkLimits) {
  Config c;
  EXPECT_EQ(c.max_xml_depth, 64u);
  EXPECT_EQ(c.max_xml_elements, 50000u);
  EXPECT_EQ(c.max_properties_per_request, 1000u);
  EXPECT_EQ(c.max_response_bytes, 64ull << 20);
  EXPECT_EQ(c.max_instances_per_request, 50000u);
  EXPECT_EQ(c.LoadFile(Write("[limits]\nmax_xml_depth = 10\nmax_xml_elements = 11\n"
                             "max_properties_per_request = 12\nmax_response_bytes = 13\n"
                             "max_instances_per_request = 14\n")),
            "");
  EXPECT_EQ(c.max_xml_depth, 10u);
  EXPECT_EQ(c.max_xml_elements, 11u);
  EXPECT_EQ(c.max_properties_per_request, 12u);
  EXPECT_EQ(c.max_response_bytes, 13u);
  EXPECT_EQ(c.max_instances_per_request, 14u);
  EXPECT_NE(c.LoadFile(Write("[limits]\nmax_xml_depth = deep\n")), "");
}

// [sharing] (issue 12) and [scheduling] max_group_members: defaults, values, refusals.
TEST_F(ConfigTest, SharingSection) {
  Config c;
  EXPECT_TRUE(c.share_auto_accept);
  EXPECT_EQ(c.max_shares_per_collection, 200u);
  EXPECT_EQ(c.max_delegates, 50u);
  EXPECT_EQ(c.max_group_members, 500u);
  EXPECT_EQ(c.LoadFile(Write("[sharing]\nauto_accept = false\nmax_shares_per_collection = 3\n"
                             "max_delegates = 4\n[scheduling]\nmax_group_members = 5\n")),
            "");
  EXPECT_FALSE(c.share_auto_accept);
  EXPECT_EQ(c.max_shares_per_collection, 3u);
  EXPECT_EQ(c.max_delegates, 4u);
  EXPECT_EQ(c.max_group_members, 5u);
  EXPECT_NE(c.LoadFile(Write("[sharing]\nauto_accept = peut-etre\n")).find("auto_accept"),
            std::string::npos);
  EXPECT_NE(c.LoadFile(Write("[sharing]\nmax_delegates = -1\n")), "");
  EXPECT_NE(c.LoadFile(Write("[sharing]\nmax_invites = 1\n")), "");
}

// [accounts] otp_issuer (shown by authenticator apps) and max_app_passwords (per account).
TEST_F(ConfigTest, OtpIssuerAndAppPasswordBound) {
  Config c;
  EXPECT_EQ(c.otp_issuer, "Cartable");
  EXPECT_EQ(c.max_app_passwords, 50u);
  EXPECT_EQ(c.LoadFile(Write("[accounts]\notp_issuer = Académie Orléans-Tours\n"
                             "max_app_passwords = 3\n")),
            "");
  EXPECT_EQ(c.otp_issuer, "Académie Orléans-Tours");
  EXPECT_EQ(c.max_app_passwords, 3u);
  for (const char* bad :
       {"otp_issuer = Cartable:prod", "max_app_passwords = 0", "max_app_passwords = many"}) {
    std::string err = Config().LoadFile(Write(std::string("[accounts]\n") + bad + "\n"));
    EXPECT_NE(err, "") << bad;
  }
}

}  // namespace
TEST_F(ConfigTest, DepartmentsList) {
  Config c;
  EXPECT_EQ(c.LoadFile(Write("[directory]\ndepartments = 27:Eure, 76 : Seine-Maritime\n")), "");
  ASSERT_EQ(c.departments.size(), 2u);
  EXPECT_EQ(c.departments["76"], "Seine-Maritime");
  Config bad;
  EXPECT_NE(bad.LoadFile(Write("[directory]\ndepartments = 27\n")).find("CODE:Name"),
            std::string::npos);
}

TEST_F(ConfigTest, StoreSection) {
  Config c;
  EXPECT_EQ(c.store_busy_timeout_ms, 5000u);
  EXPECT_EQ(c.change_log_max_entries, 10000u);
  EXPECT_EQ(c.change_log_max_age_days, 60u);
  EXPECT_EQ(c.LoadFile(Write("[store]\nbusy_timeout_ms = 250\nchange_log_max_entries = 0\n"
                             "change_log_max_age_days = 7\n")),
            "");
  EXPECT_EQ(c.store_busy_timeout_ms, 250u);
  EXPECT_EQ(c.change_log_max_entries, 0u);
  EXPECT_EQ(c.change_log_max_age_days, 7u);
  EXPECT_NE(c.LoadFile(Write("[store]\nbusy_timeout_ms = soon\n")), "");
}

TEST_F(ConfigTest, StoreBackendAndPostgresqlKeys) {
  Config c;
  EXPECT_EQ(c.store_backend, "sqlite");
  EXPECT_EQ(c.postgresql_url, "");
  EXPECT_EQ(c.store_pool_size, 8u);
  EXPECT_EQ(c.LoadFile(Write("[store]\nbackend = postgresql\n"
                             "postgresql_url = postgresql://cartable:s3cret@db1:5432/cartable\n"
                             "pool_size = 16\n")),
            "");
  EXPECT_EQ(c.store_backend, "postgresql");
  EXPECT_EQ(c.postgresql_url, "postgresql://cartable:s3cret@db1:5432/cartable");
  EXPECT_EQ(c.store_pool_size, 16u);
}

TEST_F(ConfigTest, StoreBackendErrorsNameTheKey) {
  Config c;
  std::string err = c.LoadFile(Write("[store]\nbackend = mysql\n"));
  EXPECT_NE(err.find("store.backend"), std::string::npos) << err;
  EXPECT_NE(err.find("invalid backend 'mysql' (sqlite, postgresql)"), std::string::npos) << err;
  Config d;
  err = d.LoadFile(Write("[store]\nbackend = postgresql\n"));
  EXPECT_NE(err.find("key 'store.postgresql_url': required when backend = postgresql"),
            std::string::npos)
      << err;
  Config e;
  err = e.LoadFile(Write("[store]\nbackend = postgresql\npostgresql_url =\n"));
  EXPECT_NE(err.find("store.postgresql_url"), std::string::npos) << err;
  Config f;
  err = f.LoadFile(Write("[store]\npool_size = 0\n"));
  EXPECT_NE(err.find("store.pool_size"), std::string::npos) << err;
  EXPECT_NE(err.find("(1 to 1000)"), std::string::npos) << err;
  EXPECT_EQ(f.store_pool_size, 8u);
  Config g;
  EXPECT_EQ(g.LoadFile(Write("[store]\nmail_claim_seconds = 600\n")), "");
  EXPECT_EQ(g.store_mail_claim_seconds, 600u);
  EXPECT_NE(
      g.LoadFile(Write("[store]\nmail_claim_seconds = 10\n")).find("store.mail_claim_seconds"),
      std::string::npos);
}

// libinih reads at most INI_MAX_LINE - 1 bytes of a line and parses the rest as another line:
// a long postgresql_url used to come back as "unknown key" (or another key). It is refused by its
// line number, and the longest accepted line is read whole.
TEST_F(ConfigTest, OverlongLineIsRefusedByItsNumber) {
  const std::string url_head = "postgresql://cartable@db.example:5432/cartable?application_name=";
  const std::string fits = url_head + std::string(198 - 17 - url_head.size(), 'n');
  Config c;
  EXPECT_EQ(c.LoadFile(Write("[store]\nbackend = postgresql\npostgresql_url = " + fits + "\n")),
            "");
  EXPECT_EQ(c.postgresql_url, fits);
  Config d;
  std::string err =
      d.LoadFile(Write("[store]\nbackend = postgresql\npostgresql_url = " + fits + "x\r\n[log]\n"));
  EXPECT_NE(err.find(":3: line longer than 198 characters"), std::string::npos) << err;
  EXPECT_EQ(d.postgresql_url, "") << "nothing of the refused file is applied past the check";
}

TEST_F(ConfigTest, ImipSection) {
  Config c;
  EXPECT_TRUE(c.imip_trusted_authserv_ids.empty()) << "nothing is trusted by default";
  EXPECT_EQ(c.imip_require, "dmarc");
  EXPECT_FALSE(c.imip_max_message_bytes.has_value()) << "default: [limits] max_body_bytes";
  EXPECT_EQ(c.LoadFile(Write("[imip]\ntrusted_authserv_ids = MX1.Example.org, mx2.example.org\n"
                             "require = dkim\nmax_message_bytes = 4096\n")),
            "");
  EXPECT_EQ(c.imip_trusted_authserv_ids,
            (std::vector<std::string>{"mx1.example.org", "mx2.example.org"}));
  EXPECT_EQ(c.imip_require, "dkim");
  EXPECT_EQ(c.imip_max_message_bytes, 4096u);
  EXPECT_NE(c.LoadFile(Write("[imip]\nrequire = spf\n")), "");
  EXPECT_NE(c.LoadFile(Write("[imip]\nmax_message_bytes = big\n")), "");
}

// [accounts] lockout, session, address and password keys (issue 11): defaults as the issue
// states, every key read, and out-of-range values refused with the key named.
TEST_F(ConfigTest, AccountSecurityKeys) {
  Config c;
  EXPECT_EQ(c.secret_key_file, "") << "default: <data_dir>/secret.key";
  EXPECT_EQ(c.session_idle_minutes, 30u);
  EXPECT_EQ(c.session_max_hours, 12u);
  EXPECT_EQ(c.lockout_threshold, 10u);
  EXPECT_EQ(c.lockout_window_minutes, 15u);
  EXPECT_EQ(c.lockout_minutes, 15u);
  EXPECT_EQ(c.lockout_max_temporary, 3u);
  EXPECT_EQ(c.address_max_failures, 30u);
  EXPECT_EQ(c.address_window_minutes, 15u);
  EXPECT_EQ(c.password_min_length, 12u);
  EXPECT_EQ(c.password_min_strength, 10u);
  EXPECT_EQ(c.password_history, 5u);
  EXPECT_EQ(c.password_expiry_days, 0u) << "no expiry by default (NIST SP 800-63B)";
  EXPECT_EQ(c.LoadFile(Write("[accounts]\nsecret_key_file = /etc/cartable/key\n"
                             "session_idle_minutes = 20\nsession_max_hours = 8\n"
                             "lockout_threshold = 5\nlockout_window_minutes = 10\n"
                             "lockout_minutes = 2\nlockout_max_temporary = 0\n"
                             "address_max_failures = 0\naddress_window_minutes = 60\n"
                             "password_min_length = 14\npassword_min_strength = 12\n"
                             "password_history = 0\npassword_expiry_days = 365\n")),
            "");
  EXPECT_EQ(c.secret_key_file, "/etc/cartable/key");
  EXPECT_EQ(c.session_idle_minutes, 20u);
  EXPECT_EQ(c.session_max_hours, 8u);
  EXPECT_EQ(c.lockout_threshold, 5u);
  EXPECT_EQ(c.lockout_window_minutes, 10u);
  EXPECT_EQ(c.lockout_minutes, 2u);
  EXPECT_EQ(c.lockout_max_temporary, 0u);
  EXPECT_EQ(c.address_max_failures, 0u);
  EXPECT_EQ(c.address_window_minutes, 60u);
  EXPECT_EQ(c.password_min_length, 14u);
  EXPECT_EQ(c.password_min_strength, 12u);
  EXPECT_EQ(c.password_history, 0u);
  EXPECT_EQ(c.password_expiry_days, 365u);
  for (const char* bad :
       {"session_idle_minutes = 0", "session_max_hours = 9000", "lockout_threshold = 1001",
        "lockout_window_minutes = 0", "lockout_minutes = 0", "lockout_max_temporary = 21",
        "address_window_minutes = 0", "password_min_length = 7", "password_min_strength = 31",
        "password_history = 25", "password_expiry_days = 4000", "lockout_threshold = ten"}) {
    Config d;
    std::string err = d.LoadFile(Write(std::string("[accounts]\n") + bad + "\n"));
    std::string key = std::string(bad).substr(0, std::string(bad).find(' '));
    EXPECT_NE(err.find("accounts." + key), std::string::npos) << bad << ": " << err;
  }
  Config d;
  EXPECT_NE(d.LoadFile(Write("[accounts]\nlockout_minutes = 0\n")), "");
  EXPECT_EQ(d.lockout_minutes, 15u) << "a refused value leaves the default";
}

// [accounts] max_sessions_per_user (issue 11, web sessions): default 20, 1-1000.
TEST_F(ConfigTest, MaxSessionsPerUser) {
  Config c;
  EXPECT_EQ(c.max_sessions_per_user, 20u);
  EXPECT_EQ(c.LoadFile(Write("[accounts]\nmax_sessions_per_user = 3\n")), "");
  EXPECT_EQ(c.max_sessions_per_user, 3u);
  for (const char* bad : {"max_sessions_per_user = 0", "max_sessions_per_user = 1001"}) {
    Config d;
    EXPECT_NE(d.LoadFile(Write(std::string("[accounts]\n") + bad + "\n"))
                  .find("accounts.max_sessions_per_user"),
              std::string::npos)
        << bad;
  }
}

}  // namespace cartable::server

namespace cartable::server {
namespace {

TEST_F(ConfigTest, AuthBackendDefaultsToLocal) {
  Config c;
  EXPECT_EQ(c.auth_backend, "local");
  EXPECT_EQ(c.ldap_search_filter, "(uid={login})");
  EXPECT_FALSE(c.ldap_starttls);
  EXPECT_EQ(c.ldap_timeout_seconds, 5u);
  EXPECT_EQ(c.LoadFile(Write("[auth]\nbackend = local\n")), "");
  EXPECT_EQ(c.Check(), "");
}

TEST_F(ConfigTest, ReadsEveryLdapKey) {
  Config c;
  EXPECT_EQ(c.LoadFile(Write("[auth]\nbackend = ldap\n"
                             "ldap_url = ldap://ldap1.ac-test.fr ldaps://ldap2.ac-test.fr:636/\n"
                             "ldap_search_base = ou=people,dc=ac-test,dc=fr\n"
                             "ldap_search_filter = (&(objectClass=person)(uid={login}))\n"
                             "ldap_bind_dn = cn=cartable,dc=ac-test,dc=fr\n"
                             "ldap_bind_password = s3cret\n"
                             "ldap_ca_file = /etc/ssl/ac-test.pem\n"
                             "ldap_timeout_seconds = 3\n")),
            "");
  EXPECT_EQ(c.auth_backend, "ldap");
  EXPECT_EQ(c.ldap_url, "ldap://ldap1.ac-test.fr ldaps://ldap2.ac-test.fr:636/");
  EXPECT_EQ(c.ldap_search_base, "ou=people,dc=ac-test,dc=fr");
  EXPECT_EQ(c.ldap_search_filter, "(&(objectClass=person)(uid={login}))");
  EXPECT_EQ(c.ldap_bind_dn, "cn=cartable,dc=ac-test,dc=fr");
  EXPECT_EQ(c.ldap_bind_password, "s3cret");
  EXPECT_EQ(c.ldap_ca_file, "/etc/ssl/ac-test.pem");
  EXPECT_EQ(c.ldap_timeout_seconds, 3u);

  Config t;
  EXPECT_EQ(t.LoadFile(Write("[auth]\nbackend = ldap\nldap_url = LDAP://ldap.ac-test.fr\n"
                             "ldap_user_dn = uid={login},ou=people,dc=ac-test,dc=fr\n"
                             "ldap_starttls = true\n")),
            "");
  EXPECT_EQ(t.ldap_user_dn, "uid={login},ou=people,dc=ac-test,dc=fr");
  EXPECT_TRUE(t.ldap_starttls);
}

TEST_F(ConfigTest, LdapBackendNeedsAUrlAndOneWayToFindThePerson) {
  Config c;
  std::string err =
      c.LoadFile(Write("[auth]\nbackend = ldap\nldap_user_dn = uid={login},dc=ac-test,dc=fr\n"));
  EXPECT_NE(err.find("auth.ldap_url"), std::string::npos) << err;
  EXPECT_NE(err.find("required when backend = ldap"), std::string::npos) << err;

  Config neither;
  err = neither.LoadFile(Write("[auth]\nbackend = ldap\nldap_url = ldap://ldap.ac-test.fr\n"));
  EXPECT_NE(err.find("auth.ldap_user_dn"), std::string::npos) << err;
  Config both;
  err =
      both.LoadFile(Write("[auth]\nbackend = ldap\nldap_url = ldap://ldap.ac-test.fr\n"
                          "ldap_user_dn = uid={login},dc=a\nldap_search_base = dc=a\n"));
  EXPECT_NE(err.find("not both"), std::string::npos) << err;

  Config no_password;
  err =
      no_password.LoadFile(Write("[auth]\nbackend = ldap\nldap_url = ldap://ldap.ac-test.fr\n"
                                 "ldap_search_base = dc=a\nldap_bind_dn = cn=svc,dc=a\n"));
  EXPECT_NE(err.find("auth.ldap_bind_password"), std::string::npos) << err;

  Config tls_twice;
  err =
      tls_twice.LoadFile(Write("[auth]\nbackend = ldap\nldap_url = ldaps://ldap.ac-test.fr\n"
                               "ldap_search_base = dc=a\nldap_starttls = yes\n"));
  EXPECT_NE(err.find("auth.ldap_starttls"), std::string::npos) << err;

  // The same keys mean nothing while the backend is local.
  Config local;
  EXPECT_EQ(local.LoadFile(Write("[auth]\nldap_search_base = dc=a\nldap_bind_dn = cn=svc\n")), "");
}

TEST_F(ConfigTest, LdapKeysAreValidated) {
  auto error = [&](const std::string& text) {
    Config c;
    return c.LoadFile(Write("[auth]\n" + text + "\n"));
  };
  std::string err = error("backend = kerberos");
  EXPECT_NE(err.find("auth.backend"), std::string::npos) << err;
  EXPECT_NE(err.find("(local, ldap)"), std::string::npos) << err;
  err = error("ldap_url = http://ldap.ac-test.fr");
  EXPECT_NE(err.find("auth.ldap_url"), std::string::npos) << err;
  EXPECT_NE(err.find("ldap:// or ldaps://"), std::string::npos) << err;
  EXPECT_NE(error("ldap_url = ldap://a ldapi:///run/slapd.sock").find("ldapi://"),
            std::string::npos);
  EXPECT_NE(error("ldap_url = ldap.ac-test.fr").find("auth.ldap_url"), std::string::npos);
  EXPECT_NE(error("ldap_user_dn = uid=jmartin,dc=a").find("{login}"), std::string::npos);
  EXPECT_NE(error("ldap_search_filter = uid={login}").find("auth.ldap_search_filter"),
            std::string::npos);
  EXPECT_NE(error("ldap_search_filter = (uid=jmartin)").find("{login}"), std::string::npos);
  EXPECT_NE(error("ldap_starttls = maybe").find("auth.ldap_starttls"), std::string::npos);
  EXPECT_NE(error("ldap_timeout_seconds = 0").find("between 1 and 300"), std::string::npos);
  EXPECT_NE(error("ldap_timeout_seconds = 301").find("between 1 and 300"), std::string::npos);
  EXPECT_EQ(error("ldap_timeout_seconds = 300"), "");
}

// [web] (issue 13): the bundle's directory and the origins allowed to frame the application
// pages, which go into a CSP directive: anything that could end or extend it is refused.
TEST_F(ConfigTest, WebSection) {
  Config c;
  EXPECT_EQ(c.web_app_max_bytes, uint64_t{64} << 20);
  EXPECT_EQ(c.LoadFile(Write("[web]\napp_dir = /srv/cartable/web-app\napp_max_bytes = 1000\n"
                             "frame_ancestors = https://portail.ac-orleans-tours.fr "
                             "https://ent.example:8443\n")),
            "");
  EXPECT_EQ(c.web_app_dir, "/srv/cartable/web-app");
  EXPECT_EQ(c.web_app_max_bytes, 1000u);
  EXPECT_EQ(c.web_frame_ancestors, (std::vector<std::string>{"https://portail.ac-orleans-tours.fr",
                                                             "https://ent.example:8443"}));
  for (const char* bad : {"https://a.example; script-src *", "'self'", "https://a.example/path",
                          "portail.example", "https://a.example,https://b.example", "https://"}) {
    Config d;
    std::string err = d.LoadFile(Write(std::string("[web]\nframe_ancestors = ") + bad + "\n"));
    EXPECT_NE(err.find("web.frame_ancestors"), std::string::npos) << bad << ": " << err;
    EXPECT_TRUE(d.web_frame_ancestors.empty()) << bad;
  }
  Config none;
  EXPECT_EQ(none.LoadFile(Write("[web]\nframe_ancestors =\n")), "");
  EXPECT_TRUE(none.web_frame_ancestors.empty());
}

// Issue 14: the memory bounds and the access log's batching.
TEST_F(ConfigTest, ReadsMemoryAndLogBatchingKeys) {
  Config c;
  EXPECT_EQ(c.malloc_arenas, 2u);
  EXPECT_EQ(c.store_memory_mib, 8u);
  EXPECT_EQ(c.access_log_flush_ms, 200u);
  EXPECT_EQ(c.LoadFile(Write("[server]\nmalloc_arenas = 0\n[store]\nmemory_mib = 48\n"
                             "[log]\naccess_log_flush_ms = 0\n")),
            "");
  EXPECT_EQ(c.malloc_arenas, 0u);
  EXPECT_EQ(c.store_memory_mib, 48u);
  EXPECT_EQ(c.access_log_flush_ms, 0u);
  EXPECT_NE(c.LoadFile(Write("[store]\nmemory_mib = lots\n")), "");
}

}  // namespace
}  // namespace cartable::server
