/**
 * WATCH bookkeeping (multi.c): which clients watch which keys, so that a write to a watched key makes their
 * EXEC fail. Fed by the keyspace's modified/flushed hooks.
 */
import type { Client } from './client';
import type { Db } from '../store/keyspace';

export class Watches {
  private byDb = new Map<Db, Map<string, Set<Client>>>();

  get size(): number {
    return this.byDb.size;
  }

  /** `expired`: the key had already logically expired when watched (its later removal must not abort EXEC). */
  watch(client: Client, db: Db, key: string, expired: boolean): void {
    let keys = client.watched.get(db);
    if (!keys) client.watched.set(db, (keys = new Map()));
    if (keys.has(key)) return;
    keys.set(key, expired);
    let watchers = this.byDb.get(db);
    if (!watchers) this.byDb.set(db, (watchers = new Map()));
    let clients = watchers.get(key);
    if (!clients) watchers.set(key, (clients = new Set()));
    clients.add(client);
  }

  unwatchAll(client: Client): void {
    for (const [db, keys] of client.watched) {
      const watchers = this.byDb.get(db);
      if (!watchers) continue;
      for (const key of keys.keys()) {
        const clients = watchers.get(key);
        clients?.delete(client);
        if (clients?.size === 0) watchers.delete(key);
      }
      if (watchers.size === 0) this.byDb.delete(db);
    }
    client.watched.clear();
    client.watchTouched = false;
  }

  /**
   * touchWatchedKey(): a write to `key` fails the EXEC of everyone watching it. A watcher that saw the key already
   * expired is not failed by its deletion (no logical change); when the key is there again, Redis 7.0 stops going
   * through the watchers at that one (its loop breaks), so neither it nor those after it are failed.
   */
  touched(db: Db, key: string): void {
    const clients = this.byDb.get(db)?.get(key);
    if (!clients) return;
    for (const c of clients) {
      const keys = c.watched.get(db)!;
      if (keys.get(key)) {
        if (db.peek(key) !== undefined) break;
        keys.set(key, false); // deleted keys are not flagged as expired
        continue;
      }
      c.watchTouched = true;
    }
  }

  /**
   * touchAllWatchedKeysInDb(): a flushed db (or one swapped with `replacedWith`) touches every watched key that
   * existed there or exists in its replacement, except where nothing logically changed: a key that had expired
   * when watched is now gone or still expired, or a missing key is replaced by an expired one.
   */
  flushed(emptied: Db, replacedWith: Db | null = null): void {
    const watchers = this.byDb.get(emptied);
    if (!watchers) return;
    const expiredIn = (db: Db, key: string) => {
      const e = db.peek(key);
      return e !== undefined && db.isExpired(e);
    };
    for (const [key, clients] of watchers) {
      const inEmptied = emptied.peek(key) !== undefined;
      const inReplacement = replacedWith !== null && replacedWith.peek(key) !== undefined;
      if (!inEmptied && !inReplacement) continue;
      for (const c of clients) {
        const keys = c.watched.get(emptied)!;
        if (keys.get(key)) {
          if (!inReplacement) {
            keys.set(key, false);
            continue;
          }
          if (expiredIn(replacedWith!, key)) continue;
        } else if (!inEmptied && expiredIn(replacedWith!, key)) {
          keys.set(key, true);
          continue;
        }
        c.watchTouched = true;
      }
    }
  }
}
