-- stale: nothing copies a version's writes to the other column, so edits during the rollout are lost
-- step: expand
ALTER TABLE payments ADD COLUMN amount_cents INTEGER;
CREATE INDEX payments_without_cents ON payments (id) WHERE amount_cents IS NULL;

-- step: backfill
UPDATE payments SET amount_cents = CAST(round(amount * 100) AS INTEGER)
WHERE id IN (SELECT id FROM payments WHERE amount_cents IS NULL AND amount IS NOT NULL
             ORDER BY id LIMIT 2000);

-- step: contract
DROP INDEX payments_without_cents;
ALTER TABLE payments DROP COLUMN amount;
