-- Migration: Create orders
-- Date: 2026-11-02
-- Author: Example <example@strata.dev>
-- Source: examples/shop
--
-- Implements:
-- - order_status enum
-- - orders table, foreign key to customers
--
-- Rollback: See 20261102090000000_create_orders_rollback.sql

CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped');

CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id),
  status order_status NOT NULL DEFAULT 'pending',
  total_cents bigint NOT NULL CHECK (total_cents >= 0)
);

-- strata:verify
SELECT count(*) = 3 FROM pg_enum WHERE enumtypid = 'order_status'::regtype;
