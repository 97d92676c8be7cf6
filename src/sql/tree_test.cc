#include "sql/tree.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(SqlTree, ReadsFieldsEnumsListsAndLocations) {
  std::string sql = "select 1;\nALTER TABLE s.t ADD COLUMN c varchar(20) NOT NULL DEFAULT 'x';";
  auto parsed = ParseSql(sql);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->statements().size(), 2u);
  const ParsedStatement& alter = parsed->statements()[1];
  EXPECT_EQ(alter.info.offset, 10u);
  SqlNode stmt = alter.node;
  ASSERT_TRUE(stmt.is("AlterTableStmt"));
  EXPECT_EQ(stmt["relation"].str("schemaname"), "s");
  EXPECT_EQ(stmt["relation"].str("relname"), "t");
  EXPECT_EQ(stmt.enum_name("objtype"), "OBJECT_TABLE");
  auto cmds = stmt.list("cmds");
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0].enum_name("subtype"), "AT_AddColumn");
  SqlNode col = cmds[0]["def"];
  ASSERT_TRUE(col.is("ColumnDef"));
  EXPECT_EQ(col.str("colname"), "c");
  EXPECT_EQ(StringList(col["type_name"].list("names")),
            (std::vector<std::string>{"pg_catalog", "varchar"}));
  auto mods = col["type_name"].list("typmods");
  ASSERT_EQ(mods.size(), 1u);
  EXPECT_EQ(mods[0].type(), "A_Const");
  EXPECT_EQ(mods[0]["ival"].num("ival"), 20);
  EXPECT_FALSE(mods[0]["sval"]);  // oneof member not chosen
  auto cons = col.list("constraints");
  ASSERT_EQ(cons.size(), 2u);
  EXPECT_EQ(cons[0].enum_name("contype"), "CONSTR_NOTNULL");
  EXPECT_EQ(cons[1]["raw_expr"]["sval"].str("sval"), "x");
  EXPECT_EQ(sql.substr(static_cast<size_t>(col.location()), 1), "c");
  EXPECT_FALSE(stmt["nonexistent"]);
  EXPECT_EQ(SqlNode().type(), "");
}

TEST(SqlTree, SyntaxErrorsCarryTheirOffset) {
  SyntaxError err;
  auto parsed = ParseSql("select 1;\nselec 2;", &err);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(err.offset, 10u);
  ASSERT_EQ(parsed->statements().size(), 2u);
  EXPECT_TRUE(parsed->statements()[0].info.parsed);
  EXPECT_TRUE(parsed->statements()[0].node.is("SelectStmt"));
  const Statement& bad = parsed->statements()[1].info;
  EXPECT_FALSE(bad.parsed);
  EXPECT_FALSE(parsed->statements()[1].node);
  EXPECT_EQ(bad.kind, "unparsed");
  EXPECT_EQ(bad.offset, 10u);
  EXPECT_EQ(bad.error_offset, 10u);
  EXPECT_NE(bad.syntax_error.find("syntax error at or near \"selec\""), std::string::npos);
}

}  // namespace
}  // namespace strata

namespace strata {
namespace {

// A large text is parsed in pieces on several cores; the statements (offsets, kinds, in
// order) and a syntax error's position are those of parsing it as one.
TEST(SqlTree, LargeTextsParseInPiecesWithTheSameResult) {
  std::vector<std::string> want;
  std::string text;
  for (int i = 0; i < 4000; ++i) {
    std::string st = i % 3 == 0 ? "CREATE TABLE public.t" + std::to_string(i) + " (id bigint PRIMARY KEY, note text)"
                     : i % 3 == 1 ? "CREATE FUNCTION public.f" + std::to_string(i) +
                                        "() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END"
                                  : "ALTER TABLE public.t" + std::to_string(i - 2) + " ADD COLUMN c int";
    want.push_back(st);
    text += "-- statement " + std::to_string(i) + "\n" + st + ";\n";
  }
  ASSERT_GT(text.size(), 256u * 1024);
  auto parsed = ParseSql(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->statements().size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(parsed->statements()[i].info.Text(text), want[i]) << i;
    ASSERT_TRUE(parsed->statements()[i].node) << i;
  }
  // A mistake two thirds in: the same error as a parse of the whole.
  std::string bad = text;
  size_t at = bad.find("ALTER TABLE public.t2664 ");
  ASSERT_NE(at, std::string::npos);
  bad.replace(at, 5, "ALTRE");
  SyntaxError err;
  auto lenient = ParseSql(bad, &err);
  ASSERT_TRUE(lenient.ok());
  EXPECT_EQ(err.offset, at);
  EXPECT_EQ(lenient->statements().size(), want.size());
  EXPECT_FALSE(lenient->statements()[2666].info.parsed);
}

}  // namespace
}  // namespace strata
