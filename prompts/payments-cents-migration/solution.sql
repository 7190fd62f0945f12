-- Plan
-- 1. expand (only the old version runs): add amount_cents, nullable, so adding it is
--    a change to the table's definition and rewrites no row. Triggers keep the two
--    columns equal from now on, whichever one a version writes, so every payment
--    written during the rollout is right in both. A partial index lists the rows
--    still to convert, so each batch finds its rows without reading the converted ones.
-- 2. backfill (old version still writing): convert at most 2,000 rows per run and
--    commit; run it until it changes nothing. Small batches hold the write lock for
--    milliseconds, and the checkout's inserts interleave with them. Rounding, not
--    truncation: 0.29 * 100 is 28.999999999999996 in floating point.
-- 3. deploy the new version beside the old one (rolling): the triggers carry each
--    version's writes to the other's column.
-- 4. contract, once no old instance runs: drop the triggers and the backfill index,
--    then the old column. On PostgreSQL dropping a column is a catalog change; here
--    SQLite rewrites the table, so run it in the quiet hour. A NOT NULL on
--    amount_cents would come next (PostgreSQL: a CHECK ... NOT VALID, then VALIDATE).
-- Rollback: until contract, redeploying the old version is safe, since amount is
-- still written by the triggers.

-- step: expand
ALTER TABLE payments ADD COLUMN amount_cents INTEGER;
CREATE INDEX payments_without_cents ON payments (id) WHERE amount_cents IS NULL;
CREATE TRIGGER payments_cents_from_dollars_on_insert AFTER INSERT ON payments
WHEN NEW.amount_cents IS NULL AND NEW.amount IS NOT NULL
BEGIN
    UPDATE payments SET amount_cents = CAST(round(NEW.amount * 100) AS INTEGER)
    WHERE id = NEW.id;
END;
CREATE TRIGGER payments_dollars_from_cents_on_insert AFTER INSERT ON payments
WHEN NEW.amount IS NULL AND NEW.amount_cents IS NOT NULL
BEGIN
    UPDATE payments SET amount = NEW.amount_cents / 100.0 WHERE id = NEW.id;
END;
CREATE TRIGGER payments_cents_from_dollars_on_update AFTER UPDATE OF amount ON payments
WHEN NEW.amount IS NOT OLD.amount
BEGIN
    UPDATE payments SET amount_cents = CAST(round(NEW.amount * 100) AS INTEGER)
    WHERE id = NEW.id;
END;
CREATE TRIGGER payments_dollars_from_cents_on_update AFTER UPDATE OF amount_cents ON payments
WHEN OLD.amount_cents IS NOT NULL AND NEW.amount_cents IS NOT OLD.amount_cents
BEGIN
    UPDATE payments SET amount = NEW.amount_cents / 100.0 WHERE id = NEW.id;
END;

-- step: backfill
UPDATE payments SET amount_cents = CAST(round(amount * 100) AS INTEGER)
WHERE id IN (SELECT id FROM payments WHERE amount_cents IS NULL AND amount IS NOT NULL
             ORDER BY id LIMIT 2000);

-- step: contract
DROP TRIGGER payments_cents_from_dollars_on_insert;
DROP TRIGGER payments_dollars_from_cents_on_insert;
DROP TRIGGER payments_cents_from_dollars_on_update;
DROP TRIGGER payments_dollars_from_cents_on_update;
DROP INDEX payments_without_cents;
ALTER TABLE payments DROP COLUMN amount;
