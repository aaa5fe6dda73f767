import { formatMoney } from './money';
import type { MonthCosts } from './queries';

type Line = MonthCosts['lines'][number];
interface Category {
  name: string;
  lines: Line[];
}

/** Which category a ledger item belongs to; the order here is the order of the table. */
const categories: { name: string; has: (item: string) => boolean }[] = [
  { name: 'Numbers', has: (item) => item === 'number_monthly' },
  { name: 'A2P', has: (item) => ['brand_registration', 'secondary_vetting', 'campaign_vetting', 'campaign_monthly'].includes(item) },
  { name: 'Lookups', has: (item) => item.startsWith('lookup_') },
  { name: 'Other', has: () => true },
];

const itemNames: Record<string, string> = {
  number_monthly: 'Number, monthly rental',
  brand_registration: 'Brand registration',
  secondary_vetting: 'Secondary vetting',
  campaign_vetting: 'Campaign vetting',
  campaign_monthly: 'Campaign, monthly fee',
};
const itemName = (item: string) => itemNames[item] ?? (item.startsWith('lookup_') ? `Lookup: ${item.slice(7).replace(/_/g, ' ')}` : item.replace(/_/g, ' '));

/** The ledger's lines grouped into categories, leaving out the categories with nothing charged. */
export function byCategory(lines: Line[]): Category[] {
  const groups = categories.map((c) => ({ name: c.name, lines: [] as Line[] }));
  for (const line of lines) groups[categories.findIndex((c) => c.has(line.item))]!.lines.push(line);
  return groups.filter((g) => g.lines.length > 0);
}

const sum = (lines: Line[], of: (l: Line) => number) => Math.round(lines.reduce((a, l) => a + of(l), 0) * 100) / 100;

/** The month's ledger: a row per category with its subtotal, its items under it, and the total. */
export function LedgerByCategory({ costs }: { costs: MonthCosts }) {
  const money = (n: number) => formatMoney(n, costs.currency);
  return (
    <table className="ledger" aria-label="Ledger by category">
      <thead>
        <tr>
          <th scope="col">Item</th>
          <th scope="col" className="num">
            Count
          </th>
          <th scope="col" className="num">
            Amount
          </th>
        </tr>
      </thead>
      {byCategory(costs.lines).map((c) => (
        <tbody key={c.name}>
          <tr className="ledger-category">
            <th scope="rowgroup">{c.name}</th>
            <td className="num">{sum(c.lines, (l) => l.count)}</td>
            <td className="num">{money(sum(c.lines, (l) => l.amountUsd))}</td>
          </tr>
          {c.lines.map((l) => (
            <tr key={l.item}>
              <th scope="row" className="ledger-item">
                {itemName(l.item)} <code>{l.item}</code>
              </th>
              <td className="num">{l.count}</td>
              <td className="num">{money(l.amountUsd)}</td>
            </tr>
          ))}
        </tbody>
      ))}
      <tfoot>
        <tr>
          <th scope="row">Total</th>
          <td className="num">{sum(costs.lines, (l) => l.count)}</td>
          <td className="num">{money(costs.totalUsd)}</td>
        </tr>
      </tfoot>
    </table>
  );
}
