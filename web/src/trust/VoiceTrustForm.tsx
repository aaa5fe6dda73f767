import { useId, useState, type FormEvent } from 'react';
import { Checkbox, Empty, ErrorNote, Field, fieldError, Loading, FormSubmit } from '../components/ui';
import { TrustFormPage } from './TrustPages';
import { productLabel } from './labels';
import { useActiveNumbers, useCustomerProfiles, useStartVoiceTrust, type VoiceTrustDraft } from './queries';

interface Values {
  product: string;
  businessProfileSid: string;
  email: string;
  displayName: string;
  useCase: string;
  employeeCount: string;
  averageDailyCallVolume: string;
  notes: string;
}
const initial: Values = { product: 'shaken_stir', businessProfileSid: '', email: '', displayName: '', useCase: '', employeeCount: '', averageDailyCallVolume: '', notes: '' };

/** A whole number as typed, or the text itself so the API names what is wrong with it. */
const count = (v: string) => (/^\d+$/.test(v.trim()) ? Number(v.trim()) : v.trim() || undefined);

/** The form as the API's discriminated draft: only the fields of the chosen product. */
function toDraft(v: Values, phoneNumbers: string[]): VoiceTrustDraft {
  const common = { businessProfileSid: v.businessProfileSid, email: v.email.trim(), phoneNumbers };
  if (v.product === 'cnam') return { product: 'cnam', ...common, displayName: v.displayName.trim() };
  if (v.product === 'voice_integrity') {
    return {
      product: 'voice_integrity',
      ...common,
      useCase: v.useCase.trim(),
      employeeCount: count(v.employeeCount),
      averageDailyCallVolume: count(v.averageDailyCallVolume),
      ...(v.notes.trim() ? { notes: v.notes.trim() } : {}),
    } as VoiceTrustDraft;
  }
  return { product: 'shaken_stir', ...common };
}

export function VoiceTrustForm({ onStarted, onBack }: { onStarted: (id: string) => void; onBack: () => void }) {
  return (
    <TrustFormPage headingId="vt-form-heading" heading="Start a voice trust registration" scope="spend" what="Starting a registration (it is billed)" onBack={onBack}>
      <StartForm onStarted={onStarted} />
    </TrustFormPage>
  );
}

function StartForm({ onStarted }: { onStarted: (id: string) => void }) {
  const profiles = useCustomerProfiles();
  const numbers = useActiveNumbers();
  const start = useStartVoiceTrust();
  const [values, setValues] = useState(initial);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const set = (k: keyof Values) => (v: string) => setValues((o) => ({ ...o, [k]: v }));
  const chosen = numbers.local.filter((n) => picked.has(n)); // in list order, so phoneNumbers.N names the Nth checked
  const err = start.error;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      onStarted((await start.mutateAsync(toDraft(values, chosen))).id);
    } catch {
      /* shown below */
    }
  };
  if (profiles.isLoading || numbers.isLoading) return <Loading label="Loading your business profiles and numbers…" />;
  return (
    <form onSubmit={submit} noValidate aria-label="Start a registration" className="stack">
      <ErrorNote error={profiles.error ?? numbers.error} title="Could not load the choices" />
      <div className="grid">
        <Field label="Product" name="product" value={values.product} onChange={set('product')} required options={Object.entries(productLabel).map(([value, label]) => ({ value, label }))} error={fieldError(err, 'product')} />
        <Field
          label="Business profile"
          name="businessProfileSid"
          value={values.businessProfileSid}
          onChange={set('businessProfileSid')}
          required
          options={(profiles.data ?? []).map((p) => ({ value: p.sid, label: `${p.businessName ?? p.friendlyName ?? p.sid} (${p.status})` }))}
          hint={profiles.data?.length ? 'A customer profile from an A2P registration.' : 'You have no business profile yet: an A2P registration makes one.'}
          error={fieldError(err, 'businessProfileSid')}
        />
        <Field label="Email" name="email" type="email" value={values.email} onChange={set('email')} required hint="Where Twilio writes about the review." error={fieldError(err, 'email')} />
        {values.product === 'cnam' ? (
          <Field label="Display name" name="displayName" value={values.displayName} onChange={set('displayName')} required hint="The caller name carriers show: up to 15 characters, a letter first; letters, digits, periods, commas and spaces." error={fieldError(err, 'displayName')} />
        ) : null}
        {values.product === 'voice_integrity' ? (
          <>
            <Field label="Use case" name="useCase" value={values.useCase} onChange={set('useCase')} required hint="What the calls are for, e.g. appointment reminders." error={fieldError(err, 'useCase')} />
            <Field label="Employees" name="employeeCount" value={values.employeeCount} onChange={set('employeeCount')} required error={fieldError(err, 'employeeCount')} />
            <Field label="Average daily calls" name="averageDailyCallVolume" value={values.averageDailyCallVolume} onChange={set('averageDailyCallVolume')} required error={fieldError(err, 'averageDailyCallVolume')} />
            <Field label="Notes" name="notes" value={values.notes} onChange={set('notes')} multiline error={fieldError(err, 'notes')} />
          </>
        ) : null}
      </div>
      <NumberPicker numbers={numbers.local} picked={picked} onChange={setPicked} error={err} />
      <FormSubmit label="Start registration" disabled={start.isPending} error={err} errorTitle="The registration was not started" />
    </form>
  );
}

/** Checkboxes for the tenant's active local numbers; the API's `phoneNumbers` / `phoneNumbers.N` errors under them. */
function NumberPicker({ numbers, picked, onChange, error }: { numbers: string[]; picked: Set<string>; onChange: (s: Set<string>) => void; error: unknown }) {
  const errorId = useId();
  const message = fieldError(error, 'phoneNumbers');
  const toggle = (n: string, on: boolean) => {
    const next = new Set(picked);
    if (on) next.add(n);
    else next.delete(n);
    onChange(next);
  };
  return (
    <fieldset aria-describedby={message ? errorId : undefined} className={message ? 'field-invalid' : undefined}>
      <legend>Numbers</legend>
      {numbers.length === 0 ? (
        <Empty>No active local numbers: buy some on the Numbers tab first (toll-free numbers are verified below, not here).</Empty>
      ) : (
        <div className="trust-numbers">
          {numbers.map((n) => (
            <Checkbox key={n} label={n} name="phoneNumbers" checked={picked.has(n)} onChange={(on) => toggle(n, on)} />
          ))}
        </div>
      )}
      {message ? (
        <p id={errorId} className="error-text">
          {message}
        </p>
      ) : null}
    </fieldset>
  );
}
