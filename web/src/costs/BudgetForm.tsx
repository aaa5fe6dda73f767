import { useState, type FormEvent } from 'react';
import { ConfirmButton } from '../components/ConfirmButton';
import { ErrorNote, Field, fieldError } from '../components/ui';
import { formatMoney } from './money';
import { useSetBudget } from './queries';

/**
 * The amount as typed, for the API: a number of dollars, or a message when it is not one. Kept as text so
 * what the API must judge (cents, range) reaches it and its message lands on the field.
 */
export function parseBudget(text: string): number | string {
  const t = text.trim().replace(/^\$/, '').replace(/,/g, '');
  if (!t) return 'Enter an amount in US dollars, for example 250 or 99.50.';
  const n = Number(t);
  return Number.isFinite(n) ? n : 'Enter an amount in US dollars, for example 250 or 99.50.';
}

/** Sets or removes the tenant's monthly budget (admin keys only; the tab wraps it in <Scoped>). */
export function BudgetForm({ budgetUsd, currency }: { budgetUsd: number | null; currency: string }) {
  const [text, setText] = useState(budgetUsd === null ? '' : String(budgetUsd));
  const [localError, setLocalError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const save = useSetBudget();

  const send = (monthlyUsd: number | null) => {
    setDone(null);
    save.mutate(monthlyUsd, {
      onSuccess: (costs) => {
        setText(costs.budgetUsd === null ? '' : String(costs.budgetUsd));
        setDone(costs.budgetUsd === null ? 'Budget removed.' : `Budget saved: ${formatMoney(costs.budgetUsd, currency)} a month.`);
      },
    });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const amount = parseBudget(text);
    setLocalError(typeof amount === 'string' ? amount : null);
    if (typeof amount === 'number') send(amount);
  };
  const apiFieldError = fieldError(save.error, 'monthlyUsd');

  return (
    <form onSubmit={submit} noValidate aria-label="Budget" className="stack budget-form">
      <Field
        label="Monthly budget (USD)"
        name="monthlyUsd"
        value={text}
        onChange={(v) => {
          setText(v);
          setLocalError(null);
        }}
        hint="Work that would take this month’s costs over it is refused before anything is bought."
        error={localError ?? apiFieldError}
        placeholder="250.00"
        autoComplete="off"
      />
      <div className="actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          Save budget
        </button>
        {/* Keyed by the last send, so any send (a save or the removal) puts it back to "Remove budget". */}
        {budgetUsd === null ? null : <ConfirmButton key={save.submittedAt} label="Remove budget" confirmLabel="Confirm remove budget" busy={save.isPending} onConfirm={() => send(null)} />}
      </div>
      {done && !save.error ? (
        <p role="status" className="note note-good">
          {done}
        </p>
      ) : null}
      {save.error && !apiFieldError ? <ErrorNote error={save.error} title="Could not save the budget" /> : null}
    </form>
  );
}
