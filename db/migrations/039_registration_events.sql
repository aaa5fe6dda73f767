-- One timeline table for every reviewed registration (issue #21 §1): A2P registrations, voice trust registrations
-- and toll-free verifications, and the products to come (porting, regulatory bundles), each named by `product`.
-- Its events were in a2p_events, voice_trust_events and tollfree_events: moved here, then those are dropped.
--
-- Append-only; a timeline is read in id order (the order its events were written), scoped by product and tenant.
-- registration_id refers to the product's own registrations table, so it carries no foreign key (no
-- registration is ever deleted); the tenant's does.
CREATE TABLE registration_events (
  id               bigserial PRIMARY KEY,
  product          text NOT NULL CHECK (product ~ '^[a-z][a-z0-9_]*$'),
  tenant_id        uuid NOT NULL REFERENCES tenants(id),
  registration_id  uuid NOT NULL,
  type             text NOT NULL,
  message          text NOT NULL,
  data             jsonb NOT NULL DEFAULT '{}',
  at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registration_events_timeline ON registration_events (product, tenant_id, registration_id, id);

-- A writer still on the old tables (an API or worker of the previous release) waits here rather than add an event
-- after the copy below has read its table: nothing is lost between the copy and the drop.
LOCK TABLE a2p_events, voice_trust_events, tollfree_events IN ACCESS EXCLUSIVE MODE;

-- Each timeline keeps its order: new ids follow the old ones, table by table; the timestamps are copied as they are.
INSERT INTO registration_events (id, product, tenant_id, registration_id, type, message, data, at)
SELECT row_number() OVER (ORDER BY source, old_id), product, tenant_id, registration_id, type, message, data, at
  FROM (
    SELECT 1 AS source, id AS old_id, 'a2p' AS product, tenant_id, registration_id, type, message, data, at FROM a2p_events
    UNION ALL
    SELECT 2, id, 'voice_trust', tenant_id, registration_id, type, message, data, at FROM voice_trust_events
    UNION ALL
    SELECT 3, id, 'tollfree', tenant_id, verification_id, type, message, '{}'::jsonb, at FROM tollfree_events
  ) old;
SELECT setval(pg_get_serial_sequence('registration_events', 'id'), COALESCE((SELECT max(id) FROM registration_events), 0) + 1, false);

DROP TABLE a2p_events, voice_trust_events, tollfree_events;
