// COPY and MOVE: Destination, Overwrite, Depth; status codes; properties travel.
#include <gtest/gtest.h>

#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::ParseMultiStatus;
using testlib::TestServer;

class CopyMoveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
    server_.AddUser("mdupont", "pw2", "Marie Dupont", "marie.dupont@ac-orleans-tours.fr");
    server_.SetDefaultUser("jlabert", "pw");
    ASSERT_EQ(server_.As("MKCOL", "/dav/files/jlabert/src/").status, 201);
    ASSERT_EQ(server_.As("PUT", "/dav/files/jlabert/src/f.txt", "contenu").status, 201);
    ASSERT_EQ(server_.As("PROPPATCH", "/dav/files/jlabert/src/f.txt", R"(<D:propertyupdate
      xmlns:D="DAV:" xmlns:Z="urn:z"><D:set><D:prop><Z:tag>rouge</Z:tag></D:prop></D:set>
      </D:propertyupdate>)").status, 207);
  }
  testlib::Reply Send(const std::string& method, const std::string& from, const std::string& to,
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.push_back({"Destination", "http://127.0.0.1:" + std::to_string(server_.port()) + to});
    return server_.As(method, from, "", headers);
  }
  std::string Tag(const std::string& path) {
    auto r = server_.As("PROPFIND", path,
                        R"(<D:propfind xmlns:D="DAV:"><D:prop><Z:tag xmlns:Z="urn:z"/></D:prop></D:propfind>)",
                        {{"Depth", "0"}});
    return ParseMultiStatus(r.body).props[path]["{urn:z}tag"].text;
  }
  TestServer server_;
};

TEST_F(CopyMoveTest, CopyObjectThenOverwriteRules) {
  EXPECT_EQ(Send("COPY", "/dav/files/jlabert/src/f.txt", "/dav/files/jlabert/g.txt").status, 201);
  EXPECT_EQ(server_.As("GET", "/dav/files/jlabert/g.txt").body, "contenu");
  EXPECT_EQ(Tag("/dav/files/jlabert/g.txt"), "rouge");
  EXPECT_EQ(Send("COPY", "/dav/files/jlabert/src/f.txt", "/dav/files/jlabert/g.txt",
                 {{"Overwrite", "F"}}).status, 412);
  EXPECT_EQ(Send("COPY", "/dav/files/jlabert/src/f.txt", "/dav/files/jlabert/g.txt").status, 204);
  EXPECT_EQ(Send("COPY", "/dav/files/jlabert/src/f.txt", "/dav/files/jlabert/no/g.txt").status, 409);
  EXPECT_EQ(Send("COPY", "/dav/files/jlabert/src/f.txt", "/dav/files/jlabert/src/f.txt").status, 403);
}

TEST_F(CopyMoveTest, CopyCollectionDeepAndShallow) {
  EXPECT_EQ(Send("COPY", "/dav/files/jlabert/src/", "/dav/files/jlabert/deep/").status, 201);
  EXPECT_EQ(server_.As("GET", "/dav/files/jlabert/deep/f.txt").body, "contenu");
  EXPECT_EQ(Send("COPY", "/dav/files/jlabert/src/", "/dav/files/jlabert/shallow/", {{"Depth", "0"}})
                .status, 201);
  EXPECT_EQ(server_.As("GET", "/dav/files/jlabert/shallow/f.txt").status, 404);
  EXPECT_EQ(server_.As("PROPFIND", "/dav/files/jlabert/shallow/", "", {{"Depth", "0"}}).status, 207);
  EXPECT_EQ(Send("COPY", "/dav/files/jlabert/src/", "/dav/files/jlabert/src/inner/").status, 403);
}

TEST_F(CopyMoveTest, MoveObjectAndCollection) {
  EXPECT_EQ(Send("MOVE", "/dav/files/jlabert/src/f.txt", "/dav/files/jlabert/h.txt").status, 201);
  EXPECT_EQ(server_.As("GET", "/dav/files/jlabert/src/f.txt").status, 404);
  EXPECT_EQ(Tag("/dav/files/jlabert/h.txt"), "rouge");
  ASSERT_EQ(server_.As("PUT", "/dav/files/jlabert/src/z", "z").status, 201);
  EXPECT_EQ(Send("MOVE", "/dav/files/jlabert/src/", "/dav/files/jlabert/dst/").status, 201);
  EXPECT_EQ(server_.As("GET", "/dav/files/jlabert/dst/z").body, "z");
  EXPECT_EQ(server_.As("GET", "/dav/files/jlabert/src/z").status, 404);
  ASSERT_EQ(server_.As("MKCOL", "/dav/files/jlabert/other/").status, 201);
  EXPECT_EQ(Send("MOVE", "/dav/files/jlabert/dst/", "/dav/files/jlabert/other/", {{"Overwrite", "F"}})
                .status, 412);
  EXPECT_EQ(Send("MOVE", "/dav/files/jlabert/dst/", "/dav/files/jlabert/other/").status, 204);
  EXPECT_EQ(server_.As("GET", "/dav/files/jlabert/other/z").body, "z");
}

TEST_F(CopyMoveTest, DestinationErrors) {
  EXPECT_EQ(server_.As("COPY", "/dav/files/jlabert/src/f.txt").status, 400) << "no Destination";
  EXPECT_EQ(Send("COPY", "/dav/files/jlabert/src/f.txt", "/dav/files/mdupont/f.txt").status, 403);
  EXPECT_EQ(Send("MOVE", "/dav/files/jlabert/", "/dav/files/jlabert/x/").status, 403);
  EXPECT_EQ(server_.As("COPY", "/dav/files/jlabert/src/f.txt", "",
                       {{"Destination", "http://127.0.0.1/dav/files/jlabert/%2e%2e/x"}})
                .status, 400);
}

TEST_F(CopyMoveTest, CopyRespectsQuota) {
  ASSERT_TRUE(server_.app().accounts().SetQuota("jlabert", 10).ok());
  auto r = Send("COPY", "/dav/files/jlabert/src/f.txt", "/dav/files/jlabert/g.txt");
  EXPECT_EQ(r.status, 507);
  EXPECT_EQ(server_.As("GET", "/dav/files/jlabert/g.txt").status, 404);
}

}  // namespace
}  // namespace cartable
