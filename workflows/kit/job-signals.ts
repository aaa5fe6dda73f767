import { defineSignal } from '@temporalio/workflow';

/** Stop a bulk job gracefully: no new Twilio calls are started, in-flight ones finish and are recorded. */
export const cancelJobSignal = defineSignal('cancelJob');
