-- contract: expand copies the whole table into a new one in one statement and swaps it in
-- step: expand
CREATE TABLE payments_new (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL,
    amount        REAL,
    created_at    TEXT NOT NULL,
    amount_cents  INTEGER
);
INSERT INTO payments_new (id, account_id, amount, created_at, amount_cents)
SELECT id, account_id, amount, created_at, CAST(round(amount * 100) AS INTEGER) FROM payments;
DROP TABLE payments;
ALTER TABLE payments_new RENAME TO payments;
CREATE INDEX payments_by_account ON payments (account_id, created_at);
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
