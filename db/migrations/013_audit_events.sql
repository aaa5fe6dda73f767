-- Every Twilio write, as it was accepted: whose (tenant, job, registration, trunk), which resource, what
-- (a summary of the request without secrets) and when. Written by the worker, read by GET /v1/audit.
CREATE TABLE audit_events (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  action           text NOT NULL,
  activity         text NOT NULL,
  resource_sid     text,
  job_id           text,
  registration_id  text,
  trunk_id         text,
  http_status      integer NOT NULL,
  summary          jsonb NOT NULL
);
CREATE INDEX audit_events_tenant_created ON audit_events (tenant_id, created_at DESC, id DESC);
CREATE INDEX audit_events_resource ON audit_events (tenant_id, resource_sid);
