-- A schema that uses every kind strata inspect models; roles strata_reader and
-- strata_writer must exist. Used by tests/integration/inspect_test.cc.
CREATE SCHEMA app;
COMMENT ON SCHEMA app IS 'application objects';
GRANT USAGE ON SCHEMA app TO strata_reader;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE COLLATION app.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

CREATE TYPE app.status AS ENUM ('new', 'active', 'closed');
COMMENT ON TYPE app.status IS 'lifecycle';
CREATE DOMAIN app.email AS text CHECK (VALUE ~ '@') NOT NULL;
ALTER DOMAIN app.email ADD CONSTRAINT email_short CHECK (length(VALUE) < 255) NOT VALID;
CREATE TYPE app.money_pair AS (amount numeric(12, 2), currency char(3));

CREATE SEQUENCE app.ticket_seq AS integer START 100 INCREMENT 5 CACHE 10;

CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;
COMMENT ON FUNCTION app.touch() IS 'sets updated_at';
CREATE FUNCTION app.add(a integer, b integer DEFAULT 1) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT a + b';
REVOKE ALL ON FUNCTION app.add(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.add(integer, integer) TO strata_reader;
CREATE PROCEDURE app.noop() LANGUAGE plpgsql AS $$ BEGIN NULL; END $$;
CREATE AGGREGATE app.total(integer) (SFUNC = int4pl, STYPE = integer, INITCOND = '0');

CREATE TABLE app.accounts (
  id bigint GENERATED ALWAYS AS IDENTITY (START WITH 10) PRIMARY KEY,
  email app.email UNIQUE,
  name text COLLATE app.ci,
  status app.status NOT NULL DEFAULT 'new',
  owner_role text NOT NULL DEFAULT current_user,
  ticket integer DEFAULT nextval('app.ticket_seq'),
  balance app.money_pair,
  name_lower text GENERATED ALWAYS AS (lower(name)) STORED,
  updated_at timestamptz,
  CONSTRAINT name_not_blank CHECK (name <> '') NOT VALID
) WITH (fillfactor = 90);
ALTER SEQUENCE app.ticket_seq OWNED BY app.accounts.ticket;
ALTER TABLE app.accounts ALTER COLUMN name SET STATISTICS 500;
COMMENT ON TABLE app.accounts IS 'customer accounts';
COMMENT ON COLUMN app.accounts.email IS 'login';
COMMENT ON CONSTRAINT name_not_blank ON app.accounts IS 'validated later';
GRANT SELECT ON app.accounts TO strata_reader;
GRANT SELECT, INSERT, UPDATE ON app.accounts TO strata_writer WITH GRANT OPTION;
GRANT UPDATE (name) ON app.accounts TO strata_reader;
ALTER TABLE app.accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON app.accounts FOR SELECT TO strata_reader USING (owner_role = current_user);
CREATE POLICY writers ON app.accounts AS RESTRICTIVE FOR UPDATE TO strata_writer, strata_reader
  USING (status <> 'closed') WITH CHECK (status <> 'closed');
COMMENT ON POLICY own_rows ON app.accounts IS 'readers see their rows';
CREATE TRIGGER accounts_touch BEFORE UPDATE ON app.accounts FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE TRIGGER accounts_touch_disabled BEFORE INSERT ON app.accounts FOR EACH ROW EXECUTE FUNCTION app.touch();
ALTER TABLE app.accounts DISABLE TRIGGER accounts_touch_disabled;
COMMENT ON TRIGGER accounts_touch ON app.accounts IS 'keeps updated_at';
CREATE INDEX accounts_name_trgm ON app.accounts USING gin (name_lower public.gin_trgm_ops);
CREATE INDEX accounts_active ON app.accounts (id) INCLUDE (status) WHERE status = 'active';
COMMENT ON INDEX app.accounts_active IS 'hot rows';

CREATE TABLE app.events (
  account_id bigint NOT NULL REFERENCES app.accounts (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  at timestamptz NOT NULL,
  payload jsonb,
  during tstzrange
) PARTITION BY RANGE (at);
CREATE TABLE app.events_2026 PARTITION OF app.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE app.events_old (account_id bigint NOT NULL, at timestamptz NOT NULL, payload jsonb, during tstzrange);
ALTER TABLE app.events ATTACH PARTITION app.events_old DEFAULT;
CREATE INDEX events_at ON app.events (at);
ALTER TABLE app.events_2026 REPLICA IDENTITY FULL;

CREATE TABLE app.base (id int PRIMARY KEY, note text);
CREATE TABLE app.child (extra int) INHERITS (app.base);
CREATE UNLOGGED TABLE app.scratch (k text, v text);
CREATE TABLE app.bookings (room int, during tstzrange, EXCLUDE USING gist (during WITH &&));

CREATE VIEW app.active_accounts WITH (security_invoker = true) AS
  SELECT id, email, name FROM app.accounts WHERE status = 'active';
COMMENT ON VIEW app.active_accounts IS 'active only';
COMMENT ON COLUMN app.active_accounts.email IS 'login of an active account';
GRANT SELECT ON app.active_accounts TO strata_reader;
CREATE VIEW app.account_names AS SELECT id, name FROM app.active_accounts WITH LOCAL CHECK OPTION;
CREATE MATERIALIZED VIEW app.status_counts AS SELECT status, count(*) AS n FROM app.accounts GROUP BY status;
CREATE UNIQUE INDEX status_counts_status ON app.status_counts (status);
CREATE FUNCTION app.names() RETURNS SETOF app.account_names LANGUAGE sql STABLE AS 'SELECT * FROM app.account_names';
CREATE CONSTRAINT TRIGGER events_check AFTER INSERT ON app.base DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION app.touch();

-- Partitions whose defaults are not the parent's: attached from LIKE (none), their own,
-- and one dropped.
CREATE TABLE app.readings (id int, at date NOT NULL, unit text DEFAULT 'C') PARTITION BY RANGE (at);
CREATE TABLE app.readings_a (LIKE app.readings);
ALTER TABLE app.readings ATTACH PARTITION app.readings_a FOR VALUES FROM ('2026-01-01') TO ('2026-06-01');
CREATE TABLE app.readings_b PARTITION OF app.readings FOR VALUES FROM ('2026-06-01') TO ('2027-01-01');
ALTER TABLE app.readings_b ALTER COLUMN unit SET DEFAULT 'F';
CREATE TABLE app.readings_c PARTITION OF app.readings FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
