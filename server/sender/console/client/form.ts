/**
 * The compose form as data: what the operator entered -> the JSON body of POST /v1/pushes
 * (server/sender/service/http/submitBody.ts), and an API refusal -> the form field to show it
 * next to. Pure. The form checks almost nothing itself: the API's message names the cause and
 * the fix, and the console shows it where the operator typed the value.
 */

export type ContentKind = 'text' | 'file';

export interface ComposeForm {
  /** The receiver's AoR. */
  target: string;
  /** Which terminals: '' (those that announced the app), 'all', `instance:<urn>` or `gruu:<uri>`. */
  terminal: string;
  app: string;
  contentType: string;
  contentKind: ContentKind;
  text: string;
  report: boolean;
  /** Seconds, as typed; '' for no expiry. */
  expiresInSeconds: string;
  priority: 'low' | 'normal' | 'high';
  mode: 'auto' | 'message' | 'msrp';
  /** '' lets the service make one. */
  pushId: string;
}

export type FormField = 'target' | 'terminal' | 'app' | 'contentType' | 'text' | 'file' | 'report' | 'expiresInSeconds' | 'priority' | 'mode' | 'pushId';

export const EMPTY_FORM: ComposeForm = {
  target: '',
  terminal: '',
  app: 'news.ua',
  contentType: 'text/plain',
  contentKind: 'text',
  text: '',
  report: true,
  expiresInSeconds: '3600',
  priority: 'normal',
  mode: 'auto',
  pushId: '',
};

/** The submit body; `uploadId` when the content went to POST /v1/uploads first. Empty fields are left out (the API says what is missing). */
export function submitBody(form: ComposeForm, uploadId?: string): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const pushId = form.pushId.trim();
  if (pushId !== '') body.pushId = pushId;
  const target = targetOf(form);
  if (target !== undefined) body.target = target;
  if (form.app.trim() !== '') body.app = form.app.trim();
  if (form.contentType.trim() !== '') body.contentType = form.contentType.trim();
  if (form.contentKind === 'file') {
    if (uploadId !== undefined) body.upload = uploadId;
  } else if (form.text !== '') body.content = form.text;
  body.report = form.report;
  const expires = form.expiresInSeconds.trim();
  // A number when it reads as one, else the text as typed: the API names what is wrong with it.
  if (expires !== '') body.expiresInSeconds = /^-?\d+(\.\d+)?$/.test(expires) ? Number(expires) : expires;
  body.priority = form.priority;
  body.mode = form.mode;
  return body;
}

function targetOf(form: ComposeForm): unknown {
  const aor = form.target.trim();
  const terminal = form.terminal;
  if (terminal.startsWith('gruu:')) return { gruu: terminal.slice('gruu:'.length) };
  if (aor === '') return undefined;
  if (terminal === 'all') return { aor, terminals: 'all' };
  if (terminal.startsWith('instance:')) return { aor, instance: terminal.slice('instance:'.length) };
  return aor;
}

export interface ShownErrors {
  fields: Partial<Record<FormField, string>>;
  /** For what names no field of the form (a 503, an unreachable service). */
  form?: string;
}

/** Where an API refusal goes: the field its `field` names (`target[0].instance` -> the terminal picker), else the form. */
export function errorsFor(error: { status: number; code: string; field?: string; message: string }, form: Pick<ComposeForm, 'contentKind'>): ShownErrors {
  if (error.code === 'PSA_ERR_TOO_LARGE' && form.contentKind === 'text') {
    return { fields: { text: `The text is larger than the service takes inline (${error.message}). Choose "File" to push it as an upload instead.` } };
  }
  const field = fieldOf(error.field, form);
  return field ? { fields: { [field]: error.message } } : { fields: {}, form: error.message };
}

export function fieldOf(apiField: string | undefined, form: Pick<ComposeForm, 'contentKind'>): FormField | undefined {
  if (apiField === undefined) return undefined;
  // target, target[0], target.aor, target[0].aor -> target; .instance, .gruu, .terminals -> terminal
  const target = /^target(?:\[\d+\])?(?:\.(\w+))?$/.exec(apiField);
  if (target) return target[1] === undefined || target[1] === 'aor' ? 'target' : 'terminal';
  switch (apiField) {
    case 'app':
    case 'contentType':
    case 'report':
    case 'priority':
    case 'mode':
    case 'pushId':
    case 'expiresInSeconds':
      return apiField;
    case 'deliverBefore':
      return 'expiresInSeconds';
    case 'content':
    case 'contentBase64':
      return form.contentKind === 'file' ? 'file' : 'text';
    case 'upload':
      return 'file';
    default:
      return undefined;
  }
}
