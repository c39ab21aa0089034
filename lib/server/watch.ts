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

  /** touchWatchedKey(): a write to `key` fails the EXEC of everyone watching it. */
  touched(db: Db, key: string): void {
    const clients = this.byDb.get(db)?.get(key);
    if (clients) for (const c of clients) c.watchTouched = true;
  }

  /** touchAllWatchedKeysInDb(): a flushed or swapped db touches every watched key that existed there. */
  flushed(db: Db, other: Db = db): void {
    const watchers = this.byDb.get(db);
    if (!watchers) return;
    for (const [key, clients] of watchers) {
      if (db.peek(key) === undefined && other.peek(key) === undefined) continue;
      for (const c of clients) c.watchTouched = true;
    }
  }
}
