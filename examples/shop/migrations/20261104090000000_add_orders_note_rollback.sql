-- Rollback: 20261104090000000_add_orders_note
-- The 'paused' enum value stays: PostgreSQL cannot remove enum values.
ALTER TABLE orders DROP COLUMN note;
