/** The applications part of the settings form: one row per push application. */
import type { AppDraft, AppField } from './draft.ts';
import { Field } from './Field.tsx';

interface AppsEditorProps {
  apps: AppDraft[];
  errorOf: (name: string) => string | undefined;
  touch: (name: string) => void;
  onChange: (index: number, field: AppField, value: string) => void;
  onAdd: () => void;
  onRemove: (index: number) => void;
}

export function AppsEditor({ apps, errorOf, touch, onChange, onAdd, onRemove }: AppsEditorProps) {
  return (
    <fieldset className="apps-editor">
      <legend>Push applications</legend>
      {errorOf('apps') && (
        <p className="field-error" data-testid="error-apps">
          {errorOf('apps')}
        </p>
      )}
      {apps.length === 0 && <p className="empty">No applications: pushes would all be refused with 404.</p>}
      {apps.map((app, i) => {
        const field = (name: AppField) => `apps.${i}.${name}`;
        const bind = (name: AppField) => ({
          name: field(name),
          value: app[name],
          error: errorOf(field(name)),
          onChange: (value: string) => onChange(i, name, value),
          onBlur: () => touch(field(name)),
        });
        return (
          <div key={app.key} className="app-row" data-testid={`settings-app-${i}`}>
            <div className="app-row-head">
              <h4>Application {i + 1}</h4>
              <button type="button" className="link-button" onClick={() => onRemove(i)} data-testid={`settings-apps.${i}.remove`}>
                Remove
              </button>
            </div>
            {errorOf(`apps.${i}`) && <p className="field-error">{errorOf(`apps.${i}`)}</p>}
            <div className="app-row-fields">
              <Field label="Application ID" placeholder="news.ua" {...bind('id')} />
              <Field label="Accepted content types" placeholder="text/plain, image/*" hint="Comma-separated; type/* and */* allowed" {...bind('accept')} />
              <Field label="Allowed senders" placeholder="sip:news@example.com" hint="Comma-separated SIP URIs; empty allows anyone" {...bind('allowFrom')} />
              <Field label="Size limit (bytes)" placeholder="default" {...bind('maxBytes')} />
            </div>
          </div>
        );
      })}
      <button type="button" className="secondary" onClick={onAdd} data-testid="settings-add-app">
        Add application
      </button>
    </fieldset>
  );
}
