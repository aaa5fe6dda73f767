-- Per-tenant request rate on the API, shared by every API process: a token bucket per tenant. Unlogged:
-- it is throw-away state (a crash just refills the buckets), so its writes skip the WAL.
CREATE UNLOGGED TABLE api_rate_buckets (
  tenant_id   uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  tokens      double precision NOT NULL,
  updated_at  timestamptz NOT NULL
);
