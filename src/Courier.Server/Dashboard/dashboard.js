'use strict';
// Courier's dashboard: polls the API and draws everything with the DOM and inline SVG. No dependency, nothing remote.
(() => {
  const REFRESH_MS = 3000;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const $ = (id) => document.getElementById(id);

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }

  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }

  function setAttrs(el, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }

  function append(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
  }

  const pct = (r) => (r === null || r === undefined ? '–' : (r * 100).toFixed(r === 1 ? 0 : 1) + '%');
  const secs = (v) => {
    if (v === null || v === undefined) return '–';
    if (v < 1) return (v * 1000).toFixed(0) + ' ms';
    if (v < 120) return v.toFixed(v < 10 ? 1 : 0) + ' s';
    if (v < 7200) return (v / 60).toFixed(1) + ' min';
    return (v / 3600).toFixed(1) + ' h';
  };
  const ago = (iso) => {
    if (!iso) return '';
    const d = (Date.now() - Date.parse(iso)) / 1000;
    if (d < 0) return 'in ' + secs(-d);
    return secs(d) + ' ago';
  };
  const bytes = (b) => {
    if (b === null || b === undefined) return '–';
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
    return (i === 0 ? b : b.toFixed(1)) + ' ' + units[i];
  };
  // Like replaceChildren, but leaves out null and false (replaceChildren would print them).
  const fill = (box, ...children) => box.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  const pill = (state) => h('span', { class: 'pill ' + state }, state.replace('_', ' '));

  // ---- API --------------------------------------------------------------------------------------------------------
  const keyInput = $('api-key');
  keyInput.value = sessionStorage.getItem('courier-api-key') || '';
  keyInput.addEventListener('change', () => sessionStorage.setItem('courier-api-key', keyInput.value));

  async function get(path) {
    const response = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (!response.ok && response.status !== 503) throw new Error(path + ' answered ' + response.status);
    return response.json();
  }

  async function post(path, body) {
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (keyInput.value) headers.Authorization = 'Bearer ' + keyInput.value;
    const response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body || {}) });
    const payload = await response.json().catch(() => ({}));
    if (response.status === 401) throw new Error('This Courier needs its API key for retries: enter it at the top right.');
    if (!response.ok) throw new Error(payload.detail || (path + ' answered ' + response.status));
    return payload;
  }

  function say(text, info) {
    const box = $('message');
    box.textContent = text;
    box.className = 'message' + (info ? ' info' : '');
    box.hidden = !text;
  }

  async function act(button, path, body, done) {
    button.disabled = true;
    try {
      const result = await post(path, body);
      say(done(result), true);
      await refresh();
    } catch (e) {
      say(e.message);
      button.disabled = false;
    }
  }

  const retryOne = (id) => h('button', {
    'data-retry-delivery': id,
    title: 'Resubmit this delivery: queued, due now, attempts reset',
    onclick: (e) => act(e.target, '/api/deliveries/' + id + '/retry', {}, () => 'Delivery requeued.'),
  }, 'Retry');

  const retryGroup = (target, errorKind, label) => h('button', {
    class: 'strong',
    'data-retry-target': target,
    'data-retry-error-kind': errorKind || '',
    onclick: (e) => act(e.target, '/api/deliveries/retry', { target, errorKind: errorKind || null },
      (r) => r.requeued + ' dead deliver' + (r.requeued === 1 ? 'y' : 'ies') + ' requeued.'),
  }, label);

  // ---- rendering ----------------------------------------------------------------------------------------------------
  function renderHealth(health) {
    const el = $('health');
    el.className = 'pill ' + health.status;
    el.textContent = health.status === 'ok' ? 'healthy' : health.status;
    const notes = [];
    if (health.store !== 'ok') notes.push('store ' + health.store);
    if (!health.scanner.alive) notes.push('scanner stalled');
    for (const w of health.webhooks || []) if (w.stuck) notes.push(w.name + ' failing: ' + (w.lastError || ''));
    el.title = notes.join('; ') || 'store reachable, scanner alive';
  }

  function tile(label, value, sub) {
    return h('div', { class: 'tile' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value), h('div', { class: 'sub' }, sub));
  }

  function renderTiles(stats) {
    const d = stats.deliveries;
    const t = stats.timeToDistributedSeconds;
    fill($('tiles'),
      tile('Sync success', pct(stats.sync.successRate), stats.sync.succeeded + ' of ' + stats.sync.attempts + ' attempts'),
      tile('Async success', pct(stats.async.successRate), stats.async.succeeded + ' of ' + stats.async.attempts + ' attempts'),
      tile('Delivered', d.delivered, d.in_flight + ' in flight'),
      tile('Queued', d.queued, 'waiting for retry'),
      tile('Dead', d.dead, 'need a person'),
      tile('Time to distributed', secs(t.p50), 'p95 ' + secs(t.p95) + ' · max ' + secs(t.max) + ' · ' + t.count + ' videos'),
    );
  }

  function renderGrid(videos) {
    const box = $('grid');
    if (!videos.length) {
      fill(box, h('div', { class: 'empty' }, 'No video submitted yet. POST /api/videos or run courier distribute.'));
      return;
    }
    const targets = [...new Set(videos.flatMap((v) => v.deliveries.map((d) => d.target)))].sort();
    const rows = [];
    for (const v of videos) {
      const took = v.distributedAt ? ' · distributed in ' + secs((Date.parse(v.distributedAt) - Date.parse(v.submittedAt)) / 1000) : '';
      rows.push(h('tr', { class: 'video', 'data-video': v.videoId },
        h('td', { colspan: targets.length + 1 }, v.videoId + ' ', h('span', { class: 'muted small' }, 'v' + v.version + ' · submitted ' + ago(v.submittedAt) + took + ' '), pill(v.state))));
      const renditions = [...new Set(v.deliveries.map((d) => d.rendition))].sort();
      for (const r of renditions) {
        const cells = targets.map((t) => {
          const d = v.deliveries.find((x) => x.rendition === r && x.target === t);
          if (!d) return h('td', { class: 'cell muted' }, '–');
          const meta = [d.attempts + ' attempt' + (d.attempts === 1 ? '' : 's')];
          if (d.state === 'queued' && d.nextAttemptAt) meta.push(Date.parse(d.nextAttemptAt) <= Date.now() ? 'due now' : 'next ' + ago(d.nextAttemptAt));
          if (d.state === 'delivered' && d.bytes !== null) meta.push(bytes(d.bytes));
          if (d.lastDurationMs !== null && d.lastDurationMs !== undefined) meta.push(secs(d.lastDurationMs / 1000));
          return h('td', { class: 'cell', 'data-video': v.videoId, 'data-rendition': r, 'data-target': t, 'data-state': d.state, 'data-delivery': d.id },
            pill(d.state), ' ', d.state === 'dead' || d.state === 'queued' ? retryOne(d.id) : null,
            h('div', { class: 'meta' }, meta.join(' · ')),
            d.lastError ? h('div', { class: 'error', title: d.lastError }, (d.errorKind ? d.errorKind + ': ' : '') + d.lastError) : null);
        });
        rows.push(h('tr', null, h('td', null, r), cells));
      }
    }
    fill(box, h('table', { id: 'grid-table' },
      h('thead', null, h('tr', null, h('th', null, 'rendition'), targets.map((t) => h('th', null, t)))),
      h('tbody', null, rows)));
  }

  function renderGroups(result) {
    const box = $('groups');
    if (!result.groups.length) {
      fill(box, h('div', { class: 'empty' }, 'The failure queue is empty and nothing is dead.'));
      return;
    }
    const deadTargets = [...new Set(result.groups.filter((g) => g.state === 'dead').map((g) => g.target))].sort();
    fill(box,
      deadTargets.length ? h('p', null, deadTargets.map((t) => [retryGroup(t, null, 'Retry all dead for ' + t), ' '])) : null,
      h('table', { id: 'groups-table' },
        h('thead', null, h('tr', null, ['state', 'target', 'error kind', 'count', 'latest error', 'since', ''].map((c) => h('th', { class: c === 'count' ? 'num' : null }, c)))),
        h('tbody', null, result.groups.map((g) => h('tr', { 'data-group-target': g.target, 'data-group-state': g.state },
          h('td', null, pill(g.state)), h('td', null, g.target), h('td', null, g.errorKind || '–'),
          h('td', { class: 'num' }, g.count),
          h('td', null, h('div', { class: 'error-text', title: g.lastError || '' }, g.lastError || '')),
          h('td', { class: 'muted' }, ago(g.oldest)),
          h('td', null, g.state === 'dead' && g.errorKind ? retryGroup(g.target, g.errorKind, 'Retry group') : null))))),
      result.truncated ? h('p', { class: 'muted small' }, 'Grouped the first items only; see GET /api/queue for all ' + result.total + '.') : null);
  }

  function renderItems(id, page, emptyText) {
    const box = $(id);
    if (!page.items.length) {
      fill(box, h('div', { class: 'muted small' }, emptyText));
      return;
    }
    fill(box, h('table', null,
      h('thead', null, h('tr', null, ['video / rendition', 'target', 'attempts', 'error', page.items[0].state === 'queued' ? 'next attempt' : 'updated', ''].map((c) => h('th', null, c)))),
      h('tbody', null, page.items.map((d) => h('tr', { 'data-item': d.id, 'data-state': d.state },
        h('td', null, d.videoId + ' / ' + d.rendition), h('td', null, d.target), h('td', { class: 'num' }, d.attempts),
        h('td', null, h('div', { class: 'error-text', title: d.lastError || '' }, (d.errorKind ? d.errorKind + ': ' : '') + (d.lastError || ''))),
        h('td', { class: 'muted' }, d.state === 'queued' && Date.parse(d.nextAttemptAt) <= Date.now() ? 'due now' : ago(d.state === 'queued' ? d.nextAttemptAt : d.updatedAt)),
        h('td', null, retryOne(d.id)))))),
      page.total > page.items.length ? h('p', { class: 'muted small' }, page.items.length + ' of ' + page.total + ' shown') : null);
  }

  function renderTargets(stats) {
    const box = $('targets');
    if (!stats.targets.length) {
      fill(box, h('div', { class: 'empty' }, 'No targets configured: add one under Courier:Targets in courier.json.'));
      return;
    }
    const numeric = ['success', 'fails in a row', 'queued', 'dead', 'pushed', 'ingest: first / all'];
    fill(box, h('table', { id: 'targets-table' },
      h('thead', null, h('tr', null, ['target', ...numeric, 'last error'].map((c) => h('th', { class: numeric.includes(c) ? 'num' : null }, c)))),
      h('tbody', null, stats.targets.map((t) => h('tr', { 'data-target': t.name },
        h('td', { class: 'name' }, t.name, ' ', t.down ? pill('down') : pill('ok'), h('div', { class: 'muted small' }, t.kind + ' · ' + t.region)),
        h('td', { class: 'num', title: t.recent.succeeded + ' of ' + t.recent.attempts + ' attempts in the last hour' }, pct(t.recent.successRate)),
        h('td', { class: 'num' }, t.consecutiveFailures),
        h('td', { class: 'num' }, t.queueDepth),
        h('td', { class: 'num' }, t.deliveries.dead),
        h('td', { class: 'num' }, bytes(t.bytesPushed)),
        h('td', { class: 'num ingest', title: t.ingest ? 'from ingest start, p50 (p95) over ' + t.ingest.firstRenditionSeconds.count + ' ingests' : 'no ingest yet' },
          t.ingest ? secs(t.ingest.firstRenditionSeconds.p50) + ' / ' + secs(t.ingest.allRenditionsSeconds.p50) : '–'),
        h('td', null, t.lastError && t.consecutiveFailures ? h('div', { class: 'error-text', title: t.lastError }, t.lastError) : h('span', { class: 'muted' }, '–')))))));
  }

  // ---- charts -------------------------------------------------------------------------------------------------------
  const W = 560, H = 220, L = 40, R = 12, T = 14, B = 30;

  function renderRateChart(series) {
    const box = $('rate-chart');
    const n = 48, step = series.bucketSeconds * 1000, start = Date.parse(series.since);
    const byBucket = Array.from({ length: n }, () => ({ sync: [0, 0], async: [0, 0] }));
    for (const b of series.buckets) {
      const i = Math.round((Date.parse(b.start) - start) / step);
      if (i < 0 || i >= n) continue;
      const key = b.mode === 'sync' ? 'sync' : b.mode === 'async' ? 'async' : null;
      if (!key) continue;
      byBucket[i][key][0] += b.succeeded;
      byBucket[i][key][1] += b.failed;
    }
    $('rate-window').textContent = 'last ' + secs(series.bucketSeconds * n) + ', ' + secs(series.bucketSeconds) + ' buckets';
    const x = (i) => L + (i + 0.5) * (W - L - R) / n;
    const y = (r) => T + (1 - r) * (H - T - B);
    const svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'success rate of sync and async attempts over time' });
    for (const r of [0, 0.25, 0.5, 0.75, 1]) {
      svg.append(s('line', { class: r === 0 ? 'axis' : 'grid', x1: L, x2: W - R, y1: y(r), y2: y(r) }), s('text', { x: L - 6, y: y(r) + 4, 'text-anchor': 'end' }, (r * 100) + '%'));
    }
    const maxVolume = Math.max(1, ...byBucket.map((b) => b.sync[0] + b.sync[1] + b.async[0] + b.async[1]));
    byBucket.forEach((b, i) => {
      const v = b.sync[0] + b.sync[1] + b.async[0] + b.async[1];
      if (!v) return;
      const bh = (v / maxVolume) * (H - T - B) * 0.35;
      svg.append(s('rect', { class: 'bar', x: x(i) - 3, width: 6, y: H - B - bh, height: bh }, s('title', null, v + ' attempts')));
    });
    for (const mode of ['sync', 'async']) {
      const points = [];
      byBucket.forEach((b, i) => {
        const [ok, bad] = b[mode];
        if (ok + bad) points.push([x(i), y(ok / (ok + bad)), ok, ok + bad, i]);
      });
      if (points.length > 1) svg.append(s('polyline', { class: 'line ' + mode, points: points.map((p) => p[0].toFixed(1) + ',' + p[1].toFixed(1)).join(' ') }));
      for (const p of points) svg.append(s('circle', { class: mode, cx: p[0], cy: p[1], r: 3.5 }, s('title', null, mode + ': ' + p[2] + ' of ' + p[3] + ' succeeded')));
    }
    const fmt = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    svg.append(s('text', { x: L, y: H - B + 16, 'text-anchor': 'start' }, fmt(start)),
      s('text', { x: x(n / 2), y: H - B + 16, 'text-anchor': 'middle' }, fmt(start + (n / 2) * step)),
      s('text', { x: W - R, y: H - B + 16, 'text-anchor': 'end' }, fmt(start + n * step)));
    svg.append(s('circle', { class: 'sync', cx: L + 10, cy: H - 6, r: 4 }), s('text', { class: 'legend', x: L + 18, y: H - 2 }, 'sync'),
      s('circle', { class: 'async', cx: L + 70, cy: H - 6, r: 4 }), s('text', { class: 'legend', x: L + 78, y: H - 2 }, 'async'),
      s('rect', { class: 'bar', x: L + 130, y: H - 10, width: 8, height: 8 }), s('text', { class: 'legend', x: L + 142, y: H - 2 }, 'attempts'));
    fill(box, svg);
  }

  function renderTtdChart(series) {
    const box = $('ttd-chart');
    const samples = series.timeToDistributedSeconds;
    const t = series.timeToDistributed;
    $('ttd-summary').textContent = t.count ? 'p50 ' + secs(t.p50) + ' · p95 ' + secs(t.p95) + ' · max ' + secs(t.max) + ' · ' + t.count + ' videos' : '';
    if (!samples.length) {
      fill(box, h('div', { class: 'empty' }, 'No video fully distributed in this window yet.'));
      return;
    }
    const edges = [0, 1, 2, 5, 10, 30, 60, 120, 300, 900, 1800, 3600, Infinity];
    const labels = ['<1s', '1–2s', '2–5s', '5–10s', '10–30s', '30–60s', '1–2m', '2–5m', '5–15m', '15–30m', '30–60m', '>1h'];
    const counts = labels.map((_, i) => samples.filter((v) => v >= edges[i] && v < edges[i + 1]).length);
    const max = Math.max(...counts);
    const bw = (W - L - R) / counts.length;
    const y = (c) => T + (1 - c / max) * (H - T - B);
    const svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'distribution of time from submit to fully distributed' });
    svg.append(s('line', { class: 'axis', x1: L, x2: W - R, y1: y(0), y2: y(0) }));
    for (const c of [...new Set([0, Math.ceil(max / 2), max])]) svg.append(s('text', { x: L - 6, y: y(c) + 4, 'text-anchor': 'end' }, c));
    counts.forEach((c, i) => {
      const x = L + i * bw;
      if (c) svg.append(s('rect', { class: 'sync', x: x + 3, width: bw - 6, y: y(c), height: y(0) - y(c) }, s('title', null, c + ' videos in ' + labels[i])));
      svg.append(s('text', { class: 'tick', x: x + bw / 2, y: H - B + 16, 'text-anchor': 'middle' }, labels[i]));
    });
    fill(box, svg);
  }

  // ---- polling ------------------------------------------------------------------------------------------------------
  let timer = null;
  let running = null;

  async function load() {
    const [health, videos, groups, dead, queued, stats, series] = await Promise.all([
      get('/healthz'), get('/api/videos?limit=15'), get('/api/queue/groups'),
      get('/api/queue?state=dead&limit=50'), get('/api/queue?state=queued&limit=50'),
      get('/api/stats'), get('/api/stats/series?hours=6'),
    ]);
    renderHealth(health);
    renderTiles(stats);
    renderGrid(videos.videos);
    renderGroups(groups);
    renderItems('dead', dead, 'Nothing is dead.');
    renderItems('queued', queued, 'Nothing is waiting for a retry.');
    renderTargets(stats);
    renderRateChart(series);
    renderTtdChart(series);
    $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    document.body.dataset.loaded = 'true';
  }

  async function refresh() {
    clearTimeout(timer);
    if (!running) {
      running = load().then(() => {
        if ($('message').className === 'message') say('');
      }, (e) => say('Courier is not answering: ' + e.message)).finally(() => { running = null; });
    }
    await running;
    timer = setTimeout(refresh, REFRESH_MS);
  }

  refresh();
})();
