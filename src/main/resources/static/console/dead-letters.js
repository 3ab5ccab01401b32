// Dead letters: batches that failed for good or ran out of retries (hashed rows only, never shown): reason,
// attempts, audience, time; Replay one or all, each after a confirmation.
(() => {
  const { el, get, post, num, time, replace, table, confirmed } = Console;

  async function refresh() {
    const dead = (await get('/api/dead-letters?limit=500')).map(Console.lower);
    replace('content',
      el('div', { class: 'toolbar' },
        el('span', {}, num(dead.length) + ' dead-lettered batches' + (dead.length === 500 ? ' (first 500)' : '')),
        el('button', { class: 'danger', id: 'replay-all', disabled: dead.length === 0, onclick: () => confirmed(
          'Replay all ' + dead.length + ' dead-lettered batches? Fix their cause first, or they come back here.',
          () => post('/api/dead-letters/replay'), refresh) }, 'Replay all')),
      dead.length ? table(['id', 'audience', 'action', { text: 'rows', cls: 'num' }, 'reason', 'code', { text: 'attempts', cls: 'num' }, 'source', 'dead since', ''],
        dead.map(d => el('tr', { 'data-dead-letter': String(d.id) },
          el('td', {}, String(d.id)), el('td', {}, d.audience_name || d.audience_id || ''), el('td', {}, String(d.action || '').toLowerCase()),
          el('td', { class: 'num' }, num(d.row_count)), el('td', {}, d.reason), el('td', {}, d.code || ''), el('td', { class: 'num' }, num(d.attempts)),
          el('td', {}, d.source || ''), el('td', {}, time(d.dead_at ? new Date(d.dead_at).toISOString() : null)),
          el('td', {}, el('button', { 'data-replay': String(d.id), onclick: () => confirmed(
            'Replay dead letter ' + d.id + ' (' + d.row_count + ' rows for ' + (d.audience_name || d.audience_id) + ')?',
            () => post('/api/dead-letters/replay?id=' + d.id), refresh) }, 'Replay')))), { id: 'dead-letters' })
        : el('p', { class: 'muted', id: 'dead-letters' }, 'No dead letters.'));
  }

  document.addEventListener('DOMContentLoaded', () => Console.every(2000, refresh));
})();
