import type { ReactNode } from 'react';
import type { Scope } from '../session';
import { Scoped } from './Scoped';

/** The button that adds to a list ("New trunk"), offered to a key with `scope`; any other is told `what` it would take. */
export interface AddAction {
  label: string;
  scope: Scope;
  what: string;
  onClick: () => void;
}

/** A list's card: its heading with the button that adds to it, then the list (usually in its `ListStates`). */
export function ListCard(p: { headingId: string; heading: string; level?: 'h2' | 'h3'; add: AddAction; children: ReactNode }) {
  const Heading = p.level ?? 'h3';
  return (
    <section className="card" aria-labelledby={p.headingId}>
      <div className="header-row">
        <Heading id={p.headingId}>{p.heading}</Heading>
        <Scoped scope={p.add.scope} what={p.add.what}>
          <button type="button" className="primary" onClick={p.add.onClick}>
            {p.add.label}
          </button>
        </Scoped>
      </div>
      {p.children}
    </section>
  );
}

/** A list row's last cell: the button that opens the row, named after `what` it opens ("Open Voice agents"). */
export const OpenCell = ({ what, onOpen }: { what: string; onOpen: () => void }) => (
  <td>
    <button type="button" aria-label={`Open ${what}`} onClick={onOpen}>
      Open
    </button>
  </td>
);
