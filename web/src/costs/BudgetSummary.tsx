import { ProgressBar } from '../components/ui';
import { formatMoney } from './money';
import type { MonthCosts } from './queries';

/** Share of the budget spent, 0–100 for the bar (a zero budget is all spent once anything is charged). */
const percentUsed = (total: number, budget: number) => (budget > 0 ? Math.min(100, Math.round((total / budget) * 100)) : total > 0 ? 100 : 0);

/** The month's total against the budget: figures, a bar, and a plain warning once it is over. */
export function BudgetSummary({ costs, current }: { costs: MonthCosts; current: boolean }) {
  const money = (n: number) => formatMoney(n, costs.currency);
  const { totalUsd, budgetUsd, remainingUsd } = costs;
  const over = remainingUsd !== null && remainingUsd < 0;
  return (
    <>
      <dl className="facts">
        <div className="fact">
          <dt>Total charged</dt>
          <dd>{money(totalUsd)}</dd>
        </div>
        <div className="fact">
          <dt>Budget</dt>
          <dd>{budgetUsd === null ? 'No budget set' : `${money(budgetUsd)} a month`}</dd>
        </div>
        <div className="fact">
          <dt>Remaining</dt>
          <dd>{remainingUsd === null ? '—' : over ? <strong className="over-budget">Over by {money(-remainingUsd)}</strong> : money(remainingUsd)}</dd>
        </div>
      </dl>
      {budgetUsd === null ? null : (
        <div className={over ? 'budget-meter budget-meter-over' : 'budget-meter'}>
          <ProgressBar label="Budget used" percent={percentUsed(totalUsd, budgetUsd)} text={`${money(totalUsd)} of ${money(budgetUsd)} used`} />
        </div>
      )}
      {over ? (
        <p className="note note-error">
          <strong>Over budget.</strong>{' '}
          {current ? 'New purchases and registrations are refused until the budget is raised or next month begins.' : 'This month’s charges went past the monthly budget.'}
        </p>
      ) : null}
    </>
  );
}
