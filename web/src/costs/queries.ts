import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TwilioProClient, TwilioProError } from '@twilio-pro/client';
import { queryKeys, useTwilioProClient } from '@twilio-pro/react';

/** A month's costs: its ledger by item, its charges by UTC day, the budget. */
export type MonthCosts = Awaited<ReturnType<TwilioProClient['costs']['get']>>;
/** One day's charges (UTC, only days with charges). */
export type CostDay = MonthCosts['days'][number];

/** The month the API means by "this month": months are UTC. */
export const thisMonth = () => new Date().toISOString().slice(0, 7);

/** Everything this tab caches sits under one key, so a budget change refreshes every month shown (and the A2P tab's). */
const costsKey = [...queryKeys.all, 'costs'] as const;

export function useMonthCosts(month: string) {
  const client = useTwilioProClient();
  return useQuery({
    queryKey: [...costsKey, month],
    queryFn: ({ signal }): Promise<MonthCosts> => client.costs.get({ month }, { signal }),
  });
}

/** PUT /v1/costs/budget: a number of dollars, or null to remove the budget. */
export function useSetBudget() {
  const client = useTwilioProClient();
  const qc = useQueryClient();
  return useMutation<MonthCosts, TwilioProError, number | null>({
    mutationFn: (monthlyUsd) => client.costs.setBudget(monthlyUsd),
    onSuccess: () => qc.invalidateQueries({ queryKey: costsKey }),
  });
}
