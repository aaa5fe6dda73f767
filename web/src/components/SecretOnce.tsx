import { useId, useState } from 'react';

/**
 * A secret the API shows this once (a new API key, a webhook signing secret): in a read-only field the user
 * can select, with a Copy button. Nothing keeps it: once this is dismissed or the page changes, it is gone.
 */
export function SecretOnce({ label, value, onDone }: { label: string; value: string; onDone?: () => void }) {
  const id = useId();
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copyIt = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopy('copied');
    } catch {
      // No clipboard (an insecure origin, a denied permission): the field is still there to copy from.
      setCopy('failed');
    }
  };
  return (
    <div className="note note-good secret-once">
      <label htmlFor={id}>{label}</label>
      <div className="secret-once-row">
        <input id={id} type="text" readOnly value={value} spellCheck={false} autoComplete="off" onFocus={(e) => e.target.select()} />
        <button type="button" onClick={() => void copyIt()}>
          Copy
        </button>
      </div>
      <p className="hint">It won’t be shown again: copy it now and keep it somewhere safe.</p>
      <p role="status" className="hint">
        {copy === 'copied' ? 'Copied to the clipboard.' : copy === 'failed' ? 'Could not copy: select the text and copy it yourself.' : ''}
      </p>
      {onDone ? (
        <button type="button" onClick={onDone}>
          Done
        </button>
      ) : null}
    </div>
  );
}
