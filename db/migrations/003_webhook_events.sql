-- Twilio redelivers webhooks: each delivery's idempotency token (status callbacks) or CloudEvent id
-- (Event Streams) is recorded once, so a replay changes nothing.
CREATE TABLE webhook_events (
  key          text PRIMARY KEY,
  kind         text NOT NULL,
  resource_sid text,
  status       text,
  received_at  timestamptz NOT NULL DEFAULT now()
);
