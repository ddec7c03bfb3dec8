// A directory import while the server serves (issue 10: "during a 20,000-person import server
// writes wait 5 s and then get 500"). The import runs as `cartable directory import` does: through
// its own store on the same database file, i.e. another connection the server meets only through
// SQLite's lock. Every PUT made meanwhile must succeed after a short wait (the import writes in
// short batches and pauses between them), and none may ever get 500.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>

#include "directory/import.h"
#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::Reply;
using testlib::TestServer;

// Shorter than the production 5 s, so that the old single import transaction (several seconds
// for this many people) runs past it; far longer than one batch of the new import.
void OneSecondBusyTimeout(server::Config& c) { c.store_busy_timeout_ms = 1000; }

std::string Letters(size_t i) {
  std::string s;
  do {
    s += static_cast<char>('a' + i % 26);
    i /= 26;
  } while (i > 0);
  return s;
}

std::string People(size_t n) {
  std::string text = "nom;prenom;email;fonction;etablissement;uai;departement;telephone\n";
  for (size_t i = 0; i < n; ++i) {
    text += "Nom" + Letters(i) + ";Anne;;Professeure;Lycée " + Letters(i % 50) + ";037" +
            std::to_string(1000 + i % 50) + "A;37;\n";
  }
  return text;
}

TEST(ImportWhileServingTest, ServerWritesDuringAnImportSucceedAndNeverGet500) {
  TestServer server(OneSecondBusyTimeout);
  server.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
  server.SetDefaultUser("jlabert", "pw");
  ASSERT_EQ(server.As("PUT", "/dav/files/jlabert/warm.txt", "x").status, 201);

  const size_t kPeople = 3000;
  std::atomic<bool> done{false};
  Result<directory::ImportReport> result = Status::Internal("not run");
  std::thread importer([&] {
    Result<std::unique_ptr<store::Store>> store = store::OpenSqliteStore(server.data_dir());
    if (store.ok()) {
      directory::ImportOptions options;
      options.batch_size = 100;  // production default 500; smaller keeps the test short
      result = directory::ImportDirectory(
          **store, People(kPeople), directory::SecretKey::FromBytes(std::string(32, 'k')), options);
    } else {
      result = store.status();
    }
    done = true;
  });
  std::map<int, int> statuses;
  int puts = 0, missing_retry_after = 0;
  while (!done) {
    Reply r = server.As("PUT", "/dav/files/jlabert/f" + std::to_string(puts++) + ".txt", "v");
    ++statuses[r.status];
    if (r.status == 503 && r.Header("retry-after").empty()) ++missing_retry_after;
  }
  importer.join();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_TRUE(result->errors.empty()) << result->errors[0].message;
  EXPECT_EQ(result->counts.added, kPeople);

  EXPECT_GT(puts, 0);
  EXPECT_EQ(statuses[500], 0);
  EXPECT_EQ(missing_retry_after, 0) << "a 503 says when to retry";
  EXPECT_EQ(statuses[201], puts) << "each write waits at most about one batch: 503 x"
                                 << statuses[503] << ", 500 x" << statuses[500];
}

}  // namespace
}  // namespace cartable
