// Poll jobs: cron, next run, recent runs (rows read/added/removed/rejected, outcome), Run now, and held runs with
// their numbers and an Approve button (the guard's API; shown only when present).
(() => {
  const { el, get, post, num, time, replace, table, confirmed, isHeld } = Console;

  function heldDetail(r) {
    const h = r.held || {};
    return el('div', { class: 'muted' }, el('div', {}, h.reason || r.heldReason || 'held for approval'),
      el('div', {}, 'would remove ' + num(h.wouldRemove) + ' of ' + num(h.knownMembers) + ' known members · source rows ' + num(h.sourceRows)
        + ' (last successful run: ' + num(h.lastSourceRows) + ')'));
  }

  function runRow(job, r, refresh) {
    const held = isHeld(r);
    const outcome = held ? 'held' : String(r.outcome || r.status || '').toLowerCase();
    const cls = held ? 'warn' : outcome === 'succeeded' || outcome === 'done' || outcome === 'success' ? 'ok' : outcome === 'failed' ? 'bad' : '';
    return el('tr', { class: held ? 'held' : '', 'data-run': String(r.id) },
      el('td', {}, String(r.id)), el('td', {}, r.trigger || ''), el('td', {}, time(r.start)),
      el('td', {}, el('span', { class: 'badge ' + cls }, outcome), r.error ? el('div', { class: 'muted' }, r.error) : null, held ? heldDetail(r) : null),
      el('td', { class: 'num' }, num(r.rowsRead)), el('td', { class: 'num' }, num(r.rowsAdded)), el('td', { class: 'num' }, num(r.rowsRemoved)),
      el('td', { class: 'num' }, num(r.rowsRejected)),
      el('td', {}, held ? el('button', { class: 'primary', 'data-approve-run': String(r.id), onclick: () => confirmed(
        'Approve run ' + r.id + ' of ' + job.name + '? It will remove up to ' + ((r.held && r.held.wouldRemove) || 'the') + ' members it holds back.',
        () => post('/api/polls/' + encodeURIComponent(job.name) + '/runs/' + r.id + '/approve'), refresh) }, 'Approve') : null));
  }

  async function refresh() {
    const [jobs, schedule] = await Promise.all([get('/api/polls', { optional: true }), get('/api/console/polls')]);
    const next = {};
    for (const s of schedule) next[s.name] = s.nextRun;
    if (!jobs || !jobs.length) {
      replace('content', el('p', { class: 'muted' }, 'No poll job configured (sync.polls, see docs/polling.md).'));
      return;
    }
    const cards = [];
    for (const j of jobs) {
      const runs = await get('/api/polls/' + encodeURIComponent(j.name) + '/runs?limit=10');
      cards.push(el('div', { class: 'job', 'data-job': j.name },
        el('div', { class: 'head' }, el('span', { class: 'name' }, j.name), el('span', {}, 'cron ', el('code', {}, j.cron)),
          el('span', {}, 'next run ' + time(next[j.name])), el('span', {}, 'mode ' + j.mode), el('span', {}, 'audience ' + j.audience),
          el('span', { class: 'muted' }, j.source),
          el('button', { class: 'primary', 'data-run-now': j.name, onclick: () => confirmed('Run ' + j.name + ' now?',
            () => post('/api/polls/' + encodeURIComponent(j.name) + '/run'), refresh) }, 'Run now')),
        runs.length ? table(['run', 'trigger', 'started', 'outcome', { text: 'read', cls: 'num' }, { text: 'added', cls: 'num' },
          { text: 'removed', cls: 'num' }, { text: 'rejected', cls: 'num' }, ''], runs.map(r => runRow(j, r, refresh))) : el('p', { class: 'muted' }, 'No run yet.')));
    }
    replace('content', cards);
  }

  document.addEventListener('DOMContentLoaded', () => Console.every(2000, refresh));
})();
