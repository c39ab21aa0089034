/**
 * The live view's browser script, inlined into the page by page.ts (no template literals or `${` inside, so it
 * can live in this string). Model: actors by session id, grouped by machine id (read from the definition each
 * `@xstate.actor` carries); child actors (the replica's link, the snapshot builder) are listed on their parent.
 * Messages are queued and applied once per frame; only what changed is redrawn.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var MACHINES = JSON.parse(document.getElementById('machines').textContent);
  var PAGE_SIZE = 24;        // cards shown per group before "show more"
  var AUTO_COLLAPSE = 40;    // a group with more live actors than this starts collapsed
  var MAX_LOG = 2000;        // event rows kept
  var MAX_STOPPED = 20;      // stopped actors kept per group, faded
  var MAX_NAMES = 500;       // actor names offered by the filter box

  var known = {};
  MACHINES.forEach(function (m, i) { m.order = i; known[m.id] = m; });
  var svgTemplates = {};     // machine id -> parsed <svg>, cloned for each card
  var defs = new Map();      // definition JSON -> { id, states }
  var actors = new Map();    // session id -> actor
  var groups = new Map();    // machine id -> group
  var groupsEl = document.getElementById('groups');
  var eventsEl = document.getElementById('events');
  var filterEl = document.getElementById('filter');
  var namesEl = document.getElementById('actor-names');
  var connEl = document.getElementById('conn');
  var totalsEl = document.getElementById('totals');
  var queue = [];
  var scheduled = false;
  var messageCount = 0;
  var names = new Set();
  var dirtyGroups = new Set();
  var dirtyActors = new Set();
  var lastRow = new Map();   // session id -> its latest event row, for the "-> state" note
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (e) {
      // A stopped actor's card is only its header: no diagram to draw.
      if (e.isIntersecting && e.target.__actor && e.target.__actor.status === 'active') drawDiagram(e.target.__actor);
    });
  }, { rootMargin: '200px' });

  // ---- connection ----
  function connect() {
    var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host);
    ws.onopen = function () {
      reset(); // the relay replays the live actors and recent messages to every new connection
      connEl.textContent = 'live';
      connEl.className = 'conn up';
    };
    ws.onmessage = function (e) {
      var m;
      try { m = JSON.parse(e.data); } catch (err) { return; }
      if (!m || typeof m.type !== 'string' || typeof m.sessionId !== 'string') return;
      queue.push(m);
      schedule();
    };
    ws.onclose = function () {
      connEl.textContent = 'disconnected, retrying…';
      connEl.className = 'conn down';
      setTimeout(connect, 1000);
    };
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(flush);
    setTimeout(flush, 100); // frames do not run in a hidden tab; the queue must not grow there
  }

  function reset() {
    actors.clear(); groups.clear(); lastRow.clear(); names.clear();
    groupsEl.textContent = ''; eventsEl.textContent = ''; namesEl.textContent = '';
    queue.length = 0; messageCount = 0;
  }

  // ---- model ----
  function flush() {
    if (!scheduled) return;
    scheduled = false;
    var batch = queue;
    queue = [];
    var rows = document.createDocumentFragment();
    for (var i = 0; i < batch.length; i++) {
      var m = batch[i];
      messageCount++;
      if (m.type === '@xstate.actor') onActor(m);
      else if (m.type === '@xstate.event') onEvent(m, rows);
      else if (m.type === '@xstate.snapshot') onSnapshot(m);
    }
    var stick = eventsEl.scrollTop + eventsEl.clientHeight >= eventsEl.scrollHeight - 4;
    insertRows(rows);
    while (eventsEl.childElementCount > MAX_LOG) {
      var old = eventsEl.firstElementChild;
      if (lastRow.get(old.dataset.session) === old) lastRow.delete(old.dataset.session);
      eventsEl.removeChild(old);
    }
    if (stick) eventsEl.scrollTop = eventsEl.scrollHeight;
    dirtyGroups.forEach(renderGroup);
    dirtyGroups.clear();
    dirtyActors.forEach(renderActor);
    dirtyActors.clear();
    renderTotals();
  }

  /**
   * Rows in time order: messages of several servers (a master and its replicas) reach the relay by different
   * sockets, so one may arrive a little after a later one. Nearly always an append.
   */
  function insertRows(fragment) {
    var rows = Array.prototype.slice.call(fragment.children);
    rows.sort(function (x, y) { return x.__at - y.__at; });
    rows.forEach(function (row) {
      var before = null, prev = eventsEl.lastElementChild;
      while (prev && prev.__at > row.__at) { before = prev; prev = prev.previousElementSibling; }
      eventsEl.insertBefore(row, before);
    });
  }

  function definitionOf(m) {
    var text = m.definition || '';
    var d = defs.get(text);
    if (!d) {
      var config = null;
      try { config = text ? JSON.parse(text) : null; } catch (e) { config = null; }
      var id = config && typeof config.id === 'string' ? config.id : m.name;
      d = { id: id, states: config && config.states ? stateIds(id, config.states) : null };
      defs.set(text, d);
    }
    return d;
  }

  function stateIds(prefix, states) {
    var out = [];
    Object.keys(states).forEach(function (k) {
      var id = prefix + '.' + k;
      out.push(id);
      var s = states[k];
      if (s && s.states) out = out.concat(stateIds(id, s.states));
    });
    return out;
  }

  function onActor(m) {
    var d = definitionOf(m);
    var a = actors.get(m.sessionId);
    if (!a) {
      a = { sessionId: m.sessionId, card: null, drawn: false, children: new Map(), status: 'active', value: null, since: m.createdAt, context: null };
      actors.set(m.sessionId, a);
    }
    a.name = m.name;
    a.machine = d.id;
    a.def = d;
    a.parentId = m.parentId;
    var parent = m.parentId && actors.get(m.parentId);
    if (parent) {
      // An invoked child (the replica's link, the snapshot builder) is shown on its parent's card.
      a.child = true;
      parent.children.set(a.sessionId, a);
      dirtyActors.add(parent);
    } else {
      a.child = false;
      var g = groupFor(d.id);
      if (g.members.indexOf(a) < 0) g.members.push(a);
      dirtyGroups.add(g);
      if (names.size < MAX_NAMES && !names.has(a.name)) {
        names.add(a.name);
        var o = document.createElement('option');
        o.value = a.name;
        namesEl.appendChild(o);
      }
    }
    applySnapshot(a, m.snapshot, m.createdAt);
  }

  function onSnapshot(m) {
    var a = actors.get(m.sessionId);
    if (!a) return;
    var before = a.stateText;
    applySnapshot(a, m.snapshot, m.createdAt);
    var row = lastRow.get(m.sessionId);
    if (row && !row.__noted && m.event && row.__event === m.event.type) {
      row.__noted = true;
      if (a.stateText !== before) {
        var to = document.createElement('span');
        to.className = 'to';
        to.textContent = ' → ' + a.stateText;
        row.querySelector('.e').appendChild(to);
      }
    }
    if (m.event && m.event.type) a.lastEvent = m.event.type;
  }

  function applySnapshot(a, snap, at) {
    if (!snap || typeof snap !== 'object') return;
    var text = snap.value !== undefined ? valueText(snap.value) : a.stateText;
    if (snap.value !== undefined) {
      if (text !== a.stateText) { a.prevValue = a.value; a.since = at; }
      a.value = snap.value;
      a.stateText = text;
    }
    if (snap.context && typeof snap.context === 'object') a.context = snap.context;
    var status = snap.status || a.status;
    if (status !== a.status) {
      a.status = status;
      if (a.child) {
        var p = actors.get(a.parentId);
        if (p) { dirtyActors.add(p); pruneChildren(p); }
      } else if (groups.get(a.machine)) dirtyGroups.add(groups.get(a.machine));
    }
    if (a.child) { var par = actors.get(a.parentId); if (par) dirtyActors.add(par); return; }
    dirtyActors.add(a);
    var g = groups.get(a.machine);
    if (g) dirtyGroups.add(g);
  }

  /** A parent keeps its live children and its last few stopped ones (a flapping link makes one per attempt). */
  function pruneChildren(p) {
    var stopped = [];
    p.children.forEach(function (c) { if (c.status !== 'active') stopped.push(c); });
    stopped.slice(0, Math.max(0, stopped.length - 2)).forEach(function (c) {
      p.children.delete(c.sessionId);
      actors.delete(c.sessionId);
    });
  }

  function valueText(v) {
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object') {
      var k = Object.keys(v);
      if (k.length === 1) return k[0] + '.' + valueText(v[k[0]]);
      return k.map(function (x) { return x + '.' + valueText(v[x]); }).join(' | ');
    }
    return String(v);
  }

  function activeIds(prefix, v, out) {
    if (typeof v === 'string') out.add(prefix + '.' + v);
    else if (v && typeof v === 'object') Object.keys(v).forEach(function (k) {
      out.add(prefix + '.' + k);
      activeIds(prefix + '.' + k, v[k], out);
    });
    return out;
  }

  function onEvent(m, rows) {
    var a = actors.get(m.sessionId);
    var ev = m.event || { type: '?' };
    var who = a ? a.name : m.sessionId;
    if (a && a.child) { var p = actors.get(a.parentId); if (p) who = p.name + ' › ' + a.name; }
    var row = document.createElement('div');
    row.className = 'ev' + (ev.type.indexOf('xstate.') === 0 ? ' internal' : '');
    row.dataset.actor = who;
    row.dataset.event = ev.type;
    row.dataset.session = m.sessionId;
    row.__event = ev.type;
    row.__at = Number(m.createdAt) || 0;
    var t = document.createElement('span'); t.className = 't'; t.textContent = clock(m.createdAt);
    var w = document.createElement('span'); w.className = 'a'; w.textContent = who; w.title = who;
    var e = document.createElement('span'); e.className = 'e';
    var b = document.createElement('b'); b.textContent = ev.type; e.appendChild(b);
    var d = detail(ev);
    if (d) { var ds = document.createElement('span'); ds.className = 'd'; ds.textContent = ' ' + d; e.appendChild(ds); }
    row.appendChild(t); row.appendChild(w); row.appendChild(e);
    if (!matches(who)) row.classList.add('hidden');
    lastRow.set(m.sessionId, row);
    rows.appendChild(row);
  }

  function detail(ev) {
    if (Array.isArray(ev.argv)) return ev.argv.join(' ');
    if (ev.reply && typeof ev.reply === 'object') return replyText(ev.reply);
    var rest = {}, any = false;
    Object.keys(ev).forEach(function (k) { if (k !== 'type') { rest[k] = ev[k]; any = true; } });
    if (!any) return '';
    var s = JSON.stringify(rest);
    return s.length > 140 ? s.slice(0, 139) + '…' : s;
  }

  function replyText(r) {
    if (r.kind === 'simple') return '+' + r.text;
    if (r.kind === 'error') return '-' + r.text;
    if (r.kind === 'int') return ':' + r.value;
    if (r.kind === 'bulk') return JSON.stringify(r.value);
    return JSON.stringify(r);
  }

  function clock(ms) {
    var d = new Date(Number(ms));
    if (isNaN(d.getTime())) return '';
    function p(n, w) { n = String(n); while (n.length < w) n = '0' + n; return n; }
    return p(d.getHours(), 2) + ':' + p(d.getMinutes(), 2) + ':' + p(d.getSeconds(), 2) + '.' + p(d.getMilliseconds(), 3);
  }

  // ---- groups and cards ----
  function groupFor(id) {
    var g = groups.get(id);
    if (g) return g;
    var info = known[id] || { id: id, group: id, summary: 'Actors of machine ' + id, order: 1000 };
    g = { id: id, info: info, members: [], shown: PAGE_SIZE, collapsed: null };
    var el = document.createElement('section');
    el.className = 'group';
    el.dataset.machine = id;
    var h = document.createElement('header');
    h.innerHTML = '<span class="twisty"></span><h2></h2><span class="count"></span><span class="chips"></span><span class="summary"></span>';
    h.querySelector('h2').textContent = info.group;
    h.querySelector('.summary').textContent = info.summary + ' · machine ' + id;
    h.addEventListener('click', function () { g.collapsed = !isCollapsed(g); redraw(g); });
    var cards = document.createElement('div');
    cards.className = 'cards';
    var more = document.createElement('button');
    more.type = 'button';
    more.className = 'more';
    more.addEventListener('click', function () { g.shown += PAGE_SIZE * 4; redraw(g); });
    var overview = document.createElement('div');
    overview.className = 'overview diagram';
    overview.title = 'Where the live actors are: the number of actors in each state';
    el.appendChild(h); el.appendChild(overview); el.appendChild(cards); el.appendChild(more);
    g.el = el; g.header = h; g.cardsEl = cards; g.moreEl = more; g.overviewEl = overview;
    // Known machines in their registry order, others after them.
    var after = null;
    groups.forEach(function (o) { if (o.info.order > info.order && (!after || o.info.order < after.info.order)) after = o; });
    groupsEl.insertBefore(el, after ? after.el : null);
    groups.set(id, g);
    return g;
  }

  function redraw(g) {
    renderGroup(g);
    dirtyActors.forEach(renderActor);
    dirtyActors.clear();
  }

  function isCollapsed(g) {
    if (g.collapsed !== null) return g.collapsed;
    return liveCount(g) > AUTO_COLLAPSE;
  }

  function liveCount(g) {
    var n = 0;
    for (var i = 0; i < g.members.length; i++) if (g.members[i].status === 'active') n++;
    return n;
  }

  function renderGroup(g) {
    // Forget the oldest stopped actors beyond the few kept faded.
    var stopped = g.members.filter(function (a) { return a.status !== 'active'; });
    if (stopped.length > MAX_STOPPED) {
      var drop = new Set(stopped.slice(0, stopped.length - MAX_STOPPED));
      g.members = g.members.filter(function (a) { return !drop.has(a); });
      drop.forEach(forget);
      stopped = stopped.slice(stopped.length - MAX_STOPPED);
    }
    var live = g.members.filter(function (a) { return a.status === 'active'; });
    var counts = {};
    live.forEach(function (a) { var s = a.stateText || '?'; counts[s] = (counts[s] || 0) + 1; });
    var collapsed = isCollapsed(g);
    g.el.classList.toggle('collapsed', collapsed);
    g.header.querySelector('.twisty').textContent = collapsed ? '▸' : '▾';
    g.header.querySelector('.count').textContent = live.length + ' live' + (stopped.length ? ' · ' + stopped.length + ' stopped' : '');
    var chips = g.header.querySelector('.chips');
    chips.textContent = '';
    Object.keys(counts).sort().forEach(function (s) {
      var c = document.createElement('span');
      c.className = 'chip';
      c.dataset.state = s;
      c.innerHTML = '<b></b> ';
      c.firstChild.textContent = s;
      c.appendChild(document.createTextNode(String(counts[s])));
      chips.appendChild(c);
    });
    var scale = live.length > 1 ? 0.65 : 1;
    if (scale !== g.scale) {
      g.scale = scale;
      g.members.forEach(sizeDiagram);
    }
    var ordered = live.concat(stopped.slice().reverse());
    var visible = collapsed ? [] : ordered.slice(0, g.shown);
    var keep = new Set(visible);
    g.members.forEach(function (a) { if (a.card && !keep.has(a)) dropCard(a); });
    visible.forEach(function (a, i) {
      if (!a.card) makeCard(a);
      if (g.cardsEl.children[i] !== a.card) g.cardsEl.insertBefore(a.card, g.cardsEl.children[i] || null);
      dirtyActors.add(a);
    });
    var hidden = ordered.length - visible.length;
    g.moreEl.style.display = !collapsed && hidden > 0 ? '' : 'none';
    g.moreEl.textContent = 'show ' + Math.min(hidden, PAGE_SIZE * 4) + ' more of ' + hidden;
    drawOverview(g, collapsed ? live : null);
  }

  /** A collapsed group shows its machine once, each state marked with how many live actors are in it. */
  function drawOverview(g, live) {
    var box = g.overviewEl;
    var size = diagramSize(g.id);
    if (!live || !size) { box.style.display = 'none'; return; }
    box.style.display = '';
    if (!g.overview) {
      var svg = svgFor(g.id);
      svg.style.width = Math.round(size.w * 0.65) + 'px';
      box.appendChild(svg);
      var nodes = new Map();
      svg.querySelectorAll('g.node, g.cluster').forEach(function (n) {
        var t = n.querySelector('title');
        if (t) nodes.set(n.classList.contains('cluster') ? t.textContent.slice('cluster_'.length) : t.textContent, { g: n, badge: null });
      });
      g.overview = { svg: svg, nodes: nodes };
    }
    var counts = new Map();
    live.forEach(function (a) {
      if (a.value !== null) activeIds(a.machine, a.value, new Set()).forEach(function (id) { counts.set(id, (counts.get(id) || 0) + 1); });
    });
    g.overview.nodes.forEach(function (node, id) {
      var n = counts.get(id) || 0;
      node.g.classList.toggle('active', n > 0);
      if (!n && !node.badge) return;
      if (!node.badge) {
        var box = node.g.getBBox();
        node.badge = document.createElementNS('http://www.w3.org/2000/svg', 'text');
        node.badge.setAttribute('class', 'badge');
        node.badge.setAttribute('x', String(box.x + box.width));
        node.badge.setAttribute('y', String(box.y - 3));
        node.badge.setAttribute('text-anchor', 'end');
        node.g.appendChild(node.badge);
      }
      node.badge.textContent = n ? String(n) : '';
    });
  }

  function forget(a) {
    dropCard(a);
    actors.delete(a.sessionId);
    a.children.forEach(function (c) { actors.delete(c.sessionId); });
  }

  function makeCard(a) {
    var card = document.createElement('article');
    card.className = 'actor';
    card.dataset.name = a.name;
    card.dataset.session = a.sessionId;
    card.innerHTML = '<header><span class="name" title="Show only this actor\'s events"></span><span class="where"></span><span class="state"></span></header><div class="diagram pending">diagram appears when visible</div><div class="children"></div>';
    card.querySelector('.name').textContent = a.name;
    card.querySelector('.name').addEventListener('click', function () { setFilter(a.name); });
    card.__actor = a;
    a.card = card;
    a.drawn = false;
    a.zoomed = false;
    sizeDiagram(a);
    observer.observe(card);
  }

  /**
   * Among several live actors a diagram is drawn at 65% of Graphviz's size, so cards sit side by side; alone,
   * at full size; a click on it toggles. Until it is drawn its place is held at that size: the page does not
   * jump, and only the cards in view get drawn.
   */
  function sizeDiagram(a) {
    var size = diagramSize(a.machine);
    if (!size || !a.card) return;
    var g = groups.get(a.machine);
    var scale = a.zoomed ? 1 : g && g.scale ? g.scale : 1;
    var box = a.card.querySelector('.diagram');
    var svg = box.querySelector('svg');
    if (svg) svg.style.width = Math.round(size.w * scale) + 'px';
    else {
      box.style.width = Math.round(size.w * scale) + 12 + 'px';
      box.style.height = Math.round(size.h * scale) + 12 + 'px';
    }
  }

  function dropCard(a) {
    if (!a.card) return;
    observer.unobserve(a.card);
    a.card.remove();
    a.card = null;
    a.drawn = false;
    a.titles = null;
  }

  function drawDiagram(a) {
    if (!a.card || a.drawn) return;
    a.drawn = true;
    var box = a.card.querySelector('.diagram');
    box.classList.remove('pending');
    box.textContent = '';
    var svg = svgFor(a.machine);
    if (svg) {
      box.style.width = box.style.height = '';
      svg.addEventListener('click', function () {
        a.zoomed = box.classList.toggle('zoomed');
        sizeDiagram(a);
      });
      box.appendChild(svg);
      sizeDiagram(a);
      a.titles = new Map();
      svg.querySelectorAll('g.node, g.cluster, g.edge').forEach(function (g) {
        var t = g.querySelector('title');
        if (t) a.titles.set(t.textContent, g);
      });
    } else if (a.def.states) {
      var list = document.createElement('div');
      list.className = 'statelist';
      a.def.states.forEach(function (id) {
        var s = document.createElement('span');
        s.dataset.id = id;
        s.textContent = id.slice(a.machine.length + 1);
        list.appendChild(s);
      });
      box.appendChild(list);
    }
    renderActor(a);
  }

  /** The diagram's size in CSS pixels (Graphviz writes points). */
  function diagramSize(id) {
    svgFor(id);
    var t = svgTemplates[id];
    if (!t) return null;
    var px = function (v) { return parseFloat(v) * (String(v).indexOf('pt') > 0 ? 4 / 3 : 1); };
    return { w: px(t.getAttribute('width')), h: px(t.getAttribute('height')) };
  }

  function svgFor(id) {
    if (!(id in svgTemplates)) {
      var m = known[id];
      var doc = m && m.svg ? new DOMParser().parseFromString(m.svg, 'image/svg+xml') : null;
      svgTemplates[id] = doc && doc.documentElement.nodeName === 'svg' ? doc.documentElement : null;
    }
    var t = svgTemplates[id];
    return t ? document.importNode(t, true) : null;
  }

  function renderActor(a) {
    var card = a.card;
    if (!card) return;
    card.classList.toggle('stopped', a.status !== 'active');
    card.dataset.state = a.stateText || '';
    card.dataset.status = a.status;
    card.querySelector('.state').textContent = (a.stateText || '?') + (a.status !== 'active' ? ' (' + a.status + ')' : '');
    card.querySelector('.state').title = 'since ' + clock(a.since);
    card.querySelector('.where').textContent = where(a);
    var kids = [];
    a.children.forEach(function (c) { kids.push(c.name + (c.status === 'active' ? ' ●' : ' (' + c.status + ')')); });
    var ch = card.querySelector('.children');
    ch.textContent = kids.length ? 'children: ' + kids.join(', ') : '';
    ch.style.display = kids.length ? '' : 'none';
    if (!a.drawn) return;
    var active = a.value !== null ? activeIds(a.machine, a.value, new Set()) : new Set();
    if (a.titles) {
      a.titles.forEach(function (g, title) {
        var cls = g.classList;
        if (cls.contains('edge')) return;
        var id = cls.contains('cluster') ? title.slice('cluster_'.length) : title;
        cls.toggle('active', active.has(id));
      });
      markFired(a, active);
    } else {
      card.querySelectorAll('.statelist span').forEach(function (s) { s.classList.toggle('active', active.has(s.dataset.id)); });
    }
  }

  /** The transition just taken: edges of the last event that leave a state that was active or enter one that is. */
  function markFired(a, active) {
    var before = a.prevValue ? activeIds(a.machine, a.prevValue, new Set()) : new Set();
    var cls = a.lastEvent ? 'ev-' + a.lastEvent.replace(/[^A-Za-z0-9_-]/g, '_') : null;
    a.titles.forEach(function (g, title) {
      if (!g.classList.contains('edge')) return;
      var ends = title.split('->');
      var fired = !!cls && g.classList.contains(cls) && (before.has(ends[0]) || active.has(ends[1]) || ends[0] === a.machine + '.__any');
      g.classList.toggle('fired', fired);
    });
  }

  function where(a) {
    var parts = [];
    var c = a.context || {};
    if (typeof c.addr === 'string') parts.push(c.addr);
    if (c.master && typeof c.master === 'object') parts.push('master ' + c.master.host + ':' + c.master.port);
    var slash = a.sessionId.indexOf('/');
    if (slash > 0) parts.push('server :' + a.sessionId.slice(0, slash));
    return parts.join(' · ');
  }

  function renderTotals() {
    var live = 0;
    actors.forEach(function (a) { if (!a.child && a.status === 'active') live++; });
    totalsEl.textContent = live + ' live actor' + (live === 1 ? '' : 's') + ' · ' + messageCount + ' messages';
  }

  // ---- the log filter ----
  function matches(who) {
    var f = filterEl.value.trim();
    if (!f) return true;
    if (names.has(f)) return who === f || who.indexOf(f + ' ›') === 0;
    return who.toLowerCase().indexOf(f.toLowerCase()) >= 0;
  }

  function applyFilter() {
    var rows = eventsEl.children;
    for (var i = 0; i < rows.length; i++) rows[i].classList.toggle('hidden', !matches(rows[i].dataset.actor));
    eventsEl.scrollTop = eventsEl.scrollHeight;
  }

  function setFilter(v) {
    filterEl.value = v;
    applyFilter();
  }

  filterEl.addEventListener('input', applyFilter);
  document.getElementById('clear-filter').addEventListener('click', function () { setFilter(''); });
  connect();
})();
`;
