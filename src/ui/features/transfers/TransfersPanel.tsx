/**
 * Large-content pushes (MSRP, flow 5.4.2): running, failed and completed transfers, newest
 * first. Progress comes through the store's batching (at most one render per 100 ms), never
 * once per chunk. A completed transfer's content is its push, in its app's inbox.
 */
import { useCallback } from 'react';
import { useAgentStore, useAgentView } from '../../store/context.tsx';
import { TransferItem } from './TransferItem.tsx';

export function TransfersPanel() {
  const store = useAgentStore();
  const transfers = useAgentView((v) => v.transfers);
  const loaded = useAgentView((v) => v.transfersLoaded);
  const error = useAgentView((v) => v.transfersError);
  const onDismiss = useCallback((id: string) => store.dismissTransfer(id), [store]);
  const active = transfers.filter((t) => t.state === 'receiving' || t.state === 'verifying').length;
  return (
    <section className="panel transfers" aria-labelledby="transfers-heading" data-testid="transfers">
      <h2 id="transfers-heading">
        File transfers{active > 0 && <span className="transfers-active"> · {active} active</span>}
      </h2>
      {error !== null && (
        <p className="error" role="alert" data-testid="transfers-error">
          Could not read stored transfers: {error}
        </p>
      )}
      {transfers.length === 0 ? (
        <p className="empty">{loaded || error !== null ? 'No file transfers.' : 'Loading transfers…'}</p>
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
