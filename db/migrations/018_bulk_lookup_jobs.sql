-- Bulk lookups run as jobs like bulk buys and releases.
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('bulk_buy', 'bulk_release', 'bulk_lookup'));
