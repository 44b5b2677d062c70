import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { TransferProgress } from '../../../agent/types.ts';
import { transfer } from '../../../testing/fakeAgent.ts';
import { TransferItem } from './TransferItem.tsx';

const MB = 1_000_000;
const render = (t: TransferProgress) => renderToStaticMarkup(<TransferItem transfer={t} onDismiss={async () => {}} />);

function parts(html: string) {
  const attr = (name: string) => html.match(new RegExp(`${name}="([^"]*)"`))?.[1];
  const testId = (id: string) => html.match(new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`))?.[1];
  return { html, attr, testId };
}

describe('TransferItem', () => {
  it('shows a receiving transfer: attributes, bar, bytes, rate and time left', () => {
    const t = transfer({ id: 'tr-1', fileName: 'movie.mp4', size: 50 * MB, receivedBytes: 12.3 * MB, rate: 4.2 * MB, secondsLeft: 12 });
    const { html, attr, testId } = parts(render(t));
    expect(attr('data-testid')).toBe('transfer-item');
    expect(attr('data-transfer-id')).toBe('tr-1');
    expect(attr('data-state')).toBe('receiving');
    expect(attr('data-file-name')).toBe('movie.mp4');
    expect(html).toMatch(/<progress[^>]*data-testid="transfer-progress"[^>]*value="12300000"[^>]*max="50000000"/);
    expect(testId('transfer-bytes')).toBe('12.3 MB of 50.0 MB');
    expect(testId('transfer-rate')).toBe('4.2 MB/s');
    expect(testId('transfer-time-left')).toBe('about 12 s left');
    expect(html).not.toContain('transfer-dismiss');
    expect(html).not.toContain('transfer-reason');
  });

  it('an unknown size gives an indeterminate bar and no time left', () => {
    const { html, testId } = parts(render(transfer({ size: null, receivedBytes: 3 * MB, secondsLeft: undefined })));
    expect(html).toMatch(/<progress(?![^>]*value=)[^>]*data-testid="transfer-progress"/);
    expect(testId('transfer-bytes')).toBe('3.0 MB received');
    expect(html).not.toContain('transfer-time-left');
  });

  it('a failed transfer shows its reason as text and a Dismiss button; a resumable one says so', () => {
    const t = transfer({ state: 'failed', reason: '<img src=x onerror=alert(1)> Hash mismatch', resumable: true, rate: 0, secondsLeft: undefined });
    const { html, attr, testId } = parts(render(t));
    expect(attr('data-state')).toBe('failed');
    expect(html).not.toContain('<img');
    expect(testId('transfer-reason')).toBe('&lt;img src=x onerror=alert(1)&gt; Hash mismatch');
    expect(testId('transfer-resumable')).toBe('Partial content kept: the sender can resume');
    expect(testId('transfer-dismiss')).toBe('Dismiss');
    expect(html).not.toContain('transfer-rate');
  });

  it('a failed transfer that cannot resume does not claim it can', () => {
    const { html } = parts(render(transfer({ state: 'failed', reason: 'Refused', resumable: false })));
    expect(html).not.toContain('transfer-resumable');
    expect(html).toContain('transfer-dismiss');
  });

  it('a complete transfer has a full bar and no dismiss (its content is a push now)', () => {
    const { html, attr } = parts(render(transfer({ state: 'complete', size: 10, receivedBytes: 10, rate: 0, fileName: undefined, contentType: 'image/png' })));
    expect(attr('data-state')).toBe('complete');
    expect(attr('data-file-name')).toBe('');
    expect(html).toContain('Unnamed image/png');
    expect(html).toMatch(/value="10"[^>]*max="10"/);
    expect(html).not.toContain('transfer-dismiss');
  });
});
