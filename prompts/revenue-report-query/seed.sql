-- Deterministic: 2,000 customers, 100,000 orders over two years (2023 and 2024),
-- 200,000 order items. Every value is a function of the row's number.
INSERT INTO customers (id, name, region)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
SELECT i, 'Customer ' || i, CASE i % 4 WHEN 0 THEN 'north' WHEN 1 THEN 'south'
                                       WHEN 2 THEN 'east' ELSE 'west' END
FROM n;

INSERT INTO orders (id, customer_id, placed_on, status)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
SELECT i, 1 + (i * 7919) % 2000, date('2023-01-01', '+' || ((i * 104729) % 731) || ' days'),
       CASE WHEN i % 17 = 0 THEN 'refunded' WHEN i % 23 = 0 THEN 'cancelled' ELSE 'paid' END
FROM n;

INSERT INTO order_items (id, order_id, sku, quantity, unit_price_cents)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
SELECT i, 1 + (i * 48271) % 100000, 'SKU-' || (i % 500), 1 + i % 4, 199 + (i * 37) % 9800
FROM n;
