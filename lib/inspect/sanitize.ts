/**
 * Turns what actors carry (events, context, snapshots) into small JSON-safe values for the inspector: Buffers and
 * long strings become short descriptions (the snapshot actor's done event carries the whole RDB), secrets are
 * hidden, depth and breadth are capped, and functions become `{ type: name }` as @statelyai/inspect sends them.
 */

export interface SanitizeLimits {
  /** Deeper objects become '[Object]' / '[Array]' (@statelyai/inspect's serializationDepthLimit is 10). */
  depth: number;
  /** Longer strings keep their start and their length. */
  stringChars: number;
  /** Longer arrays / objects keep their first items and a count of the rest. */
  items: number;
}

const DEFAULT_LIMITS: SanitizeLimits = { depth: 10, stringChars: 200, items: 50 };

const HIDDEN = '(hidden)';
/** Keys whose values never leave the process: masterauth and the like. */
const SECRET_KEYS = new Set(['password', 'masterauth', 'requirepass']);

export function sanitize(value: unknown, limits: SanitizeLimits = DEFAULT_LIMITS): unknown {
  return clean(value, limits, 0, []);
}

function clean(value: unknown, limits: SanitizeLimits, depth: number, ancestors: object[]): unknown {
  switch (typeof value) {
    case 'string':
      return value.length > limits.stringChars ? `${value.slice(0, 60)}… (${value.length} chars)` : value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'symbol':
      return undefined;
    case 'function':
      return { type: value.name };
  }
  if (value === null) return null;
  const obj = value as object;
  if (Buffer.isBuffer(obj) || obj instanceof Uint8Array) return `[Buffer ${obj.byteLength} bytes]`;
  if (obj instanceof ArrayBuffer) return `[ArrayBuffer ${obj.byteLength} bytes]`;
  if (obj instanceof Error) return { name: obj.name, message: clean(obj.message, limits, depth + 1, ancestors) };
  if (obj instanceof Date) return obj.toISOString();
  if (ancestors.includes(obj)) return '[Circular]';
  if (depth >= limits.depth) return Array.isArray(obj) ? '[Array]' : '[Object]';
  const inner = [...ancestors, obj];
  if (Array.isArray(obj)) return cleanArray(obj, limits, depth, inner);
  if (obj instanceof Map) return cleanEntries([...obj.entries()].map(([k, v]) => [String(k), v]), obj.size, limits, depth, inner);
  if (obj instanceof Set) return cleanArray([...obj], limits, depth, inner);
  // Actor refs and machine snapshots know their own JSON shape (`{ xstate$$type, id }`, no machine or _nodes).
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const json = toJSON.call(obj);
    if (json !== obj) return clean(json, limits, depth, ancestors);
  }
  const keys = Object.keys(obj);
  return cleanEntries(keys.slice(0, limits.items).map((k) => [k, (obj as Record<string, unknown>)[k]]), keys.length, limits, depth, inner);
}

function cleanArray(arr: unknown[], limits: SanitizeLimits, depth: number, ancestors: object[]): unknown[] {
  // A command line: AUTH's arguments are the password (the replica link sends AUTH [user] password).
  if (typeof arr[0] === 'string' && arr[0].toUpperCase() === 'AUTH') return [arr[0], ...arr.slice(1).map(() => HIDDEN)];
  const out = arr.slice(0, limits.items).map((v) => clean(v, limits, depth + 1, ancestors) ?? null);
  if (arr.length > limits.items) out.push(`… ${arr.length - limits.items} more`);
  return out;
}

function cleanEntries(entries: [string, unknown][], total: number, limits: SanitizeLimits, depth: number, ancestors: object[]) {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries.slice(0, limits.items)) {
    const c = SECRET_KEYS.has(k.toLowerCase()) && v !== undefined ? HIDDEN : clean(v, limits, depth + 1, ancestors);
    if (c !== undefined) out[k] = c;
  }
  if (total > limits.items) out['…'] = `${total - limits.items} more`;
  return out;
}
