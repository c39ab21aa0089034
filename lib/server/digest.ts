/**
 * DEBUG DIGEST and DEBUG DIGEST-VALUE (debug.c): a SHA1 signature of the whole dataset or of single values, the
 * same bytes Redis 7.0 computes, so two servers' contents can be compared. Reads entries as stored: a logically
 * expired key counts until it is deleted, and nothing is touched or counted as a hit.
 */
import { createHash } from 'node:crypto';
import { formatDouble } from '../protocol/reply';
import type { HashValue } from '../store/hash';
import { NO_EXPIRY, type Db, type Entry, type Keyspace } from '../store/keyspace';
import type { List } from '../store/list';
import type { SetValue } from '../store/set';
import { ID_MAX, ID_MIN, idMs, idSeq, type StreamValue } from '../store/stream';
import { typeName, type TypeName, type Value } from '../store/types';
import type { ZsetValue } from '../store/zset';

/** A digest is 20 bytes, changed in place: SHA1's output size. */
export type Digest = Buffer;

const DIGEST_LEN = 20;

export const newDigest = (): Digest => Buffer.alloc(DIGEST_LEN);

/** What DEBUG replies with: the digest as 40 lowercase hex digits. */
export const digestHex = (d: Digest): string => d.toString('hex');

function sha1(data: string | Buffer): Buffer {
  const h = createHash('sha1');
  if (typeof data === 'string') h.update(data, 'latin1');
  else h.update(data);
  return h.digest();
}

/** xorDigest(): d ^= SHA1(data). XOR ignores order, so unordered elements (a set's members) add up this way. */
export function xorDigest(d: Digest, data: string | Buffer): void {
  const h = sha1(data);
  for (let i = 0; i < DIGEST_LEN; i++) d[i] ^= h[i];
}

/** mixDigest(): d = SHA1(d ^ SHA1(data)). Feeding the digest back in makes order count (a list's elements). */
export function mixDigest(d: Digest, data: string | Buffer): void {
  xorDigest(d, data);
  sha1(d).copy(d);
}

/** A 32-bit unsigned integer in network byte order, as htonl() lays it out: type codes and db numbers. */
function uint32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** OBJ_* in server.h: the type code mixed in first (5 is OBJ_MODULE, which toyredis has none of). */
const TYPE_CODES: Record<TypeName, number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4, stream: 6 };

/** A digest of its own for one unordered element: its parts mixed in order, starting from zeros. */
function elementDigest(...parts: string[]): Digest {
  const d = newDigest();
  for (const p of parts) mixDigest(d, p);
  return d;
}

/** How each type's content goes into the digest; strings are bytes as stored, an integer its decimal text. */
const contentDigesters: Record<TypeName, (d: Digest, value: Value) => void> = {
  string: (d, value) => mixDigest(d, value as string),
  list: (d, value) => {
    for (const item of (value as List).toArray()) mixDigest(d, item);
  },
  set: (d, value) => {
    for (const member of (value as SetValue).members()) xorDigest(d, member);
  },
  // the score as printf's %.17g, whichever encoding holds it
  zset: (d, value) => {
    for (const [member, score] of (value as ZsetValue).entries()) xorDigest(d, elementDigest(member, formatDouble(score)));
  },
  hash: (d, value) => {
    for (const [field, v] of (value as HashValue).entries()) xorDigest(d, elementDigest(field, v));
  },
  // live entries in ID order, the ID as "<ms>.<seq>"; consumer groups and the last ID stay out
  stream: (d, value) => {
    for (const e of (value as StreamValue).range(ID_MIN, ID_MAX)) {
      mixDigest(d, `${idMs(e.id)}.${idSeq(e.id)}`);
      for (let i = 0; i < e.values.length; i++) {
        mixDigest(d, e.fields[i]);
        mixDigest(d, e.values[i]);
      }
    }
  },
};

/**
 * xorObjectDigest(): mix the type code, then the content, into `d`; a key with a TTL also has "!!expire!!"
 * xored in (that it has one, not when it is due).
 */
export function mixValueDigest(d: Digest, value: Value, hasExpire: boolean): void {
  const type = typeName(value);
  mixDigest(d, uint32be(TYPE_CODES[type]));
  contentDigesters[type](d, value);
  if (hasExpire) xorDigest(d, '!!expire!!');
}

/** One key's share of DEBUG DIGEST: its name mixed in, then its value. */
export function keyDigest(key: string, e: Entry): Digest {
  const d = newDigest();
  mixDigest(d, key);
  mixValueDigest(d, e.value, e.expiresAt !== NO_EXPIRY);
  return d;
}

/**
 * computeDatasetDigest(): per non-empty db, its number mixed in (the same keys in another db differ), then every
 * key's digest xored in (the order of keys does not matter). An empty dataset is 20 zero bytes.
 */
export function datasetDigest(ks: Keyspace): Digest {
  const final = newDigest();
  for (const db of ks.dbs) {
    if (db.size === 0) continue;
    mixDigest(final, uint32be(db.id));
    for (const [key, e] of db.entries()) xorDigest(final, keyDigest(key, e));
  }
  return final;
}

/**
 * DEBUG DIGEST-VALUE's digest of one key: its value without the key name, TTL marker included; 20 zero bytes for
 * a missing key. Looks the key up as dictFind does: no lazy expiry, no hit or miss, no access time.
 */
export function valueDigest(db: Db, key: string): Digest {
  const d = newDigest();
  const e = db.peek(key);
  if (e !== undefined) mixValueDigest(d, e.value, e.expiresAt !== NO_EXPIRY);
  return d;
}
