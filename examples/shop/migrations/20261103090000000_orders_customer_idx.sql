-- Migration: Index orders by customer
-- Date: 2026-11-03
-- Author: Example <example@strata.dev>
-- Source: examples/shop
--
-- Implements:
-- - orders_customer_id_idx, built without blocking writes
--
-- Rollback: See 20261103090000000_orders_customer_idx_rollback.sql
-- strata:no-transaction
-- strata:lock-timeout 2s

CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);
