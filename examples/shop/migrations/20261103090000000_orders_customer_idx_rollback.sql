-- Rollback: 20261103090000000_orders_customer_idx
DROP INDEX CONCURRENTLY IF EXISTS orders_customer_id_idx;
