import { Context } from '@temporalio/activity';

/** This activity execution's attempt number (1 outside an activity, e.g. in unit tests). */
export function activityAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}
