-- Each alert's story fingerprint is computed once, when it is recorded, so
-- that threading a later report is a query and a comparison.
ALTER TABLE deliveries ADD COLUMN story TEXT NOT NULL DEFAULT '';
