-- The sweep also takes running jobs (issue #21): a job whose workflow was terminated (or timed out) while it ran
-- never records its end itself, so the sweep ends it with Temporal's reason. Turns back off as before.
DROP INDEX IF EXISTS jobs_sweep_due;
CREATE INDEX jobs_sweep_due ON jobs (COALESCE(sweep_next_at, created_at)) WHERE status IN ('queued', 'cancelling', 'running');
