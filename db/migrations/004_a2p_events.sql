-- A registration's timeline: state changes recorded by the workflow, Twilio status changes seen by
-- status checks, and webhook deliveries. Append-only; the API shows the newest.
CREATE TABLE a2p_events (
  id               bigserial PRIMARY KEY,
  tenant_id        uuid NOT NULL REFERENCES tenants(id),
  registration_id  uuid NOT NULL REFERENCES a2p_registrations(id),
  type             text NOT NULL,
  message          text NOT NULL,
  data             jsonb NOT NULL DEFAULT '{}',
  at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX a2p_events_registration ON a2p_events (registration_id, id);
