import { defineConfig } from "drizzle-kit";
export default defineConfig({
  schema: "./src/db/schema.ts",
  out: "./drizzle/migrations",
  dialect: "postgresql",
  schemaFilter: ["app"],
  dbCredentials: { url: process.env.DATABASE_URL || "postgresql://localhost:5432/dz" },
});
