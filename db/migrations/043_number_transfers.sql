-- Moving numbers between tenants (issue #24 §4, POST /v1/operator/numbers/transfer). Twilio moves the number
-- from one account of the deployment's hierarchy to another; the service detaches what doesn't move with it
-- first, then hands the number over: the losing tenant's row ends `transferred`, the gaining tenant gets a row
-- of its own (history stays with whoever made it).
ALTER TABLE phone_numbers DROP CONSTRAINT phone_numbers_status_check;
ALTER TABLE phone_numbers ADD CONSTRAINT phone_numbers_status_check
  CHECK (status IN ('purchasing', 'active', 'releasing', 'released', 'failed', 'transferred'));

CREATE TABLE number_transfers (
  id               uuid PRIMARY KEY,
  from_tenant_id   uuid NOT NULL REFERENCES tenants(id),
  to_tenant_id     uuid NOT NULL REFERENCES tenants(id),
  -- running, then succeeded (every number moved), partial (some) or failed (none); reason says why when not all.
  status           text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'partial', 'failed')),
  reason           text,
  operator_key_id  uuid REFERENCES operator_keys(id) ON DELETE SET NULL,
  workflow_id      text NOT NULL UNIQUE,
  -- sha256 of the dry run's confirmation token it was started with: the same request repeated (its answer lost)
  -- finds this transfer instead of starting another.
  token_hash       text NOT NULL UNIQUE,
  created_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  CHECK (from_tenant_id <> to_tenant_id)
);
CREATE INDEX number_transfers_created ON number_transfers (created_at DESC, id DESC);

CREATE TABLE number_transfer_items (
  transfer_id    uuid NOT NULL REFERENCES number_transfers(id) ON DELETE CASCADE,
  phone_number   text NOT NULL,
  twilio_sid     text NOT NULL,
  -- pending → detached (what doesn't move is undone) → moved (Twilio has it in the gaining account, the rows
  -- follow in the same step); failed with Twilio's code and the fix.
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'detached', 'moved', 'failed')),
  -- What the number loses (the dry run's list): [{ kind, sid, ... }].
  losses         jsonb NOT NULL DEFAULT '[]',
  error_code     integer,
  error_message  text,
  PRIMARY KEY (transfer_id, twilio_sid)
);
-- A number is in one unfinished transfer at most.
CREATE UNIQUE INDEX number_transfer_items_live ON number_transfer_items (twilio_sid) WHERE status IN ('pending', 'detached');
