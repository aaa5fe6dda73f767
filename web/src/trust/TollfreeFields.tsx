import { Checkbox, Field } from '../components/ui';
import { tollfreeGroups, type TollfreeValues } from './tollfree-fields';

/** The draft's fields in their two groups, each with its message (preflight's problem or the API's error) on it. */
export function TollfreeFields(p: {
  values: TollfreeValues;
  onChange: (path: string, value: string | boolean) => void;
  messageFor: (path: string) => string | undefined;
}) {
  return (
    <>
      {tollfreeGroups.map(([legend, fields]) => (
        <fieldset key={legend}>
          <legend>{legend}</legend>
          <div className="grid">
            {fields.map((f) =>
              f.kind === 'checkbox' ? (
                <Checkbox key={f.path} name={f.path} label={f.label} checked={p.values[f.path] === true} onChange={(v) => p.onChange(f.path, v)} />
              ) : (
                <Field
                  key={f.path}
                  name={f.path}
                  label={f.label}
                  value={String(p.values[f.path] ?? '')}
                  onChange={(v) => p.onChange(f.path, v)}
                  required={!f.optional}
                  hint={f.hint}
                  multiline={f.kind === 'textarea'}
                  type={f.kind === 'email' || f.kind === 'url' ? f.kind : 'text'}
                  options={f.kind === 'select' ? f.options : undefined}
                  error={p.messageFor(f.path)}
                />
              ),
            )}
          </div>
        </fieldset>
      ))}
    </>
  );
}
