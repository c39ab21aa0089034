/**
 * The offline live view served at `/`: one self-contained HTML page (inline style and script, diagrams inlined
 * as SVG, nothing fetched from elsewhere). It reads the relay's WebSocket: actors grouped by machine, each with
 * its diagram and current state highlighted, an event log filterable by actor; stopped actors fade. Built to
 * stay usable with thousands of actors: messages are applied once per frame, big groups start collapsed,
 * cards are paged and their diagrams drawn only when scrolled into view.
 */
import { PAGE_SCRIPT } from './page-script';

export interface PageMachine {
  id: string;
  group: string;
  summary: string;
  /** Pre-rendered diagram; machines without one are shown as a list of their states. */
  svg?: string;
}

export function livePage(machines: PageMachine[], title = 'toyredis · machines'): string {
  // JSON inside <script>: `<` escaped so no string in it can close the element.
  const data = JSON.stringify(machines).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header class="top">
  <h1>toyredis <span>live machines</span></h1>
  <span id="conn" class="conn down" title="WebSocket to the relay">connecting…</span>
  <span id="totals" class="totals"></span>
  <a class="stately" href="/stately" title="The same stream in the hosted Stately inspector (needs internet)">open in Stately inspector ↗</a>
</header>
<main>
  <section id="groups" class="groups" aria-label="Actors by machine"></section>
  <aside class="log" aria-label="Event log">
    <div class="logbar">
      <h2>Events</h2>
      <input id="filter" list="actor-names" placeholder="filter by actor (e.g. replica, client-3)" autocomplete="off">
      <datalist id="actor-names"></datalist>
      <button id="clear-filter" type="button" title="Show every actor">all</button>
    </div>
    <div id="events" class="events" role="log"></div>
  </aside>
</main>
<script type="application/json" id="machines">${data}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const PAGE_STYLE = `
:root { --bg:#f4f6f8; --panel:#fff; --ink:#1f2933; --muted:#616e7c; --line:#d9e2ec; --accent:#f0b429; --accent-ink:#8d2b0b; --live:#27ab83; --blue:#2680c2; }
* { box-sizing: border-box; }
html, body { margin: 0; }
body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); background: var(--bg); }
header.top { position: sticky; top: 0; z-index: 2; height: 40px; display: flex; align-items: center; gap: 16px; padding: 0 16px; background: #102a43; color: #f0f4f8; }
header.top h1 { font-size: 16px; margin: 0; font-weight: 600; }
header.top h1 span { font-weight: 400; color: #9fb3c8; }
.conn { padding: 2px 8px; border-radius: 10px; font-size: 12px; }
.conn.up { background: #27ab83; color: #fff; }
.conn.down { background: #ba2525; color: #fff; }
.totals { color: #bcccdc; font-size: 12px; }
a.stately { margin-left: auto; color: #9fb3c8; font-size: 12px; }
main { display: flex; align-items: flex-start; }
.groups { flex: 1; padding: 12px 16px; min-width: 0; }
.group { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; margin-bottom: 12px; }
.group > header { display: flex; align-items: center; gap: 10px; padding: 8px 12px; cursor: pointer; user-select: none; flex-wrap: wrap; }
.group > header h2 { font-size: 14px; margin: 0; }
.group > header .twisty { width: 12px; color: var(--muted); }
.group > header .count { color: var(--muted); }
.group > header .summary { color: var(--muted); font-size: 12px; flex-basis: 100%; padding-left: 22px; }
.chips { display: flex; gap: 4px; flex-wrap: wrap; }
.chip { font-size: 11px; padding: 1px 7px; border-radius: 9px; background: #e4e7eb; color: #3e4c59; }
.chip b { font-weight: 600; }
.group.collapsed .cards, .group.collapsed .more { display: none; }
.overview { padding: 4px 12px 12px; }
.diagram svg text.badge { font: bold 15px Helvetica, Arial, sans-serif; fill: #8d2b0b; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; padding: 0 12px 12px; align-items: flex-start; }
.actor { border: 1px solid var(--line); border-radius: 6px; background: #fff; max-width: 100%; transition: opacity .6s; }
.actor > header { display: flex; gap: 8px; align-items: baseline; padding: 6px 10px; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
.actor .name { font-weight: 600; cursor: pointer; color: var(--blue); }
.actor .where { color: var(--muted); font-size: 12px; }
.actor .state { margin-left: auto; font: 12px ui-monospace, "DejaVu Sans Mono", monospace; background: #fff3c4; color: var(--accent-ink); padding: 1px 6px; border-radius: 4px; }
.actor .children { padding: 4px 10px; color: var(--muted); font-size: 11px; border-top: 1px solid var(--line); }
.actor.stopped { opacity: .45; }
.actor.stopped .diagram, .actor.stopped .children { display: none; }
.actor.stopped > header { border-bottom: none; }
.actor.stopped .state { background: #e4e7eb; color: var(--muted); }
.diagram { padding: 6px; overflow: auto; }
.diagram.pending { min-height: 80px; color: var(--muted); font-size: 12px; display: flex; align-items: center; justify-content: center; }
.diagram svg { display: block; max-width: 100%; height: auto; }
.diagram.zoomed svg { max-width: none; }
.diagram svg .node.active path, .diagram svg .node.active polygon, .diagram svg .node.active ellipse { fill: #ffe8a3; stroke: #de911d; stroke-width: 2.5px; }
.diagram svg .node.active text { font-weight: bold; fill: #8d2b0b; }
.diagram svg .cluster.active > path, .diagram svg .cluster.active > polygon { stroke: #de911d; stroke-width: 2px; fill: #fffbea; }
.diagram svg .edge.fired path { stroke: #de911d; stroke-width: 2.2px; }
.diagram svg .edge.fired polygon { fill: #de911d; stroke: #de911d; }
.diagram svg .edge.fired text { fill: #8d2b0b; font-weight: bold; }
.statelist { display: flex; flex-wrap: wrap; gap: 4px; padding: 4px; }
.statelist span { font: 12px ui-monospace, monospace; padding: 2px 6px; border: 1px solid var(--line); border-radius: 4px; }
.statelist span.active { background: #ffe8a3; border-color: #de911d; }
.more { margin: 0 12px 12px; }
button { font: inherit; font-size: 12px; padding: 2px 10px; border: 1px solid #bcccdc; border-radius: 4px; background: #fff; cursor: pointer; }
.log { position: sticky; top: 40px; height: calc(100vh - 40px); width: 470px; flex: none; display: flex; flex-direction: column; border-left: 1px solid var(--line); background: var(--panel); }
.logbar { display: flex; gap: 6px; align-items: center; padding: 8px 10px; border-bottom: 1px solid var(--line); }
.logbar h2 { font-size: 14px; margin: 0 6px 0 0; }
.logbar input { flex: 1; font: inherit; font-size: 12px; padding: 3px 6px; border: 1px solid #bcccdc; border-radius: 4px; min-width: 0; }
.events { flex: 1; min-height: 0; overflow: auto; font: 12px/1.5 ui-monospace, "DejaVu Sans Mono", monospace; }
.ev { display: grid; grid-template-columns: 84px 136px 1fr; gap: 0 8px; padding: 2px 10px; border-bottom: 1px solid #f0f4f8; }
.ev .t { color: var(--muted); }
.ev .a { color: var(--blue); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.ev .e { overflow-wrap: anywhere; }
.ev .e b { font-weight: 600; }
.ev .d { color: #3e4c59; }
.ev .to { color: #8d2b0b; }
.ev.internal .e b { font-weight: 400; color: var(--muted); }
.ev.hidden { display: none; }
`;
