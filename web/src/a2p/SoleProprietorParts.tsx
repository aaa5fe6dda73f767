import { useId, type ReactNode } from 'react';
import { useNumbers } from '@twilio-pro/react';
import { Loading } from '../components/ui';
import { SOLE_PROPRIETOR, type FormValues } from './fields';

/** One labelled radio button (the console's checkbox layout), its hint tied to it. */
function Radio({ name, label, hint, checked, onChange }: { name: string; label: string; hint?: string; checked: boolean; onChange: () => void }) {
  const id = useId();
  return (
    <>
      <div className="checkbox">
        <input id={id} type="radio" name={name} checked={checked} onChange={onChange} aria-describedby={hint ? `${id}-hint` : undefined} />
        <label htmlFor={id}>{label}</label>
      </div>
      {hint ? (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      ) : null}
    </>
  );
}

/**
 * Who registers, asked first because every later step's fields follow it: a business with a tax ID (standard or
 * low-volume standard, chosen on Brand Registration) or a Sole Proprietor. Standard stays the default.
 */
export function BrandTypeChoice({ brandType, onChange }: { brandType: unknown; onChange: (brandType: string) => void }) {
  const soleProprietor = brandType === SOLE_PROPRIETOR;
  return (
    <fieldset>
      <legend>Who is registering</legend>
      <Radio
        name="registrant"
        label="A business with a tax ID"
        hint="An EIN, Canadian Business Number or another registration number (every US LLC has one): a standard or low-volume standard brand."
        checked={!soleProprietor}
        onChange={() => onChange('standard')}
      />
      <Radio
        name="registrant"
        label="Sole Proprietor"
        hint="A person in the US or Canada without a tax ID: one campaign and one number, and the owner confirms the brand by replying to a one-time password sent to their mobile."
        checked={soleProprietor}
        onChange={() => onChange(SOLE_PROPRIETOR)}
      />
    </fieldset>
  );
}

type Warning = { field: string; code: string; message: string };

/**
 * Brand Registration for a Sole Proprietor: nothing to choose, but what happens once the brand is approved, and
 * the fees (`children`: the estimate's table) once preflight has priced the draft as a Sole Proprietor's (it
 * does from the brand type on; until its first answer nothing is shown rather than a standard brand's fees).
 */
export function SoleProprietorBrand({ warnings, cost, children }: { warnings: Warning[]; cost: { lines: { item: string }[] } | null; children: ReactNode }) {
  const otp = warnings.filter((w) => w.code === 'sole_proprietor_otp');
  const priced = cost?.lines.some((l) => /Sole Proprietor/.test(l.item)) ?? false;
  return (
    <div className="stack">
      <p>
        Brand type: <strong>Sole Proprietor</strong>. No secondary vetting; the campaign has the lower Sole Proprietor monthly fee.
      </p>
      {otp.map((w) => (
        <p key={w.message} className="note note-warn">
          <strong>One-time password:</strong> {w.message}.
        </p>
      ))}
      {priced ? children : <p className="muted">Estimating the fees…</p>}
    </div>
  );
}

/** A Sole Proprietor campaign sends from one number at most: one choice, or none for now. */
export function OneNumberPicker({ values, set, problems }: { values: FormValues; set: (p: string, v: string[]) => void; problems: { message: string }[] }) {
  const numbers = useNumbers({ status: 'active', limit: 100 });
  const chosen = Array.isArray(values.phoneNumbers) ? values.phoneNumbers : [];
  return (
    <fieldset>
      <legend>Number to send from</legend>
      {numbers.isLoading ? (
        <Loading label="Loading your numbers…" />
      ) : numbers.data?.data.length ? (
        <>
          {numbers.data.data.map((n) => (
            <Radio key={n.phoneNumber} name="sole-proprietor-number" label={n.phoneNumber} checked={chosen.length === 1 && chosen[0] === n.phoneNumber} onChange={() => set('phoneNumbers', [n.phoneNumber])} />
          ))}
          <Radio name="sole-proprietor-number" label="No number for now" checked={chosen.length === 0} onChange={() => set('phoneNumbers', [])} />
        </>
      ) : (
        <p className="muted">You have no numbers yet; you can add one to the campaign later.</p>
      )}
      <p className="hint">Twilio allows one number per Sole Proprietor campaign.</p>
      {problems.map((p) => (
        <p key={p.message} className="error-text">
          {p.message}
        </p>
      ))}
    </fieldset>
  );
}
