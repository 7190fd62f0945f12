-- boundary: an inner join drops the customers with no orders
-- step: report
SELECT c.id, c.name, COUNT(o.id) AS orders
FROM customers c JOIN orders o ON o.customer_id = c.id
GROUP BY c.id
ORDER BY c.id;
