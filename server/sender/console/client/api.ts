/**
 * The console's calls to the service's /v1 API (same origin), each with the Bearer token when
 * there is one. A refusal keeps the API's `{"error": {"code", "field", "message"}}` so the form
 * can put the message next to the field it names.
 */
import { PushApiError as ConsoleApiError } from '../../service/http/pushApiError.ts';
import type { PushView } from '../../service/http/summary.ts';
import type { ReceiverEntry } from '../../service/types.ts';

/** An error answer of the API (`{"error": {code, field?, message}}`), as the CLI's client has it too. */
export { PushApiError as ConsoleApiError } from '../../service/http/pushApiError.ts';

export interface ConsoleApi {
  receivers(): Promise<ReceiverEntry[]>;
  submit(body: Record<string, unknown>): Promise<PushView>;
  upload(file: Blob, contentType: string): Promise<{ uploadId: string; size: number }>;
  push(pushId: string): Promise<PushView>;
}

export function createConsoleApi(token: string | null, fetchImpl: typeof fetch = (input, init) => fetch(input, init)): ConsoleApi {
  async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
    if (token) headers.Authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetchImpl(path, { ...init, headers, cache: 'no-store' });
    } catch (err) {
      throw new ConsoleApiError(0, 'PSA_ERR_UNREACHABLE', `The service did not answer (${err instanceof Error ? err.message : String(err)}); check that it is running, then try again`);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (response.ok) return body as T;
    const error = (body as { error?: { code?: unknown; field?: unknown; message?: unknown } } | undefined)?.error;
    if (typeof error?.message !== 'string') throw new ConsoleApiError(response.status, 'PSA_ERR_HTTP', `The service answered HTTP ${response.status} without an API error; check its log`);
    throw new ConsoleApiError(response.status, String(error.code), error.message, typeof error.field === 'string' ? error.field : undefined);
  }
  return {
    async receivers() {
      return (await call<{ receivers: ReceiverEntry[] }>('/v1/receivers')).receivers;
    },
    async submit(body) {
      return (await call<{ push: PushView }>('/v1/pushes', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })).push;
    },
    async upload(file, contentType) {
      return call('/v1/uploads', { method: 'POST', headers: { 'Content-Type': contentType || 'application/octet-stream' }, body: file });
    },
    async push(pushId) {
      return (await call<{ push: PushView }>(`/v1/pushes/${encodeURIComponent(pushId)}`)).push;
    },
  };
}
