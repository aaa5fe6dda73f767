-- One account-wide Twilio limiter shared by every worker process. A request holds one of the account's
-- C slots while it is in flight; a slot is free when released, when its lease ran out, or when the
-- process holding it is gone (its presence connection, holder_pid, left pg_stat_activity).
CREATE TABLE twilio_slots (
  account_sid  text NOT NULL,
  slot         integer NOT NULL,
  holder_pid   integer,
  lease_until  timestamptz,
  PRIMARY KEY (account_sid, slot)
);

-- Twilio's per-second pacing (brand and campaign registration writes): the next time such a write may
-- be sent. Each caller reserves its own time by moving this forward.
CREATE TABLE twilio_pacing (
  account_sid  text NOT NULL,
  key          text NOT NULL,
  next_at      timestamptz NOT NULL,
  PRIMARY KEY (account_sid, key)
);
