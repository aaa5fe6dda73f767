import { useMemo, useState, type FormEvent } from 'react';
import type { TwilioProError } from '@twilio-pro/client';
import { ErrorNote, Field, Loading, FormSubmit } from '../components/ui';
import { TrustFormPage } from './TrustPages';
import { labelFor, messageFor, NUMBER_PATH, toTollfreeDraft, type TollfreeValues } from './tollfree-fields';
import { TollfreeFields } from './TollfreeFields';
import { useActiveNumbers, useStartTollfree, useTollfreePreflight, type TollfreeDraft, type TollfreePreflight } from './queries';

export function TollfreeForm({ onStarted, onBack }: { onStarted: (id: string) => void; onBack: () => void }) {
  return (
    <TrustFormPage headingId="tf-form-heading" heading="Verify a toll-free number" scope="spend" what="Verifying a toll-free number" onBack={onBack}>
      <VerifyForm onStarted={onStarted} />
    </TrustFormPage>
  );
}

/** A preflight that could not read the draft (an incomplete one, before the API accepted those) names the fields instead. */
const validationFields = (e: TwilioProError | null) => (e && e.status === 400 ? e.fields : []);

function VerifyForm({ onStarted }: { onStarted: (id: string) => void }) {
  const numbers = useActiveNumbers();
  const start = useStartTollfree();
  const [values, setValues] = useState<TollfreeValues>({});
  // Messages show on the fields the user has touched, and on every field once Verify was pressed.
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [attempted, setAttempted] = useState(false);
  const draft = useMemo(() => toTollfreeDraft(values), [values]);
  const preflight = useTollfreePreflight(touched.size ? draft : null);
  const change = (path: string, v: string | boolean) => {
    setValues((o) => ({ ...o, [path]: v }));
    setTouched((t) => (t.has(path) ? t : new Set(t).add(path)));
  };
  const problems = preflight.result?.problems ?? [];
  const apiFields = [...validationFields(preflight.error), ...(start.error?.fields ?? [])];
  const shown = (path: string) => (attempted || touched.has(path) ? messageFor(path, problems, apiFields) : undefined);
  const onTouched = (field: string | null) => [...touched].some((t) => field === t || field?.startsWith(`${t}.`));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setAttempted(true);
    try {
      onStarted((await start.mutateAsync(draft as TollfreeDraft)).id);
    } catch {
      /* shown below */
    }
  };
  if (numbers.isLoading) return <Loading label="Loading your toll-free numbers…" />;
  return (
    <form onSubmit={submit} noValidate aria-label="Verify a toll-free number" className="stack">
      <ErrorNote error={numbers.error} title="Could not list your numbers" />
      <Field
        label="Toll-free number"
        name={NUMBER_PATH}
        value={String(values[NUMBER_PATH] ?? '')}
        onChange={(v) => change(NUMBER_PATH, v)}
        required
        options={numbers.tollFree}
        hint={numbers.tollFree.length ? undefined : 'You have no toll-free number: buy one on the Numbers tab (type toll-free) first.'}
        error={shown(NUMBER_PATH)}
      />
      <TollfreeFields values={values} onChange={change} messageFor={shown} />
      <PreflightSummary checking={preflight.isChecking} started={touched.size > 0} result={preflight.result} error={preflight.error} unshown={attempted ? 0 : problems.filter((p) => !onTouched(p.field)).length} />
      <FormSubmit label="Verify" disabled={start.isPending} error={start.error} errorTitle="The verification was not started" />
    </form>
  );
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** One line on where preflight stands, and the warnings reviewers act on (they don't stop a submission). */
function PreflightSummary(p: { checking: boolean; started: boolean; result: TollfreePreflight | null; error: TwilioProError | null; unshown: number }) {
  const { checking, started, result, error, unshown } = p;
  if (!started) return null;
  const text = checking
    ? 'Checking…'
    : error
      ? error.status === 400
        ? 'Preflight: some fields are missing or invalid (marked on them).'
        : `Preflight could not run (${error.code}).`
      : result?.ok
        ? 'Preflight: no problems.'
        : `Preflight: ${plural(result?.problems.length ?? 0, 'problem')}${unshown ? `, ${unshown} of them on fields not filled in yet` : ''}.`;
  return (
    <div className="trust-preflight">
      <p role="status">{text}</p>
      {result?.warnings.length ? (
        <>
          <p className="hint">Reviewers also look for:</p>
          <ul>
            {result.warnings.map((w, i) => (
              <li key={i}>
                {w.field ? <strong>{labelFor(w.field)}: </strong> : null}
                {w.message}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
