/**
 * The bounded wait before asserting an absence ("nothing arrived", "nothing stored", "no
 * second copy"). Asserted at once, an absence holds even when what it denies is on its way:
 * the check could not fail. Waiting one named, bounded interval first gives a wrong delivery
 * the time a right one takes here (loopback SIP, a local Kamailio, Chromium's IndexedDB: a few
 * to tens of milliseconds), so the check can fail.
 *
 * Only for absences. Never wait with it for something to happen: poll for that
 * (expect.poll, waitFor), which returns as soon as it holds.
 */
export const ABSENCE_WAIT_MS = 1000;

/** Wait `ms` (ABSENCE_WAIT_MS by default), then assert the absence. */
export function settled(ms: number = ABSENCE_WAIT_MS): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
