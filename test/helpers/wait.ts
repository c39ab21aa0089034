/** Waiting for what happens on its own time (a client blocks, a background save ends, a replica catches up). */
import * as assert from 'uvu/assert';

/** Poll `check` every `every` ms until it holds; fail, naming `what`, after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what = 'a condition', ms = 30000, every = 5): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.unreachable(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
