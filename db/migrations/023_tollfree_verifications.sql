-- Toll-free verifications: one per toll-free number of the tenant, a durable workflow each (the API reads this projection).
CREATE TABLE tollfree_verifications (
  id                uuid PRIMARY KEY,
  tenant_id         uuid NOT NULL REFERENCES tenants(id),
  phone_number      text NOT NULL,
  number_sid        text NOT NULL,
  status            text NOT NULL,
  draft             jsonb NOT NULL,
  verification_sid  text UNIQUE,
  twilio_status     text,
  problems          jsonb NOT NULL DEFAULT '[]',
  edit_expiration   timestamptz,
  idempotency_key   text,
  workflow_id       text NOT NULL UNIQUE,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  finished_at       timestamptz,
  UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX tollfree_verifications_tenant_created ON tollfree_verifications (tenant_id, created_at DESC, id DESC);
-- One verification in progress or approved per number.
CREATE UNIQUE INDEX tollfree_verifications_live_number ON tollfree_verifications (tenant_id, phone_number) WHERE status NOT IN ('cancelled', 'failed');

CREATE TABLE tollfree_events (
  id               bigserial PRIMARY KEY,
  tenant_id        uuid NOT NULL REFERENCES tenants(id),
  verification_id  uuid NOT NULL REFERENCES tollfree_verifications(id) ON DELETE CASCADE,
  type             text NOT NULL,
  message          text NOT NULL,
  at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tollfree_events_verification ON tollfree_events (verification_id, id);
