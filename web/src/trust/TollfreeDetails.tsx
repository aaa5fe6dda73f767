import { useState, type FormEvent } from 'react';
import { Scoped } from '../components/Scoped';
import { TimeLeft } from '../components/TimeLeft';
import { Timeline } from '../components/Timeline';
import { ErrorNote, Field, Loading, Status, when } from '../components/ui';
import { ConfirmButton } from './ConfirmButton';
import { isRunning, useCancelTollfree, useEditTollfree, useTollfreeVerification, type TollfreeEdit, type TollfreeVerification } from './queries';
import { businessFields, fromTollfreeDraft, messageFor, messagingFields, toTollfreeDraft, type TollfreeValues } from './tollfree-fields';
import { TollfreeFields } from './TollfreeFields';

const FINISHED = ['completed', 'cancelled', 'failed'];

export function TollfreeDetails({ id, onBack }: { id: string; onBack: () => void }) {
  const q = useTollfreeVerification(id);
  const cancel = useCancelTollfree(id);
  const v = q.data;
  return (
    <div className="stack">
      <button type="button" onClick={onBack} className="link">
        ← Trust
      </button>
      {q.isLoading ? <Loading label="Loading the verification…" /> : null}
      <ErrorNote error={q.error} title="Could not read the verification" />
      {v ? (
        <>
          <Summary v={v} />
          <Reasons v={v} />
          {v.editAllowed ? (
            <Scoped scope="spend" what="Editing and resubmitting a verification">
              <EditForm v={v} />
            </Scoped>
          ) : null}
          <Timeline events={v.timeline} headingId="tf-timeline-heading" />
          {FINISHED.includes(v.status) ? null : (
            <Scoped scope="write" what="Cancelling a verification">
              <ConfirmButton label="Cancel verification" confirmLabel="Confirm cancel" onConfirm={() => cancel.mutate()} disabled={cancel.isPending} />
            </Scoped>
          )}
          <ErrorNote error={cancel.error} title="Could not cancel" />
        </>
      ) : null}
    </div>
  );
}

function Summary({ v }: { v: TollfreeVerification }) {
  return (
    <section className="card" aria-labelledby="tf-details-heading">
      <h3 id="tf-details-heading">
        Verification of {v.tollfreePhoneNumber} <Status value={v.status} />
      </h3>
      {isRunning(v.status) ? (
        <p role="status" className="muted">
          {v.status === 'in_review' ? 'In Twilio’s review' : 'Following Twilio'}: this page refreshes by itself.
        </p>
      ) : null}
      <dl className="facts">
        <dt>Twilio status</dt>
        <dd>{v.twilioStatus?.replace(/_/g, ' ') ?? '—'}</dd>
        <dt>Verification</dt>
        <dd>{v.verificationSid ?? '—'}</dd>
        <dt>Business</dt>
        <dd>{v.draft.business.name}</dd>
        <dt>Started</dt>
        <dd>{when(v.createdAt)}</dd>
        <dt>Finished</dt>
        <dd>{when(v.finishedAt)}</dd>
      </dl>
    </section>
  );
}

/** Twilio's rejection reasons with their codes, and how long an edit may still be sent. */
function Reasons({ v }: { v: TollfreeVerification }) {
  if (v.problems.length === 0 && !v.editExpiration) return null;
  return (
    <section className="card" aria-labelledby="tf-reasons-heading">
      <h3 id="tf-reasons-heading">{v.status === 'action_required' ? 'Rejected by Twilio' : 'Problems'}</h3>
      <ul>
        {v.problems.map((p, i) => (
          <li key={i}>
            {p.twilioCode ? <code>{p.twilioCode}</code> : null} {p.message}
            {p.field ? <span className="muted"> ({p.field})</span> : null}
          </li>
        ))}
      </ul>
      {v.editExpiration && v.editAllowed ? (
        <p>
          Edit window: <TimeLeft until={v.editExpiration} /> (until {when(v.editExpiration)}).
        </p>
      ) : null}
    </section>
  );
}

/** Within the edit window: the submitted draft to change, and why; it goes back to Twilio's review. */
function EditForm({ v }: { v: TollfreeVerification }) {
  const edit = useEditTollfree(v.id);
  const [values, setValues] = useState<TollfreeValues>(() => fromTollfreeDraft(v.draft));
  const [editReason, setEditReason] = useState('');
  const fieldsOf = edit.error?.fields ?? [];
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const { tollfreePhoneNumber: _number, ...draft } = toTollfreeDraft(values);
    await edit.mutateAsync({ editReason: editReason.trim(), ...draft } as TollfreeEdit).catch(() => {});
  };
  return (
    <section className="card" aria-labelledby="tf-edit-heading">
      <h3 id="tf-edit-heading">Edit and resubmit</h3>
      <form onSubmit={submit} noValidate aria-label="Edit the verification" className="stack">
        <Field label="Edit reason" name="editReason" value={editReason} onChange={setEditReason} required multiline hint="What changed and why: Twilio’s reviewers read it." error={messageFor('editReason', [], fieldsOf)} />
        <TollfreeFields
          groups={[
            ['Business', businessFields],
            ['Messaging', messagingFields],
          ]}
          values={values}
          onChange={(path, value) => setValues((o) => ({ ...o, [path]: value }))}
          messageFor={(path) => messageFor(path, [], fieldsOf)}
        />
        <div className="actions">
          <button type="submit" className="primary" disabled={edit.isPending}>
            Resubmit
          </button>
        </div>
        <ErrorNote error={edit.error} title="The edit was not accepted" />
      </form>
    </section>
  );
}
