import * as assert from 'uvu/assert';

/** The promise must reject with an error whose message matches. */
export async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  const outcome = await p.then((v) => ({ ok: true as const, v }), (e: Error) => ({ ok: false as const, e }));
  if (outcome.ok) assert.unreachable(`expected an error matching ${pattern}, got ${JSON.stringify(outcome.v)}`);
  else assert.match(outcome.e.message, pattern);
}
