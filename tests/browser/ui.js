// ui.js - the dashboard `scq ui` in a real Chromium (issue 16).
//
// Run by tests/integration/t0960-ui-browser.sh, which makes the workspace
// and the jobs and passes them in SCQ_BROWSER (JSON):
//   {scq, ws, owner, requester, dir, tap_start, shots, jobs: {...}, literal: [...]}
// This script starts `scq ui` for the owner and for the requester (each in
// its own process group; the first stdout line is the address with the
// token), drives Chromium with playwright-core, and prints TAP lines
// numbered from tap_start + 1, then the plan.  Anything that cannot start
// is a "not ok", never a skip.
'use strict';
const { chromium } = require('playwright-core');
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const path = require('path');

const cfg = JSON.parse(process.env.SCQ_BROWSER);
const J = cfg.jobs;
const { tap, step, finish } = require('./tap').makeTap(cfg.tap_start, 25);
const sleep = ms => new Promise(r => setTimeout(r, ms));

// ---- the store, through the real command --------------------------------
function scq(who, args) {
  return execFileSync(cfg.scq, ['--email', who, '--data-dir', cfg.ws, ...args], { encoding: 'utf8' });
}
const show = uid => JSON.parse(scq(cfg.owner, ['show', uid, '--json']));
async function waitDisk(uid, pred, what) {
  const end = Date.now() + 20000;
  let j;
  while (Date.now() < end) {
    j = show(uid);
    if (pred(j)) return j;
    await sleep(200);
  }
  throw new Error(`job ${uid} on disk is ${JSON.stringify({ status: j.status, reason: j.reason, release_state: j.release_state })}, want ${what}`);
}
const waitStatus = (uid, st) => waitDisk(uid, j => j.status === st, st);
function sameOnDisk(uid, before) {
  const j = show(uid);
  if (j.status !== before.status || j.updated_at !== before.updated_at)
    throw new Error(`job ${uid} changed on disk: ${before.status} -> ${j.status}`);
}

// ---- servers ----------------------------------------------------------------
function startUi(who, logName) {
  const log = fs.openSync(path.join(cfg.dir, logName), 'w');
  const p = spawn(cfg.scq, ['--email', who, '--data-dir', cfg.ws, 'ui'],
    { detached: true, stdio: ['ignore', 'pipe', log] });
  return new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error('scq ui printed no address in 20 s')), 20000);
    p.stdout.on('data', d => {
      buf += d;
      const m = /^(http:\/\/127\.0\.0\.1:(\d+)\/)\?token=([0-9a-f]+)\s*$/m.exec(buf);
      if (m) { clearTimeout(t); resolve({ proc: p, base: m[1], url: m[0].trim(), token: m[3] }); }
    });
    p.on('exit', c => { clearTimeout(t); reject(new Error(`scq ui exited ${c}: ${fs.readFileSync(path.join(cfg.dir, logName), 'utf8')}`)); });
  });
}
async function stop(p) {
  if (!p || p.exitCode !== null) return;
  try { process.kill(-p.pid, 'SIGTERM'); } catch (e) { return; }
  const end = Date.now() + 10000;
  while (p.exitCode === null && Date.now() < end) await sleep(100);
  if (p.exitCode === null) try { process.kill(-p.pid, 'SIGKILL'); } catch (e) { /* gone */ }
}
// Another site's page (same host, other port: the same "site" for cookies,
// another origin) that tries to make the owner's browser approve a job.
function attacker(target, uid) {
  const js = `
    fetch(${JSON.stringify(target + 'api/jobs/' + uid + '/approve')}, {method: 'POST', mode: 'no-cors',
      credentials: 'include', headers: {'Content-Type': 'text/plain'}, body: '{"reason":"csrf"}'})
      .catch(() => {}).finally(() => {
        fetch(${JSON.stringify(target + 'api/jobs/' + uid + '/approve')}, {method: 'POST', credentials: 'include',
          headers: {'Content-Type': 'application/json', 'X-CSRF-Token': 'guess'}, body: '{"reason":"csrf"}'})
          .catch(() => {}).finally(() => { document.getElementById('f').submit(); });
      });`;
  const html = `<!DOCTYPE html><title>evil</title><form id=f method=post enctype=text/plain
    action=${JSON.stringify(target + 'api/jobs/' + uid + '/approve')}><input name='{"reason":"x","a":"' value='"}'></form>
    <script src="/a.js"></script>`;
  const s = http.createServer((req, res) => {
    if (req.url === '/a.js') { res.writeHead(200, { 'Content-Type': 'text/javascript' }); res.end(js); }
    else { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end(html); }
  });
  return new Promise(r => s.listen(0, '127.0.0.1', () => r({ server: s, url: `http://127.0.0.1:${s.address().port}/` })));
}

// ---- page checks ------------------------------------------------------------------
const state = { dialogs: [], pageErrors: [], consoleErrors: [], responses: [], shots: [] };
async function watch(page, base) {
  // Every response of the dashboard, with its headers, as Chromium got it
  // (CDP: the event stream and the refusals included).
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Network.responseReceived', e => {
    if (!e.response.url.startsWith(base)) return;
    const hd = {};
    for (const [k, v] of Object.entries(e.response.headers)) hd[k.toLowerCase()] = v;
    state.responses.push({ url: e.response.url, status: e.response.status, hd });
  });
  cdp.on('Network.requestWillBeSent', e => {
    const r = e.redirectResponse;
    if (!r || !r.url.startsWith(base)) return;
    const hd = {};
    for (const [k, v] of Object.entries(r.headers)) hd[k.toLowerCase()] = v;
    state.responses.push({ url: r.url, status: r.status, hd });
  });
  await cdp.send('Network.enable');
  page.on('dialog', d => { state.dialogs.push(d.type() + ': ' + d.message()); d.dismiss().catch(() => {}); });
  page.on('pageerror', e => state.pageErrors.push(String(e)));
  // Chromium logs every 4xx answer as "Failed to load resource"; the
  // refusals this test provokes from the API are expected, the rest
  // (a missing asset, a CSP violation, a script error) is not.
  page.on('console', m => {
    if (m.type() !== 'error') return;
    if (/^Failed to load resource: the server responded with a status of 4(00|03|04|09|13)/.test(m.text()) &&
      /\/api\//.test(m.location().url || '')) return;
    state.consoleErrors.push(m.text() + ' @ ' + (m.location().url || page.url()));
  });
}
async function noInjection(page) {
  const found = await page.evaluate(() => Array.from(document.querySelectorAll(
    '[id^="scqpwn"], img[src="x"], [onerror], [onload], [onclick], svg, iframe, object, embed, ' +
    'a[href^="javascript"], script:not([src="/view.js"]):not([src="/app.js"]), [style]:not([style=""])'))
    .map(e => e.outerHTML.slice(0, 120)));
  if (found.length) throw new Error('elements from submitter text: ' + found.join(' | '));
  if (state.dialogs.length) throw new Error('dialogs opened: ' + state.dialogs.join(' | '));
}
async function literal(page, strings) {
  const all = await page.evaluate(() => document.body.textContent);
  const missing = strings.filter(s => !all.includes(s));
  if (missing.length) throw new Error('not shown literally: ' + JSON.stringify(missing));
}
// Every control the accessibility tree exposes has a name (Chromium's own
// accessible-name computation, through CDP).
const CONTROL = new Set(['button', 'textbox', 'searchbox', 'checkbox', 'combobox', 'link', 'radio',
  'spinbutton', 'listbox', 'slider', 'switch', 'menuitem', 'tab']);
async function named(page, where) {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  await cdp.detach();
  const bad = nodes.filter(x => !x.ignored && x.role && CONTROL.has(x.role.value) &&
    !(x.name && String(x.name.value).trim()));
  const count = nodes.filter(x => !x.ignored && x.role && CONTROL.has(x.role.value)).length;
  if (!count) throw new Error(`${where}: no control found`);
  if (bad.length) throw new Error(`${where}: ${bad.length} control(s) without a name: ` +
    bad.map(x => x.role.value + '#' + x.backendDOMNodeId).join(', '));
}
async function shot(page, name) {
  const f = path.join(cfg.shots, name);
  await page.screenshot({ path: f, fullPage: true });
  state.shots.push(name);
}
// Open a page of the dashboard and wait until it has its data (the app
// marks main with the route and clears aria-busy).  A route that only
// changes the fragment does not reload: the old page must not count.
async function go(page, base, hash) {
  if (page.url() === base + hash) await page.reload();
  else await page.goto(base + hash);
  await page.waitForFunction(h => {
    const m = document.querySelector('main');
    return m && m.getAttribute('data-route') === h && !m.hasAttribute('aria-busy');
  }, hash, { timeout: 15000 });
  await page.waitForLoadState('networkidle').catch(() => {});
}
const flashText = page => page.locator('#flash').innerText();

async function main() {
  let owner = null, reqr = null, browser = null, evil = null;
  const watchdog = setTimeout(() => {
    tap(false, 'the browser test finished within 280 s');
    cleanup().then(() => process.exit(1));
  }, 280000);
  async function cleanup() {
    if (browser) await browser.close().catch(() => {});
    browser = null;
    if (evil) evil.server.close();
    await stop(owner && owner.proc);
    await stop(reqr && reqr.proc);
  }
  try {
    const up = await step('scq ui starts for the owner and for the requester, each printing its address', async () => {
      owner = await startUi(cfg.owner, 'ui-owner.log');
      reqr = await startUi(cfg.requester, 'ui-requester.log');
    });
    if (!up) return;
    const started = await step('chromium starts (playwright-core)', async () => {
      browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox',
        '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run'] });
    });
    if (!started) return;
    const B = owner.base;
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await ctx.grantPermissions(['notifications'], { origin: B.replace(/\/$/, '') });
    // Record what the page shows as notifications (the real constructor runs).
    await ctx.addInitScript(() => {
      window.__notes = [];
      const N = window.Notification;
      if (!N) return;
      window.Notification = class extends N {
        constructor(t, o) { super(t, o); window.__notes.push({ title: t, body: o && o.body }); }
      };
    });
    const page = await ctx.newPage();
    await watch(page, B);

    // ---- sign-in and the queue --------------------------------------------
    await step('the address with the token opens the queue (token swapped for a cookie)', async () => {
      await page.goto(owner.url);
      await page.waitForSelector('table.jobs tbody tr[data-uid]', { timeout: 15000 });
      if (page.url().includes('token=')) throw new Error('the token stayed in the address: ' + page.url());
      const c = (await ctx.cookies()).find(x => x.name === 'scq_ui');
      if (!c || !c.httpOnly || c.sameSite !== 'Strict') throw new Error('cookie: ' + JSON.stringify(c));
    });
    await step('the queue is paged: 1-50 of all pending, Next shows 51-100', async () => {
      await go(page, B, '#/queue?status=pending&limit=50');
      const info = page.locator('.pager span.muted');
      await info.filter({ hasText: /^1\u201350 of \d+$/ }).waitFor({ timeout: 10000 });
      const first = await page.locator('table.jobs tbody tr').first().getAttribute('data-uid');
      await page.getByRole('button', { name: 'Next page' }).click();
      await info.filter({ hasText: /^51\u2013100 of \d+$/ }).waitFor({ timeout: 10000 });
      const now = await page.locator('table.jobs tbody tr').first().getAttribute('data-uid');
      if (now === first) throw new Error('the second page shows the first page');
      if (await page.locator('table.jobs tbody tr').count() !== 50) throw new Error('not 50 rows');
    });
    await shot(page, 'ui-queue.png');
    await step('search by name keeps only the matching jobs', async () => {
      await go(page, B, '#/queue?status=pending');
      await page.getByLabel('Search', { exact: true }).fill('batch-alpha');
      await page.waitForFunction(() => document.querySelectorAll('table.jobs tbody tr[data-uid]').length === 3, null, { timeout: 10000 });
      const uids = await page.locator('table.jobs tbody tr[data-uid]').evaluateAll(r => r.map(x => x.dataset.uid).sort());
      const want = [J.b1, J.b2, J.untouched].sort();
      if (JSON.stringify(uids) !== JSON.stringify(want)) throw new Error(`rows ${uids} want ${want}`);
    });
    await step('search by tag, then sort by name ascending', async () => {
      await page.getByLabel('Search in').selectOption('tag');
      await page.getByLabel('Search', { exact: true }).fill('batchtag');
      await page.waitForFunction(() => document.querySelectorAll('table.jobs tbody tr[data-uid]').length === 4, null, { timeout: 10000 });
      await page.getByLabel('Sort').selectOption('name');
      await page.waitForFunction(() => {
        const t = Array.from(document.querySelectorAll('table.jobs tbody td.name')).map(x => x.textContent);
        return t.length === 4 && t.join('|') === 'batch-alpha one|batch-alpha two|batch-beta four|batch-beta three';
      }, null, { timeout: 10000 });
    });
    await step('batch: two ticked jobs approved with one reason (scq show), the third untouched', async () => {
      await go(page, B, '#/queue?status=pending&field=name&q=batch-alpha');
      await page.waitForFunction(() => document.querySelectorAll('table.jobs tbody tr[data-uid]').length === 3);
      for (const u of [J.b1, J.b2]) await page.locator(`tr[data-uid="${u}"] input[type="checkbox"]`).check();
      await page.getByLabel('Reason (batch)').fill('batch ok');
      await page.getByRole('button', { name: 'Approve selected' }).click();
      await waitStatus(J.b1, 'approved');
      await waitStatus(J.b2, 'approved');
      if (show(J.untouched).status !== 'pending') throw new Error('the unticked job changed');
      await page.locator('#flash', { hasText: 'Approved 2 job(s)' }).waitFor({ timeout: 10000 });
    });
    await step('batch: "select every job on this page" + Reject with a reason rejects them', async () => {
      await go(page, B, '#/queue?status=pending&field=name&q=batch-beta');
      await page.waitForFunction(() => document.querySelectorAll('table.jobs tbody tr[data-uid]').length === 2);
      await page.getByLabel('Select every job on this page').check();
      await page.getByLabel('Reason (batch)').fill('not aggregates');
      await page.getByRole('button', { name: 'Reject selected' }).click();
      for (const u of [J.b3, J.b4]) await waitDisk(u, j => j.status === 'rejected' && j.reason === 'not aggregates', 'rejected, reason "not aggregates"');
    });
    await step('the status filter: "rejected" lists only rejected jobs, with the batch', async () => {
      await go(page, B, '#/queue?status=pending');
      await page.locator('.chips button[data-status="rejected"]').click();
      await page.waitForFunction(u => document.querySelector(`tr[data-uid="${u}"]`), J.b3, { timeout: 10000 });
      const st = await page.locator('table.jobs tbody tr[data-uid] .badge[data-status]').evaluateAll(b => b.map(x => x.dataset.status));
      if (!st.length || st.some(s => s !== 'rejected')) throw new Error('statuses shown: ' + st);
    });

    await step('queue: a search finds the hostile job; its name and tags are literal text, inert', async () => {
      await go(page, B, '#/queue?status=all&q=scqpwn');
      await page.locator(`tr[data-uid="${J.evil}"]`).waitFor();
      await literal(page, cfg.literal.slice(0, 1).concat(cfg.literal.slice(2, 4)));
      await noInjection(page);
    });
    await step('job page of the hostile job: its name, description and tags literal, inert', async () => {
      await go(page, B, `#/job/${J.evil}`);
      await literal(page, cfg.literal.slice(0, 4));
      await noInjection(page);
    });

    // ---- review ------------------------------------------------------------
    await step('review: hostile name, description, tags and file names are literal text', async () => {
      await go(page, B, `#/review/${J.evil}`);
      await page.locator('.tree button').first().waitFor();
      await literal(page, cfg.literal);
      await page.locator('pre.context').waitFor({ timeout: 10000 });
      await literal(page, ['This job counts <b id=scqpwn8>things</b>.']);
    });
    await step('review: run.sh with line numbers, highlighting spans, tabs shown, its HTML as text', async () => {
      await page.locator('.tree button[data-path="run.sh"]').click();
      await page.locator('.filepane h2', { hasText: 'run.sh' }).waitFor();
      const r = await page.evaluate(() => ({
        lines: Array.from(document.querySelectorAll('.filepane td.ln')).map(x => x.textContent),
        kw: document.querySelectorAll('.filepane .tk-kw').length, str: document.querySelectorAll('.filepane .tk-str').length,
        tabs: document.querySelectorAll('.filepane .tab').length, text: document.querySelector('.filepane').textContent }));
      if (r.lines.join(',') !== '1,2,3') throw new Error('line numbers ' + r.lines);
      if (!r.kw || !r.str) throw new Error('no highlighting spans');
      if (r.tabs !== 1) throw new Error('tabs marked: ' + r.tabs);
      if (!r.text.includes('echo "<img src=x id=scqpwn6 onerror=alert(6)>"')) throw new Error('HTML in the code not literal');
    });
    await step('review: bidi characters marked \u27e8U+202E\u27e9 with a Trojan Source warning, never raw', async () => {
      await page.locator('.tree button[data-path="trojan.py"]').click();
      await page.locator('.filepane .mark.bidi').first().waitFor();
      const t = await page.locator('.filepane').textContent();
      for (const m of ['\u27e8U+202E\u27e9', '\u27e8U+2066\u27e9', '\u27e8U+2069\u27e9', 'Trojan Source'])
        if (!t.includes(m)) throw new Error('missing ' + m);
      const all = await page.evaluate(() => document.body.textContent);
      if (/[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/.test(all)) throw new Error('a raw format character reached the page');
    });
    await shot(page, 'ui-review-bidi.png');
    await step('review: CRLF line ends flagged', async () => {
      await page.locator('.tree button[data-path="crlf.txt"]').click();
      await page.locator('.filepane .mark.crlf').first().waitFor();
      if (await page.locator('.filepane .mark.crlf').count() !== 2) throw new Error('not two CR marks');
      await page.locator('.filepane .warn', { hasText: 'CRLF' }).waitFor();
    });
    await step('review: a file named like SVG markup, holding SVG with script, is shown as text', async () => {
      await page.locator('.tree button').filter({ hasText: '<svg id=scqpwn5' }).click();
      await page.locator('.filepane', { hasText: '<script>alert(9)</script>' }).waitFor();
      await noInjection(page);
    });
    await shot(page, 'ui-review.png');
    await step('review: no element from submitter text, no dialog', async () => noInjection(page));
    await step('review: a revised job shows its changes against the previous version', async () => {
      await go(page, B, `#/review/${J.v2}`);
      await page.locator('h2', { hasText: 'Changes against the previous version' }).waitFor();
      const diff = page.locator('section[aria-label="Changes against the previous version"]');
      await diff.locator('tr.add', { hasText: 'echo second version' }).waitFor({ timeout: 10000 });
      if (await diff.locator('tr.del').count() !== 0) throw new Error('lines shown as removed');
      await noInjection(page);
    });
    await step('review: the bidi name is shown with its marker', async () => {
      await go(page, B, `#/review/${J.bidi}`);
      await page.locator('h1', { hasText: 'ad\u27e8U+202E\u27e9min' }).waitFor();
    });
    await step('Approve in the browser: scq show says approved', async () => {
      await go(page, B, `#/review/${J.approve}`);
      await page.getByLabel('Reason (required to reject)').fill('looks fine');
      await page.getByRole('button', { name: 'Approve', exact: true }).click();
      await waitStatus(J.approve, 'approved');
      await page.locator('dl.meta .badge[data-status="approved"]').waitFor({ timeout: 10000 });
    });
    await step('Reject in the browser with a reason: scq show has both', async () => {
      await go(page, B, `#/review/${J.reject}`);
      await page.getByRole('button', { name: 'Reject', exact: true }).click();
      await page.locator('.decide [role="status"]', { hasText: 'needs a reason' }).waitFor();
      if (show(J.reject).status !== 'pending') throw new Error('rejected without a reason');
      await page.getByLabel('Reason (required to reject)').fill('uses identifiers');
      await page.getByRole('button', { name: 'Reject', exact: true }).click();
      await waitDisk(J.reject, j => j.status === 'rejected' && j.reason === 'uses identifiers', 'rejected with the reason');
    });
    await step('keyboard only: Tab to Approve, Enter approves (scq show)', async () => {
      await go(page, B, `#/review/${J.kbd}`);
      await page.locator('.decide').waitFor();
      await page.locator('main').focus();
      for (let i = 0; i < 300; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate(() => document.activeElement.matches('.decide button.approve'))) break;
      }
      if (!await page.evaluate(() => document.activeElement.matches('.decide button.approve'))) throw new Error('Tab never reached Approve');
      await page.keyboard.press('Enter');
      await waitStatus(J.kbd, 'approved');
    });
    await step('keyboard only: Tab to the reason, type it, Tab to Reject, Space rejects (scq show)', async () => {
      await go(page, B, `#/review/${J.kbdr}`);
      await page.locator('.decide').waitFor();
      await page.locator('main').focus();
      for (let i = 0; i < 300; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate(() => document.activeElement.matches('.decide input'))) break;
      }
      await page.keyboard.type('keyboard says no');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      if (!await page.evaluate(() => document.activeElement.matches('.decide button.reject'))) throw new Error('focus is not on Reject');
      await page.keyboard.press('Space');
      await waitDisk(J.kbdr, j => j.status === 'rejected' && j.reason === 'keyboard says no', 'rejected by keyboard');
    });

    // ---- two tabs, a stale tab, notifications ------------------------------
    const page2 = await ctx.newPage();
    await watch(page2, B);
    await step('two tabs: an approve in one shows in the other without reloading', async () => {
      await go(page2, B, `#/review/${J.stale}`);
      await go(page, B, `#/review/${J.stale}`);
      await page2.locator('.decide').waitFor();
      await sleep(500);  // both event streams open
      await page.getByRole('button', { name: 'Approve', exact: true }).click();
      await waitStatus(J.stale, 'approved');
      await page2.locator('dl.meta .badge[data-status="approved"]').waitFor({ timeout: 10000 });
      await page2.locator('[role="status"]', { hasText: 'This job is now approved.' }).waitFor();
    });
    await step('the stale tab rejecting the decided job gets a clear error; the job stays approved', async () => {
      const before = show(J.stale);
      await page2.getByLabel('Reason (required to reject)').fill('too late');
      await page2.getByRole('button', { name: 'Reject', exact: true }).click();
      await page2.locator('#flash', { hasText: /Not done: .*approved/ }).waitFor({ timeout: 10000 });
      sameOnDisk(J.stale, before);
    });
    await shot(page2, 'ui-stale-tab.png');
    await page2.close();
    await step('a new job raises a browser notification (permission granted)', async () => {
      await go(page, B, '#/queue?status=pending');
      await sleep(500);
      const name = 'notify me ' + Date.now();
      execFileSync(cfg.scq, ['--email', cfg.requester, '--data-dir', cfg.ws, 'submit', path.join(cfg.dir, 'plain'),
        '--to', cfg.owner, '--name', name], { encoding: 'utf8' });
      scq(cfg.owner, ['pending']);  // ingest, as a runner would
      await page.waitForFunction(nm => window.__notes.some(x => String(x.body).includes(nm)), name, { timeout: 15000 });
      await page.locator('table.jobs td.name', { hasText: name }).waitFor({ timeout: 10000 });
    });

    await step('without permission yet, an "Enable notifications" button asks for it', async () => {
      const nctx = await browser.newContext();
      const np = await nctx.newPage();
      await watch(np, B);
      await np.goto(owner.url);
      await np.waitForSelector('table.jobs tbody tr[data-uid]', { timeout: 15000 });
      const perm = await np.evaluate(() => Notification.permission);
      if (perm !== 'default') throw new Error('the permission starts as ' + perm);
      await np.getByRole('button', { name: 'Enable notifications' }).click();
      await np.locator('#flash', { hasText: /^Notifications (on|are \w+)\.$/ }).waitFor({ timeout: 10000 });
      await nctx.close();
    });

    // ---- outputs, job, audit, settings -------------------------------------
    await step('outputs: flags listed, flagged CSV cells highlighted, HTML and SVG outputs inert', async () => {
      await go(page, B, `#/outputs/${J.outs}`);
      await page.locator('table.csv').waitFor({ timeout: 10000 });
      const flagged = await page.locator('table.csv .flag').count();
      if (flagged < 2) throw new Error(`${flagged} flagged cells`);
      await page.locator('ul.flags li', { hasText: 'small-count' }).first().waitFor();
      await page.locator('section.output[data-path="page.html"]').waitFor();
      await page.waitForLoadState('networkidle');
      await noInjection(page);
    });
    await shot(page, 'ui-outputs.png');
    await step('outputs: releasing flagged outputs needs the acknowledgement; then released (scq show)', async () => {
      const before = show(J.outs);
      await page.getByLabel('Reason', { exact: true }).fill('checked by hand');
      await page.getByRole('button', { name: 'Release all' }).click();
      await page.locator('#flash', { hasText: 'Refused' }).waitFor({ timeout: 10000 });
      sameOnDisk(J.outs, before);
      await page.getByLabel('I checked the flagged outputs').check();
      await page.getByRole('button', { name: 'Release all' }).click();
      await waitDisk(J.outs, j => !j.results_held, 'released');
    });
    await step('job page: timeline, and the 50 MB log paged (first page, then the end)', async () => {
      await go(page, B, `#/job/${J.big}`);
      await page.locator('ol.timeline li', { hasText: 'finish' }).waitFor({ timeout: 10000 });
      const pos = page.locator('.logview .pager span');
      await pos.filter({ hasText: /^bytes 0\u2013\d+ of \d+$/ }).waitFor({ timeout: 15000 });
      const size = +(await pos.innerText()).split(' of ')[1];
      if (size < 50 * 1048576) throw new Error('log size ' + size);
      if (!(await page.locator('pre.log').innerText()).startsWith('Job: ')) throw new Error('not the log start');
      await page.getByRole('button', { name: 'End' }).click();
      await page.locator('pre.log', { hasText: 'LAST-LINE-OF-THE-BIG-LOG' }).waitFor({ timeout: 15000 });
      const shown = await page.evaluate(() => document.body.textContent.length);
      if (shown > 2 * 1048576) throw new Error(`the page holds ${shown} characters: the log was loaded whole`);
      await page.getByRole('button', { name: 'Previous page' }).click();
      await pos.filter({ hasText: new RegExp(`^bytes \\d+\\u2013\\d+ of ${size}$`) }).waitFor();
      await page.locator('table.audit td', { hasText: 'approve' }).first().waitFor();
    });
    await shot(page, 'ui-job-log.png');
    await step('audit page: the chain is shown verified', async () => {
      await go(page, B, '#/audit');
      await page.locator('.intact', { hasText: /Chain intact: \d+ entries/ }).waitFor({ timeout: 15000 });
      await page.locator('table.audit tbody tr').first().waitFor();
    });
    await shot(page, 'ui-audit.png');
    await step('settings: a bad value is refused with the library\'s message; nothing changes', async () => {
      await go(page, B, '#/settings');
      const before = scq(cfg.owner, ['config', 'get', 'min_cell_count']).trim();
      await page.getByLabel('min_cell_count', { exact: true }).fill('lots');
      await page.getByRole('button', { name: 'Save min_cell_count' }).click();
      await page.locator('tr[data-key="min_cell_count"] .err').waitFor({ timeout: 10000 });
      const after = scq(cfg.owner, ['config', 'get', 'min_cell_count']).trim();
      if (after !== before) throw new Error(`changed to ${after}`);
    });
    await step('settings: a good value is saved (scq config get)', async () => {
      await page.getByLabel('min_cell_count', { exact: true }).fill('11');
      await page.getByRole('button', { name: 'Save min_cell_count' }).click();
      await page.locator('tr[data-key="min_cell_count"] .ok').waitFor({ timeout: 10000 });
      const v = scq(cfg.owner, ['config', 'get', 'min_cell_count']).trim();
      if (!/(^|\s)11$/.test(v)) throw new Error('config get says ' + v);
    });
    await shot(page, 'ui-settings.png');

    // ---- accessibility on every page -----------------------------------------
    await step('accessibility: every control on every owner page has an accessible name', async () => {
      for (const h of ['#/queue?status=all', `#/review/${J.evil}`, `#/outputs/${J.outs}`, `#/job/${J.big}`,
        '#/audit', '#/settings', '#/submit']) {
        await go(page, B, h);
        await named(page, h);
      }
    });

    // ---- the requester's view ---------------------------------------------------
    const dctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const dpage = await dctx.newPage();
    await watch(dpage, reqr.base);
    await step('requester: my jobs, across owners, with their status', async () => {
      await dpage.goto(reqr.url);
      await dpage.waitForSelector('table.jobs tbody tr[data-uid]', { timeout: 15000 });
      await go(dpage, reqr.base, '#/mine?status=all&q=batch-beta');
      await dpage.locator(`tr[data-uid="${J.b3}"] .badge[data-status="rejected"]`).waitFor();
      await named(dpage, 'my jobs');
    });
    await shot(dpage, 'ui-ds-jobs.png');
    await step('requester: the released job\'s page shows its log', async () => {
      await go(dpage, reqr.base, '#/mine?status=all&q=outputs%20to%20review');
      await dpage.locator(`tr[data-uid="${J.outs}"] td.name a`).click();
      await dpage.locator('pre.log', { hasText: 'Job: ' }).waitFor({ timeout: 15000 });
      await dpage.locator('ol.timeline li').first().waitFor();
      await named(dpage, 'the requester\'s job page');
    });
    await step('requester: the job page says the owner signed its status; a changed one is BAD SIGNATURE', async () => {
      const n0 = state.consoleErrors.length;
      await dpage.locator('dd', { hasText: /^verified \(the owner's key [0-9a-f]{16}\)$/ }).waitFor({ timeout: 15000 });
      const st = path.join(cfg.ws, 'datasites', cfg.owner, 'app_data', 'code-queue', 'outbox', cfg.requester,
        J.outs, 'status.json');
      const real = fs.readFileSync(st);
      const doc = JSON.parse(real);
      doc.exit_code = 99; // what a sync server that writes could do
      fs.writeFileSync(st, JSON.stringify(doc));
      try {
        await dpage.reload();
        await dpage.locator('dd .err', { hasText: 'BAD SIGNATURE: do not trust this status' }).waitFor({ timeout: 15000 });
        // "My jobs" flags it too, as scq jobs does: completed (BAD SIGNATURE)
        await go(dpage, reqr.base, '#/mine?status=all&q=outputs%20to%20review');
        await dpage.locator(`tr[data-uid="${J.outs}"] .badge.bad-signature`, { hasText: '(BAD SIGNATURE)' }).waitFor({ timeout: 15000 });
        if (await dpage.locator('table.jobs .badge.bad-signature').count() !== 1)
          throw new Error('a job whose status verifies is flagged too');
      } finally {
        fs.writeFileSync(st, real);
      }
      // the log and the outputs are refused (500 "io": BAD SIGNATURE), as they must be
      state.consoleErrors = state.consoleErrors.slice(0, n0)
        .concat(state.consoleErrors.slice(n0).filter(e => !/status of 500/.test(e)));
    });
    await step('requester: submit a folder from the browser (scq jobs has it)', async () => {
      await go(dpage, reqr.base, '#/submit');
      await dpage.getByLabel('Folder on this machine (with run.sh)').fill(path.join(cfg.dir, 'plain'));
      await dpage.getByLabel('To (data owner)').fill(cfg.owner);
      await dpage.getByLabel('Name', { exact: true }).fill('sent from the browser');
      await dpage.getByRole('button', { name: 'Submit' }).click();
      await dpage.locator('form [role="status"] .ok').waitFor({ timeout: 15000 });
      const mine = JSON.parse(scq(cfg.requester, ['jobs', '--json']));
      if (!mine.some(j => j.name === 'sent from the browser')) throw new Error('not in scq jobs');
    });
    await shot(dpage, 'ui-ds-submit.png');
    await dctx.close();

    // ---- refused requests ----------------------------------------------------
    const target = J.untouched;
    const before = show(target);
    await step('without the token: the page and the API answer 403 and show no job', async () => {
      const nctx = await browser.newContext();
      const np = await nctx.newPage();
      await watch(np, B);
      const r = await np.goto(B);
      if (r.status() !== 403) throw new Error('/ answered ' + r.status());
      const r2 = await np.goto(B + 'api/jobs');
      if (r2.status() !== 403) throw new Error('/api/jobs answered ' + r2.status());
      const r3 = await np.goto(B + '?token=' + '0'.repeat(64));
      if (r3.status() !== 403) throw new Error('a wrong token answered ' + r3.status());
      if ((await np.content()).includes('batch-alpha')) throw new Error('a job name leaked');
      await nctx.close();
      state.consoleErrors = state.consoleErrors.filter(e => !/403/.test(e));
    });
    await step('without the CSRF token: the approve is refused (403 csrf), nothing changes', async () => {
      await go(page, B, '#/audit');
      const r = await page.evaluate(async u => {
        const x = await fetch('/api/jobs/' + u + '/approve', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"reason":"x"}' });
        return { status: x.status, body: await x.json() };
      }, target);
      if (r.status !== 403 || r.body.error.code !== 'csrf') throw new Error(JSON.stringify(r));
      sameOnDisk(target, before);
      state.consoleErrors = state.consoleErrors.filter(e => !/403/.test(e));
    });
    await step('a wrong Origin with the right CSRF token and cookie: refused (403 origin), nothing changes', async () => {
      const csrf = await page.evaluate(async () => (await (await fetch('/api/session')).json()).csrf);
      const r = await page.request.post(B + `api/jobs/${target}/approve`, { headers: { Origin: 'http://evil.example',
        'X-CSRF-Token': csrf, 'Content-Type': 'application/json' }, data: { reason: 'x' } });
      const body = await r.json();
      if (r.status() !== 403 || body.error.code !== 'origin') throw new Error(r.status() + ' ' + JSON.stringify(body));
      sameOnDisk(target, before);
    });
    await step('another site\'s page posting to the dashboard (fetch, form) changes nothing', async () => {
      evil = await attacker(B, target);
      const ep = await ctx.newPage();
      const codes = [];
      ep.on('response', r => { if (r.url().startsWith(B)) codes.push(r.request().method() + ' ' + r.status()); });
      ep.on('dialog', d => d.dismiss().catch(() => {}));
      await ep.goto(evil.url);
      await ep.waitForURL(u => String(u).startsWith(B), { timeout: 10000 }).catch(() => {});
      await sleep(500);
      sameOnDisk(target, before);
      if (codes.some(c => / 2\d\d$/.test(c) && c.startsWith('POST'))) throw new Error('a POST succeeded: ' + codes);
      await ep.close();
      state.consoleErrors = state.consoleErrors.filter(e => !e.includes(evil.url.slice(0, -1)) && !/403/.test(e));
    });

    await step('audit page: a hand-edited line shows the chain broken, naming the line', async () => {
      const log = path.join(cfg.ws, 'private', 'code-queue', cfg.owner, 'audit.jsonl');
      const lines = fs.readFileSync(log, 'utf8').split('\n');
      lines[2] = lines[2].replace(/"actor":"[^"]*"/, '"actor":"someone@else.example"');
      fs.writeFileSync(log, lines.join('\n'));
      await go(page, B, '#/audit');
      await page.locator('.broken', { hasText: /Chain broken: .*line 3/ }).waitFor({ timeout: 15000 });
    });
    await shot(page, 'ui-audit-broken.png');

    // ---- over the whole run ----------------------------------------------------
    await step('every response of the dashboard carried the CSP and the other safety headers', async () => {
      const bad = [], kinds = new Set();
      for (const { url, status, hd } of state.responses) {
        kinds.add(status + ' ' + (hd['content-type'] || '').split(';')[0]);
        const csp = hd['content-security-policy'] || '';
        if (!/frame-ancestors 'none'/.test(csp) || !/script-src 'self'/.test(csp) || !/default-src 'none'/.test(csp) ||
          /unsafe-inline|unsafe-eval/.test(csp) || hd['x-content-type-options'] !== 'nosniff' || hd['referrer-policy'] !== 'no-referrer')
          bad.push(`${status} ${url}: ${JSON.stringify(csp)}`);
      }
      console.log(`# ${state.responses.length} responses checked: ${[...kinds].sort().join(', ')}`);
      for (const want of ['200 text/html', '200 text/javascript', '200 text/css', '200 application/json',
        '200 text/plain', '200 text/event-stream', '403 application/json', '409 application/json'])
        if (!kinds.has(want)) bad.push('no response of the kind ' + want + ' was recorded');
      if (state.responses.length < 50) throw new Error('only ' + state.responses.length + ' responses recorded');
      if (bad.length) throw new Error(bad.slice(0, 10).join('\n'));
    });
    await step('no dialog, no uncaught page error, no console error in the whole run', async () => {
      const all = state.dialogs.concat(state.pageErrors, state.consoleErrors);
      if (all.length) throw new Error(all.slice(0, 15).join('\n'));
    });
  } catch (e) {
    tap(false, 'browser test ran to the end', e && e.stack || e);
  } finally {
    clearTimeout(watchdog);
    await cleanup();
    if (state.shots.length) console.log(`# screenshots in ${cfg.shots}: ${state.shots.join(' ')}`);
  }
}

main().then(finish);
