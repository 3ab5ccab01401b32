// Audiences: name, id, rows added/removed, last sync, Meta's approximate size, an estimated match rate, warnings,
// and each audience's recent deliveries (History).
(() => {
  const { el, get, num, time, pct, replace, table } = Console;
  const open = new Set();

  function opStatus(s) {
    if (!s) return null;
    if (typeof s === 'string') return s;
    return s.description || s.status || (s.code !== undefined ? 'code ' + s.code : JSON.stringify(s));
  }

  function history(name, rows) {
    return el('tr', { class: 'history', 'data-history': name }, el('td', { colspan: 9 },
      rows.length ? table(['delivered', 'action', { text: 'rows', cls: 'num' }, { text: 'Meta received', cls: 'num' }, { text: 'Meta invalid', cls: 'num' }, 'source'],
        rows.map(h => el('tr', {}, el('td', {}, time(h.at)), el('td', {}, h.action), el('td', { class: 'num' }, num(h.rows)),
          el('td', { class: 'num' }, num(h.received)), el('td', { class: 'num' }, num(h.invalid)), el('td', {}, h.source || '')))) :
        el('p', { class: 'muted' }, 'No delivery recorded yet.')));
  }

  async function refresh() {
    const [mine, admin] = await Promise.all([get('/api/console/audiences'), get('/api/audiences', { optional: true })]);
    const extra = {};
    for (const a of (admin || []).map(Console.lower)) extra[a.name] = a;
    const rows = [];
    for (const a of mine) {
      const x = extra[a.name] || {};
      const warnings = a.warnings.slice();
      if (x.flagged) warnings.unshift('flagged by Meta' + (x.flag_reason ? ': ' + x.flag_reason : opStatus(x.operation_status) ? ': ' + opStatus(x.operation_status) : ''));
      const size = a.sizeLower === null && a.sizeUpper === null ? '—' : num(a.sizeLower) + ' – ' + num(a.sizeUpper);
      const rate = a.matchRateLow === null ? '—' : a.matchRateLow === a.matchRateHigh ? pct(a.matchRateLow) : pct(a.matchRateLow) + ' – ' + pct(a.matchRateHigh);
      rows.push(el('tr', { 'data-audience': a.name },
        el('td', {}, el('strong', {}, a.name)), el('td', {}, el('code', {}, a.id || 'not created yet')),
        el('td', { class: 'num added' }, num(a.rowsAdded + a.rowsReplaced)), el('td', { class: 'num removed' }, num(a.rowsRemoved)),
        el('td', {}, time(a.lastSync)), el('td', { class: 'num' }, size), el('td', { class: 'num' }, rate),
        el('td', {}, warnings.length ? el('ul', { class: 'warnings' }, warnings.map(w => el('li', {}, w))) : el('span', { class: 'muted' }, 'none')),
        el('td', {}, el('button', { onclick: () => { open.has(a.name) ? open.delete(a.name) : open.add(a.name); refresh(); } }, open.has(a.name) ? 'Hide' : 'History'))));
      if (open.has(a.name)) rows.push(history(a.name, await get('/api/console/audience-history?limit=10&name=' + encodeURIComponent(a.name))));
    }
    replace('content',
      el('div', { class: 'note' }, 'Estimated match rate = Meta\'s approximate audience size ÷ members sent (rows added minus rows removed). ',
        'Meta rounds the size and gives it as a range, refreshes it with a delay of hours, and counts only people it matched; ',
        'a member sent twice counts twice here, so the estimate errs low. Use it to spot a broken export (a rate near 0) rather than as an exact figure.'),
      rows.length ? table(['audience', 'id', { text: 'rows added', cls: 'num' }, { text: 'rows removed', cls: 'num' }, 'last sync',
        { text: 'Meta size (approx.)', cls: 'num' }, { text: 'est. match rate', cls: 'num' }, 'warnings', ''], rows, { id: 'audiences' })
        : el('p', { class: 'muted', id: 'audiences' }, 'No audience yet: drop a file in the inbox, send a webhook or run a poll job.'));
  }

  document.addEventListener('DOMContentLoaded', () => Console.every(3000, refresh));
})();
