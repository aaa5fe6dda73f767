import { ApplicationFailure } from '@temporalio/common';

/**
 * The row an activity works on is not in PostgreSQL (never recorded, or deleted): no retry can bring it
 * back, so it fails at once — non-retryable, and named in every proxy's nonRetryableErrorTypes — instead
 * of being retried every 30 seconds forever. Workflows see a definitive refusal with this message.
 */
export class RowMissing extends ApplicationFailure {
  constructor(message: string) {
    super(message, 'RowMissing', true);
  }
}
