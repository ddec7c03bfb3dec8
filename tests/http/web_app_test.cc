// The web application's shell over real sockets (issue 13): /app/ serving of the bundle read
// from [web] app_dir (content types, immutable caching, strong ETags and 304, gzip, 404 for
// anything not in the directory, no path traversal), the application pages (signed-in only,
// their CSP with a fresh style nonce equal to the page's <meta name="csp-nonce">, the CSRF and
// idle-limit metas, the bundle's files from manifest.json, the navigation), [web]
// frame_ancestors, the 503 page without a bundle, and API calls keeping the session alive.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "tests/testlib/test_server.h"
#include "tests/testlib/web_client.h"

namespace cartable {
namespace {

using testlib::TestServer;
using testlib::WebClient;
using testlib::WebPage;

constexpr const char* kPassword = "Lapin-Vert-Sous-La-Pluie-1987";

std::atomic<int64_t> g_offset_seconds{0};
std::chrono::system_clock::time_point TestNow() {
  return std::chrono::system_clock::now() + std::chrono::seconds(g_offset_seconds.load());
}

// The directory the server is started on (a tweak is a plain function: no capture).
std::string g_app_dir;
std::vector<std::string> g_frame_ancestors;
uint64_t g_max_bytes = 0;

void UseAppDir(server::Config& c) {
  c.web_app_dir = g_app_dir;
  c.web_frame_ancestors = g_frame_ancestors;
  if (g_max_bytes != 0) c.web_app_max_bytes = g_max_bytes;
}

std::string Gunzip(const std::string& in) {
  z_stream s{};
  if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK) return "";
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  s.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    s.next_out = reinterpret_cast<Bytef*>(buf);
    s.avail_out = sizeof buf;
    rc = inflate(&s, Z_NO_FLUSH);
    out.append(buf, sizeof buf - s.avail_out);
  }
  inflateEnd(&s);
  return rc == Z_STREAM_END ? out : "";
}

std::string Repeat(const std::string& text, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += text;
  return out;
}

class WebAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_offset_seconds = 0;
    g_frame_ancestors.clear();
    g_max_bytes = 0;
    root_ = ::testing::TempDir() + "/cartable-web-app-" + std::to_string(getpid());
    std::filesystem::remove_all(root_);
    dir_ = root_ + "/web-app";
    std::filesystem::create_directories(dir_ + "/sous-dossier");
    js_ = "export const x = 1;\n" + Repeat("console.log('Cartable agenda');\n", 200);
    css_ = Repeat(".app { color: #000091; }\n", 200);
    Write("main-ABC123.js", js_);
    Write("app-DEF456.css", css_);
    Write("chunk-XYZ.js", "export default 2;\n");
    Write("font-GHI.woff2", std::string("wOF2\0\1\2\3", 8));
    Write("icone-JKL.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    Write("main-ABC123.js.map", "{\"version\":3}");
    Write("manifest.json", "{\"main.js\": \"main-ABC123.js\", \"app.css\": \"app-DEF456.css\"}\n");
    Write("sous-dossier/cache.js", "secret");
    std::ofstream(root_ + "/secret.txt") << "secret";
    std::filesystem::create_symlink(root_ + "/secret.txt", dir_ + "/lien.js");
    g_app_dir = dir_;
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(root_);
  }
  void Write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << bytes;
  }
  void Start() {
    server_ = std::make_unique<TestServer>(UseAppDir, "", TestNow);
    server_->AddUser("alice", kPassword, "Alice Martin", "alice.martin@ac-orleans-tours.fr");
  }
  WebClient SignedIn() {
    WebClient b(server_->port());
    EXPECT_EQ(b.Get("/connexion").status, 200);
    EXPECT_EQ(b.Post("/connexion", {{"identifiant", "alice"}, {"mot_de_passe", kPassword}}).status,
              303);
    return b;
  }
  static std::string Meta(const std::string& body, const std::string& name) {
    std::smatch m;
    std::regex re("<meta name=\"" + name + "\" content=\"([^\"]*)\">");
    return std::regex_search(body, m, re) ? m[1].str() : "";
  }

  std::string root_, dir_, js_, css_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(WebAppTest, ServesTheBundleWithTypesAndImmutableCaching) {
  Start();
  WebClient b(server_->port());
  const std::pair<const char*, const char*> kTypes[] = {
      {"/app/main-ABC123.js", "text/javascript; charset=utf-8"},
      {"/app/app-DEF456.css", "text/css; charset=utf-8"},
      {"/app/font-GHI.woff2", "font/woff2"},
      {"/app/icone-JKL.svg", "image/svg+xml"},
      {"/app/main-ABC123.js.map", "application/json; charset=utf-8"},
  };
  for (const auto& [path, type] : kTypes) {
    WebPage r = b.Get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.Header("Content-Type"), type) << path;
    EXPECT_EQ(r.Header("Cache-Control"), "public, max-age=31536000, immutable") << path;
    EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_TRUE(std::regex_match(r.Header("ETag"), std::regex("\"[0-9a-f]{32}\""))) << path;
    EXPECT_EQ(r.Header("Content-Encoding"), "") << path << ": no Accept-Encoding, no gzip";
  }
  WebPage js = b.Get("/app/main-ABC123.js");
  EXPECT_EQ(js.body, js_);
  EXPECT_EQ(js.Header("Vary"), "Accept-Encoding");
  WebPage font = b.Get("/app/font-GHI.woff2");
  EXPECT_EQ(font.body, std::string("wOF2\0\1\2\3", 8));
}

TEST_F(WebAppTest, GzipWhenAcceptedWithItsOwnETag) {
  Start();
  WebClient b(server_->port());
  WebPage plain = b.Get("/app/app-DEF456.css");
  WebPage gz = b.Get("/app/app-DEF456.css", {{"Accept-Encoding", "gzip, deflate, br"}});
  ASSERT_EQ(gz.status, 200);
  EXPECT_EQ(gz.Header("Content-Encoding"), "gzip");
  EXPECT_EQ(gz.Header("Vary"), "Accept-Encoding");
  EXPECT_LT(gz.body.size(), css_.size());
  EXPECT_EQ(Gunzip(gz.body), css_);
  EXPECT_NE(gz.Header("ETag"), plain.Header("ETag")) << "a strong ETag names one representation";
  // q=0 refuses gzip (RFC 9110 §12.5.3); already compressed fonts are never gzipped.
  EXPECT_EQ(b.Get("/app/app-DEF456.css", {{"Accept-Encoding", "gzip;q=0"}}).body, css_);
  EXPECT_EQ(b.Get("/app/font-GHI.woff2", {{"Accept-Encoding", "gzip"}}).Header("Content-Encoding"),
            "");
}

TEST_F(WebAppTest, NotModifiedOnAMatchingETag) {
  Start();
  WebClient b(server_->port());
  WebPage first = b.Get("/app/main-ABC123.js");
  std::string etag = first.Header("ETag");
  WebPage again = b.Get("/app/main-ABC123.js", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_EQ(again.body, "");
  EXPECT_EQ(again.Header("ETag"), etag);
  EXPECT_EQ(b.Get("/app/main-ABC123.js", {{"If-None-Match", "\"autre\", W/" + etag}}).status, 304);
  EXPECT_EQ(b.Get("/app/main-ABC123.js", {{"If-None-Match", "\"autre\""}}).status, 200);
  std::string gz_etag = b.Get("/app/main-ABC123.js", {{"Accept-Encoding", "gzip"}}).Header("ETag");
  EXPECT_EQ(b.Get("/app/main-ABC123.js", {{"Accept-Encoding", "gzip"}, {"If-None-Match", gz_etag}})
                .status,
            304);
}

TEST_F(WebAppTest, OnlyTheDirectorysOwnFiles) {
  Start();
  WebClient b(server_->port());
  for (const char* path : {"/app/absent.js", "/app/manifest.json", "/app/sous-dossier/cache.js",
                           "/app/lien.js", "/app/", "/app/main-ABC123.js/"}) {
    WebPage r = b.Get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << path;
  }
  // Dot segments and encoded slashes: the transport refuses them (400) before any lookup.
  for (const char* path : {"/app/../secret.txt", "/app/%2e%2e/secret.txt", "/app/..%2fsecret.txt",
                           "/app/%2Fetc%2Fpasswd", "/app/sous-dossier%2Fcache.js"}) {
    WebPage r = b.Get(path);
    EXPECT_TRUE(r.status == 400 || r.status == 404) << path << ": " << r.status;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << path;
  }
  WebPage post = b.Send("POST", "/app/main-ABC123.js", "", {});
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.Header("Allow"), "GET, HEAD");
  WebPage head = b.Send("HEAD", "/app/main-ABC123.js", "", {});
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
}

TEST_F(WebAppTest, ApplicationPagesNeedASession) {
  Start();
  WebClient b(server_->port());
  for (const char* path :
       {"/agenda", "/invitations", "/taches", "/annuaire", "/contacts", "/partage"}) {
    WebPage r = b.Get(path);
    EXPECT_EQ(r.status, 303) << path;
    EXPECT_EQ(r.Location(), std::string("/connexion?suite=") + path) << path;
  }
}

TEST_F(WebAppTest, ApplicationPageCarriesNonceCsrfIdleAndBundle) {
  Start();
  WebClient b = SignedIn();
  const std::pair<const char*, const char*> kAreas[] = {
      {"/agenda", "agenda"},     {"/invitations", "invitations"}, {"/taches", "taches"},
      {"/annuaire", "annuaire"}, {"/contacts", "contacts"},       {"/partage", "partage"},
  };
  std::set<std::string> nonces;
  for (const auto& [path, area] : kAreas) {
    WebPage r = b.Get(path);
    ASSERT_EQ(r.status, 200) << path;
    std::string nonce = Meta(r.body, "csp-nonce");
    ASSERT_GE(nonce.size(), 22u) << path;
    nonces.insert(nonce);
    EXPECT_EQ(r.Header("Content-Security-Policy"),
              "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-" + nonce +
                  "'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
                  "object-src 'none'; base-uri 'none'; form-action 'self'; "
                  "frame-ancestors 'none'")
        << path;
    EXPECT_EQ(r.Header("X-Frame-Options"), "DENY");
    EXPECT_EQ(r.Header("Cache-Control"), "no-store");
    EXPECT_EQ(Meta(r.body, "cartable-idle-seconds"), "1800");
    EXPECT_EQ(Meta(r.body, "csrf-token").size(), 32u) << path;
    EXPECT_NE(r.body.find(std::string("<div class=\"app\" data-app=\"") + area + "\">"),
              std::string::npos)
        << path;
    EXPECT_NE(r.body.find("<script type=\"module\" src=\"/app/main-ABC123.js\"></script>"),
              std::string::npos);
    EXPECT_NE(r.body.find("<link rel=\"stylesheet\" href=\"/app/app-DEF456.css\">"),
              std::string::npos);
    EXPECT_NE(r.body.find("<noscript>"), std::string::npos);
    EXPECT_NE(r.body.find(std::string("<a href=\"") + path + "\" aria-current=\"page\">"),
              std::string::npos)
        << path;
    EXPECT_EQ(r.body.find("style="), std::string::npos) << "no inline style under the CSP";
    EXPECT_EQ(r.body.find("<script>"), std::string::npos) << "no inline script";
  }
  EXPECT_EQ(nonces.size(), 6u) << "a fresh nonce per response";
  EXPECT_NE(Meta(b.Get("/agenda").body, "csp-nonce"), Meta(b.Get("/agenda").body, "csp-nonce"));
}

// The page's token is the session's: a write carrying it is accepted, another is refused.
TEST_F(WebAppTest, CsrfMetaIsTheSessionsToken) {
  Start();
  WebClient b = SignedIn();
  std::string token = Meta(b.Get("/agenda").body, "csrf-token");
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(
      b.Send("DELETE", "/api/v1/session", "", {{"X-CSRF-Token", "AAAAAAAAAAAAAAAAAAAA"}}).status,
      403);
  EXPECT_EQ(b.Send("DELETE", "/api/v1/session", "", {{"X-CSRF-Token", token}}).status, 204);
  EXPECT_EQ(b.Get("/agenda").status, 303) << "signed out";
}

TEST_F(WebAppTest, NavigationOnTheAccountPagesToo) {
  Start();
  WebClient b = SignedIn();
  WebPage compte = b.Get("/compte");
  ASSERT_EQ(compte.status, 200);
  for (const char* href :
       {"/agenda", "/invitations", "/taches", "/annuaire", "/contacts", "/partage"}) {
    EXPECT_NE(compte.body.find(std::string("<li><a href=\"") + href + "\">"), std::string::npos)
        << href;
  }
  EXPECT_NE(compte.body.find("<a href=\"/compte\" aria-current=\"page\">Mon compte</a>"),
            std::string::npos);
  EXPECT_NE(compte.body.find("<a class=\"bouton\" href=\"/agenda\">"), std::string::npos);
  EXPECT_NE(b.Get("/compte/appareils").body.find("<a href=\"/compte\" aria-current=\"page\">"),
            std::string::npos);
  // The account pages load no script and keep their strict policy.
  EXPECT_EQ(compte.body.find("<script"), std::string::npos);
  EXPECT_EQ(compte.Header("Content-Security-Policy").find("nonce"), std::string::npos);
  // Signed out: no navigation.
  WebClient anonymous(server_->port());
  EXPECT_EQ(anonymous.Get("/connexion").body.find("navigation"), std::string::npos);
  EXPECT_NE(anonymous.Get("/").body.find("href=\"/agenda\""), std::string::npos);
}

TEST_F(WebAppTest, FrameAncestorsFromConfig) {
  g_frame_ancestors = {"https://portail.ac-orleans-tours.fr", "https://ent.example:8443"};
  Start();
  WebClient b = SignedIn();
  WebPage r = b.Get("/agenda");
  ASSERT_EQ(r.status, 200);
  std::string csp = r.Header("Content-Security-Policy");
  EXPECT_TRUE(csp.ends_with(
      "; frame-ancestors https://portail.ac-orleans-tours.fr https://ent.example:8443"))
      << csp;
  EXPECT_EQ(r.Header("X-Frame-Options"), "") << "DENY would still block the portal";
  // The account pages are never framed.
  EXPECT_EQ(b.Get("/compte").Header("X-Frame-Options"), "DENY");
}

TEST_F(WebAppTest, WithoutABundleTheApplicationPagesSay503) {
  g_app_dir = root_ + "/absent";
  Start();
  WebClient b = SignedIn();
  WebPage r = b.Get("/agenda");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("Cartable n&apos;est pas installée sur ce serveur"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("scripts/lib.sh build"), std::string::npos);
  EXPECT_EQ(r.body.find("<script"), std::string::npos);
  EXPECT_EQ(b.Get("/app/main-ABC123.js").status, 404);
  EXPECT_EQ(b.Get("/compte").status, 200) << "the account pages still work";
}

// [web] app_max_bytes bounds what is kept in memory: a larger bundle is not loaded.
TEST_F(WebAppTest, BundleLargerThanTheBoundIsNotLoaded) {
  uint64_t total = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir_)) {
    if (f.is_regular_file() && !f.is_symlink()) total += f.file_size();
  }
  g_max_bytes = total - 1;
  Start();
  WebClient b = SignedIn();
  EXPECT_EQ(b.Get("/agenda").status, 503);
  EXPECT_EQ(b.Get("/app/main-ABC123.js").status, 404);
  server_.reset();
  g_max_bytes = total;
  Start();
  WebClient c = SignedIn();
  EXPECT_EQ(c.Get("/agenda").status, 200);
  EXPECT_EQ(c.Get("/app/main-ABC123.js").status, 200);
}

TEST_F(WebAppTest, ManifestNamingMissingFilesIsNoBundle) {
  Write("manifest.json", "{\"main.js\": \"main-AUTRE.js\", \"app.css\": \"app-DEF456.css\"}");
  Start();
  WebClient b = SignedIn();
  EXPECT_EQ(b.Get("/agenda").status, 503);
}

// The page's idle timer restarts with every API call (lib/api.js): the server must renew the
// session on those calls too, or "Rester connecté" (GET /api/v1/me) would not keep anyone in.
TEST_F(WebAppTest, ApiCallsKeepTheSessionAlive) {
  Start();
  WebClient b = SignedIn();
  ASSERT_EQ(b.Get("/agenda").status, 200);
  for (int i = 0; i < 3; ++i) {
    g_offset_seconds += 25 * 60;
    ASSERT_EQ(b.Json("GET", "/api/v1/me").status, 200) << i;
  }
  g_offset_seconds += 25 * 60;  // 100 minutes after the last page, 25 after the last call
  EXPECT_EQ(b.Get("/agenda").status, 200);
  g_offset_seconds += 31 * 60;
  EXPECT_EQ(b.Json("GET", "/api/v1/me").status, 401);
}

}  // namespace
}  // namespace cartable
