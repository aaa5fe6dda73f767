import { useId, type ReactNode } from 'react';
import type { TwilioProError } from '@twilio-pro/client';

/** An API error as the user should see it: the message, the API's code, Twilio's code (linked) and the request id. */
export function ErrorNote({ error, title = 'Something went wrong' }: { error: unknown; title?: string }) {
  if (!error) return null;
  const e = error as Partial<TwilioProError> & Error;
  return (
    <div role="alert" className="note note-error">
      <strong>{title}</strong>
      <p>{e.message}</p>
      <p className="meta">
        {e.code ? <>code <code>{e.code}</code></> : null}
        {e.twilio?.code ? (
          <>
            {' · '}Twilio error{' '}
            {e.twilio.moreInfo ? (
              <a href={e.twilio.moreInfo} target="_blank" rel="noreferrer">
                {e.twilio.code}
              </a>
            ) : (
              <code>{e.twilio.code}</code>
            )}
          </>
        ) : null}
        {e.requestId ? <> · request <code>{e.requestId}</code></> : null}
      </p>
      {e.fields?.length ? (
        <ul>
          {e.fields.map((f) => (
            <li key={f.field}>
              <code>{f.field}</code>: {f.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export const Loading = ({ label = 'Loading…' }: { label?: string }) => (
  <p role="status" className="muted">
    {label}
  </p>
);

export const Empty = ({ children }: { children: ReactNode }) => <p className="empty">{children}</p>;

export function ProgressBar({ label, percent, text }: { label: string; percent: number; text: string }) {
  return (
    <div className="progress-wrap">
      <div role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-valuetext={text} className="progress">
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <span className="progress-text">{text}</span>
    </div>
  );
}

const tone: Record<string, string> = {
  active: 'good', succeeded: 'good', completed: 'good', approved: 'good', done: 'good',
  failed: 'bad', rolled_back: 'bad', action_required: 'warn', needs_attention: 'warn', partial: 'warn', cancelled: 'muted', released: 'muted', transferred: 'muted', deleted: 'muted',
  ok: 'good', quarantined: 'bad', resting: 'warn', paused: 'muted',
};
export const Status = ({ value }: { value: string }) => <span className={`badge badge-${tone[value] ?? 'info'}`}>{value.replace(/_/g, ' ')}</span>;

export interface FieldProps {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  onBlur?: () => void;
  error?: string | undefined;
  hint?: string;
  type?: 'text' | 'email' | 'url' | 'tel' | 'number' | 'password';
  multiline?: boolean;
  options?: readonly (string | { value: string; label: string })[];
  required?: boolean;
  placeholder?: string;
  autoComplete?: string;
}

/** A labelled input whose error (the API's or preflight's) is announced and tied to it. */
export function Field(p: FieldProps) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [p.hint ? hintId : null, p.error ? errorId : null].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: p.name,
    value: p.value,
    'aria-invalid': p.error ? true : undefined,
    'aria-describedby': describedBy,
    required: p.required,
    onBlur: p.onBlur,
  };
  return (
    <div className={`field${p.error ? ' field-invalid' : ''}`}>
      {/* The asterisk stays outside the label: the field's accessible name is exactly its label, and `required` says the rest. */}
      <span className="label-row">
        <label htmlFor={id}>{p.label}</label>
        {p.required ? <span aria-hidden="true"> *</span> : null}
      </span>
      {p.options ? (
        <select {...common} onChange={(e) => p.onChange(e.target.value)}>
          <option value="">Choose…</option>
          {p.options.map((o) => {
            const opt = typeof o === 'string' ? { value: o, label: o } : o;
            return (
              <option key={opt.value} value={opt.value}>
                {opt.label}
              </option>
            );
          })}
        </select>
      ) : p.multiline ? (
        <textarea {...common} rows={3} placeholder={p.placeholder} onChange={(e) => p.onChange(e.target.value)} />
      ) : (
        <input {...common} type={p.type ?? 'text'} placeholder={p.placeholder} autoComplete={p.autoComplete} onChange={(e) => p.onChange(e.target.value)} />
      )}
      {p.hint ? (
        <p id={hintId} className="hint">
          {p.hint}
        </p>
      ) : null}
      {p.error ? (
        <p id={errorId} className="error-text">
          {p.error}
        </p>
      ) : null}
    </div>
  );
}

export function Checkbox({ label, checked, onChange, name }: { label: string; checked: boolean; onChange: (v: boolean) => void; name?: string }) {
  const id = useId();
  return (
    <div className="checkbox">
      <input id={id} name={name} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <label htmlFor={id}>{label}</label>
    </div>
  );
}

/** The message the API gave for one field, from a TwilioProError. */
export const fieldError = (error: unknown, field: string): string | undefined =>
  (error as TwilioProError | null)?.fields?.find((f) => f.field === field || f.field.startsWith(`${field}.`))?.message;

export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');

/** A table's column headers; `{ hidden }` names a column for screen readers only (an actions column). */
export const THead = ({ cols }: { cols: (string | { hidden: string })[] }) => (
  <thead>
    <tr>
      {cols.map((c) =>
        typeof c === 'string' ? (
          <th key={c} scope="col">
            {c}
          </th>
        ) : (
          <th key={c.hidden} scope="col">
            <span className="visually-hidden">{c.hidden}</span>
          </th>
        ),
      )}
    </tr>
  </thead>
);

/** A list's three other states, in the order they matter: loading, failed, empty; else the list itself. */
export function ListStates(p: { loading: boolean; loadingLabel: string; error: unknown; errorTitle: string; empty: boolean; emptyText: string; children: ReactNode }) {
  if (p.loading) return <Loading label={p.loadingLabel} />;
  if (p.error) return <ErrorNote error={p.error} title={p.errorTitle} />;
  if (p.empty) return <Empty>{p.emptyText}</Empty>;
  return <>{p.children}</>;
}

/** What `LoadMore` needs of an infinite query. */
export interface Pages {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => Promise<unknown>;
}

/** The next page of a paged list, offered while there is one. */
export function LoadMore({ pages, label = 'Load more' }: { pages: Pages; label?: string }) {
  if (!pages.hasNextPage) return null;
  return (
    <button type="button" onClick={() => void pages.fetchNextPage()} disabled={pages.isFetchingNextPage}>
      {label}
    </button>
  );
}

/** A form's submit button (`disabled` while it is sent, or while the form can't be) and, under it, why the last submission failed. */
export function FormSubmit({ label, disabled, error, errorTitle }: { label: string; disabled: boolean; error: unknown; errorTitle: string }) {
  return (
    <>
      <div className="actions">
        <button type="submit" className="primary" disabled={disabled}>
          {label}
        </button>
      </div>
      <ErrorNote error={error} title={errorTitle} />
    </>
  );
}
