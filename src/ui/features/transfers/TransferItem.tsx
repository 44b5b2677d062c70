/** One MSRP transfer: what, from whom, how far, how fast; why it failed and a way to dismiss it. */
import { memo, useState } from 'react';
import type { TransferProgress } from '../../../agent/types.ts';
import { formatRate, formatTimeLeft, formatTransferBytes, percentDone, progressValue, STATE_LABEL, transferTitle } from './format.ts';

export interface TransferItemProps {
  transfer: TransferProgress;
  /** Deletes the transfer and its stored content; rejects when it cannot. */
  onDismiss: (id: string) => Promise<void>;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const TransferItem = memo(function TransferItem({ transfer: t, onDismiss }: TransferItemProps) {
  const [dismissing, setDismissing] = useState(false);
  const [dismissError, setDismissError] = useState<string | null>(null);
  const title = transferTitle(t);
  const bar = progressValue(t);
  const percent = percentDone(t);
  const timeLeft = t.state === 'receiving' ? formatTimeLeft(t.secondsLeft) : null;

  const dismiss = (): void => {
    setDismissing(true);
    setDismissError(null);
    onDismiss(t.id).then(
      // On success the row goes away with the transfer.
      () => setDismissing(false),
      (error: unknown) => {
        setDismissing(false);
        setDismissError(errorMessage(error));
      },
    );
  };

  return (
    <li
      className={`transfer transfer-${t.state}`}
      data-testid="transfer-item"
      data-transfer-id={t.id}
      data-state={t.state}
      data-file-name={t.fileName ?? ''}
      data-app-id={t.appId}
    >
      <div className="transfer-head">
        <span className="transfer-name" title={title}>
          {title}
        </span>
        <span className="transfer-state" data-testid="transfer-state">
          {STATE_LABEL[t.state]}
        </span>
      </div>
      <div className="transfer-meta">
        <span className="transfer-from">{t.from}</span> · <span>{t.appId}</span> · <span className="transfer-type">{t.contentType}</span>
      </div>
      <progress
        className="transfer-progress"
        data-testid="transfer-progress"
        {...(bar !== null ? { value: bar.value, max: bar.max } : {})}
        aria-label={percent === null ? `${title}: size unknown` : `${title}: ${percent}%`}
      />
      <div className="transfer-figures">
        <span data-testid="transfer-bytes">{formatTransferBytes(t.receivedBytes, t.size)}</span>
        {t.state === 'receiving' && <span data-testid="transfer-rate">{formatRate(t.rate)}</span>}
        {timeLeft !== null && <span data-testid="transfer-time-left">{timeLeft}</span>}
      </div>
      {t.state === 'failed' && (
        <div className="transfer-failure">
          <p className="transfer-reason" data-testid="transfer-reason">
            {t.reason ?? 'The transfer failed.'}
          </p>
          {t.resumable && (
            <p className="transfer-resumable" data-testid="transfer-resumable">
              Partial content kept: the sender can resume
            </p>
          )}
          <button type="button" className="secondary" data-testid="transfer-dismiss" disabled={dismissing} onClick={dismiss} aria-label={`Dismiss ${title}`}>
            {dismissing ? 'Dismissing…' : 'Dismiss'}
          </button>
          {dismissError !== null && (
            <p className="error" role="alert" data-testid="transfer-dismiss-error">
              Could not dismiss: {dismissError}
            </p>
          )}
        </div>
      )}
    </li>
  );
});
