/**
 * Argument trees for COMMAND DOCS, declared as small typed data: `key('key')`, `int('seconds', 'EX')`,
 * `oneof('condition', tok('NX'), tok('XX')).opt.since('2.6.12')`. Each helper makes one redisCommandArg
 * (server.h); the modifiers return a new argument, so shared pieces can be reused safely. Key specs are in keyspecs.ts.
 */
import type { ArgSpec, ArgType } from './types';

/** An argument under construction: its COMMAND DOCS data, and modifiers that return a changed copy. */
export class Arg {
  constructor(readonly spec: ArgSpec) {}

  private with(fields: Partial<ArgSpec>): Arg {
    return new Arg({ ...this.spec, ...fields });
  }

  /** May be left out. */
  get opt(): Arg {
    return this.with({ optional: true });
  }

  /** May be repeated. */
  get many(): Arg {
    return this.with({ multiple: true });
  }

  /** May be repeated, its token with it each time. */
  get manyTokens(): Arg {
    return this.with({ multiple: true, multipleToken: true });
  }

  /** Introduced by a keyword the client types first. */
  token(word: string): Arg {
    return this.with({ token: word });
  }

  /** Accepted since this version (the command itself is older). */
  since(version: string): Arg {
    return this.with({ since: version });
  }

  deprecatedSince(version: string): Arg {
    return this.with({ deprecatedSince: version });
  }
}

const leaf = (type: ArgType) => (name: string, token?: string) => new Arg(token === undefined ? { name, type } : { name, type, token });

/** A key argument, found by the key spec at `keySpecIndex`. */
export const key = (name: string, keySpecIndex = 0) => new Arg({ name, type: 'key', keySpecIndex });
export const str = leaf('string');
export const integer = leaf('integer');
export const dbl = leaf('double');
export const pattern = leaf('pattern');
export const unixTime = leaf('unix-time');
/** A keyword on its own (NX, WITHSCORES); named after it in lower case unless told otherwise. */
export const tok = (token: string, name = token.toLowerCase()) => new Arg({ name, type: 'pure-token', token });
/** Exactly one of the choices. */
export const oneof = (name: string, ...choices: Arg[]) => new Arg({ name, type: 'oneof', arguments: choices.map((c) => c.spec) });
/** Arguments that go together, in order. */
export const block = (name: string, ...parts: Arg[]) => new Arg({ name, type: 'block', arguments: parts.map((p) => p.spec) });
