-- A completed (or running) toll-free verification holds the number only while the tenant holds that purchase of it
-- (issue #21): one verification in progress or approved per purchase, i.e. per Twilio PN SID. A number released and
-- bought again is a new purchase with a new SID, so it can be verified again.
DROP INDEX IF EXISTS tollfree_verifications_live_number;
CREATE UNIQUE INDEX tollfree_verifications_live_purchase ON tollfree_verifications (tenant_id, number_sid) WHERE status NOT IN ('cancelled', 'failed');
