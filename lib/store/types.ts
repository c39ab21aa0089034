/**
 * The value types a key can hold. A string is a latin1 JS string (one char per byte, binary-safe): it is the
 * most compact form V8 has (measured: ~180 bytes per 16-byte key + 32-byte value in a Map, against ~280 with
 * Buffer values), and it is what the RESP parser yields. Other types are classes added by their own modules.
 */

/** Collections register here as they are added (list, hash, set, zset, stream). */
export interface Collection {
  readonly type: 'list' | 'hash' | 'set' | 'zset' | 'stream';
  /** OBJECT ENCODING as Redis would report it for this content (listpack, hashtable, …). */
  encoding(): string;
  /** A deep copy: COPY, and snapshots keeping the old version of a value about to change in place. */
  clone(): Collection;
}

export type Value = string | Collection;

export type TypeName = 'string' | Collection['type'];

export function typeName(v: Value): TypeName {
  return typeof v === 'string' ? 'string' : v.type;
}
