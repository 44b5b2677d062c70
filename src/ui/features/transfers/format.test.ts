import { describe, expect, it } from 'vitest';
import { transfer } from '../../../testing/fakeAgent.ts';
import { formatRate, formatTimeLeft, formatTransferBytes, percentDone, progressValue, transferTitle } from './format.ts';

const MB = 1_000_000;

describe('formatTransferBytes', () => {
  it.each([
    [0, 50 * MB, '0 B of 50.0 MB'],
    [12.3 * MB, 50 * MB, '12.3 MB of 50.0 MB'],
    [50 * MB, 50 * MB, '50.0 MB of 50.0 MB'],
    [0, 0, '0 B of 0 B'],
    [256 * MB, 256 * MB, '256.0 MB of 256.0 MB'],
    [3000 * MB, 5_000_000 * MB, '3.0 GB of 5.0 TB'],
    [12.3 * MB, null, '12.3 MB received'],
    [0, null, '0 B received'],
    [5, Number.NaN, '5 B received'],
  ] as const)('%d of %s -> %s', (received, size, text) => expect(formatTransferBytes(received, size)).toBe(text));
});

describe('formatRate', () => {
  it.each([
    [4.2 * MB, '4.2 MB/s'],
    [0, '0 B/s'],
    [512, '512 B/s'],
    [1500, '1.5 kB/s'],
    [2 ** 50, '1125.9 TB/s'],
    [-1, '—'],
    [Number.NaN, '—'],
    [Number.POSITIVE_INFINITY, '—'],
  ])('%d -> %s', (rate, text) => expect(formatRate(rate)).toBe(text));
});

describe('formatTimeLeft', () => {
  it.each([
    [undefined, null],
    [Number.NaN, null],
    [-3, null],
    [Number.POSITIVE_INFINITY, null],
    [0, 'less than a second left'],
    [0.4, 'less than a second left'],
    [1, 'about 1 s left'],
    [12.4, 'about 12 s left'],
    [89, 'about 89 s left'],
    [90, 'about 2 min left'],
    [45 * 60, 'about 45 min left'],
    [3 * 3600, 'about 3 h left'],
    [3 * 86400, 'about 3 days left'],
    [400 * 86400, 'more than a year left'],
    [Number.MAX_VALUE, 'more than a year left'],
  ])('%s -> %s', (seconds, text) => expect(formatTimeLeft(seconds)).toBe(text));
});

describe('progressValue / percentDone', () => {
  it('follows the received bytes against the size', () => {
    expect(progressValue({ receivedBytes: 25, size: 100, state: 'receiving' })).toEqual({ value: 25, max: 100 });
    expect(percentDone({ receivedBytes: 25, size: 100, state: 'receiving' })).toBe(25);
    expect(percentDone({ receivedBytes: 999, size: 1000, state: 'receiving' })).toBe(99);
  });

  it('is indeterminate while receiving or verifying a file of unknown size', () => {
    expect(progressValue({ receivedBytes: 25, size: null, state: 'receiving' })).toBeNull();
    expect(progressValue({ receivedBytes: 25, size: null, state: 'verifying' })).toBeNull();
    expect(percentDone({ receivedBytes: 25, size: null, state: 'receiving' })).toBeNull();
  });

  it('is full when complete and empty when failed, size unknown', () => {
    expect(progressValue({ receivedBytes: 25, size: null, state: 'complete' })).toEqual({ value: 1, max: 1 });
    expect(progressValue({ receivedBytes: 25, size: null, state: 'failed' })).toEqual({ value: 0, max: 1 });
  });

  it('never gives max 0 (an empty file) nor a value outside 0..max', () => {
    expect(progressValue({ receivedBytes: 0, size: 0, state: 'receiving' })).toEqual({ value: 0, max: 1 });
    expect(progressValue({ receivedBytes: 0, size: 0, state: 'complete' })).toEqual({ value: 1, max: 1 });
    expect(progressValue({ receivedBytes: 120, size: 100, state: 'receiving' })).toEqual({ value: 100, max: 100 });
    expect(progressValue({ receivedBytes: -5, size: 100, state: 'receiving' })).toEqual({ value: 0, max: 100 });
  });
});

describe('transferTitle', () => {
  it('is the file name, or what it is when unnamed', () => {
    expect(transferTitle(transfer({ fileName: 'holiday.jpg' }))).toBe('holiday.jpg');
    expect(transferTitle({ contentType: 'video/mp4' })).toBe('Unnamed video/mp4');
    expect(transferTitle({ fileName: '  ', contentType: '' })).toBe('Unnamed file');
  });
});
