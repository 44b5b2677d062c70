/** A labelled text input with its validation message (wired with aria-describedby). */
import { useId } from 'react';

export interface FieldProps {
  /** Field path, e.g. `server` or `apps.0.id`: used for data-testid and error lookup. */
  name: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  onBlur?: () => void;
  error?: string | undefined;
  hint?: string;
  type?: 'text' | 'password' | 'url';
  placeholder?: string;
  autoComplete?: string;
}

export function Field({ name, label, value, onChange, onBlur, error, hint, type = 'text', placeholder, autoComplete = 'off' }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        type={type}
        value={value}
        placeholder={placeholder}
        autoComplete={autoComplete}
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        data-testid={`settings-${name}`}
        onChange={(e) => onChange(e.target.value)}
        onBlur={onBlur}
      />
      {hint && (
        <small id={hintId} className="field-hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={errorId} className="field-error" data-testid={`error-${name}`}>
          {error}
        </small>
      )}
    </div>
  );
}
