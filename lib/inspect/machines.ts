/**
 * The machines toyredis runs, as the inspector, the diagrams and `toyredis machines` list them. A machine added
 * under machines/ goes here too (a test fails while one is missing); its group is how the live view files its
 * actors.
 */
import type { AnyStateMachine } from 'xstate';
import { clientMachine } from '../../machines/client';
import { replicaMachine } from '../../machines/replica';
import { replicaSyncMachine } from '../../machines/replica-sync';

export interface KnownMachine {
  machine: AnyStateMachine;
  /** The live view's group title. */
  group: string;
  /** One line on what an actor of this machine stands for. */
  summary: string;
}

export const MACHINES: readonly KnownMachine[] = [
  { machine: clientMachine, group: 'Client connections', summary: 'One actor per connection: its mode (MULTI, subscribed, blocked, replica, closing)' },
  { machine: replicaMachine, group: 'Replica link', summary: 'This server as a replica: the link to its master, from connect to streaming' },
  { machine: replicaSyncMachine, group: 'Replica syncs', summary: 'Master side, one actor per replica: snapshot, transfer, online' },
];

/** A machine by id (`replicaSync`), case and dashes ignored (`replica-sync` works too). */
export function findMachine(name: string): KnownMachine | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  return MACHINES.find((m) => norm(m.machine.id) === norm(name));
}
