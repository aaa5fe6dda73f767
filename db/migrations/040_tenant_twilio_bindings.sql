-- The Twilio account each tenant's work runs under (issue #24 §1). No row means `shared`: the tenant works
-- under the deployment's account (TWILIO_ACCOUNT_SID), as every tenant did before this table — so nothing is
-- backfilled and nothing changes for the tenants that exist.
--
-- `subaccount`: a Twilio subaccount of the deployment's account, made and owned by the operator; `byo`: the
-- tenant's own account with the credentials it gave. The credentials themselves (sealed) come with
-- PUT /v1/account/credentials; this table only names the account and says whether work may use it.
CREATE TABLE tenant_twilio_bindings (
  tenant_id            uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  kind                 text NOT NULL CHECK (kind IN ('shared', 'subaccount', 'byo')),
  account_sid          text CHECK (account_sid ~ '^AC[0-9a-f]{32}$'),
  -- Bumped on every credentials change: a process holding a client for an older version rebuilds it.
  credentials_version  integer NOT NULL DEFAULT 1,
  status               text NOT NULL DEFAULT 'active'
                       CHECK (status IN ('creating', 'active', 'credentials_invalid', 'suspended', 'closing', 'closed')),
  -- {code, message, method, path} of what failed; never a secret.
  status_reason        jsonb,
  status_changed_at    timestamptz NOT NULL DEFAULT now(),
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  -- `shared` runs under the deployment's account, which the configuration names, not this row. (A subaccount
  -- being created may not have its SID yet, so the converse isn't required.)
  CHECK (kind <> 'shared' OR account_sid IS NULL)
);

-- One tenant per Twilio account: a callback's AccountSid names exactly one binding.
CREATE UNIQUE INDEX tenant_twilio_bindings_account ON tenant_twilio_bindings (account_sid) WHERE account_sid IS NOT NULL;
