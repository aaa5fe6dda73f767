import { useState, type FormEvent } from 'react';
import { Checkbox, ErrorNote, Field, ListStates, THead, fieldError, when, FormSubmit } from '../components/ui';
import { Scoped } from '../components/Scoped';
import { RowConfirmButton } from '../components/ConfirmButton';
import { SecretOnce } from '../components/SecretOnce';
import { EVENT_TYPES, useCreateEndpoint, useDeleteEndpoint, useWebhookEndpoints } from './queries';

type EventType = (typeof EVENT_TYPES)[number];

export function WebhookEndpoints({ onOpen }: { onOpen: (endpointId: string) => void }) {
  return (
    <section className="card stack" aria-labelledby="webhooks-heading">
      <h3 id="webhooks-heading">Webhook endpoints</h3>
      <EndpointList onOpen={onOpen} />
      <Scoped scope="admin" what="Adding or deleting a webhook endpoint">
        <AddEndpointForm />
      </Scoped>
    </section>
  );
}

function EndpointList({ onOpen }: { onOpen: (endpointId: string) => void }) {
  const endpoints = useWebhookEndpoints();
  const remove = useDeleteEndpoint();
  const rows = endpoints.data?.data ?? [];
  return (
    <div>
      <ErrorNote error={remove.error} title="Could not delete the endpoint" />
      <ListStates
        loading={endpoints.isLoading}
        loadingLabel="Loading webhook endpoints…"
        error={endpoints.error}
        errorTitle="Could not list the webhook endpoints"
        empty={rows.length === 0}
        emptyText="No webhook endpoints yet. Add one to be told when a job finishes, a registration changes status or a trunk change ends."
      >
        <table aria-label="Webhook endpoints">
          <THead cols={['URL', 'Event types', 'Created', { hidden: 'Actions' }]} />
          <tbody>
            {rows.map((e) => (
              <tr key={e.id}>
                <td className="wrap">{e.url}</td>
                <td>{e.eventTypes.length ? e.eventTypes.join(', ') : 'all'}</td>
                <td>{when(e.createdAt)}</td>
                <td>
                  <div className="row-actions">
                    <button type="button" aria-label={`Deliveries to ${e.url}`} onClick={() => onOpen(e.id)}>
                      Deliveries
                    </button>
                    <Scoped scope="admin" what="Deleting an endpoint" quiet>
                      <RowConfirmButton verb="Delete" name={e.url} busy={remove.isPending} onConfirm={() => remove.mutate(e.id)} />
                    </Scoped>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ListStates>
    </div>
  );
}

function AddEndpointForm() {
  const create = useCreateEndpoint();
  const [url, setUrl] = useState('');
  const [eventTypes, setEventTypes] = useState<EventType[]>([]);
  const toggle = (type: EventType, on: boolean) => setEventTypes((t) => (on ? [...t, type] : t.filter((x) => x !== type)));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ url: url.trim(), eventTypes: EVENT_TYPES.filter((t) => eventTypes.includes(t)) }, { onSuccess: () => setUrl('') });
  };
  return (
    <form onSubmit={submit} noValidate className="stack" aria-labelledby="add-endpoint-heading">
      <h4 id="add-endpoint-heading">Add an endpoint</h4>
      <Field label="URL" name="url" type="url" value={url} onChange={setUrl} required placeholder="https://example.com/twilio-pro-events" error={fieldError(create.error, 'url')} />
      <fieldset>
        <legend>Event types</legend>
        {EVENT_TYPES.map((type) => (
          <Checkbox key={type} label={type} name={`event-${type}`} checked={eventTypes.includes(type)} onChange={(on) => toggle(type, on)} />
        ))}
        <p className="hint">None checked: every event type.</p>
      </fieldset>
      <FormSubmit label="Add endpoint" disabled={create.isPending || !url.trim()} error={create.error} errorTitle="Could not add the endpoint" />
      {create.data ? <SecretOnce label={`Signing secret for ${create.data.url}`} value={create.data.secret} onDone={() => create.reset()} /> : null}
    </form>
  );
}
