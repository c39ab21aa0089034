/** INFO replies as data: a section's fields as a map, or one field of an INFO text. */
import type { RawConnection } from './raw';

/** INFO `section` on `c`: its `field:value` lines as a map, in order. */
export async function infoFields(c: RawConnection, section: string): Promise<Map<string, string>> {
  c.send('INFO', section);
  const raw = await c.readRaw();
  const body = raw.slice(raw.indexOf('\r\n') + 2); // after the bulk's length line
  return new Map(body.split('\r\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
}

/** The value of `field` in an INFO text, undefined when it is not there. */
export function infoField(info: string, field: string): string | undefined {
  return info.split('\r\n').find((l) => l.startsWith(`${field}:`))?.slice(field.length + 1);
}
