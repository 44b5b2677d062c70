/**
 * Compose a push: target (an AoR, optionally one terminal the directory knows), app, content
 * type, text or a file (uploaded first: POST /v1/uploads, then the push names the upload),
 * report, expiry, priority, mode, push ID. A refusal's message is shown under the field the
 * API names (form.ts), the field marked invalid and focused.
 */
import { useId, useRef, useState, type Dispatch, type FormEvent, type ReactNode, type SetStateAction } from 'react';
import type { PushView } from '../../service/http/summary.ts';
import type { ReceiverEntry } from '../../service/types.ts';
import { ConsoleApiError, type ConsoleApi } from './api.ts';
import { errorsFor, submitBody, type ComposeForm, type FormField, type ShownErrors } from './form.ts';
import { appsOf, terminalLabel } from './directoryView.ts';

const CONTENT_TYPES = ['text/plain', 'text/html', 'application/json', 'image/png', 'image/jpeg', 'video/mp4', 'application/octet-stream', 'text/vnd.wap.si', 'text/vnd.wap.sl'];

interface Props {
  api: ConsoleApi;
  form: ComposeForm;
  setForm: Dispatch<SetStateAction<ComposeForm>>;
  receivers: ReceiverEntry[];
  onSubmitted: (push: PushView) => void;
  /** Any failure (a 401 ends the session); returns its message. */
  onFailed: (err: unknown) => string;
}

export function Compose({ api, form, setForm, receivers, onSubmitted, onFailed }: Props) {
  const [errors, setErrors] = useState<ShownErrors>({ fields: {} });
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const id = useId();
  // One compose form per page: fixed IDs, so the directory's "Push to" buttons can focus the target.
  const fieldId = (field: FormField) => `compose-${field}`;

  const set = <K extends keyof ComposeForm>(key: K, value: ComposeForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const receiver = receivers.find((r) => r.aor === form.target.trim());
  const apps = appsOf(receivers, receiver);

  const show = (shown: ShownErrors) => {
    setErrors(shown);
    const first = (Object.keys(shown.fields) as FormField[])[0];
    if (first) document.getElementById(fieldId(first))?.focus();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setResult('');
    if (form.contentKind === 'file' && !file) return show({ fields: { file: 'Choose a file to push, or choose "Text" and type the content.' } });
    setBusy(true);
    setErrors({ fields: {} });
    try {
      let uploadId: string | undefined;
      if (form.contentKind === 'file' && file) {
        try {
          uploadId = (await api.upload(file, form.contentType.trim() || file.type)).uploadId;
        } catch (err) {
          onFailed(err);
          if (err instanceof ConsoleApiError) return show({ fields: { file: `The upload was refused: ${err.message}` } });
          throw err;
        }
      }
      const push = await api.submit(submitBody(form, uploadId));
      onSubmitted(push);
      setResult(`Push ${push.pushId} queued for ${push.deliveries.length} terminal${push.deliveries.length === 1 ? '' : 's'}: ${push.status}. Its status follows in the pushes table.`);
      setForm((f) => ({ ...f, text: '', pushId: '' }));
    } catch (err) {
      const message = onFailed(err);
      if (err instanceof ConsoleApiError) show(errorsFor(err, form));
      else show({ fields: {}, form: message });
    } finally {
      setBusy(false);
    }
  };

  const field = (name: FormField, label: string, control: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode, hint?: string) => {
    const error = errors.fields[name];
    const describedBy = [error !== undefined ? `${fieldId(name)}-error` : '', hint !== undefined ? `${fieldId(name)}-hint` : ''].filter(Boolean).join(' ');
    return (
      <div className={`field field-${name}`}>
        <label htmlFor={fieldId(name)}>{label}</label>
        {control({ id: fieldId(name), 'aria-invalid': error !== undefined, ...(describedBy ? { 'aria-describedby': describedBy } : {}) })}
        {hint !== undefined && (
          <p id={`${fieldId(name)}-hint`} className="hint">
            {hint}
          </p>
        )}
        {error !== undefined && (
          <p id={`${fieldId(name)}-error`} className="error" data-field={name}>
            {error}
          </p>
        )}
      </div>
    );
  };

  return (
    <section className="panel compose" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Compose a push</h2>
      <form onSubmit={(e) => void submit(e)} noValidate>
        {field('target', 'Target (AoR)', (p) => (
          <>
            <input {...p} name="target" type="text" placeholder="sip:alice@example.com" list={`${id}-aors`} autoComplete="off" spellCheck={false} value={form.target} onChange={(e) => setForm((f) => ({ ...f, target: e.target.value, terminal: f.terminal.startsWith('gruu:') || f.terminal.startsWith('instance:') ? '' : f.terminal }))} />
            <datalist id={`${id}-aors`}>
              {receivers.map((r) => (
                <option key={r.aor} value={r.aor} />
              ))}
            </datalist>
          </>
        ))}
        {field('terminal', 'Terminals', (p) => (
          <select {...p} name="terminal" value={form.terminal} onChange={(e) => set('terminal', e.target.value)}>
            <option value="">Those that announced the app</option>
            <option value="all">Every terminal of the AoR</option>
            {receiver?.terminals.map((t) =>
              t.instanceId ? (
                <option key={t.key} value={`instance:${t.instanceId}`}>
                  Only {terminalLabel(t)}
                </option>
              ) : t.pubGruu ? (
                <option key={t.key} value={`gruu:${t.pubGruu}`}>
                  Only {terminalLabel(t)}
                </option>
              ) : null,
            )}
          </select>
        ), receiver ? undefined : 'One terminal can be picked once the directory knows the AoR.')}
        <div className="row">
          {field('app', 'Application ID', (p) => (
            <>
              <input {...p} name="app" type="text" list={`${id}-apps`} autoComplete="off" spellCheck={false} value={form.app} onChange={(e) => set('app', e.target.value)} />
              <datalist id={`${id}-apps`}>
                {apps.map((a) => (
                  <option key={a} value={a} />
                ))}
              </datalist>
            </>
          ))}
          {field('contentType', 'Content type', (p) => (
            <>
              <input {...p} name="contentType" type="text" list={`${id}-types`} autoComplete="off" spellCheck={false} value={form.contentType} onChange={(e) => set('contentType', e.target.value)} />
              <datalist id={`${id}-types`}>
                {CONTENT_TYPES.map((t) => (
                  <option key={t} value={t} />
                ))}
              </datalist>
            </>
          ))}
        </div>
        <fieldset className="kind">
          <legend>Content</legend>
          <label>
            <input type="radio" name="contentKind" value="text" checked={form.contentKind === 'text'} onChange={() => set('contentKind', 'text')} /> Text
          </label>
          <label>
            <input type="radio" name="contentKind" value="file" checked={form.contentKind === 'file'} onChange={() => set('contentKind', 'file')} /> File
          </label>
        </fieldset>
        {form.contentKind === 'text'
          ? field('text', 'Text to push', (p) => <textarea {...p} name="text" rows={4} value={form.text} onChange={(e) => set('text', e.target.value)} />)
          : field('file', 'File to push', (p) => (
              <input
                {...p}
                ref={fileInput}
                name="file"
                type="file"
                onChange={(e) => {
                  const chosen = e.target.files?.[0] ?? null;
                  setFile(chosen);
                  if (chosen?.type) set('contentType', chosen.type);
                }}
              />
            ), file ? `${file.name}, ${file.size} bytes: uploaded when you push` : undefined)}
        <div className="row">
          {field('expiresInSeconds', 'Expires in (seconds)', (p) => <input {...p} name="expiresInSeconds" type="text" inputMode="numeric" value={form.expiresInSeconds} onChange={(e) => set('expiresInSeconds', e.target.value)} />, 'Empty: never expires.')}
          {field('priority', 'Priority', (p) => (
            <select {...p} name="priority" value={form.priority} onChange={(e) => set('priority', e.target.value as ComposeForm['priority'])}>
              <option value="low">low</option>
              <option value="normal">normal</option>
              <option value="high">high</option>
            </select>
          ))}
          {field('mode', 'Mode', (p) => (
            <select {...p} name="mode" value={form.mode} onChange={(e) => set('mode', e.target.value as ComposeForm['mode'])}>
              <option value="auto">auto</option>
              <option value="message">MESSAGE</option>
              <option value="msrp">MSRP</option>
            </select>
          ))}
        </div>
        <div className="row">
          {field('pushId', 'Push ID (optional)', (p) => <input {...p} name="pushId" type="text" autoComplete="off" spellCheck={false} value={form.pushId} onChange={(e) => set('pushId', e.target.value)} />, 'Empty: the service makes one.')}
          <div className={`field field-report`}>
            <label className="check">
              <input id={fieldId('report')} name="report" type="checkbox" checked={form.report} onChange={(e) => set('report', e.target.checked)} aria-invalid={errors.fields.report !== undefined} /> Ask for delivery and display reports
            </label>
            {errors.fields.report !== undefined && <p className="error" data-field="report">{errors.fields.report}</p>}
          </div>
        </div>
        {errors.form !== undefined && (
          <p className="error form-error" role="alert">
            {errors.form}
          </p>
        )}
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Pushing…' : 'Push'}
          </button>
          <p role="status" className="result">
            {result}
          </p>
        </div>
      </form>
    </section>
  );
}
