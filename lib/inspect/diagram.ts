/**
 * A machine's shape, read from its definition (`machine.root`, xstate v5 StateNodes): every state with its
 * entry actions and invoked actors, and every transition with its event, guard, delay and actions. The DOT and
 * Mermaid writers draw this; nothing here is written by hand, so a diagram cannot drift from its machine.
 */
import type { AnyStateMachine } from 'xstate';

export interface DiagramState {
  /** xstate's state id: `replica.linked.handshake`; the root's is the machine id. */
  id: string;
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  description?: string;
  entry: string[];
  exit: string[];
  invoke: string[];
  tags: string[];
  /** Id of the initial child, for compound states. */
  initial?: string;
  /** An eventless state that only decides where to go (`always` transitions): never seen at rest. */
  transient: boolean;
  children: DiagramState[];
}

export interface DiagramTransition {
  source: string;
  /** Undefined for a targetless transition (the event is handled where it is). */
  target?: string;
  kind: 'event' | 'after' | 'always';
  /** The event type as xstate sends it (`xstate.after.<delay>.<state>` for delays, '' for `always`). */
  event: string;
  /** `replTimeout`, `1000` … for delayed transitions. */
  delay?: string;
  guard?: string;
  /** An unguarded candidate after guarded ones for the same event: taken when none of them passed. */
  otherwise: boolean;
  actions: string[];
}

export interface Diagram {
  id: string;
  root: DiagramState;
  /** Every state but the root, parents before children. */
  states: DiagramState[];
  transitions: DiagramTransition[];
}

/** Minimal view of xstate's StateNode: the fields the walk reads. */
interface StateNodeLike {
  id: string;
  key: string;
  type: DiagramState['type'];
  description?: string;
  entry: unknown[];
  exit: unknown[];
  invoke: { src: unknown; id: string }[];
  tags: string[];
  initial?: { target: StateNodeLike[] };
  states: Record<string, StateNodeLike>;
  transitions: Map<string, TransitionLike[]>;
  always?: TransitionLike[];
  after: (TransitionLike & { delay: string | number })[];
}

interface TransitionLike {
  eventType: string;
  target?: StateNodeLike[];
  guard?: unknown;
  actions: unknown[];
}

export function diagramOf(machine: AnyStateMachine): Diagram {
  const root = machine.root as unknown as StateNodeLike;
  const states: DiagramState[] = [];
  const transitions: DiagramTransition[] = [];
  const visit = (node: StateNodeLike): DiagramState => {
    const state: DiagramState = {
      id: node.id,
      key: node.key,
      type: node.type,
      description: node.description,
      entry: actionNames(node.entry),
      exit: actionNames(node.exit),
      invoke: node.invoke.map((i) => (typeof i.src === 'string' ? i.src : i.id)),
      tags: [...node.tags],
      initial: node.initial?.target[0]?.id,
      transient: !!node.always?.length,
      children: [],
    };
    if (node !== root) states.push(state);
    transitions.push(...transitionsOf(node));
    state.children = Object.values(node.states).map(visit);
    return state;
  };
  const top = visit(root);
  return { id: root.id, root: top, states, transitions };
}

function transitionsOf(node: StateNodeLike): DiagramTransition[] {
  const out: DiagramTransition[] = [];
  const delays = new Map(node.after.map((t) => [t.eventType, String(t.delay)]));
  const add = (t: TransitionLike, kind: DiagramTransition['kind'], otherwise: boolean) =>
    out.push({
      source: node.id,
      target: t.target?.[0]?.id,
      kind,
      event: kind === 'always' ? '' : t.eventType,
      delay: delays.get(t.eventType),
      guard: t.guard === undefined ? undefined : guardName(t.guard),
      otherwise,
      actions: actionNames(t.actions),
    });
  const addCandidates = (candidates: TransitionLike[], kind: DiagramTransition['kind']) => {
    candidates.forEach((t, i) => add(t, kind, i > 0 && t.guard === undefined && candidates.slice(0, i).some((c) => c.guard !== undefined)));
  };
  for (const [eventType, candidates] of node.transitions) addCandidates(candidates, delays.has(eventType) ? 'after' : 'event');
  if (node.always?.length) addCandidates(node.always, 'always');
  return out;
}

/** Named actions by name; inline ones (`assign(...)`, `emit(...)`) by their kind; xstate's own delay plumbing left out. */
function actionNames(actions: unknown[]): string[] {
  const names: string[] = [];
  for (const a of actions) {
    const name = actionName(a);
    if (name) names.push(name);
  }
  return names;
}

function actionName(action: unknown): string | null {
  if (typeof action === 'string') return action;
  const type = (action as { type?: unknown })?.type;
  if (typeof type === 'string') {
    // `after` schedules with a raise on entry and cancels on exit: the delayed edge already says it.
    if (type === 'xstate.raise' || type === 'xstate.cancel') return null;
    return type.startsWith('xstate.') ? type.slice('xstate.'.length) : type;
  }
  if (typeof action === 'function') return action.name || 'inline';
  return null;
}

function guardName(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return guard.name || 'inline guard';
  const type = (guard as { type?: unknown })?.type;
  return typeof type === 'string' ? type : 'guard';
}

/** The words on an edge: `link.reply [isOk] / recordError`, `after replTimeout`, `[hasAuth]`. */
export function transitionLabel(t: DiagramTransition): string {
  const parts: string[] = [];
  if (t.kind === 'after') parts.push(`after ${/^\d+$/.test(t.delay!) ? `${t.delay} ms` : t.delay}`);
  else if (t.kind === 'event') parts.push(t.event);
  if (t.guard) parts.push(`[${t.guard}]`);
  else if (t.otherwise) parts.push('[else]');
  let label = parts.join(' ');
  if (t.actions.length) label += ` / ${t.actions.join(', ')}`;
  return label;
}
