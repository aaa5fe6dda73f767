-- Trust Hub status callbacks are deduplicated on what their signature covers (not on the unsigned
-- I-Twilio-Idempotency-Token): one row per distinct signed content, and a repeat counts as a replay only
-- while nothing else was heard about the same resource since. This index answers that question.
CREATE INDEX webhook_events_callbacks_by_resource ON webhook_events (resource_sid, received_at) WHERE kind = 'status-callback';
