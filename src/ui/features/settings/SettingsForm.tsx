/**
 * Settings: every configuration field plus the applications editor, with per-field
 * validation. Saving hands a validated configuration to `onSave` (which stores it and
 * restarts the agent); the form itself has no side effects.
 */
import { useMemo, useState, type FormEvent } from 'react';
import type { AgentConfig } from '../../../agent/types.ts';
import { validateConfig, type ConfigErrors } from '../../config/validate.ts';
import { AppsEditor } from './AppsEditor.tsx';
import { draftFromConfig, draftToRaw, emptyApp, type AppField, type DraftField, type SettingsDraft } from './draft.ts';
import { Field } from './Field.tsx';

export interface SettingsFormProps {
  /** The configuration to edit: the running one, or an invalid document to fix. */
  initial: unknown;
  /** Show every error from the start (the configuration that was loaded is invalid). */
  showErrorsAtOnce?: boolean;
  /** A document-level problem from loading (bad JSON, no configuration). */
  loadError?: string | undefined;
  origin?: string;
  onSave: (config: AgentConfig) => void;
  onCancel?: () => void;
  saveError?: string | undefined;
}

const LABELS: Record<DraftField, { label: string; placeholder?: string; hint?: string; type?: 'password' | 'url' }> = {
  server: { label: 'SIP core WebSocket URL', placeholder: 'wss://sip.example.com', type: 'url' },
  aor: { label: 'Address of record', placeholder: 'sip:alice@example.com', hint: 'Each address keeps its own settings and pushes; another address starts empty' },
  authUser: { label: 'Authentication user', hint: 'Empty: the user part of the address of record' },
  password: { label: 'Password', type: 'password' },
  displayName: { label: 'Display name', placeholder: 'Alice' },
  uaprofUrl: { label: 'UAProf URL', placeholder: '/uaprof.rdf', hint: 'A path is resolved against this site' },
};

export function SettingsForm({ initial, showErrorsAtOnce = false, loadError, origin, onSave, onCancel, saveError }: SettingsFormProps) {
  const [draft, setDraft] = useState<SettingsDraft>(() => draftFromConfig(initial));
  const [touched, setTouched] = useState<ReadonlySet<string>>(() => new Set());
  const [showAll, setShowAll] = useState(showErrorsAtOnce);
  const [edited, setEdited] = useState(false);

  const result = useMemo(() => validateConfig(draftToRaw(draft), origin !== undefined ? { origin } : {}), [draft, origin]);
  const errors: ConfigErrors = result.ok ? {} : result.errors;
  const errorOf = (name: string): string | undefined => (showAll || touched.has(name) ? errors[name] : undefined);
  const touch = (name: string) => setTouched((t) => (t.has(name) ? t : new Set(t).add(name)));

  const update = (change: (d: SettingsDraft) => SettingsDraft) => {
    setEdited(true);
    setDraft(change);
  };
  const setField = (field: DraftField, value: string) => update((d) => ({ ...d, [field]: value }));
  const setAppField = (index: number, field: AppField, value: string) =>
    update((d) => ({ ...d, apps: d.apps.map((a, i) => (i === index ? { ...a, [field]: value } : a)) }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setShowAll(true);
    if (result.ok) onSave(result.config);
  };

  const errorCount = Object.keys(errors).length;
  return (
    <form className="panel settings" aria-labelledby="settings-heading" onSubmit={submit} noValidate data-testid="settings-form">
      <h2 id="settings-heading">Settings</h2>
      {loadError !== undefined && !edited && (
        <p className="form-error" role="alert" data-testid="error-config">
          {loadError}
        </p>
      )}
      <div className="settings-grid">
        {(Object.keys(LABELS) as DraftField[]).map((field) => (
          <Field
            key={field}
            name={field}
            {...LABELS[field]}
            autoComplete={field === 'password' ? 'current-password' : 'off'}
            value={draft[field]}
            error={errorOf(field)}
            onChange={(value) => setField(field, value)}
            onBlur={() => touch(field)}
          />
        ))}
      </div>
      <AppsEditor
        apps={draft.apps}
        errorOf={errorOf}
        touch={touch}
        onChange={setAppField}
        onAdd={() => update((d) => ({ ...d, apps: [...d.apps, emptyApp()] }))}
        onRemove={(index) => update((d) => ({ ...d, apps: d.apps.filter((_, i) => i !== index) }))}
      />
      {saveError !== undefined && (
        <p className="form-error" role="alert" data-testid="error-save">
          {saveError}
        </p>
      )}
      <div className="form-actions">
        {showAll && errorCount > 0 && (
          <span className="form-summary" role="alert">
            {errorCount === 1 ? '1 field needs attention' : `${errorCount} fields need attention`}
          </span>
        )}
        {onCancel && (
          <button type="button" className="secondary" onClick={onCancel} data-testid="settings-cancel">
            Cancel
          </button>
        )}
        <button type="submit" className="primary" data-testid="settings-save">
          Save and restart
        </button>
      </div>
    </form>
  );
}
