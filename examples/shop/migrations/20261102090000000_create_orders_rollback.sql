-- Rollback: 20261102090000000_create_orders
DROP TABLE orders;
DROP TYPE order_status;
