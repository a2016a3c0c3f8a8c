/**
 * The status page (`GET /` for browsers): one self-contained document, no build step and no
 * framework. It reads the same JSON the API serves (/status, /status/<name>), follows /events
 * live, and refreshes a group's card whenever an event names it, so a failover shows without a
 * reload. Text from the server only ever goes into textContent, never into markup.
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>redis-zk</title>
<style>
  :root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --muted: #6e7781; --line: #d0d7de; }
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0; padding: 16px 24px; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 16px; margin: 0 0 8px; }
  header p, .muted { color: var(--muted); margin: 0; }
  main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px; margin-top: 16px; }
  section { border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; margin-bottom: 16px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 2px 8px 2px 0; font-variant-numeric: tabular-nums; }
  th { color: var(--muted); font-weight: 500; }
  .badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; border: 1px solid currentColor; margin-left: 6px; }
  .ok { color: var(--ok); } .bad { color: var(--bad); } .warn { color: var(--warn); }
  .master { font: 600 16px ui-monospace, monospace; }
  code, .mono { font-family: ui-monospace, monospace; }
  #events { list-style: none; padding: 0; margin: 0; max-height: 520px; overflow: auto; }
  #events li { border-top: 1px solid var(--line); padding: 4px 0; }
  #events .kind { font-weight: 600; margin-right: 6px; }
  form { display: grid; grid-template-columns: auto 1fr; gap: 6px 10px; align-items: center; }
  form button { grid-column: 2; justify-self: start; }
  #switchover-result { white-space: pre-wrap; margin-top: 8px; }
  @media (max-width: 900px) { main { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<header>
  <h1>redis-zk <span id="health" class="badge">…</span></h1>
  <p id="summary">Loading…</p>
</header>
<main>
  <div>
    <div id="groups"></div>
    <section>
      <h2>Sentinels</h2>
      <div id="sentinels" class="mono">…</div>
    </section>
  </div>
  <div>
    <section>
      <h2>Switchover</h2>
      <form id="switchover">
        <label for="so-group">Group</label><select id="so-group"></select>
        <label for="so-candidate">Candidate</label><input id="so-candidate" placeholder="host:port (optional: the sentinel's choice)">
        <label for="so-token">API token</label><input id="so-token" type="password" autocomplete="off" placeholder="API_TOKEN of the watcher">
        <button type="submit">Switch over</button>
      </form>
      <div id="switchover-result" class="muted"></div>
    </section>
    <section>
      <h2>Events <span id="stream" class="badge warn">connecting</span></h2>
      <ul id="events"></ul>
    </section>
  </div>
</main>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; };
  const groups = new Map();
  let defaultName;

  async function getJson(path) {
    const r = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (!r.ok && r.status !== 503) throw new Error(path + ': HTTP ' + r.status);
    return r.json();
  }

  function card(name) {
    let c = document.querySelector('[data-group="' + CSS.escape(name) + '"]');
    if (!c) {
      c = el('section'); c.dataset.group = name;
      $('groups').appendChild(c);
      const opt = el('option', name); opt.value = name; $('so-group').appendChild(opt);
    }
    return c;
  }

  function render(s) {
    groups.set(s.name, s);
    const c = card(s.name);
    c.replaceChildren();
    const h = el('h2', s.name + (s.default ? ' (default group)' : ''));
    h.appendChild(el('span', s.health.ok ? 'healthy' : 'unhealthy', 'badge ' + (s.health.ok ? 'ok' : 'bad')));
    if (s.master && s.master.fenced) h.appendChild(el('span', 'fenced', 'badge bad'));
    if (s.paused) h.appendChild(el('span', 'paused', 'badge warn paused'));
    c.appendChild(h);
    const m = el('p');
    m.appendChild(el('span', 'master '));
    m.appendChild(el('span', s.master ? s.master.host + ':' + s.master.port : 'none recorded', 'master'));
    m.appendChild(el('span', '  epoch ' + (s.epoch ?? '–') + (s.master && s.master.offset !== null ? ', offset ' + s.master.offset : '') + (s.master && s.master.server ? ', ' + s.master.server : ''), 'muted'));
    c.appendChild(m);
    c.appendChild(el('p', s.health.reason, 'muted'));
    if (s.paused) c.appendChild(el('p', 'paused (no automatic failover)' + (s.paused.by ? ' by ' + s.paused.by : '') + (s.paused.since ? ' since ' + s.paused.since.replace('T', ' ').slice(0, 19) : '') + (s.paused.reason ? ': ' + s.paused.reason : ''), 'warn'));
    const t = el('table');
    const head = el('tr'); for (const x of ['replica', 'state', 'offset', 'lag (bytes)']) head.appendChild(el('th', x));
    t.appendChild(head);
    const offset = s.master && s.master.offset;
    for (const r of s.replicas) {
      const row = el('tr'); row.className = 'replica';
      row.appendChild(el('td', r.host + ':' + r.port, 'mono'));
      row.appendChild(el('td', r.state, r.state === 'online' ? 'ok' : 'warn'));
      row.appendChild(el('td', r.offset));
      row.appendChild(el('td', typeof offset === 'number' ? Math.max(0, offset - r.offset) : '–'));
      t.appendChild(row);
    }
    if (s.replicas.length === 0) { const row = el('tr'); row.appendChild(el('td', 'no replicas attached', 'muted')); t.appendChild(row); }
    c.appendChild(t);
    // The last master changes, newest first (GET /history/<name>).
    const hist = el('ul'); hist.className = 'history muted';
    c.appendChild(el('p', 'recent master changes', 'muted'));
    c.appendChild(hist);
    getJson('/history/' + encodeURIComponent(s.name)).then((r) => {
      for (const x of r.changes.slice(-5).reverse()) hist.appendChild(el('li', x.at.replace('T', ' ').slice(0, 19) + '  ' + x.cause + '  ' + (x.from || '–') + ' → ' + x.to + '  (epoch ' + x.epoch + ')'));
      if (r.changes.length === 0) hist.appendChild(el('li', 'none recorded yet'));
    }).catch(() => {});
  }

  async function refresh(name) {
    try { render(await getJson('/status/' + encodeURIComponent(name))); } catch (e) { /* the next event or tick tries again */ }
  }

  async function refreshAll() {
    try {
      const [h, s] = await Promise.all([getJson('/health'), getJson('/status')]);
      defaultName = s.name;
      const hb = $('health'); hb.textContent = h.status === 'ok' ? 'healthy' : 'unhealthy'; hb.className = 'badge ' + (h.status === 'ok' ? 'ok' : 'bad');
      $('summary').textContent = h.reason + ' · ZooKeeper ' + s.zookeeper.state + ' · FAILOVER_MODE=' + (s.failoverMode || 'sentinel');
      const served = s.sentinels.map((x) => x.host + ':' + x.port);
      const refused = s.refusedSentinels.map((x) => x.host + ':' + x.port + ' (' + x.reason + ')');
      $('sentinels').textContent = (served.join(', ') || 'none served') + (refused.length ? ' · refused: ' + refused.join('; ') : '');
      render(s);
      await Promise.all(s.groups.filter((g) => g.name !== s.name && g.master !== null).map((g) => refresh(g.name)));
    } catch (e) {
      $('summary').textContent = 'The watcher does not answer: ' + e.message;
    }
  }

  function describe(e) {
    const parts = [];
    if (e.name) parts.push(e.name);
    if (e.event) parts.push(e.event);
    if (e.from && e.to) parts.push(e.from + ' → ' + e.to);
    else if (e.to) parts.push('→ ' + e.to);
    else if (e.from) parts.push('from ' + e.from);
    if (e.outcome) parts.push(e.outcome);
    if (e.source) parts.push('from ' + e.source);
    if (e.detail) parts.push(e.detail);
    return parts.join(' · ');
  }

  function addEvent(e) {
    const li = el('li'); li.dataset.kind = e.kind;
    li.appendChild(el('span', new Date(e.at).toLocaleTimeString() + ' ', 'muted'));
    li.appendChild(el('span', e.kind, 'kind'));
    li.appendChild(el('span', describe(e)));
    const list = $('events');
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 200) list.removeChild(list.lastChild);
  }

  const pending = new Set();
  let timer;
  function soon(name) {
    pending.add(name || '*');
    clearTimeout(timer);
    timer = setTimeout(() => { const all = pending.has('*'); const names = [...pending]; pending.clear(); if (all) refreshAll(); else names.forEach(refresh); }, 100);
  }

  async function start() {
    await refreshAll();
    const recent = await getJson('/status').then((s) => s.events || []).catch(() => []);
    recent.forEach(addEvent);
    const last = recent.length ? recent[recent.length - 1].id : undefined;
    const stream = new EventSource('/events' + (last !== undefined ? '?lastEventId=' + last : ''));
    stream.onopen = () => { $('stream').textContent = 'live'; $('stream').className = 'badge ok'; soon(); };
    stream.onerror = () => { $('stream').textContent = 'reconnecting'; $('stream').className = 'badge warn'; };
    stream.onmessage = (m) => { const e = JSON.parse(m.data); addEvent(e); soon(e.name && groups.has(e.name) ? e.name : undefined); };
    stream.addEventListener('gap', () => soon());
    setInterval(() => soon(), 5000);
  }

  $('switchover').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const out = $('switchover-result');
    const body = { group: $('so-group').value || defaultName };
    const candidate = $('so-candidate').value.trim();
    if (candidate) body.candidate = candidate;
    out.className = 'muted'; out.textContent = 'Switching ' + body.group + ' over…';
    try {
      const r = await fetch('/switchover', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + $('so-token').value }, body: JSON.stringify(body) });
      const a = await r.json();
      if (r.ok) { out.className = 'ok'; out.textContent = 'Done: ' + a.from + ' → ' + a.to + ', writes paused ' + a.outageMs + ' ms.'; }
      else { out.className = 'bad'; out.textContent = (a.code ? a.code + ': ' : '') + a.message; }
    } catch (e) { out.className = 'bad'; out.textContent = e.message; }
    soon();
  });

  start();
})();
</script>
</body>
</html>
`;
