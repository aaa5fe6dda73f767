import { useRegistration } from '@twilio-pro/react';
import { ErrorNote, when } from '../components/ui';
import { Scoped } from '../components/Scoped';
import { TimeLeft } from '../components/TimeLeft';

/**
 * While a registration is waiting_for_customer: what the customer must do (a Sole Proprietor's reply to the
 * one-time password, a public company's Authentication+ e-mail), until when, and a way to send it again.
 * Shown on the registration's page and under the wizard that started it; nothing when no customer step waits.
 */
export function CustomerActionCard({ id, headingLevel = 3 }: { id: string; headingLevel?: 3 | 4 }) {
  const { customerAction, resendVerification, resendError, isResending } = useRegistration(id, { intervalMs: 1500 });
  if (!customerAction) return null;
  const Heading = headingLevel === 3 ? 'h3' : 'h4';
  const otp = customerAction.kind === 'sole_proprietor_otp';
  return (
    <section className="card" aria-labelledby="customer-heading">
      <Heading id="customer-heading">{otp ? 'Waiting for the owner’s one-time password' : 'Waiting for Authentication+'}</Heading>
      <p>{customerAction.instructions}</p>
      {customerAction.state !== 'pending' ? (
        <p role="alert" className="note note-warn">
          {customerAction.state === 'expired' ? 'It lapsed' : 'Twilio refused it'}
          {customerAction.code ? ` (Twilio ${customerAction.code})` : ''}: {customerAction.message ?? 'send it again'}
        </p>
      ) : null}
      <dl className="facts">
        {customerAction.expiresAt ? (
          <>
            <dt>Valid until</dt>
            <dd>
              {when(customerAction.expiresAt)} (<TimeLeft until={customerAction.expiresAt} />)
            </dd>
          </>
        ) : null}
        <dt>Deadline</dt>
        <dd>
          {when(customerAction.deadline)} (<TimeLeft until={customerAction.deadline} />)
        </dd>
        <dt>Sent again</dt>
        <dd>{customerAction.resends} times</dd>
      </dl>
      <Scoped scope="write" what="Sending it again">
        <button type="button" onClick={() => void resendVerification().catch(() => {})} disabled={isResending}>
          {otp ? 'Resend the one-time password' : 'Resend the Authentication+ e-mail'}
        </button>
      </Scoped>
      <ErrorNote error={resendError} title="Not sent again" />
    </section>
  );
}
