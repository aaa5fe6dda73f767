-- The operator API (issue #24 §4): keys that manage tenants, never a tenant's own. Made by the CLI
-- (`npm run operator -- key create`), stored hashed like tenant keys (sha256 of the key); the `tpo_` prefix makes a
-- leaked one recognisable (and never confused with a tenant's `tp_`).
CREATE TABLE operator_keys (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  label         text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
  key_hash      text NOT NULL UNIQUE,
  key_prefix    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);

-- A suspended tenant's keys may still read but change nothing (403 tenant_suspended): the auth hook reads this
-- column with the key it looks up anyway, so the check costs no extra query. Null: not suspended.
ALTER TABLE tenants ADD COLUMN suspended_at timestamptz;

-- Operator changes join the tenant's audit trail with the operator key that made them (the tenant's own keys
-- are in actor_key_id).
ALTER TABLE audit_events ADD COLUMN operator_key_id uuid REFERENCES operator_keys(id) ON DELETE SET NULL;

-- An operator's Idempotency-Key for a tenant creation: a repeat names the tenant the first request made (tenants
-- don't exist yet when the key is claimed, so idempotency_keys, which is per tenant, can't hold it).
CREATE TABLE operator_idempotency_keys (
  scope         text NOT NULL,
  key           text NOT NULL,
  request_hash  text NOT NULL,
  -- Set in the transaction that claims the key (the tenant is made after the claim).
  tenant_id     uuid REFERENCES tenants(id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
