import { useId, useState } from 'react';
import { Field, ListStates, Status, THead, LoadMore } from '../components/ui';
import { Factors, hygieneStateOf } from './Factors';
import { useHealthList, type ScoreFilter } from './queries';

type FilterKind = ScoreFilter['kind'];

/** Every live number's score and what took points away, filtered by hygiene state or score; a number opens its view. */
export function ScoresList({ onOpen }: { onOpen: (e164: string) => void }) {
  const [kind, setKind] = useState<FilterKind>('all');
  const [below, setBelow] = useState('80');
  const belowScore = Number(below);
  const validBelow = /^\d{1,3}$/.test(below) && belowScore <= 100;
  const filter: ScoreFilter = kind === 'below' ? { kind, score: validBelow ? belowScore : 100 } : { kind };
  const list = useHealthList(filter);
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <section className="card" aria-labelledby="scores-heading">
      <h3 id="scores-heading">Scores</h3>
      <div className="row">
        <FilterSelect value={kind} onChange={setKind} />
        {kind === 'below' ? (
          <Field label="Below score" name="belowScore" value={below} onChange={setBelow} hint="0–100" error={validBelow ? undefined : 'must be a whole number from 0 to 100'} />
        ) : null}
      </div>
      <ListStates
        loading={list.isLoading}
        loadingLabel="Loading the scores…"
        error={list.error}
        errorTitle="Could not list the scores"
        // A filtered page may come back empty with more to scan: then "Load more" goes on.
        empty={rows.length === 0 && !list.hasNextPage}
        emptyText={kind === 'all' ? 'No live numbers yet. Buy numbers on the Numbers tab: each one gets a health score here.' : 'No number matches this filter.'}
      >
        <table>
          <caption className="visually-hidden">Health scores of your live numbers</caption>
          <THead cols={['Number', 'Score', 'State', 'Factors']} />
          <tbody>
            {rows.map((n) => (
              <tr key={n.phoneNumber}>
                <td className="nowrap">
                  <button type="button" className="link" onClick={() => onOpen(n.phoneNumber)}>
                    {n.phoneNumber}
                  </button>
                </td>
                <td>{n.score}</td>
                <td className="nowrap">
                  <Status value={hygieneStateOf(n)} />
                </td>
                <td>
                  <Factors factors={n.factors} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ListStates>
      <LoadMore pages={list} />
    </section>
  );
}

function FilterSelect({ value, onChange }: { value: FilterKind; onChange: (v: FilterKind) => void }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Show</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as FilterKind)}>
        <option value="all">All numbers</option>
        <option value="quarantined">Quarantined</option>
        <option value="resting">Resting</option>
        <option value="below">Below a score</option>
      </select>
    </div>
  );
}
