-- step: report
SELECT 1;
