#include "catalog/scope.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(Glob, StarOnly) {
  EXPECT_TRUE(GlobMatch("public.events_*", "public.events_2026_11"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("*.pg_*", "ext.pg_stat"));
  EXPECT_FALSE(GlobMatch("public.events_*", "app.events_1"));
  EXPECT_FALSE(GlobMatch("a*b", "acb c"));
  EXPECT_TRUE(GlobMatch("a*b*c", "a-b-b-c"));
  // Long runs of stars and near-misses stay fast (no exponential backtracking).
  EXPECT_FALSE(GlobMatch(std::string(200, '*') + "b", std::string(20000, 'a')));
}

Catalog Sample() {
  Catalog c;
  c.schemas = {{"app", "", "", std::nullopt}, {"drizzle", "", "", std::nullopt}};
  Table users;
  users.schema = "app", users.name = "users", users.comment = "people";
  users.acl = std::vector<Grant>{{"reader", {"SELECT"}, false}};
  c.tables.push_back(users);
  Table hist;
  hist.schema = "drizzle", hist.name = "__drizzle_migrations";
  c.tables.push_back(hist);
  Table part;
  part.schema = "app", part.name = "events_2026", part.partition_of = "table:app.events";
  Table events;
  events.schema = "app", events.name = "events";
  c.tables.push_back(events);
  c.tables.push_back(part);
  c.sequences.push_back({"drizzle", "__drizzle_migrations_id_seq", {}, "", "table:drizzle.__drizzle_migrations", "", {}});
  c.constraints.push_back({"table:app.users", "\"app\".\"users\"", "users_pkey", 'p', "PRIMARY KEY (id)", "", "", ""});
  c.indexes.push_back({"table:app.events", "app", "events_at_idx", "CREATE INDEX ...", "", "", {}, ""});
  c.functions.push_back({"app", "touch", "", 'f', "CREATE FUNCTION ...", "", {}});
  c.triggers.push_back({"table:app.users", "\"app\".\"users\"", "users_touch", "CREATE TRIGGER ...", 'O', ""});
  c.dependencies.push_back({"trigger:table:app.users/users_touch", "function:app.touch()"});
  return c;
}

TEST(Scope, EverythingChangesNothing) {
  Catalog c = Sample();
  ApplyScope(&c, Scope{});
  EXPECT_EQ(c.tables.size(), 4u);
  EXPECT_EQ(c.functions.size(), 1u);
}

TEST(Scope, PartitionsOfANamedParentLeaveTheParent) {
  Catalog c = Sample();
  Index part_idx{"table:app.events_2026", "app", "events_2026_at_idx", "CREATE INDEX ...", "\"app\".\"events_at_idx\"",
                 "index:app.events_at_idx", {}, ""};
  c.indexes.push_back(part_idx);
  Scope s;
  s.exclude = {"partitions:app.event*"};
  ASSERT_TRUE(ValidateScope(s, "strata.toml").ok());
  ApplyScope(&c, s);
  std::vector<std::string> tables;
  for (const auto& t : c.tables) tables.push_back(t.name);
  EXPECT_EQ(tables, (std::vector<std::string>{"users", "__drizzle_migrations", "events"}));
  ASSERT_EQ(c.indexes.size(), 1u);  // the partition's index goes with it, the parent's stays
  EXPECT_EQ(c.indexes[0].name, "events_at_idx");
  EXPECT_FALSE(ValidateScope(Scope{{}, {}, {"partition:app.events"}}, "strata.toml").ok());
}

TEST(Scope, SchemasKindsAndWhatHangsOnThem) {
  Catalog c = Sample();
  Scope s;
  s.schemas = {"app"};
  s.kinds = {"schema", "table", "constraint", "index", "sequence"};
  s.exclude = {"table:app.events"};
  ApplyScope(&c, s);
  ASSERT_EQ(c.schemas.size(), 1u);
  EXPECT_EQ(c.schemas[0].name, "app");
  ASSERT_EQ(c.tables.size(), 1u);  // drizzle's table (other schema), events and its partition are out
  EXPECT_EQ(c.tables[0].name, "users");
  EXPECT_FALSE(c.tables[0].acl.has_value());  // acl and comment are not managed kinds here
  EXPECT_EQ(c.tables[0].comment, "");
  EXPECT_TRUE(c.sequences.empty());
  EXPECT_EQ(c.constraints.size(), 1u);
  EXPECT_TRUE(c.indexes.empty());    // on the excluded table
  EXPECT_TRUE(c.functions.empty());  // not a managed kind
  EXPECT_TRUE(c.triggers.empty());
  EXPECT_TRUE(c.dependencies.empty());
}

TEST(Scope, ExcludedSchemaTakesEverythingInIt) {
  Catalog c = Sample();
  Scope s;
  s.exclude = {"schema:drizzle", "trigger:app.users.users_*"};
  ApplyScope(&c, s);
  EXPECT_EQ(c.schemas.size(), 1u);
  EXPECT_EQ(c.tables.size(), 3u);
  EXPECT_TRUE(c.sequences.empty());
  EXPECT_TRUE(c.triggers.empty());
  EXPECT_EQ(c.functions.size(), 1u);
  EXPECT_TRUE(c.tables[0].acl.has_value() || c.tables[1].acl.has_value() || c.tables[2].acl.has_value());
}

TEST(Scope, ValidationNamesTheProblem) {
  EXPECT_TRUE(ValidateScope(Scope{{}, {"table", "acl"}, {"table:x.*", "x.y"}}, "strata.toml").ok());
  auto bad = ValidateScope(Scope{{}, {"tables"}, {}}, "strata.toml [scope]");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message().substr(0, 58), "strata.toml [scope]: unknown kind 'tables' in scope.kinds ");
  EXPECT_FALSE(ValidateScope(Scope{{}, {}, {"table:"}}, "f").ok());
  EXPECT_FALSE(ValidateScope(Scope{{}, {}, {"tabel:x"}}, "f").ok());
}

TEST(Scope, DescribeSaysWhatIsKept) {
  Scope s{{"app"}, {"table", "index"}, {"table:app.tmp_*"}};
  auto lines = s.Describe();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "schemas: app");
  EXPECT_EQ(lines[1].substr(0, 42), "kinds: table, index (kept as they are: sch");
  EXPECT_EQ(lines[2], "excluded: table:app.tmp_*");
}

}  // namespace
}  // namespace strata
