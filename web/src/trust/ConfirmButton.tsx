import { useState } from 'react';

/** A destructive action asked twice: the first click arms it, the second ("Confirm …") does it. */
export function ConfirmButton({ label, confirmLabel, onConfirm, disabled }: { label: string; confirmLabel: string; onConfirm: () => void; disabled?: boolean }) {
  const [armed, setArmed] = useState(false);
  return (
    <div className="actions">
      {armed ? (
        <>
          <button type="button" className="danger" onClick={onConfirm} disabled={disabled}>
            {confirmLabel}
          </button>
          <button type="button" onClick={() => setArmed(false)}>
            Keep it
          </button>
        </>
      ) : (
        <button type="button" onClick={() => setArmed(true)}>
          {label}
        </button>
      )}
    </div>
  );
}
