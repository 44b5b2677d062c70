/**
 * Large-content pushes (MSRP, flow 5.4.2): running, failed and completed transfers, newest
 * first. Progress comes through the store's batching (at most one render per 100 ms), never
 * once per chunk. A completed transfer's content is its push, in its app's inbox.
 */
import { useCallback, useState } from 'react';
import { useAgentStore, useAgentView } from '../../store/context.tsx';
import { TransferItem } from './TransferItem.tsx';

export function TransfersPanel() {
  const store = useAgentStore();
  const transfers = useAgentView((v) => v.transfers);
  const loaded = useAgentView((v) => v.transfersLoaded);
  const error = useAgentView((v) => v.transfersError);
  const onDismiss = useCallback((id: string) => store.dismissTransfer(id), [store]);
  const active = transfers.filter((t) => t.state === 'receiving' || t.state === 'verifying').length;
  const finished = transfers.length - active;
  const [clearError, setClearError] = useState<string | null>(null);
  const clear = (): void => {
    setClearError(null);
    store.clearFinishedTransfers().catch((error: unknown) => setClearError(error instanceof Error ? error.message : String(error)));
  };
  return (
    <section className="panel transfers" aria-labelledby="transfers-heading" data-testid="transfers">
      <div className="panel-head">
        <h2 id="transfers-heading">
          File transfers{active > 0 && <span className="transfers-active"> · {active} active</span>}
        </h2>
        {finished > 0 && (
          <button type="button" className="secondary small" data-testid="transfers-clear" onClick={clear}>
            Clear finished
          </button>
        )}
      </div>
      {clearError !== null && (
        <p className="error" role="alert" data-testid="transfers-clear-error">
          Could not clear finished transfers: {clearError}
        </p>
      )}
      {error !== null && (
        <p className="error" role="alert" data-testid="transfers-error">
          Could not read stored transfers: {error}
        </p>
      )}
      {transfers.length === 0 ? (
        <p className="empty">{loaded || error !== null ? 'No file transfers. Files above 60 kB arrive here (SIP INVITE, then MSRP), then in their app’s inbox.' : 'Loading transfers…'}</p>
      ) : (
        <ol className="transfer-list" aria-label="File transfers, newest first">
          {transfers.map((t) => (
            <TransferItem key={t.id} transfer={t} onDismiss={onDismiss} />
          ))}
        </ol>
      )}
    </section>
  );
}
