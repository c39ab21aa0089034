/**
 * Mermaid `stateDiagram-v2` for a machine diagram (GitHub renders it in README.md). Compound states are
 * `state x { … }` blocks holding the transitions between their own children; transitions that cross a block's
 * edge are written after all blocks, where Mermaid resolves both ends to the states already declared.
 */
import { transitionLabel, type Diagram, type DiagramState, type DiagramTransition } from './diagram';

export function toMermaid(d: Diagram): string {
  const parent = new Map<string, string>();
  const byId = new Map<string, DiagramState>([[d.root.id, d.root]]);
  for (const s of d.states) {
    byId.set(s.id, s);
    for (const c of s.children) parent.set(c.id, s.id);
  }
  for (const c of d.root.children) parent.set(c.id, d.root.id);

  // Mermaid ids are global to the diagram: a state's own key when unique, its path otherwise.
  const keyCount = new Map<string, number>();
  for (const s of d.states) keyCount.set(s.key, (keyCount.get(s.key) ?? 0) + 1);
  const name = (id: string) => {
    const s = byId.get(id)!;
    const n = keyCount.get(s.key) === 1 && s.key !== 'any' ? s.key : id.slice(d.id.length + 1);
    return n.replace(/[^A-Za-z0-9_]/g, '_');
  };
  const anyState = 'any';

  const nested = d.states.some((s) => s.children.length > 0);
  const lines = ['stateDiagram-v2'];
  if (!nested) lines.push('  direction LR');

  /** Transitions drawn inside a block: both ends are children of the same compound state. */
  const local = new Map<string, DiagramTransition[]>();
  const crossing: DiagramTransition[] = [];
  for (const t of d.transitions) {
    const target = t.target ?? t.source;
    if (t.source !== d.root.id && parent.get(t.source) === parent.get(target)) {
      const p = parent.get(t.source)!;
      local.set(p, [...(local.get(p) ?? []), t]);
    } else crossing.push(t);
  }
  const edge = (t: DiagramTransition, indent: string) => {
    const from = t.source === d.root.id ? anyState : name(t.source);
    const to = name(t.target ?? t.source);
    const label = transitionLabel(t);
    lines.push(`${indent}${from} --> ${to}${label ? ` : ${escape(label)}` : ''}`);
  };

  const block = (s: DiagramState, indent: string) => {
    // A choice must be declared before anything mentions it, or Mermaid makes it a plain state.
    for (const c of s.children) if (c.transient) lines.push(`${indent}state ${name(c.id)} <<choice>>`);
    if (s.initial) lines.push(`${indent}[*] --> ${name(s.initial)}`);
    for (const c of s.children) {
      if (c.children.length) {
        lines.push(`${indent}state ${name(c.id)} {`);
        block(c, `${indent}  `);
        lines.push(`${indent}}`);
      }
      // One description would replace the state's name; with two, Mermaid shows the name as a title above the
      // rest. Composite states take no description at all.
      const notes = describe(c);
      if (notes && !c.children.length) lines.push(`${indent}${name(c.id)} : ${c.key}`, `${indent}${name(c.id)} : ${escape(notes)}`);
      if (c.type === 'final') lines.push(`${indent}${name(c.id)} --> [*]`);
    }
    for (const t of local.get(s.id) ?? []) edge(t, indent);
  };
  block(d.root, '  ');
  if (crossing.some((t) => t.source === d.root.id)) lines.push(`  state "any state" as ${anyState}`);
  for (const t of crossing) edge(t, '  ');
  if (crossing.some((t) => t.source === d.root.id)) {
    lines.push('  classDef anyState fill:none,stroke-dasharray:4 3', `  class ${anyState} anyState`);
  }
  return lines.join('\n') + '\n';
}

function describe(s: DiagramState): string {
  const parts: string[] = [];
  if (s.entry.length) parts.push(`entry / ${s.entry.join(', ')}`);
  if (s.invoke.length) parts.push(`invoke ${s.invoke.join(', ')}`);
  if (s.exit.length) parts.push(`exit / ${s.exit.join(', ')}`);
  return parts.join(' · ');
}

/** Mermaid ends a label at a newline and reads `;` as a statement end and `#…;` as an entity. */
function escape(label: string): string {
  return label.replace(/[\n;]/g, ',').replace(/#/g, '');
}
