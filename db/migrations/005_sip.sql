-- Elastic SIP Trunking. A trunk row exists from the moment the API accepts it (trunk_sid is null until
-- Twilio created it); the seed's columns mirror what Twilio last reported, `spec` is the desired state
-- (passwords only as references to sip_secrets), `snapshot` the last read-back of Twilio's state.
CREATE TABLE sip_trunks (
  id                        uuid PRIMARY KEY,
  tenant_id                 uuid NOT NULL REFERENCES tenants(id),
  trunk_sid                 text UNIQUE,
  friendly_name             text,
  domain_name               text NOT NULL,
  secure                    boolean NOT NULL DEFAULT true,
  cnam_lookup_enabled       boolean NOT NULL DEFAULT false,
  disaster_recovery_url     text,
  recording_mode            text,
  status                    text NOT NULL CHECK (status IN ('provisioning','active','updating','deleting','deleted','failed')),
  spec                      jsonb NOT NULL,
  snapshot                  jsonb,
  observed_at               timestamptz,
  idempotency_key           text,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  deleted_at                timestamptz,
  UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX sip_trunks_tenant_created ON sip_trunks (tenant_id, created_at DESC, id DESC);
-- Domain names are global at Twilio; ours never collide with each other.
CREATE UNIQUE INDEX sip_trunks_live_domain ON sip_trunks (lower(domain_name)) WHERE status <> 'deleted';

-- Every change to a trunk (create, update, delete) is one durable operation: its workflow, progress,
-- failure and rollback report. At most one runs per trunk at a time.
CREATE TABLE sip_operations (
  id               uuid PRIMARY KEY,
  tenant_id        uuid NOT NULL REFERENCES tenants(id),
  trunk_id         uuid NOT NULL REFERENCES sip_trunks(id),
  kind             text NOT NULL CHECK (kind IN ('create','update','delete')),
  status           text NOT NULL CHECK (status IN ('queued','running','rolling_back','succeeded','failed','rolled_back')),
  input            jsonb NOT NULL,
  workflow_id      text NOT NULL UNIQUE,
  progress         jsonb NOT NULL DEFAULT '{}',
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz
);
CREATE UNIQUE INDEX sip_operations_one_active ON sip_operations (trunk_id) WHERE status IN ('queued','running','rolling_back');
CREATE INDEX sip_operations_trunk ON sip_operations (trunk_id, created_at DESC);
CREATE INDEX sip_operations_queued ON sip_operations (created_at) WHERE status = 'queued';

-- Credential lists and IP access control lists the service created (or a tenant referenced): the
-- tenant that owns each, and the trunk it was made for. Twilio's lists have no tenant of their own.
CREATE TABLE sip_auth_lists (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id          uuid NOT NULL REFERENCES tenants(id),
  kind               text NOT NULL CHECK (kind IN ('credential_list','ip_acl')),
  list_sid           text UNIQUE,
  friendly_name      text NOT NULL,
  twilio_name        text NOT NULL UNIQUE,
  created_for_trunk  uuid REFERENCES sip_trunks(id),
  created_at         timestamptz NOT NULL DEFAULT now(),
  deleted_at         timestamptz
);

-- Write-only secrets (SIP credential passwords), AES-256-GCM encrypted; kept only until the operation
-- that needs them has finished, then wiped.
CREATE TABLE sip_secrets (
  id          uuid PRIMARY KEY,
  tenant_id   uuid NOT NULL REFERENCES tenants(id),
  ciphertext  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  wiped_at    timestamptz
);

-- A number is on at most one trunk; null when it is not trunked. Before a number is attached, its voice
-- routing at Twilio (voice application, previous trunk) is kept here, so a rollback or detach restores it.
ALTER TABLE phone_numbers ADD COLUMN sip_trunk_id uuid REFERENCES sip_trunks(id);
ALTER TABLE phone_numbers ADD COLUMN sip_prior_voice jsonb;
CREATE INDEX phone_numbers_sip_trunk ON phone_numbers (sip_trunk_id) WHERE sip_trunk_id IS NOT NULL;
