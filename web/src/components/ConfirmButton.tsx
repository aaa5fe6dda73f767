import { useState } from 'react';

export interface ConfirmButtonProps {
  /** The first button's text ("Delete trunk"); `ariaLabel` names it when the text alone is ambiguous (a row's "Revoke"). */
  label: string;
  ariaLabel?: string;
  /** The second button's text ("Confirm delete"), and its accessible name when different. */
  confirmLabel: string;
  confirmAriaLabel?: string;
  /** A third button, shown while armed, that puts the first one back without acting ("Keep it"). */
  cancelLabel?: string;
  /** The action is under way: the confirm button is disabled. */
  busy?: boolean;
  /** Called on the second click; `disarm` shows the first button again (at once, or once the action has settled). */
  onConfirm: (disarm: () => void) => void;
}

/**
 * A destructive action asked twice: the first click arms it, the second ("Confirm …") does it. It stays armed after
 * the second click unless `onConfirm` disarms it (the thing it removes usually goes away with it).
 */
export function ConfirmButton(p: ConfirmButtonProps) {
  const [armed, setArmed] = useState(false);
  const disarm = () => setArmed(false);
  if (!armed)
    return (
      <button type="button" aria-label={p.ariaLabel} onClick={() => setArmed(true)}>
        {p.label}
      </button>
    );
  return (
    <>
      <button type="button" className="danger" aria-label={p.confirmAriaLabel} disabled={p.busy} onClick={() => p.onConfirm(disarm)}>
        {p.confirmLabel}
      </button>
      {p.cancelLabel ? (
        <button type="button" onClick={disarm}>
          {p.cancelLabel}
        </button>
      ) : null}
    </>
  );
}

/**
 * A table row's confirm-twice button, both buttons named after the row ("Revoke ci-deploy", "Confirm revoke ci-deploy");
 * it disarms as the action starts, so a failed one can be asked again.
 */
export function RowConfirmButton({ verb, name, busy, onConfirm }: { verb: string; name: string; busy: boolean; onConfirm: () => void }) {
  const confirm = `Confirm ${verb.toLowerCase()}`;
  return (
    <ConfirmButton
      label={verb}
      ariaLabel={`${verb} ${name}`}
      confirmLabel={confirm}
      confirmAriaLabel={`${confirm} ${name}`}
      busy={busy}
      onConfirm={(disarm) => {
        disarm();
        onConfirm();
      }}
    />
  );
}
