/**
 * Push IDs: unique strings that sort in the order they were issued.
 *
 *   <time: 9 base-36 chars, ms since epoch><counter: 4 base-36 chars><random: 4 chars>
 *
 * The time never goes backwards within a generator (a clock step back keeps the last time and
 * bumps the counter), so IDs from one page session are strictly increasing; the random tail
 * keeps two tabs of the same profile that issue in the same millisecond from colliding.
 */
const COUNTER_LIMIT = 36 ** 4;

export type IdGenerator = () => string;

export function createIdGenerator(now: () => number = Date.now, random: () => number = Math.random): IdGenerator {
  let lastTime = 0;
  let counter = 0;
  return () => {
    let time = Math.max(now(), lastTime);
    if (time === lastTime) {
      counter++;
      if (counter >= COUNTER_LIMIT) {
        time++;
        counter = 0;
      }
    } else {
      counter = 0;
    }
    lastTime = time;
    let tail = '';
    for (let i = 0; i < 4; i++) tail += Math.floor(random() * 36).toString(36);
    return time.toString(36).padStart(9, '0') + counter.toString(36).padStart(4, '0') + tail;
  };
}
