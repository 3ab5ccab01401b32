// Shared by every console page: calls to the admin API (session cookie + CSRF token header), DOM building that
// never interprets text as HTML, number and time formatting, and the self-refreshing loop.
const Console = (() => {
  function csrfToken() {
    const m = document.cookie.match(/(?:^|;\s*)XSRF-TOKEN=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : null;
  }

  // GET or POST a JSON endpoint; {optional: true} turns a 404 (an endpoint not in this build) into null
  async function api(method, path, opts = {}) {
    const headers = { 'Accept': 'application/json', 'X-Requested-With': 'fetch' };
    if (method !== 'GET') { const t = csrfToken(); if (t) headers['X-XSRF-TOKEN'] = t; }
    const r = await fetch(path, { method, headers, credentials: 'same-origin' });
    if (r.status === 401) { location.href = '/login'; throw new Error('the session ended: log in again'); }
    if ((r.status === 404 || r.status === 405) && opts.optional) return null;
    const text = await r.text();
    if (!r.ok) {
      let detail = text;
      try { detail = JSON.parse(text).detail || text; } catch (e) { /* not JSON */ }
      throw new Error(method + ' ' + path + ' answered ' + r.status + (detail ? ': ' + detail : ''));
    }
    return text ? JSON.parse(text) : null;
  }
  const get = (path, opts) => api('GET', path, opts);
  const post = (path, opts) => api('POST', path, opts);

  // el('td', {class: 'num'}, 'text', childNode, ...): strings become text nodes (never HTML)
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.substring(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function replace(id, ...children) {
    const target = document.getElementById(id);
    target.replaceChildren(...children.flat().filter(c => c !== null && c !== undefined));
  }

  const num = n => (n === null || n === undefined) ? '—' : Number(n).toLocaleString('en-US');
  function time(iso) {
    if (!iso) return '—';
    const d = new Date(iso);
    const p = x => String(x).padStart(2, '0');
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds());
  }
  const pct = x => (x === null || x === undefined) ? '—' : (x * 100).toFixed(x < 0.1 ? 1 : 0) + ' %';

  function table(headers, rows, attrs) {
    return el('table', attrs || {},
      el('thead', {}, el('tr', {}, headers.map(h => typeof h === 'string' ? el('th', {}, h) : el('th', { class: h.cls }, h.text)))),
      el('tbody', {}, rows));
  }

  // runs refresh() now and every ms; a failure shows in the status line and the next round tries again
  function every(ms, refresh) {
    const line = document.getElementById('status-line');
    async function round() {
      try {
        await refresh();
        if (line) { line.textContent = 'updated ' + time(new Date().toISOString()); line.className = ''; }
      } catch (e) {
        if (line) { line.textContent = e.message; line.className = 'error'; }
      }
    }
    round();
    return setInterval(round, ms);
  }

  // the console's pages, in nav order: data-page, link, label
  const PAGES = [
    ['overview', '/console/index.html', 'Overview'],
    ['audiences', '/console/audiences.html', 'Audiences'],
    ['files', '/console/files.html', 'Files'],
    ['polls', '/console/polls.html', 'Poll jobs'],
    ['dead-letters', '/console/dead-letters.html', 'Dead letters'],
  ];

  // the header every page shares (one copy, here rather than in each .html): brand, mode badge, nav,
  // status line, logout form; built first thing at DOMContentLoaded, so before the page scripts' handlers
  function buildHeader() {
    const logout = el('form', { id: 'logout', method: 'post', action: '/logout' },
      el('input', { type: 'hidden', name: '_csrf', value: '' }),
      el('button', { class: 'link', type: 'submit' }, 'Log out'));
    document.body.prepend(el('header', {},
      el('span', { class: 'brand' }, 'meta-audience-sync'),
      el('span', { id: 'mode', class: 'badge' }, '…'),
      el('nav', {}, PAGES.map(([page, href, label]) => el('a', { href, 'data-page': page }, label))),
      el('div', { class: 'right' }, el('span', { id: 'status-line' }), logout)));
  }

  // the header: built, then active link, live/dry-run badge, the logout form's CSRF token
  async function header() {
    buildHeader();
    const page = document.body.dataset.page;
    document.querySelectorAll('header nav a').forEach(a => { if (a.dataset.page === page) a.classList.add('active'); });
    const t = csrfToken();
    const input = document.querySelector('#logout input[name=_csrf]');
    if (input && t) input.value = t;
    try {
      const o = await get('/api/console/overview');
      const b = document.getElementById('mode');
      b.textContent = o.mode;
      b.className = 'badge ' + (o.mode === 'live' ? 'live' : 'dry');
    } catch (e) { /* shown by the page's own refresh */ }
  }

  // the action, after the operator confirmed it; then refresh
  async function confirmed(question, action, refresh) {
    if (!window.confirm(question)) return;
    const line = document.getElementById('status-line');
    try {
      await action();
      await refresh();
    } catch (e) {
      if (line) { line.textContent = e.message; line.className = 'error'; }
    }
  }

  // held runs of every poll job (the guard's "status": "held"); empty when no job or no guard
  async function heldRuns(jobs) {
    const out = [];
    for (const j of jobs || []) {
      const runs = await get('/api/polls/' + encodeURIComponent(j.name) + '/runs?limit=20', { optional: true }) || [];
      for (const r of runs) if (isHeld(r)) out.push(Object.assign({ jobName: j.name }, r));
    }
    return out;
  }
  // column names as lower case (H2 reports them upper case through the plain SQL endpoints)
  const lower = o => Object.fromEntries(Object.entries(o || {}).map(([k, v]) => [k.toLowerCase(), v]));

  const isHeld = r => r && (r.status === 'held' || r.outcome === 'held' || r.outcome === 'HELD');

  document.addEventListener('DOMContentLoaded', header);
  return { api, get, post, el, replace, num, time, pct, table, every, confirmed, heldRuns, isHeld, lower };
})();
