-- Migration: Add orders note
-- Date: 2026-11-04
-- Author: Example <example@strata.dev>
-- Source: examples/shop
--
-- Implements:
-- - nullable orders.note (safe: no rewrite, no long lock)
-- - paused order status, appended (enum values are append-only)
--
-- Rollback: See 20261104090000000_add_orders_note_rollback.sql

ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text;
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'paused';

-- strata:verify
SELECT count(*) = 1 FROM information_schema.columns
 WHERE table_name = 'orders' AND column_name = 'note';
