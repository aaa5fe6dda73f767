import { useId } from 'react';
import type { TabRoute } from '../components/tab-route';
import { Empty, ErrorNote, Loading } from '../components/ui';
import { Scoped } from '../components/Scoped';
import { BudgetForm } from './BudgetForm';
import { BudgetSummary } from './BudgetSummary';
import { CostsByDay } from './CostsByDay';
import { LedgerByCategory } from './LedgerByCategory';
import { isMonth, monthName, previousMonth } from './money';
import { thisMonth, useMonthCosts, type MonthCosts } from './queries';
import './costs.css';

/** The Costs tab (#costs, #costs/<YYYY-MM>): a month's ledger by category, its charges per day, the budget. */
export function CostsTab({ path, go }: TabRoute) {
  const current = thisMonth();
  const month = isMonth(path[0]) ? path[0] : current;
  const costs = useMonthCosts(month);
  return (
    <div className="stack">
      <div className="header-row">
        <h2>Costs</h2>
        <MonthPicker month={month} onPick={(m) => go(m === current ? undefined : m)} />
      </div>
      {costs.isLoading ? <Loading label="Loading costs…" /> : null}
      <ErrorNote error={costs.error} title="Could not load the costs" />
      {costs.data ? <MonthView costs={costs.data} month={month} current={month === current} /> : null}
    </div>
  );
}

/** This month and the eleven before it (and the month in the URL, if it is older). */
function MonthPicker({ month, onPick }: { month: string; onPick: (month: string) => void }) {
  const id = useId();
  const months = [thisMonth()];
  while (months.length < 12) months.push(previousMonth(months[months.length - 1]!));
  if (!months.includes(month)) months.push(month);
  return (
    <div className="field month-picker">
      <label htmlFor={id}>Month</label>
      <select id={id} name="month" value={month} onChange={(e) => onPick(e.target.value)}>
        {months.map((m) => (
          <option key={m} value={m}>
            {monthName(m)}
          </option>
        ))}
      </select>
    </div>
  );
}

function MonthView({ costs, month, current }: { costs: MonthCosts; month: string; current: boolean }) {
  const nothing = costs.lines.length === 0;
  return (
    <>
      <section className="card" aria-labelledby="costs-summary-heading">
        <h3 id="costs-summary-heading">Summary, {monthName(month)}</h3>
        <BudgetSummary costs={costs} current={current} />
      </section>
      <section className="card" aria-labelledby="costs-ledger-heading">
        <h3 id="costs-ledger-heading">Ledger by category</h3>
        {nothing ? (
          <Empty>{current ? 'Nothing charged this month. Numbers, A2P fees and lookups appear here as Twilio accepts them.' : `Nothing was charged in ${monthName(month)}.`}</Empty>
        ) : (
          <LedgerByCategory costs={costs} />
        )}
      </section>
      {nothing ? null : (
        <section className="card" aria-labelledby="costs-days-heading">
          <h3 id="costs-days-heading">Charges by day</h3>
          <CostsByDay month={month} days={costs.days} currency={costs.currency} />
        </section>
      )}
      <section className="card" aria-labelledby="costs-budget-heading">
        <h3 id="costs-budget-heading">Monthly budget</h3>
        <Scoped scope="admin" what="Setting the budget">
          <BudgetForm budgetUsd={costs.budgetUsd} currency={costs.currency} />
        </Scoped>
      </section>
    </>
  );
}
