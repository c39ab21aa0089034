/**
 * CLIENT PAUSE (pauseClients in networking.c): for a while, commands from clients are held instead of run —
 * all of them, or (WRITE) only those that may change the dataset — then run in arrival order when the pause ends.
 * A held client is parked in the client machine's `blocked` state with its command kept here. Replicas and our
 * master's stream are never held. While writes are paused, expired keys are not deleted either.
 */
import { dispatch } from '../commands';
import type { Command } from '../commands/types';
import { BLOCKED, NO_REPLY } from '../commands/types';
import type { Client } from './client';
import type { Server } from './server';

type PauseType = 'off' | 'write' | 'all';
const RANK: Record<PauseType, number> = { off: 0, write: 1, all: 2 };

interface Held {
  client: Client;
  argv: string[];
}

export class ClientPause {
  type: PauseType = 'off';
  /** Unix ms at which the pause ends. */
  end = 0;
  private held: Held[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly server: Server) {}

  /** CLIENT PAUSE: a longer or stricter pause extends the current one, never shortens it. */
  pause(type: Exclude<PauseType, 'off'>, end: number): void {
    if (RANK[type] > RANK[this.type]) this.type = type;
    this.end = Math.max(this.end, end);
    this.server.keyspace.expiryPaused = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.expire(), Math.max(0, this.end - this.server.clock.now()));
    this.timer.unref?.();
  }

  /** CLIENT UNPAUSE, or the end of the pause: held commands run, oldest first. */
  unpause(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.type = 'off';
    this.end = 0;
    this.server.keyspace.expiryPaused = false;
    const held = this.held;
    this.held = [];
    for (const h of held) this.release(h);
  }

  get isPaused(): boolean {
    return this.type !== 'off';
  }

  /** Does this command wait? (Replicas and our master's stream never do; a WRITE pause holds what may write.) */
  holds(client: Client, command: Command, mayWrite: boolean): boolean {
    if (this.type === 'off' || client.isMaster || client.replica !== null || client.mode === 'replica') return false;
    if (this.server.clock.now() >= this.end) {
      this.unpause();
      return false;
    }
    return this.type === 'all' || mayWrite;
  }

  /** Park the client with its command until the pause ends. */
  hold(client: Client, argv: string[]): void {
    this.held.push({ client, argv });
    client.send({ type: 'client.block', reason: 'pause' });
  }

  /** A held client went away. */
  forget(client: Client): void {
    this.held = this.held.filter((h) => h.client !== client);
  }

  get heldCount(): number {
    return this.held.length;
  }

  private expire(): void {
    this.timer = null;
    if (this.type !== 'off' && this.server.clock.now() >= this.end) this.unpause();
    else if (this.type !== 'off') this.pause(this.type, this.end);
  }

  private release({ client, argv }: Held): void {
    if (client.mode !== 'blocked') return;
    client.send({ type: 'client.unblock' });
    const reply = dispatch(this.server, client, argv); // the whole processCommand path: inside MULTI it queues

    if (reply === BLOCKED) return; // it blocks for real now (a BLPOP on an empty list)
    if (reply !== NO_REPLY) client.push(reply);
    this.server.resumeInput(client);
  }
}
