-- Rollback: 20261103090000000_orders_customer_idx
-- strata:no-transaction
DROP INDEX CONCURRENTLY IF EXISTS orders_customer_id_idx;
