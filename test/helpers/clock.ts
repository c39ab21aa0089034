/** A clock tests move by hand, so expiry is tested without sleeping. */
import type { Clock } from '../../lib/store/keyspace';

export class FakeClock implements Clock {
  constructor(public ms = 1_700_000_000_000) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
