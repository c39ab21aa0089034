import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { toDirectedGraph } from '@xstate/graph';
import type { AnyStateMachine } from 'xstate';
import { diagramOf, transitionLabel, type Diagram } from '../../lib/inspect/diagram';
import { toDot } from '../../lib/inspect/dot';
import { toMermaid } from '../../lib/inspect/mermaid';
import { definitionJson } from '../../lib/inspect/definition';
import { findMachine, MACHINES } from '../../lib/inspect/machines';

const test = suite('inspect/diagram');

/** Every state node id of a machine, found by walking xstate's own tree (not our diagram code). */
function stateIds(machine: AnyStateMachine): string[] {
  const out: string[] = [];
  const walk = (node: any) => {
    for (const child of Object.values(node.states) as any[]) {
      out.push(child.id);
      walk(child);
    }
  };
  walk(machine.root);
  return out;
}

/** `source -event-> target` for every targeted event transition, per @xstate/graph. */
function graphEdges(machine: AnyStateMachine): { source: string; target: string; event: string }[] {
  const out: { source: string; target: string; event: string }[] = [];
  const walk = (n: any) => {
    for (const e of n.edges) out.push({ source: e.source.id, target: e.target.id, event: e.label.text });
    n.children.forEach(walk);
  };
  walk(toDirectedGraph(machine));
  return out;
}

test('every machine under machines/ is registered for the inspector and the diagrams', () => {
  const dir = path.resolve(__dirname, '../../machines');
  const found: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const mod = require(path.join(dir, file));
    for (const value of Object.values(mod) as any[]) {
      if (value && typeof value === 'object' && value.root && value.config && typeof value.transition === 'function') found.push(value.id);
    }
  }
  assert.ok(found.length >= 3, `found machines: ${found}`);
  for (const id of found) assert.ok(findMachine(id), `machine '${id}' is missing from lib/inspect/machines.ts`);
  assert.is(findMachine('replica-sync')?.machine.id, 'replicaSync');
});

for (const { machine } of MACHINES) {
  const d: Diagram = diagramOf(machine);
  const dot = toDot(d);
  const mermaid = toMermaid(d);

  test(`${machine.id}: every state is in the diagram, the DOT and the Mermaid`, () => {
    const ids = stateIds(machine);
    assert.equal(d.states.map((s) => s.id).sort(), [...ids].sort());
    for (const s of d.states) {
      if (s.children.length) assert.match(dot, `subgraph "cluster_${s.id}" {`, s.id);
      else assert.match(dot, new RegExp(`^\\s*"${s.id.replace(/\./g, '\\.')}" \\[label="${s.key}`, 'm'), s.id);
      assert.match(mermaid, new RegExp(`(^|\\s|state )${s.key}( |$)`, 'm'), s.id);
      if (s.type === 'final') {
        assert.match(dot, new RegExp(`"${s.id.replace(/\./g, '\\.')}" \\[[^\\n]*peripheries=2`), `${s.id} drawn as final`);
        assert.match(mermaid, `${s.key} --> [*]`);
      }
    }
  });

  test(`${machine.id}: every transition is an edge, with its event, guard, delay and actions`, () => {
    // Independent reference: @xstate/graph's edges (targeted event transitions).
    for (const e of graphEdges(machine)) {
      const t = d.transitions.find((x) => x.source === e.source && (x.target ?? x.source) === e.target && x.event === e.event);
      assert.ok(t, `${e.source} -${e.event}-> ${e.target} is in the diagram`);
    }
    const edgeLines = dot.split('\n').filter((l) => l.includes(' -> ') && !l.includes('__initial"'));
    assert.is(edgeLines.length, d.transitions.length, 'one DOT edge per transition');
    for (const t of d.transitions) {
      const label = transitionLabel(t);
      assert.ok(edgeLines.some((l) => l.includes(`label="${label}"`)), `DOT edge labelled ${label}`);
      assert.ok(mermaid.includes(label ? ` : ${label}` : ''), `Mermaid edge labelled ${label}`);
      if (t.kind === 'after') assert.match(label, /^after \w+/);
      if (t.guard) assert.ok(label.includes(`[${t.guard}]`), `${label} names its guard`);
      for (const a of t.actions) assert.ok(label.includes(a), `${label} names ${a}`);
    }
    const mermaidEdges = mermaid.split('\n').filter((l) => l.includes(' --> ') && !l.includes('[*]'));
    assert.is(mermaidEdges.length, d.transitions.length, 'one Mermaid edge per transition');
  });

  test(`${machine.id}: the DOT renders with Graphviz, and each state's SVG <title> is its id`, async () => {
    const { instance } = await import('@viz-js/viz');
    const result = (await instance()).render(dot, { format: 'svg' });
    assert.is(result.status, 'success', JSON.stringify(result.errors));
    assert.equal(result.errors, []);
    for (const s of d.states) {
      const title = s.children.length ? `cluster_${s.id}` : s.id;
      assert.ok(result.output!.includes(`<title>${title}</title>`), `${s.id} has an SVG title`);
    }
  });

  test(`${machine.id}: --format json is the config the Stately inspector receives`, () => {
    const def = JSON.parse(definitionJson(machine.config));
    assert.is(def.id, machine.id);
    assert.equal(Object.keys(def.states), Object.keys(machine.config.states ?? {}));
    assert.is(definitionJson(machine.config), definitionJson(machine.provide({}).config), 'shared by provided variants');
  });
}

test('labels: guards, the else branch, delays, eventless choices, root-level transitions', () => {
  const replica = toDot(diagramOf(findMachine('replica')!.machine));
  assert.match(replica, 'label="link.reply [isPongOrAuthRequired]"');
  assert.match(replica, 'label="link.reply [else] / recordError"');
  assert.match(replica, 'label="after replTimeout / recordError"');
  assert.match(replica, '"replica.linked.handshake.afterPing" [label="afterPing", shape=diamond');
  assert.match(replica, '"replica.linked.handshake.afterPing" -> "replica.linked.handshake.receiveAuthReply" [label="[hasAuth]"');
  assert.match(replica, '"replica.__any" -> "replica.stopped" [label="replica.stop"');
  assert.match(replica, 'label="linked\\nentry / countAttempt\\ninvoke masterLink"');
  const client = toMermaid(diagramOf(findMachine('client')!.machine));
  assert.match(client, 'direction LR');
  assert.match(client, 'any --> closing : client.close');
  assert.match(client, 'closing --> closing : client.close');
  assert.match(client, 'multi --> normal : command.discard [else] / discardTransaction');
  const sync = toMermaid(diagramOf(findMachine('replicaSync')!.machine));
  const choice = sync.indexOf('state start <<choice>>');
  assert.ok(choice >= 0 && choice < sync.indexOf('[*] --> start'), 'a choice is declared before it is used');
  assert.match(sync, 'waitBgsave --> sendBulk : xstate.done.actor.snapshot / assign, emit');
});

test.run();
