-- Rollback: 20261101090000000_create_customers
DROP TABLE customers;
