import { useEffect, useMemo, useState } from 'react';
import type { RegistrationDraft } from '@twilio-pro/client';
import { useNumbers, usePreflight, useRegistration, useTwilioA2PRegistration } from '@twilio-pro/react';
import { Checkbox, ErrorNote, Field, Loading, Status, when, THead } from '../components/ui';
import { fieldsFor, isSoleProprietor, problemsFor, stepOfField, toDraft, type FieldDef, type FormValues } from './fields';
import { CustomerActionCard } from './CustomerActionCard';
import { BrandTypeChoice, OneNumberPicker, SoleProprietorBrand } from './SoleProprietorParts';

/** The seed's six steps, by their names. */
const STEPS = ['Introduction', 'Business Profile', 'Verification', 'Brand Registration', 'Campaign Setup', 'Complete'] as const;
/** The fields of the steps that have some, by the brand type chosen (a Sole Proprietor's are its own). */
const stepFieldsOf = (values: FormValues): Record<number, FieldDef[]> => {
  const f = fieldsFor(values);
  return { 1: f.business, 3: f.brand, 4: f.campaign };
};
const STEP_OF_SECTION = { business: 1, brand: 3, campaign: 4 } as const;
const SAVED = 'twilio-pro.wizard';

/**
 * The A2P 10DLC wizard: preflight checks the draft as it is typed and puts each problem on its field; the
 * fees are shown before anything is submitted; the last step starts one durable registration and follows it.
 */
export function A2PRegistrationWizard({ onOpenRegistration }: { onOpenRegistration: (id: string) => void }) {
  const [step, setStep] = useState(0);
  const [values, setValues] = useState<FormValues>(() => JSON.parse(sessionStorage.getItem(SAVED) ?? 'null') ?? { 'address.isoCountry': 'US', brandType: 'standard' });
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [confirmed, setConfirmed] = useState(false);
  const [registrationId, setRegistrationId] = useState<string | null>(null);
  useEffect(() => sessionStorage.setItem(SAVED, JSON.stringify(values)), [values]);

  const draft = useMemo(() => toDraft(values) as unknown as RegistrationDraft, [values]);
  const stepFields = stepFieldsOf(values);
  const soleProprietor = isSoleProprietor(values);
  const preflight = usePreflight(step >= 1 ? draft : null, { debounceMs: 300 });
  const problemsOfStep = (s: number) => preflight.problems.filter((p) => STEP_OF_SECTION[stepOfField(p.field)] === s);

  const set = (path: string, v: string | boolean | string[]) => {
    setValues((o) => ({ ...o, [path]: v }));
    setTouched((t) => new Set(t).add(path));
  };
  const showAll = (s: number) => setTouched((t) => new Set([...t, ...(stepFields[s] ?? []).map((f) => f.path), ...(s === 4 ? ['phoneNumbers'] : [])]));
  const blocked = (s: number) => (stepFields[s] ? problemsOfStep(s).length > 0 || preflight.isChecking : s === 2 && !confirmed);
  // "Next" while preflight is still checking the last keystrokes waits for its answer instead of refusing.
  const [nextPending, setNextPending] = useState(false);
  const next = () => {
    showAll(step);
    if (stepFields[step] && preflight.isChecking) setNextPending(true);
    else if (!blocked(step)) setStep(step + 1);
  };
  useEffect(() => {
    if (!nextPending || preflight.isChecking) return;
    setNextPending(false);
    if (!blocked(step)) setStep(step + 1);
  }, [nextPending, preflight.isChecking]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <section className="card wizard" aria-labelledby="wizard-heading">
      <h2 id="wizard-heading">Register a business for US A2P 10DLC</h2>
      <nav aria-label="Registration steps">
        <ol className="stepper">
          {STEPS.map((name, i) => (
            <li key={name} aria-current={i === step ? 'step' : undefined} className={i < step ? 'done' : i === step ? 'current' : ''}>
              {i < step && !registrationId ? (
                <button type="button" className="link" onClick={() => setStep(i)}>
                  {name}
                </button>
              ) : (
                <span>{name}</span>
              )}
            </li>
          ))}
        </ol>
      </nav>
      <h3>{STEPS[step]}</h3>

      {step === 0 ? <Introduction brandType={values.brandType} onBrandType={(v) => set('brandType', v)} /> : null}
      {stepFields[step]?.length ? (
        <StepFields fields={stepFields[step]!} values={values} set={set} touched={touched} problems={preflight.problems} />
      ) : null}
      {step === 2 ? <Verification fields={stepFields[1]!} values={values} problems={problemsOfStep(1)} confirmed={confirmed} setConfirmed={setConfirmed} /> : null}
      {step === 3 && soleProprietor ? (
        <SoleProprietorBrand warnings={preflight.warnings} cost={preflight.cost}>
          <CostEstimate cost={preflight.cost} />
        </SoleProprietorBrand>
      ) : null}
      {step === 4 ? (
        <NumbersFor soleProprietor={soleProprietor} values={values} set={set} problems={touched.has('phoneNumbers') ? problemsFor(preflight.problems, 'phoneNumbers') : []} />
      ) : null}
      {(step === 3 && !soleProprietor) || step === 5 ? <CostEstimate cost={preflight.cost} /> : null}
      {step === 5 ? (
        <Complete
          draft={draft}
          problems={preflight.problems}
          isChecking={preflight.isChecking}
          registrationId={registrationId}
          onStarted={(id) => {
            setRegistrationId(id);
            sessionStorage.removeItem(SAVED);
          }}
          onOpenRegistration={onOpenRegistration}
          goTo={setStep}
        />
      ) : null}
      <ErrorNote error={preflight.error} title="Preflight could not run" />

      {stepFields[step] && touchedProblems(problemsOfStep(step), touched, stepFields[step]!).length ? (
        <div role="alert" className="note note-error">
          Fix the {problemsOfStep(step).length === 1 ? 'problem' : `${problemsOfStep(step).length} problems`} on this step to continue.
        </div>
      ) : null}
      {!registrationId ? (
        <div className="actions">
          {step > 0 ? (
            <button type="button" onClick={() => setStep(step - 1)}>
              Back
            </button>
          ) : null}
          {step < STEPS.length - 1 ? (
            <button type="button" className="primary" onClick={next} aria-busy={nextPending || undefined}>
              {step === 0 ? 'Start' : 'Next'}
            </button>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

const touchedProblems = (problems: { field: string }[], touched: Set<string>, fields: FieldDef[]) =>
  problems.filter((p) => [...touched].some((t) => p.field === t || p.field.startsWith(`${t}.`) || t.startsWith(`${p.field}.`)) || fields.every((f) => touched.has(f.path)));

function Introduction({ brandType, onBrandType }: { brandType: unknown; onBrandType: (v: string) => void }) {
  return (
    <div className="prose">
      <p>
        US carriers only deliver application-to-person SMS from 10-digit numbers that are registered with The Campaign Registry. This wizard collects
        everything the registration needs once, checks it as you type (the same checks TCR and Twilio apply), shows every fee before anything is
        submitted, and then runs the whole chain for you:
      </p>
      <ol>
        <li>a secondary customer profile in Twilio Trust Hub, reviewed by Twilio;</li>
        <li>an A2P trust product and the brand registration with TCR (a one-time brand fee);</li>
        <li>a Messaging Service and the campaign (a vetting fee and a monthly fee);</li>
        <li>your numbers added to the campaign’s Messaging Service.</li>
      </ol>
      <p>Reviews take from minutes to days. The registration keeps going without you and stops only when something needs your answer.</p>
      <BrandTypeChoice brandType={brandType} onChange={onBrandType} />
    </div>
  );
}

function StepFields({ fields, values, set, touched, problems }: { fields: FieldDef[]; values: FormValues; set: (p: string, v: string | boolean) => void; touched: Set<string>; problems: { field: string; message: string }[] }) {
  return (
    <div className="grid">
      {fields.map((f) => {
        const error = touched.has(f.path) ? problemsFor(problems, f.path).map((p) => p.message).join(' ') || undefined : undefined;
        if (f.kind === 'checkbox') return <Checkbox key={f.path} name={f.path} label={f.label} checked={values[f.path] === true} onChange={(v) => set(f.path, v)} />;
        return (
          <Field
            key={f.path}
            name={f.path}
            label={f.label}
            hint={f.hint}
            value={typeof values[f.path] === 'string' ? (values[f.path] as string) : ''}
            onChange={(v) => set(f.path, v)}
            error={error}
            required={!f.optional}
            type={f.kind === 'email' || f.kind === 'url' || f.kind === 'tel' ? f.kind : 'text'}
            multiline={f.kind === 'textarea'}
            options={f.kind === 'select' ? f.options : undefined}
          />
        );
      })}
    </div>
  );
}

function Verification({ fields, values, problems, confirmed, setConfirmed }: { fields: FieldDef[]; values: FormValues; problems: unknown[]; confirmed: boolean; setConfirmed: (v: boolean) => void }) {
  return (
    <div className="prose">
      <p>
        Twilio reviews the business profile before the brand can be registered. This is what will be submitted for verification; go back to change
        anything.
      </p>
      <dl className="facts">
        {fields.map((f) => (
          <div key={f.path} className="fact">
            <dt>{f.label}</dt>
            <dd>{String(values[f.path] ?? '—')}</dd>
          </div>
        ))}
      </dl>
      {problems.length ? (
        <p role="alert" className="note note-error">
          The business profile still has {problems.length} problem{problems.length > 1 ? 's' : ''}: go back to Business Profile.
        </p>
      ) : (
        <p className="note note-good">Preflight found nothing that would fail Twilio’s review.</p>
      )}
      <Checkbox label="I confirm this information is accurate and that I may register this business" checked={confirmed} onChange={setConfirmed} />
    </div>
  );
}

/** A Sole Proprietor's campaign takes one number; any other, many. */
function NumbersFor({ soleProprietor, ...props }: { soleProprietor: boolean; values: FormValues; set: (p: string, v: string[]) => void; problems: { message: string }[] }) {
  return soleProprietor ? <OneNumberPicker {...props} /> : <NumberPicker {...props} />;
}

function NumberPicker({ values, set, problems }: { values: FormValues; set: (p: string, v: string[]) => void; problems: { message: string }[] }) {
  const numbers = useNumbers({ status: 'active', limit: 100 });
  const chosen = Array.isArray(values.phoneNumbers) ? values.phoneNumbers : [];
  return (
    <fieldset>
      <legend>Numbers to send from</legend>
      {numbers.isLoading ? (
        <Loading label="Loading your numbers…" />
      ) : numbers.data?.data.length ? (
        numbers.data.data.map((n) => (
          <Checkbox
            key={n.phoneNumber}
            label={n.phoneNumber}
            checked={chosen.includes(n.phoneNumber)}
            onChange={(on) => set('phoneNumbers', on ? [...chosen, n.phoneNumber] : chosen.filter((x) => x !== n.phoneNumber))}
          />
        ))
      ) : (
        <p className="muted">You have no numbers yet; you can add them to the campaign later.</p>
      )}
      {problems.map((p) => (
        <p key={p.message} className="error-text">
          {p.message}
        </p>
      ))}
    </fieldset>
  );
}

function CostEstimate({ cost }: { cost: { lines: { item: string; amountUsd: number; when: string }[]; oneTimeUsd: number; monthlyUsd: number; note: string } | null }) {
  if (!cost) return <Loading label="Estimating fees…" />;
  return (
    <table className="costs">
      <caption>Cost estimate</caption>
      <THead cols={['Fee', 'When', 'USD']} />
      <tbody>
        {cost.lines.map((l) => (
          <tr key={l.item}>
            <td>{l.item}</td>
            <td>{l.when.replace(/_/g, ' ')}</td>
            <td>{l.amountUsd.toFixed(2)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row" colSpan={2}>
            One-time
          </th>
          <td>{cost.oneTimeUsd.toFixed(2)}</td>
        </tr>
        <tr>
          <th scope="row" colSpan={2}>
            Monthly
          </th>
          <td>{cost.monthlyUsd.toFixed(2)}</td>
        </tr>
      </tfoot>
    </table>
  );
}

function Complete(p: {
  draft: RegistrationDraft;
  problems: { field: string; message: string }[];
  isChecking: boolean;
  registrationId: string | null;
  onStarted: (id: string) => void;
  onOpenRegistration: (id: string) => void;
  goTo: (step: number) => void;
}) {
  const a2p = useTwilioA2PRegistration();
  const [error, setError] = useState<unknown>(null);
  if (p.registrationId) return <Following id={p.registrationId} onOpen={() => p.onOpenRegistration(p.registrationId!)} />;
  const submit = async () => {
    setError(null);
    try {
      const started = await a2p.startRegistration(p.draft);
      p.onStarted(started.id);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div className="stack">
      {p.problems.length ? (
        <div role="alert" className="note note-error">
          <p>Preflight still finds problems; nothing has been submitted:</p>
          <ul>
            {p.problems.map((x) => (
              <li key={`${x.field}-${x.message}`}>
                <button type="button" className="link" onClick={() => p.goTo(STEP_OF_SECTION[stepOfField(x.field)])}>
                  {x.field}
                </button>
                : {x.message}
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <p className="note note-good">Preflight passed. Submitting starts the registration and charges the fees above as each step is reached.</p>
      )}
      <div className="actions">
        <button type="button" className="primary" onClick={() => void submit()} disabled={p.problems.length > 0 || p.isChecking || a2p.isLoading}>
          Submit registration
        </button>
      </div>
      <ErrorNote error={error} title="The registration was not started" />
    </div>
  );
}

function Following({ id, onOpen }: { id: string; onOpen: () => void }) {
  const { registration, timeline, actionRequired, error } = useRegistration(id, { intervalMs: 1000 });
  if (error) return <ErrorNote error={error} title="Could not read the registration" />;
  if (!registration) return <Loading label="Starting the registration…" />;
  return (
    <div className="stack" aria-live="polite">
      <p>
        Registration <Status value={registration.status} /> — step <strong>{registration.step}</strong>
      </p>
      {registration.status === 'completed' ? (
        <p className="note note-good" role="status">
          Registration complete: brand {registration.sids.brand ?? ''}, campaign {registration.sids.campaign ?? ''}, Messaging Service {registration.sids.messagingService ?? ''}.
        </p>
      ) : null}
      <CustomerActionCard id={id} headingLevel={4} />
      {actionRequired ? (
        <div role="alert" className="note note-warn">
          <p>{actionRequired.hint}</p>
          <button type="button" onClick={onOpen}>
            Fix it
          </button>
        </div>
      ) : null}
      <h4>Timeline</h4>
      <ol className="timeline">
        {timeline.map((e, i) => (
          <li key={i}>
            <time dateTime={e.at}>{when(e.at)}</time> {e.message}
          </li>
        ))}
      </ol>
    </div>
  );
}
