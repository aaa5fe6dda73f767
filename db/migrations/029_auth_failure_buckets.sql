-- Failed authentication per client address, shared by every API process: a token bucket per address.
-- Unlogged like api_rate_buckets: a crash just refills the buckets.
CREATE UNLOGGED TABLE auth_failure_buckets (
  address     text PRIMARY KEY,
  tokens      double precision NOT NULL,
  updated_at  timestamptz NOT NULL
);
