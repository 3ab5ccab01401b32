// Overview: mode, Meta account, API version, queue, dead letters, webhooks, rows delivered per minute (chart),
// and everything that needs a person (paused account, dead letters, held runs and files, flagged audiences).
(() => {
  const { el, get, num, time, replace } = Console;
  let chart = null;

  function card(label, value, sub, attrs) {
    return el('div', Object.assign({ class: 'card' }, attrs || {}), el('div', { class: 'label' }, label), el('div', { class: 'value' }, value), sub ? el('div', { class: 'sub' }, sub) : null);
  }
  const apiBadge = level => level === 'expired' ? el('span', { class: 'badge bad' }, 'expired') : level === 'expiring' ? el('span', { class: 'badge warn' }, 'expiring')
    : level === 'unpublished' ? el('span', { class: 'badge' }, 'no date published') : null;
  const yesNo = (v, yes, no) => v === true ? el('span', { class: 'badge ok' }, yes) : v === false ? el('span', { class: 'badge bad' }, no) : el('span', { class: 'badge' }, 'unknown');

  function skeleton() {
    replace('content',
      el('div', { class: 'cards', id: 'cards' }),
      el('h2', {}, 'Needs a person'),
      el('ul', { class: 'attention', id: 'attention' }),
      el('h2', {}, 'Rows delivered to Meta per minute, last hour'),
      el('div', { class: 'chart', id: 'chart' }));
  }

  function drawChart(d) {
    const xs = d.rows.map((_, i) => d.firstMinute + i * 60);
    const data = [xs, d.rows];
    if (!window.uPlot) { replace('chart', el('p', { class: 'muted' }, 'chart library not loaded')); return; }
    if (chart) { chart.setData(data); return; }
    const box = document.getElementById('chart');
    chart = new uPlot({
      width: Math.max(400, box.clientWidth - 20), height: 220,
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(10, max * 1.1)] } },
      series: [{}, { label: 'rows / minute', stroke: '#1f5eff', fill: 'rgba(31,94,255,0.12)', width: 2, points: { show: false }, paths: uPlot.paths.stepped({ align: 1 }) }],
      axes: [{}, { size: 70 }],
    }, data, box);
  }

  async function refresh() {
    const [o, delivered, polls, heldFiles, audiences] = await Promise.all([
      get('/api/console/overview'), get('/api/console/delivered?minutes=60'), get('/api/polls', { optional: true }),
      get('/api/files/held', { optional: true }), get('/api/audiences', { optional: true })]);
    const a = o.account;
    replace('cards',
      card('Mode', el('span', { class: 'badge ' + (o.mode === 'live' ? 'live' : 'dry'), id: 'overview-mode' }, o.mode),
        o.mode === 'live' ? 'batches go to Meta' : 'batches are written to the outbox, nothing is sent'),
      card('Meta account', el('span', { class: 'badge ' + (a.state === 'ok' ? 'ok' : a.state === 'paused' ? 'bad' : 'warn') }, a.state),
        o.mode === 'live' ? [el('div', {}, 'token ', yesNo(a.tokenValid, 'valid', 'invalid'), ' terms ', yesNo(a.termsAccepted, 'accepted', 'not accepted')),
          el('div', {}, 'checked ' + time(a.lastCheck))] : a.detail),
      card('Graph API version', [o.api.version || '—', ' ', apiBadge(o.api.level)],
        [o.api.level === 'ok' ? 'supported until ' + o.api.expires + ' (' + o.api.daysLeft + ' days left)' : (o.api.message || 'expiry date not known to this build'),
          o.api.metaSaid ? el('div', {}, 'Meta said: ' + o.api.metaSaid.message) : null], { id: 'api-version' }),
      card('Queue', num(o.queue.rows) + ' rows', num(o.queue.batches) + ' batches waiting for Meta', { id: 'queue' }),
      card('Dead letters', num(o.deadLetters.batches), num(o.deadLetters.rows) + ' rows', { id: 'dead-letter-count' }),
      card('Webhook events', num(o.webhooks.accepted) + ' accepted', num(o.webhooks.rejected) + ' rejected since start', { id: 'webhooks' }),
      card('Delivered last hour', num(o.deliveredLastHour) + ' rows', 'acknowledged by Meta' + (o.mode === 'live' ? '' : ' (dry-run: written to the outbox)')));

    const items = o.attention.map(x => el('li', {}, el('span', { class: 'badge bad' }, x.kind), ' ', x.text,
      x.action ? el('div', { class: 'muted' }, 'What to do: ' + x.action) : null, x.link ? [' ', el('a', { href: x.link }, 'open')] : null));
    const held = await Console.heldRuns(polls || []);
    for (const r of held) {
      items.push(el('li', { class: 'held-run' }, el('span', { class: 'badge warn' }, 'held run'), ' poll job ', r.jobName, ' run ', String(r.id),
        r.held && r.held.reason ? ': ' + r.held.reason : '', ' ', el('a', { href: 'polls.html' }, 'approve or leave')));
    }
    for (const f of heldFiles || []) {
      items.push(el('li', {}, el('span', { class: 'badge warn' }, 'held file'), ' ', f.file, ' → ', f.audience, ': ', f.reason || '', ' ', el('a', { href: 'files.html' }, 'approve or leave')));
    }
    for (const au of (audiences || []).map(Console.lower)) {
      if (au.flagged) items.push(el('li', {}, el('span', { class: 'badge bad' }, 'flagged audience'), ' ', au.name, ' ', au.operation_status ? (au.operation_status.description || JSON.stringify(au.operation_status)) : ''));
    }
    replace('attention', items.length ? items : [el('li', { class: 'none' }, 'Nothing: no paused account, dead letters, held runs or flagged audiences.')]);
    drawChart(delivered);
  }

  document.addEventListener('DOMContentLoaded', () => { skeleton(); Console.every(3000, refresh); });
})();
