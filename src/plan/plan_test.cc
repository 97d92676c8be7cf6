#include "plan/plan.h"

#include <functional>

#include <gtest/gtest.h>

#include "emit/emit.h"

namespace strata {
namespace {

Table OrdersTable() {
  Table t;
  t.schema = "public";
  t.name = "orders";
  Column id;
  id.name = "id";
  id.type = "bigint";
  id.not_null = true;
  Column total;
  total.name = "total";
  total.type = "numeric";
  t.columns = {id, total};
  return t;
}

Catalog WithOrders() {
  Catalog c;
  c.schemas.push_back({"public", "pg_database_owner", "", std::nullopt});
  c.tables.push_back(OrdersTable());
  return c;
}

const Step* Find(const Plan& p, const std::string& needle) {
  for (const auto& s : p.steps) {
    if (s.sql.find(needle) != std::string::npos) return &s;
  }
  return nullptr;
}

size_t IndexOf(const Plan& p, const std::string& needle) {
  for (size_t i = 0; i < p.steps.size(); ++i) {
    if (p.steps[i].sql.find(needle) != std::string::npos) return i;
  }
  return p.steps.size();
}

TEST(Plan, SameCatalogIsEmpty) {
  auto p = MakePlan(WithOrders(), WithOrders());
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_TRUE(p->empty());
}

TEST(Plan, IndexOnExistingTableIsBuiltConcurrentlyOutsideTheTransaction) {
  Catalog a = WithOrders(), b = WithOrders();
  b.indexes.push_back({"table:public.orders", "public", "orders_total_idx",
                       "CREATE INDEX orders_total_idx ON public.orders USING btree (total)", "", "", {}, ""});
  auto p = MakePlan(a, b);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->steps.size(), 1u);
  EXPECT_EQ(p->steps[0].sql, "CREATE INDEX CONCURRENTLY orders_total_idx ON public.orders USING btree (total);");
  EXPECT_FALSE(p->steps[0].transactional);
  EXPECT_TRUE(p->steps[0].HasHazard(Hazard::kIndexBuild));
  EXPECT_FALSE(p->steps[0].verify.empty());
  auto parts = SplitPlan(*p);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_FALSE(parts[0].transactional);

  auto plain = MakePlan(a, b, PlanOptions{false});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->steps[0].sql, "CREATE INDEX orders_total_idx ON public.orders USING btree (total);");
  EXPECT_TRUE(plain->steps[0].transactional);
  EXPECT_TRUE(plain->steps[0].HasHazard(Hazard::kShareLock));
}

TEST(Plan, IndexDroppedFromAKeptTableGoesConcurrentlyOutsideTheTransaction) {
  Catalog a = WithOrders(), b = WithOrders();
  Index i;
  i.table_key = "table:public.orders";
  i.schema = "public";
  i.name = "orders_total_idx";
  i.definition = "CREATE INDEX orders_total_idx ON public.orders USING btree (total)";
  a.indexes.push_back(i);
  auto plan = MakePlan(a, b);
  ASSERT_TRUE(plan.ok());
  const Step* s = Find(*plan, "DROP INDEX");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->sql, "DROP INDEX CONCURRENTLY IF EXISTS \"public\".\"orders_total_idx\";");
  EXPECT_FALSE(s->transactional);
  EXPECT_EQ(s->undo, i.definition + ";");
  auto plain = MakePlan(a, b, PlanOptions{.concurrently = false});
  ASSERT_TRUE(plain.ok());
  ASSERT_NE(Find(*plain, "DROP INDEX \"public\".\"orders_total_idx\";"), nullptr);
}

TEST(Plan, IndexOnNewTableIsPlainAndAfterTheTable) {
  Catalog a, b = WithOrders();
  a.schemas = b.schemas;
  b.indexes.push_back({"table:public.orders", "public", "orders_total_idx",
                       "CREATE INDEX orders_total_idx ON public.orders USING btree (total)", "", "", {}, ""});
  auto p = MakePlan(a, b);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->steps.size(), 2u);
  EXPECT_NE(p->steps[0].sql.find("CREATE TABLE"), std::string::npos);
  EXPECT_EQ(p->steps[1].sql, "CREATE INDEX orders_total_idx ON public.orders USING btree (total);");
  EXPECT_TRUE(p->steps[1].transactional);
}

// A new table's keys, checks and foreign keys go into its CREATE TABLE, which then comes
// after the new tables it references. They stay ALTER TABLEs when they cannot: a cycle
// of foreign keys, NOT VALID, a referenced table that changes too, a catalog without the
// dependencies that name the referenced key, or with the option off.
TEST(Plan, NewTablesCarryTheirConstraintsUnlessACycleOrAChangeForbidsIt) {
  auto table = [](const std::string& name, std::vector<std::string> cols) {
    Table t;
    t.schema = "public";
    t.name = name;
    for (const auto& c : cols) {
      Column col;
      col.name = c;
      col.type = "bigint";
      t.columns.push_back(col);
    }
    return t;
  };
  auto sql = [](const std::string& t) { return "\"public\".\"" + t + "\""; };
  auto key = [](const std::string& t, const char* type, const std::string& def) {
    return Constraint{"table:public." + t, "\"public\".\"" + t + "\"", t + "_" + type, type[0] == 'p' ? 'p' : type[0] == 'c' ? 'c' : 'f',
                      def, "", "", ""};
  };
  auto fk = [&](Catalog* c, const std::string& from, const std::string& to, const std::string& suffix = "") {
    Constraint k = key(from, "fkey", "FOREIGN KEY (ref) REFERENCES public." + to + "(id)" + suffix);
    c->constraints.push_back(k);
    c->dependencies.push_back({"constraint:table:public." + from + "/" + k.name, "table:public." + from});
    c->dependencies.push_back({"constraint:table:public." + from + "/" + k.name, "table:public." + to});
    c->dependencies.push_back({"constraint:table:public." + from + "/" + k.name, "constraint:table:public." + to + "/" + to + "_pkey"});
  };
  Catalog a = WithOrders();
  a.constraints.push_back(key("orders", "pkey", "PRIMARY KEY (id)"));
  Catalog b = a;
  for (const char* t : {"child", "parent", "ping", "pong", "lazy", "self"}) {
    b.tables.push_back(table(t, {"id", "ref"}));
    b.constraints.push_back(key(t, "pkey", "PRIMARY KEY (id)"));
  }
  b.tables.push_back(table("buyer", {"id", "ref"}));
  b.constraints.push_back(key("child", "check", "CHECK ((ref > 0))"));
  fk(&b, "child", "parent");
  fk(&b, "ping", "pong");
  fk(&b, "pong", "ping");
  fk(&b, "lazy", "parent", " NOT VALID");
  fk(&b, "self", "self");
  fk(&b, "buyer", "orders");

  auto p = MakePlan(a, b);
  ASSERT_TRUE(p.ok()) << p.status().message();
  const Step* child = Find(*p, "CREATE TABLE \"public\".\"child\"");
  ASSERT_NE(child, nullptr);
  EXPECT_NE(child->sql.find("    CONSTRAINT \"child_pkey\" PRIMARY KEY (id),\n"
                            "    CONSTRAINT \"child_check\" CHECK ((ref > 0)),\n"
                            "    CONSTRAINT \"child_fkey\" FOREIGN KEY (ref) REFERENCES public.parent(id)\n);"),
            std::string::npos) << child->sql;
  EXPECT_LT(IndexOf(*p, "CREATE TABLE \"public\".\"parent\""), IndexOf(*p, "CREATE TABLE \"public\".\"child\""));
  EXPECT_EQ(Find(*p, "ADD CONSTRAINT \"child_"), nullptr);
  EXPECT_EQ(Find(*p, "ADD CONSTRAINT \"parent_pkey\""), nullptr);
  EXPECT_NE(Find(*p, "CONSTRAINT \"self_fkey\" FOREIGN KEY (ref) REFERENCES public.self(id)\n);"), nullptr);
  EXPECT_NE(Find(*p, "CONSTRAINT \"buyer_fkey\" FOREIGN KEY (ref) REFERENCES public.orders(id)\n);"), nullptr);
  // The cycle: both keys in their tables, both foreign keys after both tables.
  EXPECT_NE(Find(*p, "CONSTRAINT \"ping_pkey\" PRIMARY KEY (id)\n);"), nullptr);
  size_t ping_fk = IndexOf(*p, "ADD CONSTRAINT \"ping_fkey\""), pong_fk = IndexOf(*p, "ADD CONSTRAINT \"pong_fkey\"");
  ASSERT_LT(ping_fk, p->steps.size());
  ASSERT_LT(pong_fk, p->steps.size());
  EXPECT_GT(ping_fk, IndexOf(*p, "CREATE TABLE \"public\".\"pong\""));
  EXPECT_GT(pong_fk, IndexOf(*p, "CREATE TABLE \"public\".\"ping\""));
  EXPECT_LT(IndexOf(*p, "ADD CONSTRAINT \"lazy_fkey\" FOREIGN KEY (ref) REFERENCES public.parent(id) NOT VALID;"),
            p->steps.size());

  // The referenced table changes in the same plan: its foreign key waits, an ALTER TABLE.
  Catalog changed = b;
  changed.tables[0].columns.push_back(table("x", {"note"}).columns[0]);
  p = MakePlan(a, changed);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_GT(IndexOf(*p, "ADD CONSTRAINT \"buyer_fkey\""), IndexOf(*p, "ADD COLUMN \"note\""));
  ASSERT_LT(IndexOf(*p, "ADD CONSTRAINT \"buyer_fkey\""), p->steps.size());

  // No dependencies to name the referenced key: the foreign key is not written in.
  Catalog bare = b;
  bare.dependencies.clear();
  p = MakePlan(a, bare);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_LT(IndexOf(*p, "ADD CONSTRAINT \"child_fkey\""), p->steps.size());
  EXPECT_EQ(Find(*p, "ADD CONSTRAINT \"child_pkey\""), nullptr);

  PlanOptions off;
  off.inline_constraints = false;
  p = MakePlan(a, b, off);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_LT(IndexOf(*p, "ADD CONSTRAINT \"child_pkey\" PRIMARY KEY (id);"), p->steps.size());
  EXPECT_LT(IndexOf(*p, "ADD CONSTRAINT \"child_fkey\""), p->steps.size());
  EXPECT_EQ(Find(*p, "    CONSTRAINT "), nullptr);
}

// generate's online type change: expand (new column + trigger), a batched conversion
// outside the transaction, and a contract part; in place when a view reads the table or
// an index uses the column, and always without the option (push, diff).
TEST(Plan, RewritingTypeChangeIsExpandContractUnlessSomethingUsesTheColumn) {
  Catalog a = WithOrders(), b = WithOrders();
  b.tables[0].columns[1].type = "text";
  PlanOptions online;
  online.online_type_changes = true;
  auto p = MakePlan(a, b, online);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(Find(*p, "ALTER COLUMN \"total\" TYPE"), nullptr);
  ASSERT_NE(Find(*p, "ADD COLUMN \"total_strata_new\" text;"), nullptr);
  const Step* fill = Find(*p, "SET \"total_strata_new\" = \"total\"::text");
  ASSERT_NE(fill, nullptr);
  EXPECT_FALSE(fill->transactional);
  auto parts = SplitPlan(*p);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1].suffix, "_concurrently");
  EXPECT_EQ(parts[2].suffix, "_contract");
  EXPECT_NE(parts[2].body.find("RENAME COLUMN \"total_strata_new\" TO \"total\""), std::string::npos);
  EXPECT_LT(parts[2].body.find("DROP TRIGGER"), parts[2].body.find("DROP COLUMN \"total\""));

  auto plain = MakePlan(a, b);
  ASSERT_TRUE(plain.ok());
  EXPECT_NE(Find(*plain, "ALTER COLUMN \"total\" TYPE text"), nullptr);

  // A conversion that can fail on a value the old application writes stays in place.
  Catalog na = a, nb = b;
  na.tables[0].columns[1].type = "text";
  nb.tables[0].columns[1].type = "integer";
  auto narrowing = MakePlan(na, nb, online);
  ASSERT_TRUE(narrowing.ok()) << narrowing.status().message();
  EXPECT_NE(Find(*narrowing, "ALTER COLUMN \"total\" TYPE integer"), nullptr);

  // So does a column something else uses: `add` puts that something in both catalogs.
  auto stays_in_place = [&](const std::string& what, const std::function<void(Catalog*)>& add) {
    SCOPED_TRACE(what);
    Catalog ua = a, ub = b;
    add(&ua);
    add(&ub);
    auto used = MakePlan(ua, ub, online);
    ASSERT_TRUE(used.ok()) << used.status().message();
    EXPECT_EQ(Find(*used, "total_strata_new"), nullptr);
  };
  stays_in_place("a view over the table", [](Catalog* c) {
    View v;
    v.schema = "public";
    v.name = "order_totals";
    v.definition = " SELECT orders.total FROM orders";
    c->views.push_back(v);
  });
  stays_in_place("a publication's column list", [](Catalog* c) {
    DefinedObject pub;
    pub.kind = DefinedKind::kPublication;
    pub.name = "orders_feed";
    pub.definition = "CREATE PUBLICATION orders_feed FOR TABLE ONLY public.orders (id, total);\n";
    c->defined.push_back(pub);
  });
  stays_in_place("an index", [](Catalog* c) {
    Index i;
    i.table_key = "table:public.orders";
    i.schema = "public";
    i.name = "orders_total_idx";
    i.definition = "CREATE INDEX orders_total_idx ON public.orders USING btree (total)";
    c->indexes.push_back(i);
  });
}

TEST(Plan, NotNullOnExistingColumnGoesThroughAValidatedCheck) {
  Catalog a = WithOrders(), b = WithOrders();
  b.tables[0].columns[1].not_null = true;
  auto p = MakePlan(a, b);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->steps.size(), 4u);
  EXPECT_NE(p->steps[0].sql.find("CHECK (\"total\" IS NOT NULL) NOT VALID"), std::string::npos);
  EXPECT_TRUE(p->steps[0].transactional);
  EXPECT_NE(p->steps[1].sql.find("VALIDATE CONSTRAINT"), std::string::npos);
  EXPECT_FALSE(p->steps[1].transactional);
  EXPECT_NE(p->steps[2].sql.find("SET NOT NULL"), std::string::npos);
  EXPECT_NE(p->steps[3].sql.find("DROP CONSTRAINT"), std::string::npos);
  auto parts = SplitPlan(*p);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_TRUE(parts[0].transactional);
  EXPECT_EQ(parts[0].steps.size(), 1u);
  EXPECT_EQ(parts[1].suffix, "_concurrently");
  EXPECT_FALSE(parts[1].transactional);

  auto plain = MakePlan(a, b, PlanOptions{false});
  ASSERT_TRUE(plain.ok());
  ASSERT_EQ(plain->steps.size(), 1u);
  EXPECT_TRUE(plain->steps[0].HasHazard(Hazard::kValidatesRows));
}

TEST(Plan, ForeignKeyAndCheckOnExistingTableAreAddedNotValidThenValidated) {
  Catalog a = WithOrders(), b = WithOrders();
  b.constraints.push_back({"table:public.orders", "\"public\".\"orders\"", "orders_total_check", 'c',
                           "CHECK ((total > (0)::numeric))", "", "", ""});
  auto p = MakePlan(a, b);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->steps.size(), 2u);
  EXPECT_NE(p->steps[0].sql.find(") NOT VALID;"), std::string::npos);
  EXPECT_EQ(p->steps[1].sql, "ALTER TABLE \"public\".\"orders\" VALIDATE CONSTRAINT \"orders_total_check\";");
  EXPECT_FALSE(p->steps[1].transactional);
}

TEST(Plan, UniqueOnExistingTableUsesAConcurrentIndex) {
  Catalog a = WithOrders(), b = WithOrders();
  b.constraints.push_back({"table:public.orders", "\"public\".\"orders\"", "orders_total_key", 'u', "UNIQUE (total)",
                           "\"public\".\"orders_total_key\"", "", ""});
  auto p = MakePlan(a, b);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->steps.size(), 2u);
  EXPECT_EQ(p->steps[0].sql,
            "CREATE UNIQUE INDEX CONCURRENTLY \"orders_total_key\" ON \"public\".\"orders\" USING btree (total);");
  EXPECT_EQ(p->steps[1].sql,
            "ALTER TABLE \"public\".\"orders\" ADD CONSTRAINT \"orders_total_key\" UNIQUE USING INDEX \"orders_total_key\";");
}

TEST(Plan, EnumValuesAreAppendedInAPartOfTheirOwn) {
  Catalog a = WithOrders(), b = WithOrders();
  a.enums.push_back({"public", "status", {"new", "paid"}, "", std::nullopt});
  b.enums.push_back({"public", "status", {"new", "paid", "shipped"}, "", std::nullopt});
  b.tables[0].columns[1].comment = "amount";
  auto p = MakePlan(a, b);
  ASSERT_TRUE(p.ok());
  const Step* add = Find(*p, "ADD VALUE");
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add->sql, "ALTER TYPE \"public\".\"status\" ADD VALUE IF NOT EXISTS 'shipped' AFTER 'paid';");
  auto parts = SplitPlan(*p);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].suffix, "_enum_values");

  b.enums[0].labels = {"paid", "new"};
  auto refused = MakePlan(a, b);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("can only be added"), std::string::npos);
}

TEST(Plan, DropsAreMarkedAndComeBeforeCreatesOfTheSameName) {
  Catalog a = WithOrders(), b;
  b.schemas = a.schemas;
  View v;
  v.schema = "public";
  v.name = "orders";
  v.definition = " SELECT 1 AS id";
  b.views.push_back(v);
  auto p = MakePlan(a, b);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->DeletesData());
  EXPECT_LT(IndexOf(*p, "DROP TABLE"), IndexOf(*p, "CREATE VIEW"));
}

TEST(Plan, TypeChangeIsARewriteUnlessBinaryCoercible) {
  Catalog a = WithOrders(), b = WithOrders();
  b.tables[0].columns[0].type = "integer";
  auto p = MakePlan(a, b);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->steps.size(), 1u);
  EXPECT_TRUE(p->steps[0].HasHazard(Hazard::kTableRewrite));
  a.tables[0].columns[1].type = "character varying(10)";
  b = a;
  b.tables[0].columns[1].type = "text";
  p = MakePlan(a, b);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->steps.size(), 1u);
  EXPECT_FALSE(p->steps[0].HasHazard(Hazard::kTableRewrite));
}

TEST(Plan, SuspectsAColumnOfTheSameTypeDroppedAndAddedAsARename) {
  Catalog a = WithOrders(), b = WithOrders();
  b.tables[0].columns[1].name = "amount";
  auto r = SuspectedRenames(Diff(a, b));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, "column");
  EXPECT_EQ(r[0].from, "public.orders.total");
  EXPECT_EQ(r[0].to, "public.orders.amount");
}

}  // namespace
}  // namespace strata
