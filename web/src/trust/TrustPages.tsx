import type { ReactNode } from 'react';
import { ConfirmButton } from '../components/ConfirmButton';
import { Scoped } from '../components/Scoped';
import type { Scope } from '../session';
import { ErrorNote, Loading } from '../components/ui';
import { isFinished } from './queries';

interface Read<T> {
  data: T | undefined;
  isLoading: boolean;
  error: unknown;
}
interface Cancel {
  mutate: () => void;
  isPending: boolean;
  error: unknown;
}

const BackToTrust = ({ onBack }: { onBack: () => void }) => (
  <button type="button" onClick={onBack} className="link">
    ← Trust
  </button>
);

/** The page that starts a registration or a verification: back to the tab, its heading, and its form for a key with `scope`. */
export function TrustFormPage(p: { headingId: string; heading: string; scope: Scope; what: string; onBack: () => void; children: ReactNode }) {
  return (
    <section className="card stack" aria-labelledby={p.headingId}>
      <BackToTrust onBack={p.onBack} />
      <h3 id={p.headingId}>{p.heading}</h3>
      <Scoped scope={p.scope} what={p.what}>
        {p.children}
      </Scoped>
    </section>
  );
}

/**
 * The page of a voice trust registration or a toll-free verification: back to the tab, its loading and error states,
 * its sections, and "Cancel …" (asked twice) until it has finished.
 */
export function TrustDetailsPage<T extends { status: string }>(p: { noun: 'registration' | 'verification'; read: Read<T>; cancel: Cancel; onBack: () => void; children: (item: T) => ReactNode }) {
  const item = p.read.data;
  return (
    <div className="stack">
      <BackToTrust onBack={p.onBack} />
      {p.read.isLoading ? <Loading label={`Loading the ${p.noun}…`} /> : null}
      <ErrorNote error={p.read.error} title={`Could not read the ${p.noun}`} />
      {item ? (
        <>
          {p.children(item)}
          {isFinished(item.status) ? null : (
            <Scoped scope="write" what={`Cancelling a ${p.noun}`}>
              <div className="actions">
                <ConfirmButton label={`Cancel ${p.noun}`} confirmLabel="Confirm cancel" cancelLabel="Keep it" onConfirm={() => p.cancel.mutate()} busy={p.cancel.isPending} />
              </div>
            </Scoped>
          )}
          <ErrorNote error={p.cancel.error} title="Could not cancel" />
        </>
      ) : null}
    </div>
  );
}
