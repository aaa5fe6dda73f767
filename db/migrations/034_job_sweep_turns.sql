-- The queued-work sweep's turns per job (issue #21): a job the sweep took (queued: start its workflow;
-- cancelling: deliver the cancel) is not due again before sweep_next_at, which backs off with sweep_attempts.
-- Rows that can't move yet are then taken once per back-off, never every sweep, so they can't starve newer work.
ALTER TABLE jobs ADD COLUMN sweep_attempts integer NOT NULL DEFAULT 0,
                 ADD COLUMN sweep_next_at timestamptz;
CREATE INDEX jobs_sweep_due ON jobs (COALESCE(sweep_next_at, created_at)) WHERE status IN ('queued', 'cancelling');
-- Replaced by jobs_sweep_due (the sweep was its only reader).
DROP INDEX IF EXISTS jobs_queued;
