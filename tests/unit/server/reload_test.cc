#include "server/reload.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

namespace cartable::server {
namespace {

class ReloadTest : public ::testing::Test {
 protected:
  void TearDown() override { unlink(path_.c_str()); }
  void Write(const std::string& text) {
    std::ofstream out(path_, std::ios::trunc);
    out << text;
  }
  bool Has(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  }
  std::string path_ = ::testing::TempDir() + "/cartable_reload_" + std::to_string(getpid());
};

// Reloadable keys are taken from the file; a key read only at start keeps its running value and
// is reported as needing a restart; a removed key counts as changed (back to its default).
TEST_F(ReloadTest, AppliesReloadableKeysAndNamesTheOthers) {
  Write("[limits]\nmax_body_bytes = 1000\nmax_xml_depth = 10\n[server]\nworkers = 2\n");
  Config running;
  ASSERT_EQ(running.LoadFile(path_), "");
  std::map<std::string, std::string> values;
  ASSERT_EQ(ReadFileValues(path_, &values), "");
  EXPECT_EQ(values["limits.max_body_bytes"], "1000");

  Write(
      "[limits]\nmax_body_bytes = 500\nmax_xml_depth = 20\n[server]\nworkers = 4\n"
      "[mail]\nrelay = smtp.example.fr:2525\n");
  ReloadPlan plan = PlanReload(running, path_, values, nullptr, {});
  ASSERT_EQ(plan.error, "");
  EXPECT_EQ(plan.next.max_body_bytes, 500u);
  EXPECT_EQ(plan.next.smtp.host, "smtp.example.fr");
  EXPECT_EQ(plan.next.smtp.port, 2525u);
  EXPECT_EQ(plan.next.max_xml_depth, 10u);  // needs a restart: the running value stays
  EXPECT_EQ(plan.next.workers, 2u);
  EXPECT_TRUE(Has(plan.applied, "limits.max_body_bytes"));
  EXPECT_TRUE(Has(plan.applied, "mail.relay"));
  EXPECT_TRUE(Has(plan.needs_restart, "limits.max_xml_depth"));
  EXPECT_TRUE(Has(plan.needs_restart, "server.workers"));
  std::string line = DescribeReload(plan);
  EXPECT_NE(line.find("needs a restart"), std::string::npos) << line;

  Write("[server]\nworkers = 4\n");  // max_body_bytes removed: back to the default
  ReloadPlan again = PlanReload(plan.next, path_, plan.file_values, nullptr, {});
  ASSERT_EQ(again.error, "");
  EXPECT_EQ(again.next.max_body_bytes, Config().max_body_bytes);
  EXPECT_TRUE(Has(again.applied, "limits.max_body_bytes"));
  EXPECT_FALSE(Has(again.needs_restart, "server.workers"));  // unchanged since the last load
}

// An invalid file changes nothing and says where; command-line flags keep winning and their
// keys are not reported.
TEST_F(ReloadTest, InvalidFileIsRefusedAndFlagsKeepWinning) {
  Write("[limits]\nmax_body_bytes = many\n");
  Config running;
  ReloadPlan bad = PlanReload(running, path_, {}, nullptr, {});
  EXPECT_NE(bad.error.find("limits.max_body_bytes"), std::string::npos) << bad.error;
  EXPECT_NE(DescribeReload(bad).find("NOT reloaded"), std::string::npos);

  Write("[server]\nlisten = 127.0.0.1:9999\n[mail]\nrelay = a.example.fr\n");
  ReloadPlan plan = PlanReload(running, path_, {},
                               [](Config& c) {
                                 c.listen = "127.0.0.1:0";
                                 return ParseRelay("b.example.fr", c.smtp);
                               },
                               {"server.listen", "mail.relay"});
  ASSERT_EQ(plan.error, "");
  EXPECT_EQ(plan.next.smtp.host, "b.example.fr");
  EXPECT_TRUE(plan.applied.empty());
  EXPECT_TRUE(plan.needs_restart.empty());
}

// A published snapshot is what readers of the pointer see; earlier ones stay valid.
TEST(ConfigSnapshotsTest, PublishSwapsTheCurrentSnapshot) {
  Config start;
  start.max_body_bytes = 1;
  ConfigSnapshots snapshots(start);
  const Config* first = snapshots.current();
  ConfigPointer reader(first);
  Config next = start;
  next.max_body_bytes = 2;
  reader = snapshots.Publish(next);
  EXPECT_EQ(reader->max_body_bytes, 2u);
  EXPECT_EQ(first->max_body_bytes, 1u);
  EXPECT_EQ(snapshots.current(), reader.get());
}

class RecordingSender : public dav::scheduling::MailSender {
 public:
  explicit RecordingSender(std::vector<std::string>* log, std::string name)
      : log_(log), name_(std::move(name)) {}
  Status Send(const std::string&, const std::vector<std::string>&, const std::string&) override {
    log_->push_back(name_);
    return Status::OK();
  }

 private:
  std::vector<std::string>* log_;
  std::string name_;
};

// The mail worker's next send after a reload goes to the new relay.
TEST(ReloadableMailSenderTest, SendsThroughTheLatestSender) {
  std::vector<std::string> sent;
  ReloadableMailSender sender(std::make_unique<RecordingSender>(&sent, "old"));
  EXPECT_TRUE(sender.Send("a@b.fr", {"c@d.fr"}, "m").ok());
  sender.Replace(std::make_unique<RecordingSender>(&sent, "new"));
  EXPECT_TRUE(sender.Send("a@b.fr", {"c@d.fr"}, "m").ok());
  EXPECT_EQ(sent, (std::vector<std::string>{"old", "new"}));
}

}  // namespace
}  // namespace cartable::server
