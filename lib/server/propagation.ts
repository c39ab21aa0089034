/**
 * Collects what a command changed, as commands for replicas and the AOF (Redis's also_propagate and
 * propagatePendingCommands). Writes made during one top-level call go out together, wrapped in MULTI/EXEC when
 * there are two or more (an EXEC of several writes, or a key expired on access before a write), as Redis 7.0 does.
 */

/** Receives the propagated stream: one command at a time, with the db it applies to (NO_DB: any). */
export const NO_DB = -1;

/** Where a propagated command goes: both replicas and the AOF, or (PUBLISH: PROPAGATE_REPL) replicas only. */
export type PropagationTarget = 'all' | 'replicas';

export type PropagationSink = (db: number, argv: string[], target: PropagationTarget) => void;

export class Propagation {
  private depth = 0;
  private pending: { db: number; argv: string[]; target: PropagationTarget }[] = [];
  readonly sinks: PropagationSink[] = [];

  /** The outermost call's batch goes out without MULTI/EXEC around it (see enter). */
  private noWrap = false;

  /**
   * Enter a call; nested calls (EXEC running its queue) add to the same batch. `touchesArbitraryKeys`: the
   * outermost command is one that may lazily expire any number of keys (SCAN, RANDOMKEY), whose DELs go out one by
   * one, as active expiry's do (CMD_TOUCHES_ARBITRARY_KEYS).
   */
  enter(touchesArbitraryKeys = false): void {
    if (this.depth++ === 0) this.noWrap = touchesArbitraryKeys;
  }

  /** Leave a call; the outermost one sends the batch. */
  exit(): void {
    if (--this.depth === 0 && this.pending.length) this.flush();
  }

  /** Propagate `argv` as executed against `db`. Outside any call (active expiry) it goes out at once. */
  also(db: number, argv: string[], target: PropagationTarget = 'all'): void {
    if (this.sinks.length === 0) return;
    this.pending.push({ db, argv, target });
    if (this.depth === 0) this.flush();
  }

  private flush(): void {
    const ops = this.pending;
    this.pending = [];
    if (this.sinks.length === 0) return;
    const wrap = ops.length > 1 && !this.noWrap;
    // MULTI carries the first write's db, so a SELECT it needs comes before MULTI (propagatePendingCommands)
    if (wrap) this.emit(ops[0].db, ['MULTI'], 'all');
    for (const op of ops) this.emit(op.db, op.argv, op.target);
    if (wrap) this.emit(NO_DB, ['EXEC'], 'all');
  }

  private emit(db: number, argv: string[], target: PropagationTarget): void {
    for (const sink of this.sinks) sink(db, argv, target);
  }
}
