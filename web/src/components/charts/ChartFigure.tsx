import { lazy, Suspense } from 'react';
import { Loading } from '../ui';

export interface ChartPoint {
  /** The category on the x axis: a day, a score range. */
  label: string;
  value: number;
}

const BarChart = lazy(() => import('./BarChart'));

/**
 * A chart people can also read: a figure named by its caption, the bars, and the same figures as a table
 * (under "Show the data") for screen readers, copying and anyone who prefers numbers to bars.
 */
export function ChartFigure(p: {
  caption: string;
  data: ChartPoint[];
  categoryLabel: string;
  valueLabel: string;
  format?: (value: number) => string;
  /** A vertical marker at one category, e.g. the quarantine threshold. */
  reference?: { at: string; label: string };
}) {
  const format = p.format ?? ((v: number) => String(v));
  return (
    <figure className="chart">
      <figcaption>{p.caption}</figcaption>
      <Suspense fallback={<Loading label="Loading the chart…" />}>
        <BarChart data={p.data} title={p.caption} valueLabel={p.valueLabel} format={format} {...(p.reference ? { reference: p.reference } : {})} />
      </Suspense>
      <details className="chart-data">
        <summary>Show the data</summary>
        <table>
          <caption className="visually-hidden">{p.caption}</caption>
          <thead>
            <tr>
              <th scope="col">{p.categoryLabel}</th>
              <th scope="col">{p.valueLabel}</th>
            </tr>
          </thead>
          <tbody>
            {p.data.map((d) => (
              <tr key={d.label}>
                <th scope="row">{d.label}</th>
                <td>{format(d.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
