-- A bulk buy's streamed purchase group reads what its job already attempted and has in flight
-- (a retried group resumes from it), so phone_numbers is looked up by job.
CREATE INDEX phone_numbers_job ON phone_numbers (job_id) WHERE job_id IS NOT NULL;
