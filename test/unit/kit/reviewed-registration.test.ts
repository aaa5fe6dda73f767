import { ActivityFailure, ApplicationFailure, CancelledFailure, RetryState, TimeoutFailure, TimeoutType } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  cleanUpReason,
  cleanUpRefusedMessage,
  CorrectionsInUpdate,
  DEFAULT_CORRECTIONS_DEADLINE_MS,
  isOverdue,
  nextPollInterval,
  refusedMessage,
  RegistrationAbandoned,
  RegistrationCancelled,
  RegistrationLifecycle,
  spelledDuration,
  WakeUps,
  whyStopped,
} from '../../../workflows/kit/reviewed-registration';

const MINUTE = 60_000;
const activityFailed = (activityType: string, cause: Error) => new ActivityFailure('Activity task failed', activityType, '1', RetryState.NON_RETRYABLE_FAILURE, undefined, cause);
const twilioRefusal = (code: number, message: string) => ApplicationFailure.create({ message, type: 'TwilioError', nonRetryable: true, details: [{ code, status: 400, message }] });

describe('the review’s clock', () => {
  it('polls at doubling intervals up to the cap, then at the cap', () => {
    const waits = [MINUTE];
    while (waits.length < 9) waits.push(nextPollInterval(waits.at(-1)!, 60 * MINUTE));
    expect(waits.map((w) => w / MINUTE)).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60]);
  });

  it('flags a review overdue only once more than its deadline has passed since the wait began', () => {
    expect(isOverdue(1_000, 1_000 + 5 * MINUTE, 5 * MINUTE)).toBe(false);
    expect(isOverdue(1_000, 1_001 + 5 * MINUTE, 5 * MINUTE)).toBe(true);
  });

  it('spells a deadline in days when whole, in hours otherwise', () => {
    expect(spelledDuration(DEFAULT_CORRECTIONS_DEADLINE_MS)).toBe('30 days');
    expect(spelledDuration(36 * 60 * MINUTE)).toBe('36 hours');
    expect(spelledDuration(90 * MINUTE)).toBe('2 hours');
  });
});

describe('the words of an end', () => {
  it('names Twilio’s code when Twilio answered, and what to start anew', () => {
    expect(refusedMessage('the trust product step', { code: 21649, message: 'invalid end user' }, 'registration')).toBe(
      'the trust product step was refused (Twilio 21649): invalid end user; start a new registration once the cause is fixed',
    );
    expect(refusedMessage('tollfreeSubmit', { code: null, message: 'timed out' }, 'verification')).toBe('tollfreeSubmit was refused: timed out; start a new verification once the cause is fixed');
    expect(cleanUpRefusedMessage('withdrawal', { message: 'not found' })).toBe('the withdrawal at Twilio was refused: not found');
  });
});

describe('why a registration stopped', () => {
  it('tells our cancel from Temporal’s', () => {
    expect(whyStopped(new RegistrationCancelled())).toEqual({ kind: 'cancelled', throughTemporal: false });
    expect(whyStopped(new CancelledFailure('cancelled'))).toEqual({ kind: 'cancelled', throughTemporal: true });
    expect(whyStopped(activityFailed('voiceTrustSubmit', new CancelledFailure('cancelled')))).toEqual({ kind: 'cancelled', throughTemporal: true });
  });

  it('carries Twilio’s code and message from a refused step, and an activity’s timeout without a code', () => {
    expect(whyStopped(activityFailed('voiceTrustSubmit', twilioRefusal(21649, 'invalid end user')))).toEqual({
      kind: 'refused',
      refusal: { activity: 'voiceTrustSubmit', code: 21649, message: 'invalid end user' },
    });
    const timedOut = whyStopped(activityFailed('tollfreeSubmit', new TimeoutFailure('timed out', undefined, TimeoutType.START_TO_CLOSE)));
    expect(timedOut).toEqual({ kind: 'refused', refusal: { activity: 'tollfreeSubmit', code: null, message: 'timed out' } });
  });

  it('keeps what an abandonment carries, and leaves a bug of the workflow’s own code to be rethrown', () => {
    const abandoned = new RegistrationAbandoned(['rejected'], DEFAULT_CORRECTIONS_DEADLINE_MS);
    expect(whyStopped<string[]>(abandoned)).toEqual({ kind: 'abandoned', abandoned });
    expect(whyStopped(new TypeError('x is undefined'))).toBeNull();
  });

  it('tells the clean-up activity a refused step as failed', () => {
    expect(cleanUpReason({ kind: 'refused', refusal: { activity: 'a', code: null, message: 'm' } })).toBe('failed');
    expect(cleanUpReason({ kind: 'cancelled', throughTemporal: false })).toBe('cancelled');
    expect(cleanUpReason({ kind: 'abandoned', abandoned: new RegistrationAbandoned(null, 1) })).toBe('abandoned');
  });
});

describe('corrections applied inside their Update', () => {
  const parked = () => {
    const lifecycle = new RegistrationLifecycle();
    const corrections = new CorrectionsInUpdate(lifecycle, { verb: 'correct', noun: 'registration', busy: 'taking corrections already' });
    corrections.reopen();
    return { lifecycle, corrections };
  };

  it('takes corrections again after Twilio refused the last ones (the flag is reset, the refusal rethrown)', async () => {
    const { corrections } = parked();
    const refused: unknown[] = [];
    const refusal = activityFailed('voiceTrustApplyCorrections', twilioRefusal(21649, 'invalid'));
    await expect(corrections.apply(() => Promise.reject(refusal), () => Promise.resolve(), (err) => refused.push(err))).rejects.toBe(refusal);
    expect(refused).toEqual([refusal]);
    expect(corrections.applying).toBe(false);
    expect(corrections.landed).toBe(false);
    expect(() => corrections.refuseUnlessOpen('action_required')).not.toThrow();
  });

  it('lands once sent and recorded, and refuses more while applying', async () => {
    const { corrections } = parked();
    const steps: string[] = [];
    let sent!: () => void;
    const applying = corrections.apply(
      () => new Promise<void>((resolve) => (sent = () => (steps.push('sent'), resolve()))),
      async () => void steps.push('recorded'),
    );
    expect(() => corrections.refuseUnlessOpen('action_required')).toThrow('nothing to correct: the registration is taking corrections already');
    sent();
    await applying;
    expect(steps).toEqual(['sent', 'recorded']);
    expect(corrections.landed).toBe(true);
    expect(corrections.landedOrCancelled()).toBe(true);
  });

  it('refuses corrections when not parked, then the product’s own check, then when ending', () => {
    const { lifecycle, corrections } = parked();
    expect(() => corrections.refuseUnlessOpen('in_review')).toThrow('nothing to correct: the registration is in_review');
    expect(() => corrections.refuseUnlessOpen('action_required', () => { throw new Error('window closed'); })).toThrow('window closed');
    lifecycle.cancel();
    expect(corrections.landedOrCancelled()).toBe(true);
    expect(() => corrections.refuseUnlessOpen('action_required')).toThrow('nothing to correct: the registration is ending');
    expect(() => lifecycle.checkpoint()).toThrow(RegistrationCancelled);
  });
});

it('wakes the wait of the resource a status callback named, once', () => {
  const wakeUps = new WakeUps();
  const brand = wakeUps.of('BN1');
  wakeUps.add('BN2');
  expect(brand.pending()).toBe(false);
  wakeUps.add('BN1');
  wakeUps.add('BN1');
  expect(brand.pending()).toBe(true);
  brand.take();
  expect(brand.pending()).toBe(false);
  expect(wakeUps.of('BN2').pending()).toBe(true);
});
