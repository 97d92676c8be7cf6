-- The shop's desired schema. Edit it, then `strata generate <slug>` writes the migration
-- (proven on a shadow database); `strata check` says whether migrations/ still match it.
CREATE TABLE customers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'paused');

CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id),
  status order_status NOT NULL DEFAULT 'pending',
  total_cents bigint NOT NULL CHECK (total_cents >= 0),
  note text
);

CREATE INDEX orders_customer_id_idx ON orders (customer_id);
