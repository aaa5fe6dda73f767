-- What each worker process's limiter did (flushed every few seconds): requests sent and the time they
-- waited for a slot, so a reader can tell whether Twilio's concurrency or something else bounds a run.
CREATE TABLE twilio_limiter_stats (
  presence_pid  integer NOT NULL,
  account_sid   text NOT NULL,
  requests      bigint NOT NULL DEFAULT 0,
  waited_ms     double precision NOT NULL DEFAULT 0,
  started_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (presence_pid, account_sid, started_at)
);
