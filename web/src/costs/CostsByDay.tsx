import { ChartFigure, type ChartPoint } from '../components/charts/ChartFigure';
import { formatMoney, monthName } from './money';
import { thisMonth, type CostDay } from './queries';

const dayLabel = (date: Date) => date.toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

/**
 * Every day of the month up to today (the whole month once it is over), charged or not: the API lists only
 * days with charges, and a chart that skipped the quiet days would draw busy days side by side.
 */
export function dailyPoints(month: string, days: CostDay[]): ChartPoint[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const last = month === thisMonth() ? new Date().getUTCDate() : daysInMonth;
  const charged = new Map(days.map((d) => [d.day, d.amountUsd]));
  return Array.from({ length: last }, (_, i) => {
    const date = new Date(Date.UTC(y, m - 1, i + 1));
    return { label: dayLabel(date), value: charged.get(date.toISOString().slice(0, 10)) ?? 0 };
  });
}

/** The month's charges per day as a bar chart, with the same figures as a table. */
export function CostsByDay({ month, days, currency }: { month: string; days: CostDay[]; currency: string }) {
  return (
    <ChartFigure
      caption={`Charges per day, ${monthName(month)}`}
      data={dailyPoints(month, days)}
      categoryLabel="Day"
      valueLabel="Charged"
      format={(v) => formatMoney(v, currency)}
    />
  );
}
