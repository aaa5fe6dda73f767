-- What each Idempotency-Key was first used for, per tenant and endpoint: a repeat with the same key and
-- the same request gets the first answer; the same key with a different request is a 409.
CREATE TABLE idempotency_keys (
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  scope         text NOT NULL,
  key           text NOT NULL,
  request_hash  text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, scope, key)
);
