-- What each Twilio write costs the tenant (prices from configuration), written with its audit record,
-- and an optional monthly budget per tenant that refuses new work before any Twilio call.
CREATE TABLE cost_ledger (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  item             text NOT NULL,
  amount_usd       numeric(12, 2) NOT NULL,
  resource_sid     text,
  job_id           text,
  registration_id  text
);
CREATE INDEX cost_ledger_tenant_created ON cost_ledger (tenant_id, created_at);
ALTER TABLE tenants ADD COLUMN monthly_budget_usd numeric(12, 2);
