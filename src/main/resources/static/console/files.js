// Files: recent inbox files with their reports (rows read/accepted/rejected by reason, batches, Meta's counts),
// a moving progress bar while a file is read, and files held for approval (guard) with an Approve button.
(() => {
  const { el, get, post, num, time, replace, table, confirmed } = Console;

  function statusCell(f) {
    if (f.progress) {
      const p = f.progress.bytesTotal > 0 ? Math.min(100, 100 * f.progress.bytesRead / f.progress.bytesTotal) : 0;
      return el('td', { class: 'reading' }, el('div', { class: 'progress', title: p.toFixed(0) + ' % of the file' }, el('div', { style: 'width:' + p.toFixed(1) + '%' })),
        el('div', { class: 'muted' }, num(f.progress.rowsRead) + ' rows read, ' + p.toFixed(0) + ' % of ' + num(f.progress.bytesTotal) + ' bytes'));
    }
    const s = (f.report && f.report.status) || f.status;
    const cls = s === 'done' || s === 'DONE' ? 'ok' : s === 'failed' || s === 'partial' ? 'bad' : 'warn';
    return el('td', {}, el('span', { class: 'badge ' + cls }, String(s).toLowerCase()), f.report && f.report.error ? el('div', { class: 'muted' }, f.report.error) : null);
  }

  function rejects(f) {
    const r = (f.report && f.report.rejectReasons) || {};
    const keys = Object.keys(r);
    return keys.length ? el('ul', { class: 'warnings' }, keys.map(k => el('li', {}, k + ': ' + num(r[k])))) : el('span', { class: 'muted' }, 'none');
  }

  function audiences(f) {
    const a = (f.report && f.report.audiences) || {};
    return Object.keys(a).map(name => el('div', {}, name + ': ' + Object.entries(a[name]).map(([k, v]) => k + ' ' + num(v)).join(', ')));
  }

  // the guard names an audience by its key ("name:vip" or "id:2385..."): shown as the name or the id
  const audienceName = key => String(key || '').replace(/^(name|id):/, '');

  async function refresh() {
    const [files, held] = await Promise.all([get('/api/console/files?limit=30'), get('/api/files/held', { optional: true })]);
    const heldSection = held && held.length ? [el('h2', {}, 'Held for approval'),
      table(['file', 'audience', 'reason', { text: 'would remove', cls: 'num' }, { text: 'known members', cls: 'num' }, 'held at', ''],
        held.map(h => el('tr', { class: 'held', 'data-held-file': h.file }, el('td', {}, h.file), el('td', {}, audienceName(h.audience)), el('td', {}, h.reason),
          el('td', { class: 'num' }, num(h.wouldRemove)), el('td', { class: 'num' }, num(h.knownMembers)), el('td', {}, time(h.heldAt)),
          el('td', {}, el('button', { class: 'primary', 'data-approve-file': String(h.id), onclick: () => confirmed(
            'Approve ' + h.file + '? It will remove up to ' + h.wouldRemove + ' members from ' + audienceName(h.audience) + '.',
            () => post('/api/files/' + encodeURIComponent(h.id) + '/approve'), refresh) }, 'Approve')))))] : [];
    replace('content', heldSection,
      el('h2', {}, 'Recent files'),
      files.length ? table(['file', 'status', 'started', { text: 'read', cls: 'num' }, { text: 'accepted', cls: 'num' }, { text: 'rejected', cls: 'num' },
        'rejected by reason', 'audiences (rows to Meta)', { text: 'batches sent / total', cls: 'num' }, { text: 'Meta received / invalid', cls: 'num' }],
        files.map(f => el('tr', { 'data-file': f.file }, el('td', {}, el('strong', {}, f.file)), statusCell(f), el('td', {}, time(f.started)),
          el('td', { class: 'num rows-read' }, num(f.progress ? f.progress.rowsRead : f.rowsRead)), el('td', { class: 'num rows-accepted' }, num(f.progress ? f.progress.rowsAccepted : f.rowsAccepted)),
          el('td', { class: 'num rows-rejected' }, num(f.progress ? f.progress.rowsRejected : f.rowsRejected)), el('td', {}, rejects(f)), el('td', {}, audiences(f)),
          el('td', { class: 'num' }, num(f.batchesSent) + ' / ' + num(f.batches) + (f.batchesDead ? ' (' + f.batchesDead + ' dead)' : '')),
          el('td', { class: 'num meta-counts' }, num(f.metaReceived) + ' / ' + num(f.metaInvalid)))), { id: 'files' })
        : el('p', { class: 'muted', id: 'files' }, 'No file yet: drop a .csv, .ndjson or .json file in the inbox.'));
  }

  document.addEventListener('DOMContentLoaded', () => Console.every(1500, refresh));
})();
