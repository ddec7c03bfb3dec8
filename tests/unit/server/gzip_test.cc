#include "server/gzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace cartable::server {
namespace {

std::string Gunzip(const std::string& in) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 31), Z_OK);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

TEST(GzipTest, CompressesToAGzipStream) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "<d:response>hello</d:response>\n";
  auto z = GzipCompress(text);
  ASSERT_TRUE(z);
  ASSERT_GE(z->size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>((*z)[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>((*z)[1]), 0x8b);
  EXPECT_LT(z->size(), text.size() / 10);
  EXPECT_EQ(Gunzip(*z), text);
}

TEST(GzipTest, CompressesEmptyInput) {
  auto z = GzipCompress("");
  ASSERT_TRUE(z);
  EXPECT_EQ(Gunzip(*z), "");
}

TEST(AcceptsGzipTest, HonoursQValues) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("br, *"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.000, *"));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("*;q=0"));
}

}  // namespace
}  // namespace cartable::server
