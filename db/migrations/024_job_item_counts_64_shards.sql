-- 8 counter shards were too few for a 10 000-number job: at 600 purchases a second, each shard row took
-- 75 updates a second, and an update holds the row's lock until its transaction's commit is flushed, so
-- completing a purchase spent ~5 ms queued on its shard (pg_stat_statements, bench `big`). 64 shards make
-- a collision rare. Readers sum every shard of a job, so rows written under 8 shards still count; a
-- decrement is an upsert now, since an item counted under the old layout may land on a shard row that
-- doesn't exist yet (a shard may go negative; only the job's sum means anything).
CREATE OR REPLACE FUNCTION job_items_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = NEW.status THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO job_item_counts (job_id, status, shard, n) VALUES (OLD.job_id, OLD.status, hashtext(OLD.item_key) & 63, -1)
    ON CONFLICT (job_id, status, shard) DO UPDATE SET n = job_item_counts.n - 1;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO job_item_counts (job_id, status, shard, n) VALUES (NEW.job_id, NEW.status, hashtext(NEW.item_key) & 63, 1)
    ON CONFLICT (job_id, status, shard) DO UPDATE SET n = job_item_counts.n + 1;
  END IF;
  RETURN NULL;
END $$;
