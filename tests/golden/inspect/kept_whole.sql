-- Kinds strata keeps whole (catalog.h DefinedKind), as real schemas use them: a range
-- type with a subtype_diff function, extended statistics, a text search dictionary and a
-- configuration used by an expression index, a rule, a cast, an event trigger and a
-- publication. Loads on PostgreSQL 13 and later.
CREATE SCHEMA app;
CREATE FUNCTION app.time_diff(a time, b time) RETURNS float8 LANGUAGE sql IMMUTABLE
  AS $$ SELECT extract(epoch FROM a - b)::float8 $$;
CREATE TYPE app.timerange AS RANGE (subtype = time, subtype_diff = app.time_diff);
COMMENT ON TYPE app.timerange IS 'opening hours';
CREATE TYPE app.floatrange AS RANGE (subtype = float8);
CREATE TEXT SEARCH DICTIONARY app.english_nostop (TEMPLATE = pg_catalog.snowball, language = 'english');
COMMENT ON TEXT SEARCH DICTIONARY app.english_nostop IS 'english stems, stop words kept';
CREATE TEXT SEARCH CONFIGURATION app.english_custom (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION app.english_custom ALTER MAPPING FOR asciiword, word WITH app.english_nostop;
CREATE TABLE app.shops (id bigint PRIMARY KEY, city text, zip text, hours app.timerange, body text);
CREATE STATISTICS app.shops_city_zip (dependencies, ndistinct) ON city, zip FROM app.shops;
ALTER STATISTICS app.shops_city_zip SET STATISTICS 500;
COMMENT ON STATISTICS app.shops_city_zip IS 'zip implies city';
CREATE INDEX shops_body_fts ON app.shops USING gin (to_tsvector('app.english_custom'::regconfig, body));
CREATE TABLE app.log (id int, msg text);
CREATE RULE log_no_delete AS ON DELETE TO app.log DO INSTEAD NOTHING;
CREATE FUNCTION app.int_to_floatrange(int) RETURNS app.floatrange LANGUAGE sql IMMUTABLE
  AS $$ SELECT app.floatrange($1, $1 + 1) $$;
CREATE CAST (int AS app.floatrange) WITH FUNCTION app.int_to_floatrange(int);
CREATE PUBLICATION shops_pub FOR TABLE app.shops WITH (publish = 'insert, update');
CREATE FUNCTION app.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER app_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION app.on_ddl();
ALTER EVENT TRIGGER app_ddl DISABLE;
-- A foreign server (its wrapper from an extension) and a foreign table a view reads.
CREATE EXTENSION postgres_fdw;
CREATE SERVER warehouse FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'warehouse.internal', dbname 'dw', port '5432');
COMMENT ON SERVER warehouse IS 'reporting replica';
CREATE FOREIGN TABLE app.remote_orders (
  id bigint NOT NULL,
  total numeric(10,2) OPTIONS (column_name 'amount'),
  note text DEFAULT 'n/a'
) SERVER warehouse OPTIONS (schema_name 'public', table_name 'orders');
COMMENT ON COLUMN app.remote_orders.total IS 'in euros';
CREATE VIEW app.big_remote_orders AS SELECT id FROM app.remote_orders WHERE total > 100;
GRANT SELECT ON app.remote_orders TO PUBLIC;
-- An aggregate of no arguments (printed name(*)) whose initial state is the empty string.
CREATE FUNCTION app.tick(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT $1 || 'x' $$;
CREATE AGGREGATE app.ticks(*) (SFUNC = app.tick, STYPE = text, INITCOND = '');
COMMENT ON AGGREGATE app.ticks(*) IS 'one x per row';
