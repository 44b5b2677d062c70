/**
 * The widget's compact view: one status line, the apps as tabs with their counts, and the
 * selected app's newest pushes as short rows. Reads the same per-agent store as the full page
 * (src/ui/store), never the host page's state.
 */
import type { AgentPhase, StoredPush } from '../../agent/types.ts';
import { useAgentStore, useAgentView } from '../../ui/store/context.tsx';
import { useListedPushes } from '../../ui/features/inbox/useListedPushes.ts';
import { readServiceContent, type ServiceCodec } from '../../ui/features/viewer/serviceCodec.ts';
import { isTextType } from '../pushObject.ts';

const PHASE_LABEL: Record<AgentPhase, string> = {
  idle: 'Not started',
  connecting: 'Connecting…',
  registering: 'Registering…',
  registered: 'Receiving',
  reconnecting: 'Connection lost, reconnecting…',
  failed: 'Registration failed',
  stopped: 'Stopped',
  following: 'Receiving in another tab',
};

/** Rows shown per app; the host page reads older pushes with listPushes(). */
export const WIDGET_ROWS = 50;
const PREVIEW_CHARS = 160;
const TIME = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const EMPTY: StoredPush[] = [];

function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

function preview(push: StoredPush): string {
  const essence = push.contentType.split(';')[0]!.trim().toLowerCase();
  if (push.via === 'message' && isTextType(essence)) {
    const text = new TextDecoder().decode(push.content.subarray(0, PREVIEW_CHARS * 4));
    return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
  }
  return `${essence || push.contentType}, ${formatSize(push.size)}`;
}

function Status() {
  const state = useAgentView((v) => v.agent);
  const aor = useAgentStore().agent.config.aor;
  return (
    <header className="spr-head">
      <span role="status" aria-live="polite" className={`spr-phase spr-phase-${state.phase}`} data-testid="widget-phase" data-phase={state.phase}>
        <span className="spr-dot" aria-hidden="true" />
        {PHASE_LABEL[state.phase]}
      </span>
      <span className="spr-aor" title={aor}>
        {aor}
      </span>
      {state.reason !== undefined && (
        <p className="spr-reason" data-testid="widget-reason">
          {state.reason}
        </p>
      )}
    </header>
  );
}

function AppTabs() {
  const { select } = useAgentStore();
  const apps = useAgentView((v) => v.apps);
  const inboxes = useAgentView((v) => v.inboxes);
  const selected = useAgentView((v) => v.selectedAppId);
  if (apps.length === 0) return <p className="spr-empty">No push applications yet: the page registers them.</p>;
  return (
    <nav className="spr-apps" aria-label="Push applications">
      {apps.map((app) => (
        <button
          key={app.id}
          type="button"
          className="spr-app"
          aria-current={app.id === selected ? 'true' : undefined}
          data-testid="widget-app"
          data-app-id={app.id}
          onClick={() => select(app.id)}
        >
          {app.id}
          <span className="spr-count">
            {inboxes[app.id]?.length ?? 0}
            <span className="spr-hidden"> pushes</span>
          </span>
        </button>
      ))}
    </nav>
  );
}

/**
 * A Service Indication or Loading as a short row (the full page shows it as a link card): its
 * text, and its href as text, a link only when http(s) and not expired (linkCard.ts). Nothing
 * is opened without a click.
 */
function ServiceText({ codec, push }: { codec: ServiceCodec | null; push: StoredPush }) {
  const read = codec ? readServiceContent(codec, push) : undefined;
  if (!codec || !read?.ok) return <>{preview(push)}</>;
  const card = codec.linkCardOf(read.content, Date.now());
  return (
    <>
      {card.text || card.heading}
      {card.expired && ' (expired)'}
      {card.href !== undefined && (
        <span className="spr-href">
          {card.linkHref !== undefined ? (
            <a href={card.linkHref} target="_blank" rel="noopener noreferrer" data-testid="widget-push-link">
              {card.href}
            </a>
          ) : (
            card.href
          )}
        </span>
      )}
    </>
  );
}

function PushRows() {
  const appId = useAgentView((v) => v.selectedAppId);
  const pushes = useAgentView((v) => (appId !== null ? (v.inboxes[appId] ?? EMPTY) : EMPTY));
  const loaded = useAgentView((v) => (appId !== null ? v.loaded[appId] === true : false));
  // Service Indications replaced or deleted by a later one are not listed, as in the full page.
  const { listed, codec } = useListedPushes(pushes);
  if (appId === null) return null;
  if (listed.length === 0) return <p className="spr-empty">{loaded ? `No pushes for ${appId} yet.` : 'Loading…'}</p>;
  return <PushRowList appId={appId} pushes={listed} codec={codec} />;
}

/** The rows of one app's listed pushes, newest first (at most WIDGET_ROWS). */
export function PushRowList({ appId, pushes, codec }: { appId: string; pushes: readonly StoredPush[]; codec: ServiceCodec | null }) {
  return (
    <ol className="spr-list" aria-label={`Pushes for ${appId}, newest first`}>
      {pushes.slice(0, WIDGET_ROWS).map((push) => (
        <li key={push.id} className={push.read ? 'spr-push' : 'spr-push spr-unread'} data-testid="widget-push" data-push-id={push.id}>
          <span className="spr-from" title={push.from}>
            {push.fromDisplayName ?? push.from}
          </span>
          <time className="spr-time" dateTime={new Date(push.receivedAt).toISOString()}>
            {TIME.format(push.receivedAt)}
          </time>
          <span className="spr-text" data-testid="widget-push-text">
            <ServiceText codec={codec} push={push} />
          </span>
        </li>
      ))}
    </ol>
  );
}

export function Widget({ title }: { title: string }) {
  return (
    <section className="spr" aria-label={title} data-testid="widget">
      <Status />
      <AppTabs />
      <PushRows />
    </section>
  );
}
