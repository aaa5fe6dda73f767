-- Signed notifications to tenants (Standard Webhooks). Events are enqueued by triggers, in the same
-- transaction as the state change they announce, one delivery per subscribed endpoint; the workers'
-- dispatcher delivers them with retries and back-off, and every delivery's fate is kept as its log.
CREATE TABLE webhook_endpoints (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  url          text NOT NULL,
  event_types  text[] NOT NULL DEFAULT '{}',
  secret_box   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  disabled_at  timestamptz
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id) WHERE disabled_at IS NULL;

CREATE TABLE webhook_deliveries (
  id               text PRIMARY KEY,
  endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  tenant_id        uuid NOT NULL,
  event_type       text NOT NULL,
  payload          jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_status      integer,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  delivered_at     timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);

CREATE FUNCTION enqueue_tenant_event(p_tenant uuid, p_type text, p_data jsonb) RETURNS void LANGUAGE sql AS $$
  INSERT INTO webhook_deliveries (id, endpoint_id, tenant_id, event_type, payload)
  SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), e.id, p_tenant, p_type,
         jsonb_build_object('type', p_type, 'timestamp', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'data', p_data)
    FROM webhook_endpoints e
   WHERE e.tenant_id = p_tenant AND e.disabled_at IS NULL AND (cardinality(e.event_types) = 0 OR p_type = ANY(e.event_types));
$$;

CREATE FUNCTION job_finished_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM enqueue_tenant_event(NEW.tenant_id, 'job.finished',
    jsonb_build_object('jobId', NEW.id, 'kind', NEW.kind, 'status', NEW.status, 'requested', NEW.requested, 'outcome', NEW.outcome));
  RETURN NULL;
END $$;
CREATE TRIGGER job_finished_event AFTER UPDATE OF status ON jobs FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('succeeded', 'partial', 'failed', 'cancelled'))
  EXECUTE FUNCTION job_finished_event();

CREATE FUNCTION registration_status_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM enqueue_tenant_event(NEW.tenant_id, 'registration.status_changed',
    jsonb_build_object('registrationId', NEW.id, 'status', NEW.status, 'previousStatus', OLD.status, 'step', NEW.step));
  RETURN NULL;
END $$;
CREATE TRIGGER registration_status_event AFTER UPDATE OF status ON a2p_registrations FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION registration_status_event();

CREATE FUNCTION trunk_operation_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM enqueue_tenant_event(NEW.tenant_id, 'trunk.operation_' || NEW.status,
    jsonb_build_object('trunkId', NEW.trunk_id, 'operationId', NEW.id, 'kind', NEW.kind, 'status', NEW.status));
  RETURN NULL;
END $$;
CREATE TRIGGER trunk_operation_event AFTER UPDATE OF status ON sip_operations FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('succeeded', 'rolled_back', 'failed'))
  EXECUTE FUNCTION trunk_operation_event();
