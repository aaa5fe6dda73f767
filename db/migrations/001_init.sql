-- Tenants own everything; an API key authenticates one tenant and is stored only as a SHA-256 hash.
CREATE TABLE tenants (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  key_hash    text NOT NULL UNIQUE,
  key_prefix  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

-- Bulk jobs: the projection the API reads, so status is visible while every worker is down.
CREATE TABLE jobs (
  id               uuid PRIMARY KEY,
  tenant_id        uuid NOT NULL REFERENCES tenants(id),
  kind             text NOT NULL CHECK (kind IN ('bulk_buy', 'bulk_release')),
  status           text NOT NULL CHECK (status IN ('queued','running','cancelling','succeeded','partial','cancelled','failed')),
  params           jsonb NOT NULL,
  requested        integer NOT NULL,
  idempotency_key  text,
  workflow_id      text NOT NULL UNIQUE,
  outcome          jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX jobs_tenant_created ON jobs (tenant_id, created_at DESC, id DESC);
CREATE INDEX jobs_queued ON jobs (created_at) WHERE status = 'queued';

-- One row per attempted item: a candidate number of a bulk buy, or a number of a bulk release.
CREATE TABLE job_items (
  job_id         uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  item_key       text NOT NULL,
  phone_number   text,
  status         text NOT NULL CHECK (status IN ('pending','succeeded','failed','skipped')),
  twilio_sid     text,
  error_code     integer,
  error_status   integer,
  error_message  text,
  error_more_info text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, item_key)
);

-- The tenant's inventory. A purchase first records its intent ('purchasing') under purchase_key;
-- a retried purchase finds that row and reconciles with Twilio instead of buying again.
CREATE TABLE phone_numbers (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id      uuid NOT NULL REFERENCES tenants(id),
  phone_number   text NOT NULL,
  twilio_sid     text,
  provider       text NOT NULL DEFAULT 'twilio',
  status         text NOT NULL CHECK (status IN ('purchasing','active','releasing','released','failed')),
  friendly_name  text,
  capabilities   jsonb NOT NULL DEFAULT '{}',
  config         jsonb NOT NULL DEFAULT '{}',
  purchase_key   text NOT NULL UNIQUE,
  job_id         uuid REFERENCES jobs(id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  purchased_at   timestamptz,
  released_at    timestamptz
);
-- A number is held by at most one live row across all tenants: the account can own it only once.
CREATE UNIQUE INDEX phone_numbers_live ON phone_numbers (phone_number)
  WHERE status IN ('purchasing', 'active', 'releasing');
CREATE INDEX phone_numbers_tenant_created ON phone_numbers (tenant_id, created_at DESC, id DESC);
