-- Migration: Create customers
-- Date: 2026-11-01
-- Author: Example <example@strata.dev>
-- Source: examples/shop
--
-- Implements:
-- - customers table
--
-- Rollback: See 20261101090000000_create_customers_rollback.sql

CREATE TABLE customers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- strata:verify
SELECT to_regclass('customers') IS NOT NULL;
