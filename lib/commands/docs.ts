/**
 * COMMAND INFO metadata a command row may carry beyond CommandSpec (types.ts): its tips and its key spec's
 * flags. The command table keeps every field of a row, so COMMAND INFO (command.ts) finds them there.
 */
import type { CommandSpec } from './types';

export interface CommandDocExtras {
  /** nondeterministic_output, request_policy:…, response_policy:… as in Redis's command JSON files. */
  tips?: readonly string[];
  /** The key spec's flags when the default (RW/update for writes, RO/access for reads) is not what Redis says. */
  keyFlags?: readonly string[];
}

/** Declare a row with extras (an identity function: it only widens the type the literal is checked against). */
export const withDocs = (spec: CommandSpec & CommandDocExtras): CommandSpec => spec;
