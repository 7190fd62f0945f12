-- Deterministic: 200,000 payments from 5,000 accounts, amounts from $0.01 to $5,000.00.
INSERT INTO payments (id, account_id, amount, created_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
SELECT i, 1 + (i * 7919) % 5000, (1 + (i * 104729) % 500000) / 100.0,
       datetime(1704067200 + i * 157, 'unixepoch')
FROM n;
