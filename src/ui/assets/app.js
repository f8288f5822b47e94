// app.js - the pages of scq ui (doc/ui-api.md is the server's contract).
//
// Hash routes: #/queue, #/review/UID, #/outputs/UID, #/job/UID, #/audit,
// #/settings, #/mine, #/submit.  Text from the server goes to the page only
// through view.js (SCQV.h / SCQV.shown): see the comment at its top.
'use strict';
(function () {
  const { h, clear, route, shown, fmtBytes, fmtTime } = SCQV;
  // Put nodes and text in an element (arrays flattened, null skipped).
  const add = (el, ...kids) => { SCQV.append(el, kids); return el; };
  const fill = (el, ...kids) => add(clear(el), ...kids);
  const main = document.getElementById('main');
  const S = { session: null, view: null, seq: 0 };

  // ---- server ------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, code, message) { super(message); this.status = status; this.code = code; }
  }
  async function api(method, path, body) {
    const opt = { method, credentials: 'same-origin', headers: {} };
    if (method !== 'GET') {
      opt.headers['Content-Type'] = 'application/json';
      opt.headers['X-CSRF-Token'] = S.session ? S.session.csrf : '';
      opt.body = JSON.stringify(body || {});
    }
    const r = await fetch(path, opt);
    const type = r.headers.get('Content-Type') || '';
    if (!r.ok) {
      let e = null;
      if (type.startsWith('application/json')) e = (await r.json().catch(() => ({}))).error;
      throw new ApiError(r.status, e ? e.code : 'http', e ? e.message : `${r.status} ${r.statusText}`);
    }
    if (type.startsWith('application/json')) return r.json();
    return { text: await r.text(), headers: r.headers };
  }
  const enc = encodeURIComponent;
  // A job is read as its owner (the default) or as its requester: the
  // pages of a job carry ?role=requester when opened from "My jobs".
  function jobPath(uid, rest) {
    const p = `/api/jobs/${enc(uid)}${rest || ''}`;
    return S.jobRole === 'requester' ? p + (p.includes('?') ? '&' : '?') + 'role=requester' : p;
  }
  const jobRoute = (page, uid, role) => route(page, uid, (role || S.jobRole) === 'requester' ? { role: 'requester' } : undefined);

  // ---- messages ------------------------------------------------------------
  const flashEl = document.getElementById('flash');
  function flash(msg, good) {
    flashEl.className = good ? 'good' : '';
    clear(flashEl);
    if (msg) flashEl.appendChild(document.createTextNode(msg));
  }
  function errText(e) {
    if (e instanceof ApiError) {
      if (e.code === 'state') return 'Not done: ' + e.message + ' (it was decided elsewhere; the page now shows its state).';
      return `Refused (${e.code}): ${e.message}`;
    }
    return 'Error: ' + (e && e.message || e);
  }
  function showErr(e) { flash(errText(e)); }

  // ---- small pieces ---------------------------------------------------------
  // bad: the owner's signature does not verify this status (a requester's
  // job), flagged as scq jobs does: "completed (BAD SIGNATURE)".
  function badge(status, held, bad) {
    return [h('span', { class: ['badge', status], 'data-status': status }, status),
      held ? [' ', h('span', { class: 'badge held' }, 'held')] : null,
      bad ? [' ', h('span', { class: 'badge bad-signature err', title: 'the owner\u2019s signature does not verify this status: do not trust it' }, '(BAD SIGNATURE)')] : null];
  }
  function tags(list) { return (list || []).map(t => h('span', { class: 'tag' }, shown(t))); }
  function field(label, input) {
    const id = 'f' + (++S.seq);
    input.id = id;
    return h('div', { class: 'field' }, h('label', { for: id }, label), input);
  }
  function title(text) { document.title = text + ' \u2013 scq ui'; return h('h1', null, shown(text)); }
  function dl(pairs) {
    return h('dl', { class: 'meta' }, pairs.filter(p => p && p[1] !== null && p[1] !== undefined && p[1] !== '')
      .map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
  }
  function pre(text, cls) { return h('pre', { class: cls || 'log' }, shown(text, { lf: true })); }
  function jobLinks(uid) {
    return h('p', { class: 'links' }, h('a', { href: jobRoute('job', uid) }, 'Job'), ' \u00b7 ',
      h('a', { href: jobRoute('review', uid) }, 'Code review'), ' \u00b7 ',
      h('a', { href: jobRoute('outputs', uid) }, 'Outputs'));
  }

  // ---- queue (owner) and my jobs (requester) --------------------------------
  const STATUSES = ['all', 'pending', 'held', 'running', 'approved', 'completed', 'failed', 'rejected',
    'timedout', 'cancelled'];
  async function queuePage(params, role) {
    const st = {
      status: params.get('status') || (role === 'owner' ? 'pending' : 'all'), q: params.get('q') || '',
      field: params.get('field') || 'any', sort: params.get('sort') || '-created',
      offset: +params.get('offset') || 0, limit: +params.get('limit') || 50, selected: new Set(),
    };
    const search = h('input', { type: 'search', placeholder: 'name, requester or tag', value: st.q });
    const fieldSel = h('select', null, ['any', 'name', 'requester', 'tag', 'target'].map(f =>
      h('option', { value: f, selected: f === st.field }, f)));
    const statusSel = h('select', null, STATUSES.map(s => h('option', { value: s, selected: s === st.status }, s)));
    const sortSel = h('select', null, [['-created', 'newest first'], ['created', 'oldest first'], ['name', 'name'],
      ['requester', 'requester'], ['status', 'status'], ['-updated', 'recently changed']]
      .map(([v, t]) => h('option', { value: v, selected: v === st.sort }, t)));
    const limitSel = h('select', null, [25, 50, 100, 200].map(n => h('option', { value: n, selected: n === st.limit }, String(n))));
    const chips = h('div', { class: 'toolbar chips', role: 'group', 'aria-label': 'Sections' });
    const tbody = h('tbody');
    const all = h('input', { type: 'checkbox', 'aria-label': 'Select every job on this page' });
    const info = h('span', { class: 'muted', 'aria-live': 'polite' });
    const prev = h('button', { type: 'button' }, 'Previous page'), next = h('button', { type: 'button' }, 'Next page');
    const reason = h('input', { type: 'text', autocomplete: 'off', placeholder: 'one reason for every selected job' });
    const bApprove = h('button', { type: 'button', class: 'approve' }, 'Approve selected');
    const bReject = h('button', { type: 'button', class: 'reject' }, 'Reject selected');
    const selInfo = h('span', { class: 'muted', 'aria-live': 'polite' });
    let last = null;

    function setParams() {
      const p = { status: st.status, q: st.q, field: st.field, sort: st.sort, offset: st.offset, limit: st.limit };
      history.replaceState(null, '', '#/' + (role === 'owner' ? 'queue' : 'mine') + '?' + new URLSearchParams(p));
    }
    async function load() {
      const p = new URLSearchParams({ role, status: st.status, q: st.q, field: st.field, sort: st.sort,
        offset: st.offset, limit: st.limit });
      try { last = await api('GET', '/api/jobs?' + p); } catch (e) { showErr(e); return; }
      if (last.total > 0 && st.offset >= last.total) { st.offset = Math.max(0, Math.floor((last.total - 1) / st.limit) * st.limit); return load(); }
      render();
    }
    function render() {
      const c = last.counts || {};
      clear(chips).appendChild(h('span', { class: 'muted' }, 'Show: '));
      for (const s of ['pending', 'held', 'running', 'approved', 'completed', 'failed', 'rejected', 'all']) {
        chips.appendChild(h('button', { type: 'button', class: 'small', 'aria-pressed': String(st.status === s), 'data-status': s,
          onclick: () => { st.status = s; statusSel.value = s; st.offset = 0; st.selected.clear(); setParams(); load(); } },
        `${s} (${c[s] || 0})`));
      }
      clear(tbody);
      for (const j of last.jobs) {
        const box = h('input', { type: 'checkbox', 'aria-label': 'Select ' + j.name, 'data-uid': j.uid, checked: st.selected.has(j.uid) });
        box.addEventListener('change', () => { if (box.checked) st.selected.add(j.uid); else st.selected.delete(j.uid); tr.classList.toggle('selected', box.checked); syncSel(); });
        const target = role === 'requester' ? 'job' : j.status === 'pending' ? 'review' : j.held ? 'outputs' : 'job';
        const tr = h('tr', { 'data-uid': j.uid, class: st.selected.has(j.uid) ? 'selected' : null },
          h('td', null, box),
          h('td', { class: 'name' }, h('a', { href: jobRoute(target, j.uid, role) }, shown(j.name || '(no name)'))),
          h('td', null, shown(role === 'owner' ? j.requester : j.target)),
          h('td', null, badge(j.status, j.held, j.bad_signature)),
          h('td', null, tags(j.tags)),
          h('td', { class: 'muted' }, fmtTime(j.created_at)));
        tbody.appendChild(tr);
      }
      if (!last.jobs.length) tbody.appendChild(h('tr', null, h('td', { colspan: 6, class: 'muted' }, 'No job matches.')));
      const a = last.total ? st.offset + 1 : 0, b = st.offset + last.jobs.length;
      info.textContent = `${a}\u2013${b} of ${last.total}`;
      prev.disabled = st.offset === 0;
      next.disabled = b >= last.total;
      syncSel();
    }
    function syncSel() {
      const boxes = Array.from(tbody.querySelectorAll('input[type="checkbox"]'));
      all.checked = boxes.length > 0 && boxes.every(b => b.checked);
      selInfo.textContent = `${st.selected.size} selected`;
      bApprove.disabled = bReject.disabled = st.selected.size === 0;
    }
    all.addEventListener('change', () => {
      tbody.querySelectorAll('input[type="checkbox"]').forEach(b => {
        b.checked = all.checked;
        if (all.checked) st.selected.add(b.dataset.uid); else st.selected.delete(b.dataset.uid);
        b.closest('tr').classList.toggle('selected', all.checked);
      });
      syncSel();
    });
    async function batch(action) {
      if (action === 'reject' && !reason.value.trim()) { flash('A rejection needs a reason.'); reason.focus(); return; }
      bApprove.disabled = bReject.disabled = true;
      // The server takes at most limits.batch_max uids a request: a larger
      // selection goes in several, each job still decided on its own.
      const max = (S.session.limits && S.session.limits.batch_max) || 500;
      const uids = Array.from(st.selected), bad = [];
      let done = 0;
      try {
        for (let i = 0; i < uids.length; i += max) {
          const r = await api('POST', '/api/jobs/batch', { action, uids: uids.slice(i, i + max), reason: reason.value });
          done += r.done;
          bad.push(...(r.results || []).filter(x => !x.ok));
        }
        flash(`${action === 'approve' ? 'Approved' : 'Rejected'} ${done} job(s)` + (bad.length ? `; ${bad.length} refused:\n` +
          bad.map(x => x.uid.slice(0, 8) + ': ' + (x.error ? x.error.message : '?')).join('\n') : '.'), !bad.length);
        st.selected.clear();
        reason.value = '';
      } catch (e) { showErr(e); }
      load();
    }
    bApprove.addEventListener('click', () => batch('approve'));
    bReject.addEventListener('click', () => batch('reject'));
    let timer = null;
    search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { st.q = search.value; st.offset = 0; st.selected.clear(); setParams(); load(); }, 250); });
    fieldSel.addEventListener('change', () => { st.field = fieldSel.value; st.offset = 0; setParams(); load(); });
    statusSel.addEventListener('change', () => { st.status = statusSel.value; st.offset = 0; st.selected.clear(); setParams(); load(); });
    sortSel.addEventListener('change', () => { st.sort = sortSel.value; setParams(); load(); });
    limitSel.addEventListener('change', () => { st.limit = +limitSel.value; st.offset = 0; setParams(); load(); });
    prev.addEventListener('click', () => { st.offset = Math.max(0, st.offset - st.limit); setParams(); load(); });
    next.addEventListener('click', () => { st.offset += st.limit; setParams(); load(); });

    const owner = role === 'owner';
    fill(main, title(owner ? 'Queue' : 'My jobs'),
      h('div', { class: 'toolbar' }, field('Search', search), field('Search in', fieldSel), field('Status', statusSel),
        field('Sort', sortSel), field('Per page', limitSel),
        owner ? h('button', { type: 'button', onclick: async () => {
          try { const r = await api('POST', '/api/refresh', {}); flash('Inbox checked.' + (r.notices ? '\n' + r.notices : ''), true); load(); } catch (e) { showErr(e); }
        } }, 'Check inbox') : h('a', { href: route('submit') }, 'Submit a folder')),
      chips,
      owner ? h('div', { class: 'toolbar batch', role: 'group', 'aria-label': 'Batch decision' },
        field('Reason (batch)', reason), bApprove, bReject, selInfo) : null,
      h('table', { class: 'jobs' }, h('thead', null, h('tr', null, h('th', null, all), h('th', { scope: 'col' }, 'Name'),
        h('th', { scope: 'col' }, owner ? 'Requester' : 'Owner'), h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col' }, 'Tags'), h('th', { scope: 'col' }, owner ? 'Received' : 'Submitted'))), tbody),
      h('div', { class: 'pager' }, prev, info, next));
    await load();
    return { refresh: load };
  }

  // ---- review: metadata, files, diff, decision -----------------------------
  function decideBox(uid, onDone) {
    const reason = h('input', { type: 'text', autocomplete: 'off', 'aria-keyshortcuts': 'Alt+Shift+A Alt+Shift+R' });
    const ap = h('button', { type: 'button', class: 'approve', 'aria-keyshortcuts': 'Alt+Shift+A' }, 'Approve');
    const rj = h('button', { type: 'button', class: 'reject', 'aria-keyshortcuts': 'Alt+Shift+R' }, 'Reject');
    const msg = h('span', { role: 'status', 'aria-live': 'polite' });
    async function go(action) {
      if (action === 'reject' && !reason.value.trim()) { msg.textContent = 'A rejection needs a reason.'; reason.focus(); return; }
      ap.disabled = rj.disabled = true;
      try {
        const r = await api('POST', jobPath(uid, '/' + action), { reason: reason.value });
        msg.textContent = action === 'reject' ? 'Rejected.' : r.job && r.job.status === 'pending' && r.votes ?
          `Vote recorded (${r.votes.votes.length} of ${r.votes.required}).` : 'Approved.';
        flash(msg.textContent, true);
      } catch (e) { msg.textContent = errText(e); showErr(e); }
      ap.disabled = rj.disabled = false;
      onDone();
    }
    ap.addEventListener('click', () => go('approve'));
    rj.addEventListener('click', () => go('reject'));
    const box = h('div', { class: 'decide', role: 'group', 'aria-label': 'Decision' }, field('Reason (required to reject)', reason), ap, rj, msg);
    box.addEventListener('keydown', ev => {
      if (ev.altKey && ev.shiftKey && (ev.key === 'A' || ev.key === 'a')) { ev.preventDefault(); go('approve'); }
      if (ev.altKey && ev.shiftKey && (ev.key === 'R' || ev.key === 'r')) { ev.preventDefault(); go('reject'); }
    });
    return box;
  }
  function fileTree(files, onPick) {
    const root = { dirs: new Map(), files: [] };
    for (const f of files) {
      const parts = f.path.split('/');
      let node = root;
      for (const d of parts.slice(0, -1)) {
        if (!node.dirs.has(d)) node.dirs.set(d, { dirs: new Map(), files: [] });
        node = node.dirs.get(d);
      }
      node.files.push([parts[parts.length - 1], f]);
    }
    const buttons = [];
    function ul(node) {
      const list = h('ul');
      for (const [d, sub] of [...node.dirs.entries()].sort()) list.appendChild(h('li', null, h('span', { class: 'dir' }, shown(d + '/')), ul(sub)));
      for (const [name, f] of node.files.sort((a, b) => a[0] < b[0] ? -1 : 1)) {
        const b = h('button', { type: 'button', 'data-path': f.path, title: f.path },
          shown(name), h('span', { class: 'muted' }, ' ' + fmtBytes(f.size) + ' ' + (f.mode || '')));
        b.addEventListener('click', () => { buttons.forEach(x => x.setAttribute('aria-current', 'false')); b.setAttribute('aria-current', 'true'); onPick(f); });
        buttons.push(b);
        list.appendChild(h('li', null, b));
      }
      return list;
    }
    return { el: h('nav', { class: 'tree', 'aria-label': 'Files' }, ul(root)), buttons };
  }
  async function showFile(uid, f, pane) {
    clear(pane).appendChild(h('p', { class: 'muted' }, 'Loading\u2026'));
    let r;
    try { r = await api('GET', jobPath(uid, '/file?path=' + enc(f.path))); }
    catch (e) { clear(pane).appendChild(h('p', { class: 'err' }, errText(e))); return; }
    const cv = SCQV.codeView(r.text, f.path);
    const flaws = r.headers.get('X-SCQ-Flaws') || '';
    const bad = flaws.split(',').filter(x => /=[1-9]/.test(x) && !/^crlf=/.test(x));
    fill(pane, h('h2', null, shown(f.path)),
      h('p', { class: 'digest' }, `${fmtBytes(f.size)} \u00b7 mode ${f.mode || '?'} \u00b7 sha256 ${f.sha256 || '?'}`),
      bad.length ? h('p', { class: 'warn' }, 'Bytes shown replaced: ' + bad.join(', ') + ' (NUL or not UTF-8; scq review --raw has the exact bytes).') : null,
      cv.el);
  }
  async function reviewPage(uid) {
    let d, files;
    try { [d, files] = await Promise.all([api('GET', jobPath(uid)), api('GET', jobPath(uid, '/files'))]); }
    catch (e) { fill(main, h('h1', null, 'Review'), h('p', { class: 'err' }, errText(e))); return null; }
    const j = d.job;
    const statusEl = h('span', null, badge(j.status, j.results_held));
    const changed = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
    const pane = h('section', { class: 'filepane', 'aria-label': 'File' });
    const tree = fileTree(files.files, f => showFile(uid, f, pane));
    const ctx = files.files.find(f => f.path === 'CONTEXT.md');
    const ctxBox = h('div');
    const diffBox = h('section', { 'aria-label': 'Changes against the previous version' });
    fill(main, title('Review: ' + (j.name || uid)), jobLinks(uid),
      dl([['Status', statusEl], ['Job', uid], ['Requester', shown(j.requester_email)], ['Owner', shown(j.target_email)],
        ['Submitted', fmtTime(j.submitted_at)], ['Received', fmtTime(j.created_at)],
        ['Description', j.description ? h('div', { class: 'desc' }, shown(j.description, { lf: true })) : null],
        ['Tags', j.tags && j.tags.length ? tags(j.tags) : null],
        ['Code digest', h('span', { class: 'digest' }, 'sha256 ' + j.code_sha256)],
        ['Approval wait', j.timeout_seconds + ' s'],
        ['Revises', j.resubmit_of ? h('a', { href: jobRoute('review', j.resubmit_of) }, j.resubmit_of) : null],
        ['Reason', j.reason ? shown(j.reason) : null],
        ['Votes', d.votes ? `${d.votes.votes.length} of ${d.votes.required}` : null]]),
      h('h2', null, "Requester's context"), ctxBox,
      j.status === 'pending' ? [decideBox(uid, () => refresh()), changed] : h('p', { class: 'muted' }, 'Decided: ' + j.status + '.'),
      j.resubmit_of ? [h('h2', null, 'Changes against the previous version'), diffBox] : null,
      h('h2', null, `Files (${files.files.length})`),
      h('div', { class: 'review' }, tree.el, pane));
    if (ctx) {
      api('GET', jobPath(uid, '/file?path=CONTEXT.md')).then(r => ctxBox.appendChild(pre(r.text, 'context')))
        .catch(e => ctxBox.appendChild(h('p', { class: 'err' }, errText(e))));
    } else ctxBox.appendChild(h('p', { class: 'muted' }, 'No CONTEXT.md; the description above is all the requester wrote.'));
    if (j.resubmit_of) {
      api('GET', jobPath(uid, '/diff')).then(r => diffBox.appendChild(unifiedDiff(r.text)))
        .catch(e => diffBox.appendChild(h('p', { class: 'err' }, errText(e))));
    }
    const first = tree.buttons.find(b => b.dataset.path === 'run.sh') || tree.buttons[0];
    if (first) first.click();
    async function refresh() {
      try {
        const n = await api('GET', jobPath(uid));
        fill(statusEl, badge(n.job.status, n.job.results_held));
        // Buttons stay: acting now gets the server's clear refusal.
        changed.textContent = n.job.status === 'pending' ? '' : `This job is now ${n.job.status}.`;
      }
      catch (e) { showErr(e); }
    }
    return { refresh, uid };
  }
  function unifiedDiff(text) {
    if (!text) return h('p', { class: 'muted' }, 'No change against the previous version.');
    const body = h('tbody');
    String(text || '').split('\n').forEach(line => {
      const c = line[0];
      const cls = c === '+' && !line.startsWith('+++') ? 'add' : c === '-' && !line.startsWith('---') ? 'del' : null;
      body.appendChild(h('tr', { class: cls }, h('td', { class: 'code' }, shown(line, { tabs: true }))));
    });
    return h('div', { class: 'codebox' }, h('table', { class: 'code-table diff' }, body));
  }

  // ---- output review --------------------------------------------------------
  async function outputsPage(uid) {
    let d, o;
    try { [d, o] = await Promise.all([api('GET', jobPath(uid)), api('GET', jobPath(uid, '/outputs'))]); }
    catch (e) { fill(main, h('h1', null, 'Outputs'), h('p', { class: 'err' }, errText(e))); return null; }
    const j = d.job, owner = S.session.email === j.target_email;
    const held = (o.release && o.release.state === 'awaiting_release') || (!o.release && j.results_held);
    const picks = [];
    const boxes = o.files.map(f => {
      const fl = o.flags.filter(x => x.file === f.path);
      const body = h('div', { class: 'body' });
      const isLog = f.path === 'execution.log' && f.type === 'log';
      const pick = h('input', { type: 'checkbox', 'aria-label': 'Release ' + f.path, checked: !fl.length });
      const why = h('input', { type: 'text', 'aria-label': 'Reason to withhold ' + f.path, placeholder: 'reason to withhold' });
      picks.push({ f, pick, why, isLog });
      // The log may be large: the job page pages it.
      if (isLog) add(body, h('p', null, h('a', { href: route('job', uid) }, 'Read the log on the job page'), ' (paged).'));
      else loadOutput(uid, f, fl, body);
      return h('section', { class: 'output', 'data-path': f.path },
        h('h2', null, shown(f.path)),
        h('p', { class: 'muted' }, `${f.type || ''} \u00b7 ${fmtBytes(f.size)}` + (f.rows !== null && f.rows !== undefined ? ` \u00b7 ${f.rows} rows \u00d7 ${f.columns} columns` : '') + (f.cut ? ' \u00b7 checked only in part' : '')),
        fl.length ? h('ul', { class: 'flags', 'aria-label': 'Disclosure-risk flags' }, fl.map(x => h('li', null,
          h('span', { class: 'sev-' + x.severity }, x.severity), ' ', h('code', null, x.rule), ' ',
          (x.row || x.column) ? `(row ${x.row || 'all'}, column ${x.column || 'all'}) ` : '', shown(x.message)))) :
          h('p', { class: 'ok' }, 'No flag.'),
        held && owner ? h('div', { class: 'toolbar' }, h('label', null, pick, ' release this file'), why) : null,
        body);
    });
    const reason = h('input', { type: 'text', autocomplete: 'off' });
    const ack = h('input', { type: 'checkbox' });
    const ackId = 'ack' + (++S.seq); ack.id = ackId;
    async function decide(kind) {
      const body = { kind, reason: reason.value, ack_flags: ack.checked };
      if (kind === 'files') {
        body.files = picks.filter(p => p.pick.checked && !p.isLog).map(p => p.f.path);
        body.log = picks.some(p => p.isLog && p.pick.checked);
        body.withhold = picks.filter(p => !p.pick.checked && !p.isLog).map(p => ({ path: p.f.path, reason: p.why.value || reason.value || 'withheld by the owner' }));
      }
      if (kind === 'withhold') body.withhold_reason = reason.value;
      // A refusal keeps the form as it is (the ticks, the reasons).
      try { await api('POST', jobPath(uid, '/release'), body); } catch (e) { showErr(e); return; }
      const here = location.hash;
      await route_();
      if (location.hash === here) flash(`Done: ${kind}.`, true);
    }
    fill(main, title('Outputs: ' + (j.name || uid)), jobLinks(uid),
      dl([['Status', badge(j.status, j.results_held)], ['Release', o.release ? `${o.release.state}` : 'not held'],
        ['Checks', `${o.fail} failing, ${o.review} to review` + (o.flags_dropped ? `, ${o.flags_dropped} more flags not listed` : '')]]),
      held && owner ? h('div', { class: 'decide', role: 'group', 'aria-label': 'Release decision' },
        field('Reason', reason), h('div', null, ack, h('label', { for: ackId }, ' I checked the flagged outputs')),
        h('button', { type: 'button', class: 'approve', onclick: () => decide('all') }, 'Release all'),
        h('button', { type: 'button', onclick: () => decide('files') }, 'Release ticked files'),
        h('button', { type: 'button', class: 'reject', onclick: () => decide('withhold') }, 'Withhold all'),
        h('button', { type: 'button', onclick: () => decide('return') }, 'Return to requester')) : null,
      o.files.length ? boxes : h('p', { class: 'muted' }, 'No output.'));
    return { refresh: null, uid };
  }
  // An output shown by the type the server gives it (it reads the content,
  // not the name): text as text (CSV as a table), the four raster types as
  // an image from a blob, anything else (SVG, HTML, PDF) not shown.
  async function loadOutput(uid, f, flags, body) {
    try {
      const r = await fetch(jobPath(uid, '/output?path=' + enc(f.path) + '&inline=1'), { credentials: 'same-origin' });
      if (!r.ok) {
        const e = await r.json().catch(() => null);
        throw new ApiError(r.status, e && e.error ? e.error.code : 'http', e && e.error ? e.error.message : String(r.status));
      }
      const type = (r.headers.get('Content-Type') || '').split(';')[0];
      if (/^image\/(png|jpeg|gif|webp)$/.test(type)) {
        const img = h('img', { class: 'outimg', title: f.path });
        img.src = URL.createObjectURL(await r.blob());  // blob: only (CSP img-src 'self' blob:)
        img.alt = 'output ' + f.path;
        add(body, img);
      } else if (type === 'text/plain') {
        const text = await r.text();
        const tsv = /\.tsv$/i.test(f.path) || f.type === 'tsv' || f.type === 'text/tab-separated-values';
        if (f.kind === 'table' || /\.(csv|tsv)$/i.test(f.path)) add(body, SCQV.csvTable(text, flags, tsv ? '\t' : ','));
        else add(body, pre(text));
      } else add(body, h('p', { class: 'muted' }, `Not shown here (${type || 'unknown type'}); scq output copies it.`));
    } catch (e) { add(body, h('p', { class: 'err' }, errText(e))); }
  }

  // ---- job: timeline, log, outputs, audit -------------------------------------
  const LOG_PAGE = 262144;
  function logViewer(uid) {
    const out = h('pre', { class: 'log', tabindex: '0', 'aria-label': 'Execution log' });
    const pos = h('span', { class: 'muted', 'aria-live': 'polite' });
    const bFirst = h('button', { type: 'button' }, 'Start'), bPrev = h('button', { type: 'button' }, 'Previous page');
    const bNext = h('button', { type: 'button' }, 'Next page'), bLast = h('button', { type: 'button' }, 'End');
    const st = { offset: 0, size: 0, next: 0 };
    async function load(offset) {
      let r;
      try { r = await api('GET', jobPath(uid, `/log?offset=${offset}&limit=${LOG_PAGE}`)); }
      catch (e) { clear(out).appendChild(document.createTextNode(e.code === 'not_found' ? e.message : errText(e))); pos.textContent = ''; return; }
      st.size = +r.headers.get('X-SCQ-Log-Size'); st.offset = +r.headers.get('X-SCQ-Offset'); st.next = +r.headers.get('X-SCQ-Next-Offset');
      fill(out, ...logText(r.text));
      pos.textContent = `bytes ${st.offset}\u2013${st.next} of ${st.size}`;
      bFirst.disabled = bPrev.disabled = st.offset === 0;
      bNext.disabled = bLast.disabled = st.next >= st.size;
    }
    bFirst.addEventListener('click', () => load(0));
    bPrev.addEventListener('click', () => load(Math.max(0, st.offset - LOG_PAGE)));
    bNext.addEventListener('click', () => load(st.next));
    bLast.addEventListener('click', () => load(-LOG_PAGE));
    load(0);
    return h('section', { class: 'logview', 'aria-label': 'Log viewer' }, h('div', { class: 'pager' }, bFirst, bPrev, pos, bNext, bLast), out);
  }
  // A log as scq logs shows it: CR, BS and ESC named, the rest marked.
  const NAMED = { '\r': 'CR', '\b': 'BS', '\u001b': 'ESC' };
  function logText(text) {
    const parts = String(text).split(/([\r\b\u001b])/);
    return parts.map(p => NAMED[p] ? h('span', { class: 'mark' }, '\u27e8' + NAMED[p] + '\u27e9') : shown(p, { lf: true, tabs: false }));
  }
  function auditTable(entries) {
    return h('table', { class: 'audit' }, h('thead', null, h('tr', null, ['Seq', 'At (UTC)', 'Event', 'Job', 'Actor', 'Reason']
      .map(t => h('th', { scope: 'col' }, t)))), h('tbody', null, entries.map(e => h('tr', null,
      h('td', null, String(e.seq)), h('td', null, fmtTime(e.at)), h('td', null, shown(e.event)),
      h('td', null, e.uid && SCQV.UID_RE.test(e.uid) ? h('a', { href: route('job', e.uid) }, e.uid.slice(0, 8)) : '-'),
      h('td', null, shown(e.actor)), h('td', null, shown(e.reason || ''))))));
  }
  // A requester's job: whether the owner signed the status it came from (as
  // scq show's Owner-signed line); null in the owner's own view.
  function signedBy(sig) {
    if (!sig || !sig.state) return null;
    const key = sig.key_fingerprint ? ` (the owner's key ${sig.key_fingerprint})` : '';
    if (sig.state === 'verified') return 'verified' + key;
    if (sig.state === 'bad')
      return h('span', { class: 'err' }, 'BAD SIGNATURE: do not trust this status', sig.detail ? [' \u2014 ', shown(sig.detail)] : null);
    return [sig.state === 'unsigned' ? 'unsigned' : 'cannot be checked', sig.detail ? [': ', shown(sig.detail)] : null];
  }
  async function jobPage(uid) {
    let d;
    try { d = await api('GET', jobPath(uid)); }
    catch (e) { fill(main, h('h1', null, 'Job'), h('p', { class: 'err' }, errText(e))); return null; }
    const j = d.job, run = j.run || {};
    const mine = S.session.email === j.requester_email;
    const cancellable = ['pending', 'approved', 'running'].includes(j.status);
    const outs = h('div');
    fill(main, title('Job: ' + (j.name || uid)), jobLinks(uid),
      dl([['Status', badge(j.status, j.results_held)], ['Owner-signed', signedBy(j.status_signature)],
        ['Job', uid], ['Requester', shown(j.requester_email)], ['Owner', shown(j.target_email)],
        ['Description', j.description ? h('div', { class: 'desc' }, shown(j.description, { lf: true })) : null],
        ['Tags', j.tags && j.tags.length ? tags(j.tags) : null], ['Exit code', j.exit_code === null ? null : String(j.exit_code)],
        ['Error', j.error_message ? shown((j.error_kind || '') + ': ' + j.error_message) : null],
        ['Reason', j.reason ? shown(j.reason) : null], ['Release', d.release ? `${d.release.state} (${d.release.have} of ${d.release.need})` : null],
        ['Wall time', run.wall_seconds !== undefined ? run.wall_seconds.toFixed(2) + ' s' : null],
        ['Log', run.log_bytes !== undefined ? fmtBytes(run.log_bytes) + (run.log_truncated ? ' (cut at the limit)' : '') : null]]),
      cancellable && (mine || S.session.email === j.target_email) ? h('button', { type: 'button', onclick: async () => {
        try { await api('POST', jobPath(uid, '/cancel'), {}); flash('Cancelled.', true); } catch (e) { showErr(e); } route_();
      } }, 'Cancel job') : null,
      h('h2', null, 'Timeline'),
      h('ol', { class: 'timeline' }, (d.timeline || []).map(t => h('li', null, h('strong', null, shown(t.event)), ' ',
        h('span', { class: 'muted' }, fmtTime(t.at)), ' ', shown(t.actor || ''), t.reason ? [' \u2014 ', shown(t.reason)] : null))),
      h('h2', null, 'Log'), logViewer(uid),
      h('h2', null, 'Outputs'), outs,
      h('h2', null, 'Audit entries for this job'), auditTable(d.audit || []));
    api('GET', jobPath(uid, '/outputs')).then(o => {
      outs.appendChild(o.files.length ? h('ul', null, o.files.map(f => h('li', null, shown(f.path), ' ',
        h('span', { class: 'muted' }, fmtBytes(f.size) + ' ' + (f.type || '') + (f.flags ? ` \u00b7 ${f.flags} flag(s)` : ''))))) :
        h('p', { class: 'muted' }, 'No output.'));
    }).catch(e => outs.appendChild(h('p', { class: 'muted' }, errText(e))));
    return { refresh: null, uid };
  }

  // ---- audit ------------------------------------------------------------------
  async function auditPage(params) {
    const st = { offset: +params.get('offset') || 0, limit: 100 };
    const verify = h('p', { role: 'status' }, 'Verifying the chain\u2026');
    const box = h('div'), info = h('span', { class: 'muted' });
    const prev = h('button', { type: 'button' }, 'Newer'), next = h('button', { type: 'button' }, 'Older');
    fill(main, title('Audit log'), verify, h('div', { class: 'pager' }, prev, info, next), box);
    api('GET', '/api/audit/verify').then(v => {
      fill(verify, v.ok ? h('span', { class: 'intact' }, `Chain intact: ${v.entries} entries verified.`)
        : h('span', { class: 'broken' }, 'Chain broken: ', shown(v.message || '?')));
    }).catch(e => { verify.textContent = errText(e); });
    async function load() {
      let a;
      try { a = await api('GET', `/api/audit?offset=${st.offset}&limit=${st.limit}`); } catch (e) { showErr(e); return; }
      clear(box).appendChild(auditTable(a.entries));
      info.textContent = `${a.total ? st.offset + 1 : 0}\u2013${st.offset + a.entries.length} of ${a.total} (newest first)`;
      prev.disabled = st.offset === 0; next.disabled = st.offset + a.entries.length >= a.total;
    }
    prev.addEventListener('click', () => { st.offset = Math.max(0, st.offset - st.limit); load(); });
    next.addEventListener('click', () => { st.offset += st.limit; load(); });
    await load();
    return { refresh: load };
  }

  // ---- settings and datasets ---------------------------------------------------
  async function settingsPage() {
    let s, ds;
    try { [s, ds] = await Promise.all([api('GET', '/api/settings'), api('GET', '/api/datasets')]); }
    catch (e) { fill(main, h('h1', null, 'Settings'), h('p', { class: 'err' }, errText(e))); return null; }
    const rows = (s.keys || Object.keys(s.settings)).map(k => {
      const v = s.settings[k];
      const input = h('input', { type: 'text', value: v === null ? '' : String(v), 'aria-label': k, 'data-key': k });
      const msg = h('span', { role: 'status' });
      const save = h('button', { type: 'button', 'aria-label': 'Save ' + k }, 'Save');
      save.addEventListener('click', async () => {
        try { const r = await api('POST', '/api/settings', { key: k, value: input.value });
          input.value = String(r.settings[k]); msg.className = 'ok'; msg.textContent = 'saved'; }
        catch (e) { msg.className = 'err'; msg.textContent = errText(e); }
      });
      input.addEventListener('keydown', ev => { if (ev.key === 'Enter') save.click(); });
      return h('tr', { 'data-key': k }, h('th', { scope: 'row' }, k), h('td', null, input), h('td', null, save), h('td', null, msg));
    });
    const dname = h('input', { type: 'text' }), dpath = h('input', { type: 'text', placeholder: '/absolute/path' });
    const dmsg = h('span', { role: 'status' });
    const dsRows = Object.entries(ds.datasets || {}).map(([n, p]) => h('tr', null, h('td', null, shown(n)), h('td', null, shown(p)),
      h('td', null, h('button', { type: 'button', 'aria-label': 'Remove dataset ' + n, onclick: async () => {
        try { await api('POST', '/api/datasets', { action: 'remove', name: n }); route_(); } catch (e) { showErr(e); }
      } }, 'Remove'))));
    fill(main, title('Settings'),
      h('p', { class: 'muted' }, 'Each value is checked as scq config set checks it; a refused value shows why.'),
      h('table', { class: 'settings' }, h('tbody', null, rows)),
      h('h2', null, 'Datasets'),
      h('table', { class: 'settings' }, h('tbody', null, dsRows.length ? dsRows : h('tr', null, h('td', { class: 'muted' }, 'None.')))),
      h('div', { class: 'toolbar' }, field('Dataset name', dname), field('Path', dpath),
        h('button', { type: 'button', onclick: async () => {
          try { await api('POST', '/api/datasets', { action: 'add', name: dname.value, path: dpath.value }); route_(); flash('Dataset added.', true); }
          catch (e) { dmsg.className = 'err'; dmsg.textContent = errText(e); }
        } }, 'Add dataset'), dmsg));
    return { refresh: null };
  }

  // ---- submit (requester) --------------------------------------------------------
  function submitPage() {
    const folder = h('input', { type: 'text', placeholder: '/home/me/analysis' });
    const to = h('input', { type: 'text', placeholder: 'owner@example.org' });
    const name = h('input', { type: 'text' }), desc = h('textarea', { autocomplete: 'off' });
    const tg = h('input', { type: 'text', placeholder: 'comma-separated' }), rev = h('input', { type: 'text', placeholder: 'job id (optional)' });
    const msg = h('div', { role: 'status' });
    const btn = h('button', { type: 'submit', class: 'approve' }, 'Submit');
    const form = h('form', { class: 'submit' }, field('Folder on this machine (with run.sh)', folder), field('To (data owner)', to),
      field('Name', name), field('Description', desc), field('Tags', tg), field('Revises', rev), btn, msg);
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      const body = { folder: folder.value, to: to.value, name: name.value, description: desc.value,
        tags: tg.value.split(',').map(x => x.trim()).filter(Boolean) };
      if (rev.value.trim()) body.revises = rev.value.trim();
      clear(msg);
      try {
        const r = await api('POST', '/api/submit', body);
        add(msg, h('span', { class: 'ok' }, 'Submitted: '), SCQV.UID_RE.test(r.uid) ? h('a', { href: jobRoute('job', r.uid, 'requester') }, r.uid) : shown(r.uid),
          r.notices ? pre(r.notices, 'notices') : null);
      } catch (e) { add(msg, h('span', { class: 'err' }, errText(e))); }
    });
    fill(main, title('Submit a folder'), form);
    return { refresh: null };
  }

  // ---- router, navigation, live updates, notifications ---------------------------
  const NAV = [['queue', 'Queue'], ['audit', 'Audit'], ['settings', 'Settings'], ['mine', 'My jobs'], ['submit', 'Submit']];
  function nav(page) {
    const n = clear(document.getElementById('nav'));
    for (const [p, t] of NAV) n.appendChild(h('a', { href: route(p), 'aria-current': p === page ? 'page' : null }, t));
  }
  async function route_() {
    const m = /^#\/([a-z-]+)(?:\/([^?]*))?(?:\?(.*))?$/.exec(location.hash);
    const page = m ? m[1] : (S.session.role === 'requester' ? 'mine' : 'queue');
    const uid = m && m[2] ? decodeURIComponent(m[2]) : null;
    const params = new URLSearchParams(m && m[3] || '');
    nav(page);
    if (uid !== null && !SCQV.UID_RE.test(uid)) { fill(main, h('h1', null, 'Not found'), h('p', null, 'That is not a job id.')); return; }
    S.view = null;
    S.jobRole = params.get('role') === 'requester' ? 'requester' : 'owner';
    // The route being shown, and busy until its first data is on the page
    // (screen readers; the browser test waits on it).
    main.setAttribute('data-route', location.hash);
    main.setAttribute('aria-busy', 'true');
    const pages = {
      queue: () => queuePage(params, 'owner'), mine: () => queuePage(params, 'requester'),
      review: () => reviewPage(uid), outputs: () => outputsPage(uid), job: () => jobPage(uid),
      audit: () => auditPage(params), settings: () => settingsPage(), submit: () => submitPage(),
    };
    if (!pages[page] || (['review', 'outputs', 'job'].includes(page) && !uid)) { fill(main, h('h1', null, 'Not found')); return; }
    try { S.view = await pages[page](); } finally { main.removeAttribute('aria-busy'); }
  }

  let pending = null;
  function onJobEvent(ev) {
    let j = null;
    try { j = JSON.parse(ev.data); } catch (e) { return; }
    notify(j);
    // One refresh per burst: many events (a batch) make one reload.
    clearTimeout(pending);
    pending = setTimeout(() => {
      const v = S.view;
      if (!v) return;
      if (v.refresh && (!v.uid || !j || j.uid === v.uid)) v.refresh();
      else if (v.uid && j && j.uid === v.uid) route_();
    }, 150);
  }
  function live() {
    const el = document.getElementById('live');
    const es = new EventSource('/api/events');
    let dropped = false;
    es.addEventListener('open', () => { el.textContent = 'live'; el.className = 'live on'; if (dropped) { dropped = false; resync(); } });
    es.addEventListener('error', () => { el.textContent = 'reconnecting\u2026'; el.className = 'live'; dropped = true; });
    es.addEventListener('job', onJobEvent);
    es.addEventListener('resync', resync);
  }
  function resync() { const v = S.view; if (v && v.refresh) v.refresh(); else if (v) route_(); }

  // A browser notification (when permitted) for what this user waits on:
  // a new job for an owner, any change of a job for its requester.
  const notified = new Set();
  function notify(j) {
    if (!j || !('Notification' in window) || Notification.permission !== 'granted') return;
    const me = S.session.email;
    let text = null;
    if (j.target === me && j.status === 'pending') text = `New job from ${j.requester}: ${j.name}`;
    else if (j.requester === me && j.target !== me) text = `${j.name}: ${j.status}${j.held ? ' (results held)' : ''}`;
    if (!text) return;
    const key = j.uid + ':' + j.status + ':' + j.held;
    if (notified.has(key)) return;
    notified.add(key);
    // Notification text is plain text (the browser draws it), not HTML.
    const n = new Notification('scq', { body: text, tag: key });
    n.addEventListener('click', () => { window.focus(); location.hash = jobRoute('job', j.uid, j.target === me ? 'owner' : 'requester').href; });
  }
  function notifyButton() {
    const b = document.getElementById('notify-btn');
    if (!('Notification' in window) || Notification.permission !== 'default') return;
    b.hidden = false;
    b.addEventListener('click', async () => {
      const p = await Notification.requestPermission();
      b.hidden = p !== 'default';
      flash(p === 'granted' ? 'Notifications on.' : 'Notifications are ' + p + '.', p === 'granted');
    });
  }

  async function start() {
    try { S.session = await api('GET', '/api/session'); }
    catch (e) { fill(main, h('h1', null, 'Not signed in'), h('p', null, errText(e) + ' Open the address scq ui printed (with its token).')); return; }
    if (S.session.format_chars) SCQV.setFormatChars(S.session.format_chars);
    document.getElementById('who').textContent = S.session.email + ' (' + S.session.role + ')';
    notifyButton();
    window.addEventListener('hashchange', () => { flash(''); route_(); });
    await route_();
    live();
  }
  start();
})();
