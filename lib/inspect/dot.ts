/**
 * Graphviz DOT for a machine diagram. Compound states are clusters; each node's id is the xstate state id, so
 * the SVG's `<title>` of a state is its id (`replica.linked.connecting`) and of a compound state
 * `cluster_<id>`: the live view finds the state to highlight by that text. Root-level transitions start from
 * an "any state" box.
 */
import { transitionLabel, type Diagram, type DiagramState } from './diagram';

const FONT = 'fontname="Helvetica"';

export function toDot(d: Diagram): string {
  const byId = new Map(d.states.map((s) => [s.id, s]));
  byId.set(d.root.id, d.root);
  // Flat machines read best left to right; nested ones top down, so a cluster's chain of steps stays compact.
  const nested = d.states.some((s) => s.children.length > 0);
  const lines: string[] = [
    `digraph ${q(d.id)} {`,
    `  graph [compound=true, rankdir=${nested ? 'TB' : 'LR'}, nodesep=0.35, ranksep=0.4, ${FONT}, fontsize=11, labeljust=l, tooltip=${q(d.id)}];`,
    `  node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#5f6b7a", penwidth=1.2, ${FONT}, fontsize=11, margin="0.12,0.05", height=0.3, class="state"];`,
    `  edge [color="#7b8794", arrowsize=0.6, ${FONT}, fontsize=10, fontcolor="#3e4c59"];`,
  ];
  const emitState = (s: DiagramState, indent: string) => {
    if (s.children.length) {
      lines.push(`${indent}subgraph ${q(`cluster_${s.id}`)} {`);
      lines.push(`${indent}  label=${q(stateLabel(s))}; style="rounded,filled"; fillcolor="#f5f7fa"; color="#9aa5b1"; class="state compound";${s.description ? ` tooltip=${q(s.description)};` : ''}`);
      if (s.initial) lines.push(`${indent}  ${q(`${s.id}.__initial`)} [shape=point, width=0.09, fillcolor="#3e4c59", color="#3e4c59", class="initial", label=""];`);
      for (const c of s.children) emitState(c, `${indent}  `);
      lines.push(`${indent}}`);
    } else {
      const attrs = [`label=${q(stateLabel(s))}`];
      if (s.type === 'final') attrs.push('peripheries=2');
      if (s.transient) attrs.push('shape=diamond', 'style=filled', 'fontsize=9', 'margin="0.02,0.02"');
      if (s.description) attrs.push(`tooltip=${q(s.description)}`);
      lines.push(`${indent}${q(s.id)} [${attrs.join(', ')}];`);
    }
  };
  if (d.root.initial) lines.push(`  ${q(`${d.id}.__initial`)} [shape=point, width=0.11, fillcolor="#3e4c59", color="#3e4c59", class="initial", label=""];`);
  for (const s of d.root.children) emitState(s, '  ');
  const rootEdges = d.transitions.some((t) => t.source === d.root.id);
  if (rootEdges) lines.push(`  ${q(`${d.id}.__any`)} [label="any state", style="rounded,dashed", color="#9aa5b1", fontcolor="#616e7c", class="any"];`);

  /** An edge endpoint: a leaf node; a compound state is reached at its initial leaf and clipped to its cluster. */
  const leafOf = (id: string): string => {
    const s = byId.get(id)!;
    if (!s.children.length) return id;
    return leafOf(s.initial ?? s.children[0].id);
  };
  const isCluster = (id: string) => byId.get(id)!.children.length > 0;
  /** The root's child that holds a state. */
  const tops = new Map<string, string>();
  const mark = (s: DiagramState, topId: string): void => {
    tops.set(s.id, topId);
    for (const c of s.children) mark(c, topId);
  };
  for (const c of d.root.children) mark(c, c.id);
  const top = (id: string) => tops.get(id) ?? id;

  for (const s of [d.root, ...d.states]) {
    if (s.initial) {
      const attrs = ['arrowsize=0.5'];
      if (isCluster(s.initial)) attrs.push(`lhead=${q(`cluster_${s.initial}`)}`);
      lines.push(`  ${q(`${s.id}.__initial`)} -> ${q(leafOf(s.initial))} [${attrs.join(', ')}];`);
    }
  }
  for (const t of d.transitions) {
    const fromRoot = t.source === d.root.id;
    const target = t.target ?? t.source;
    const tail = fromRoot ? `${d.id}.__any` : leafOf(t.source);
    const head = target === d.root.id ? tail : leafOf(target);
    const attrs = [`label=${q(transitionLabel(t))}`, `class=${q(`transition ev-${slug(t.event || 'always')}`)}`];
    if (!fromRoot && isCluster(t.source) && t.source !== target) attrs.push(`ltail=${q(`cluster_${t.source}`)}`);
    if (target !== d.root.id && isCluster(target) && t.source !== target) attrs.push(`lhead=${q(`cluster_${target}`)}`);
    // Escapes from inside a top-level compound state to another one (errors, timeouts back to `connect`) must
    // not pull their target into the flow they leave.
    if (!fromRoot && t.source !== top(t.source) && top(t.source) !== top(target)) attrs.push('constraint=false');
    if (t.kind === 'after') attrs.push('style=dashed');
    if (t.kind === 'always') attrs.push('style=dotted');
    if (t.target === undefined) attrs.push('arrowhead=none', 'style=dotted');
    lines.push(`  ${q(tail)} -> ${q(head)} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** A state's box: its name, then what it does on entry and which actors it runs. */
function stateLabel(s: DiagramState): string {
  const lines = [s.key];
  if (s.entry.length) lines.push(`entry / ${s.entry.join(', ')}`);
  if (s.invoke.length) lines.push(`invoke ${s.invoke.join(', ')}`);
  if (s.exit.length) lines.push(`exit / ${s.exit.join(', ')}`);
  return lines.join('\n');
}

/** A CSS-class-safe form of an event type (the live view marks the edges of the last event by it). */
function slug(event: string): string {
  return event.replace(/[^A-Za-z0-9_-]/g, '_');
}

function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}
