import { useState, type FormEvent } from 'react';
import { Checkbox, Empty, ErrorNote, Field, fieldError, Loading } from '../components/ui';
import { Scoped } from '../components/Scoped';
import { ConfirmButton } from '../components/ConfirmButton';
import { useKeyScopes } from '../session';
import { usePolicy, usePolicyActions, type HygienePolicy as Policy, type PolicyBody } from './queries';
import { ScheduleCard } from './ScheduleCard';

/** The quarantine, rest, rotation and release policy, and its two Schedules once there is one. */
export function HygienePolicy() {
  const policy = usePolicy();
  // Here, not in the form: "Policy saved." outlives the form's reset when the first policy is stored.
  const actions = usePolicyActions();
  if (policy.isLoading) return <Loading label="Loading the hygiene policy…" />;
  if (policy.error) return <ErrorNote error={policy.error} title="Could not read the hygiene policy" />;
  const p = policy.data ?? null;
  return (
    <>
      <section className="card" aria-labelledby="policy-heading">
        <h3 id="policy-heading">Hygiene policy</h3>
        {p ? null : (
          <Empty>No hygiene policy yet. Save one below: a health pass then scores every number on its schedule and quarantines those below the threshold.</Empty>
        )}
        <Scoped scope="admin" what="Changing the hygiene policy">
          {/* Keyed by whether one is stored, so a removed policy resets the form to the defaults. */}
          <PolicyForm key={p ? 'stored' : 'none'} policy={p} actions={actions} />
        </Scoped>
        {p ? <StoredPolicy policy={p} /> : null}
      </section>
      {p ? (
        <div className="health-pair">
          <ScheduleCard which="health_pass" schedule={p} cron={p.cron} />
          <ScheduleCard which="rotation_pass" schedule={p.rotation} cron={p.rotationCron} />
        </div>
      ) : null}
    </>
  );
}

interface PolicyForm {
  quarantineBelowScore: string;
  restDays: string;
  releaseAfterDays: string;
  rotate: boolean;
  cron: string;
  rotationCron: string;
}

const formOf = (p: Policy | null): PolicyForm => ({
  quarantineBelowScore: String(p?.quarantineBelowScore ?? 50),
  restDays: String(p?.restDays ?? 0),
  releaseAfterDays: p?.releaseAfterDays === null || p?.releaseAfterDays === undefined ? '' : String(p.releaseAfterDays),
  rotate: p?.rotate ?? false,
  cron: p?.cron ?? '0 6 * * *',
  rotationCron: p?.rotationCron ?? '0 7 * * 1',
});

/** A whole number as typed goes to the API as a number; anything else as typed, for the API to name the field. */
const whole = (v: string) => (/^\d+$/.test(v.trim()) ? Number(v) : v) as number;

const bodyOf = (f: PolicyForm): PolicyBody => ({
  quarantineBelowScore: whole(f.quarantineBelowScore),
  restDays: whole(f.restDays),
  releaseAfterDays: f.releaseAfterDays.trim() === '' ? null : whole(f.releaseAfterDays),
  rotate: f.rotate,
  cron: f.cron.trim(),
  rotationCron: f.rotationCron.trim(),
});

function PolicyForm({ policy, actions: { save, remove } }: { policy: Policy | null; actions: ReturnType<typeof usePolicyActions> }) {
  const [form, setForm] = useState(() => formOf(policy));
  const set = <K extends keyof PolicyForm>(k: K) => (v: PolicyForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const err = (field: string) => fieldError(save.error, field);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    remove.reset();
    save.mutate(bodyOf(form));
  };
  return (
    <form onSubmit={submit} noValidate className="stack" aria-label="Hygiene policy">
      <div className="grid">
        <Field label="Quarantine below score" name="quarantineBelowScore" value={form.quarantineBelowScore} onChange={set('quarantineBelowScore')} hint="0–100" error={err('quarantineBelowScore')} required />
        <Field label="Rest days" name="restDays" value={form.restDays} onChange={set('restDays')} hint="Days a quarantined number rests before a pass may restore it" error={err('restDays')} />
        <Field label="Release after days" name="releaseAfterDays" value={form.releaseAfterDays} onChange={set('releaseAfterDays')} hint="Empty: never release quarantined numbers" error={err('releaseAfterDays')} />
        <Field label="Health pass cron" name="cron" value={form.cron} onChange={set('cron')} hint="Five fields, UTC; e.g. 0 6 * * * (daily at 06:00)" error={err('cron')} required />
        <Field label="Rotation cron" name="rotationCron" value={form.rotationCron} onChange={set('rotationCron')} hint="Five fields, UTC; e.g. 0 7 * * 1 (Mondays at 07:00)" error={err('rotationCron')} required />
      </div>
      <Checkbox label="Rotate quarantined numbers (buy a replacement and move their service)" checked={form.rotate} onChange={set('rotate')} />
      <div className="actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          Save policy
        </button>
        {policy ? (
          <ConfirmButton
            label="Remove policy"
            confirmLabel="Confirm remove policy"
            busy={remove.isPending}
            onConfirm={(disarm) => {
              save.reset();
              remove.mutate(undefined, { onSettled: disarm });
            }}
          />
        ) : null}
      </div>
      {save.isSuccess ? (
        <p role="status" className="note note-good">
          Policy saved.
        </p>
      ) : null}
      {save.error && !save.error.fields?.length ? <ErrorNote error={save.error} title="Could not save the policy" /> : null}
      <ErrorNote error={remove.error} title="Could not remove the policy" />
    </form>
  );
}

/** The policy as stored, for a key that may read it but not change it (an admin key sees it in the form). */
function StoredPolicy({ policy }: { policy: Policy }) {
  const { can } = useKeyScopes();
  if (can('admin')) return null;
  return (
    <dl className="facts">
      <dt>Quarantine below score</dt>
      <dd>{policy.quarantineBelowScore}</dd>
      <dt>Rest days</dt>
      <dd>{policy.restDays}</dd>
      <dt>Release after</dt>
      <dd>{policy.releaseAfterDays === null ? 'never' : `${policy.releaseAfterDays} days`}</dd>
      <dt>Rotate</dt>
      <dd>{policy.rotate ? 'yes' : 'no'}</dd>
    </dl>
  );
}
