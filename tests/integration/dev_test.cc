// strata dev: the embedded throwaway database, and commands falling back to it.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include "base/fs.h"
#include "base/strings.h"
#include "base/subprocess.h"
#include "devdb/dev_cluster.h"
#include <nlohmann/json.hpp>
#include "integration/cli_fixture.h"

namespace strata::testing {
namespace {

TEST(DevDatabase, StartMigrateStatusResetStop) {
  TempProject p;
  auto r = p.Run({"dev", "start"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("postgresql://postgres@127.0.0.1:"), std::string::npos) << r.out;
  auto url = p.Run({"dev", "url"});
  ASSERT_EQ(url.exit_code, 0);
  std::string u(Trim(url.out));
  EXPECT_EQ(QueryValue(u, "SHOW listen_addresses"), "127.0.0.1");
  p.Migration(Version(1) + "_one.sql", "CREATE TABLE a (id int);\n");
  r = p.Run({"migrate"});  // no URL given: falls back to the dev database and says so
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("using the dev database"), std::string::npos) << r.err;
  EXPECT_EQ(QueryValue(u, "SELECT to_regclass('a') IS NOT NULL"), "t");
  EXPECT_EQ(p.Run({"dev", "start"}).exit_code, 0);  // idempotent
  r = p.Run({"dev", "reset"}, "", {{"CI", "true"}});
  EXPECT_EQ(r.exit_code, 2) << r.err;  // never prompts in CI: needs --yes
  ASSERT_EQ(p.Run({"dev", "reset", "--yes"}).exit_code, 0);
  EXPECT_EQ(QueryValue(u, "SELECT to_regclass('a') IS NULL"), "t");
  auto st = p.Run({"dev", "status", "--format", "json"});
  EXPECT_EQ(nlohmann::json::parse(st.out)["running"], true);
  ASSERT_EQ(p.Run({"dev", "stop"}).exit_code, 0);
  EXPECT_EQ(p.Run({"dev", "status"}).exit_code, 3);
}

// generate on the dev cluster leaves two empty databases in its scratch tablespace, and
// the next run takes them (by renaming) instead of waiting for CREATE DATABASE; the
// files are still proven, nothing else is left, and `dev reset` drops them.
TEST(DevDatabase, GenerateLeavesSparesTheNextRunTakes) {
  TempProject p;
  // The scratch tablespace on disk: this machine's /dev/shm may be too small for one.
  p.Write("scratch/.keep", "");
  auto st = p.Run({"dev", "start"}, "", {{"STRATA_SCRATCH_DIR", p.Path("scratch")}});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  std::string u(Trim(p.Run({"dev", "url"}).out));
  std::string admin = u.substr(0, u.find("/strata")) + "/postgres" + u.substr(u.find("/strata") + 7);
  auto spares = [&] {
    // Made by the server after strata exits: wait for them (and for the drops).
    std::string got;
    for (int i = 0; i < 100; ++i) {
      got = QueryValue(admin, "SELECT coalesce(string_agg(d.datname || '=' || d.oid, ' ' ORDER BY d.datname), '') "
                              "FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace "
                              "WHERE d.datname LIKE 'strata\\_spare\\_%' AND t.spcname = 'strata_scratch'");
      std::string others = QueryValue(admin, "SELECT count(*) FROM pg_database WHERE datname LIKE 'strata\\_shadow\\_%'");
      if (std::count(got.begin(), got.end(), '=') == 2 && others == "0") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return got;
  };
  p.Write("schema/01.sql", "CREATE TABLE a (id int PRIMARY KEY);\n");
  auto r = p.Run({"generate", "one", "--dev-url", admin}, "", {{"CI", "true"}});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  std::string first = spares();
  ASSERT_NE(first.find("strata_spare_1="), std::string::npos) << first;
  ASSERT_NE(first.find("strata_spare_2="), std::string::npos) << first;
  p.Write("schema/01.sql", "CREATE TABLE a (id int PRIMARY KEY, note text);\n");
  r = p.Run({"generate", "two", "--dev-url", admin}, "", {{"CI", "true"}});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("proven"), std::string::npos) << r.out;
  std::string second = spares();
  ASSERT_EQ(std::count(second.begin(), second.end(), '='), 2) << second;
  // Both were taken (the replay and the schema were built in them) and made again.
  for (const std::string& s : Split(first, ' ')) EXPECT_EQ(second.find(s), std::string::npos) << first << " / " << second;
  EXPECT_EQ(QueryValue(admin, "SELECT count(*) FROM pg_database WHERE datname LIKE 'strata\\_shadow\\_%'"), "0");
  ASSERT_EQ(p.Run({"dev", "reset", "--yes"}).exit_code, 0);
  EXPECT_EQ(QueryValue(admin, "SELECT count(*) FROM pg_database WHERE datname LIKE 'strata\\_spare\\_%'"), "0");
  EXPECT_EQ(p.Run({"dev", "destroy", "--yes"}).exit_code, 0);
}

// Another OS user on the machine cannot get in: no trust, a random password kept in an
// owner-only file, no Unix socket; and nothing strata prints shows the password.
void ExpectOnlyTheOwnerGetsIn(const TempProject& p) {
  auto url = p.Run({"dev", "url"});
  ASSERT_EQ(url.exit_code, 0);
  std::string u(Trim(url.out));
  std::string password(Trim(p.Read(".strata/dev/password")));
  ASSERT_EQ(password.size(), 48u);
  EXPECT_EQ(QueryValue(u, "SELECT 1"), "1");  // the owner, through passfile=
  // The secret strata stored (ScramSha256Secret, 16 iterations) is what the login used.
  EXPECT_EQ(QueryValue(u, "SELECT split_part(rolpassword, ':', 1) FROM pg_authid WHERE rolname = 'postgres'"),
            "SCRAM-SHA-256$16");
  struct stat st {};
  ASSERT_EQ(::stat(p.Path(".strata/dev/pgpass").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(QueryValue(u, "SELECT count(*) FROM pg_hba_file_rules WHERE auth_method = 'trust'"), "0");
  EXPECT_EQ(QueryValue(u, "SHOW unix_socket_directories"), "");
  for (const auto& cmd : std::vector<std::vector<std::string>>{{"dev", "url"}, {"dev", "status", "--format", "json"},
                                                                {"dev", "start"}}) {
    auto r = p.Run(cmd);
    EXPECT_EQ((r.out + r.err).find(password), std::string::npos);
  }
  std::string port = u.substr(u.find("127.0.0.1:") + 10);
  port = port.substr(0, port.find('/'));
  std::string bare = "postgresql://postgres@127.0.0.1:" + port + "/postgres";
  // Without the password libpq cannot connect, whoever runs it.
  EXPECT_FALSE(Connection::Open(bare).ok());
  if (::geteuid() == 0) {
    // As another local user (nobody): neither the bare URL nor the owner's passfile URL works.
    for (const std::string& target : {bare, u}) {
      // The server's own psql, else Debian's (the npm server packages ship none).
      std::string psql = ClientBin("psql");
      auto r = RunProcess({"runuser", "-u", "nobody", "--", psql, "-w", "-X", "-c",
                           "SELECT 1", target});
      ASSERT_TRUE(r.ok());
      EXPECT_NE(r->exit_code, 0) << r->out;
      EXPECT_NE(r->err.find("password"), std::string::npos) << r->err;
    }
  }
}

TEST(DevDatabase, OnlyItsOwnerCanConnect) {
  TempProject p;
  ASSERT_EQ(p.Run({"dev", "start"}).exit_code, 0);
  ExpectOnlyTheOwnerGetsIn(p);
}

TEST(DevDatabase, ClusterFromAnOlderStrataIsSecuredOnStart) {
  TempProject p;
  ASSERT_EQ(p.Run({"dev", "start"}).exit_code, 0);
  // What an older strata left: trust for every local connection and no password file.
  DevCluster dev(p.Path(".strata/dev"));
  std::string hba = dev.DataDir() + "/pg_hba.conf";
  { std::ofstream(hba) << "host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n"; }
  ExecOrDie(*dev.Url("postgres"), "SELECT pg_reload_conf()");
  ASSERT_EQ(p.Run({"dev", "stop"}).exit_code, 0);
  std::filesystem::remove(p.Path(".strata/dev/pgpass"));
  std::filesystem::remove(p.Path(".strata/dev/password"));
  auto r = p.Run({"dev", "start"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectOnlyTheOwnerGetsIn(p);
}

}  // namespace
}  // namespace strata::testing
