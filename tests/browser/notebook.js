// notebook.js - the data owner's classic Notebook in a real Chromium.
//
// Run by tests/integration/t0600-browser-notebook.sh, which makes the
// workspace and the hostile jobs and passes them in SCQ_BROWSER (JSON):
//   {scq, ws, owner, pythonpath, dir, tap_start, jobs: {...}, literal: [...]}
// This script writes the notebook, starts jupyter-notebook on 127.0.0.1
// (its own process group, hermetic JUPYTER_* and IPYTHON dirs), opens it in
// Chromium with playwright-core, runs every cell as a user would, clicks
// the widget buttons, and prints TAP lines numbered from tap_start + 1,
// then the plan.  Anything that cannot start is a "not ok", never a skip.
'use strict';
const { chromium } = require('playwright-core');
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');

const cfg = JSON.parse(process.env.SCQ_BROWSER);
const J = cfg.jobs;
const { tap, step, finish } = require('./tap').makeTap(cfg.tap_start, 20);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

// The job as its owner sees it on disk, through the real command.
function scqStatus(uid) {
  const out = execFileSync(cfg.scq, ['--email', cfg.owner, '--data-dir', cfg.ws, 'show', uid,
    '--json'], { encoding: 'utf8' });
  return JSON.parse(out).status;
}
async function waitStatus(uid, want) {
  const end = Date.now() + 20000;
  let got;
  while (Date.now() < end) {
    got = scqStatus(uid);
    if (got === want) return;
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error(`job ${uid} is ${got} on disk, want ${want}`);
}

function writeNotebook(file) {
  const lit = JSON.stringify;
  const cells = [
    `import syft_code_queue as q\nq.configure(email=${lit(cfg.owner)}, data_dir=${lit(cfg.ws)})`,
    `q.get_job(${lit(J.card_approve)})`,
    `q.get_job(${lit(J.card_reject)})`,
    `q.pending_for_me`,
    `q.review_job(${lit(J.card_approve)})`,
    `q.get_job(${lit(J.done)}).output_viewer`,
    // The script-driven HTML (what a kernel without ipywidgets shows).
    `from IPython.display import HTML\nHTML(q.pending_for_me._repr_html_())`,
    // Issue 9, item 8: the erasing log, printed escaped; its job as a widget
    // panel (a Logs widget button) and as script-driven HTML (a Logs button).
    `q.show_job_logs(${lit(J.erase)})`,
    `q.get_job(${lit(J.erase)})`,
    `HTML(q.get_job(${lit(J.erase)})._repr_html_())`,
  ];
  const nb = {
    cells: cells.map(src => ({ cell_type: 'code', execution_count: null, metadata: {},
      outputs: [], source: src })),
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    nbformat: 4, nbformat_minor: 4,
  };
  fs.writeFileSync(file, JSON.stringify(nb));
}

function startJupyter(port, token) {
  const d = cfg.dir;
  const env = Object.assign({}, process.env, {
    JUPYTER_RUNTIME_DIR: path.join(d, 'jrun'), JUPYTER_DATA_DIR: path.join(d, 'jdata'),
    JUPYTER_CONFIG_DIR: path.join(d, 'jconf'), IPYTHONDIR: path.join(d, 'ipython'),
    PYDEVD_DISABLE_FILE_VALIDATION: '1', PYTHONPATH: cfg.pythonpath, HOME: d,
    PYTHONDONTWRITEBYTECODE: '1',
  });
  // ipywidgets 6: the kernel must have imported ipywidgets before the page
  // connects, or the widget version handshake fails.
  const prof = path.join(d, 'ipython', 'profile_default');
  fs.mkdirSync(prof, { recursive: true });
  fs.writeFileSync(path.join(prof, 'ipython_kernel_config.py'),
    "c.IPKernelApp.exec_lines = ['import ipywidgets']\n");
  const log = fs.openSync(path.join(d, 'jupyter.log'), 'w');
  return spawn('/usr/bin/jupyter-notebook', ['--no-browser', '--allow-root', '--ip=127.0.0.1',
    `--port=${port}`, '--port-retries=0', `--NotebookApp.token=${token}`,
    `--notebook-dir=${d}`], { env, detached: true, stdio: ['ignore', log, log] });
}

async function waitServer(port, token, server) {
  const end = Date.now() + 30000;
  while (Date.now() < end) {
    if (server.exitCode !== null) throw new Error(`jupyter-notebook exited ${server.exitCode}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/status?token=${token}`);
      if (r.status === 200) return;
    } catch (e) { /* not up yet */ }
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error('jupyter-notebook did not answer in 30 s');
}

async function main() {
  const dialogs = [], pageErrors = [];
  let server = null, browser = null, page = null;
  const token = 'scq' + process.pid + Date.now();
  const watchdog = setTimeout(() => {
    tap(false, 'the browser test finished within 150 s');
    cleanup().then(() => process.exit(1));
  }, 150000);
  async function cleanup() {
    if (browser) await browser.close().catch(() => {});
    browser = null;
    if (server && server.exitCode === null) {
      try { process.kill(-server.pid, 'SIGTERM'); } catch (e) { /* gone */ }
      const end = Date.now() + 10000;
      while (server.exitCode === null && Date.now() < end) await new Promise(r => setTimeout(r, 100));
      if (server.exitCode === null) try { process.kill(-server.pid, 'SIGKILL'); } catch (e) { /* gone */ }
    }
  }
  try {
    writeNotebook(path.join(cfg.dir, 't.ipynb'));
    const port = await freePort();
    const up = await step('jupyter-notebook starts on 127.0.0.1', async () => {
      server = startJupyter(port, token);
      await waitServer(port, token, server);
    });
    if (!up) {
      console.log('# jupyter log:\n' + fs.readFileSync(path.join(cfg.dir, 'jupyter.log'), 'utf8')
        .split('\n').slice(-15).map(l => '#   ' + l).join('\n'));
      return;
    }
    const started = await step('chromium starts (playwright-core)', async () => {
      browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox',
        '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run'] });
    });
    if (!started) return;
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('dialog', d => { dialogs.push(d.type() + ': ' + d.message()); d.dismiss().catch(() => {}); });
    page.on('pageerror', e => pageErrors.push(String(e)));

    const ran = await step('the notebook opens, its kernel connects and every cell runs', async () => {
      await page.goto(`http://127.0.0.1:${port}/notebooks/t.ipynb?token=${token}`);
      await page.waitForFunction(() => window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel &&
        Jupyter.notebook.kernel.is_connected(), null, { timeout: 40000 });
      await page.click('#celllink');
      await page.click('#run_all_cells > a');
      await page.waitForFunction(() => Jupyter.notebook.get_cells().every(c =>
        c.input_prompt_number !== null && c.input_prompt_number !== '*' &&
        c.input_prompt_number !== undefined), null, { timeout: 40000 });
      await page.locator('button.widget-button', { hasText: 'Approve selected' }).waitFor({ timeout: 20000 });
      // Outputs arrive on iopub, possibly after the prompt numbers: wait
      // for every view (2 viewers, the script-driven table, 3 widget panels).
      await page.waitForFunction(() => document.querySelectorAll('.scq-viewer').length >= 2 &&
        document.querySelector('.scq-table .scq-search') &&
        document.querySelectorAll('.widget-html .scq-card').length >= 4 &&
        document.querySelector('.output_stream'), null, { timeout: 20000 });
    });
    if (!ran) return;

    await step('no cell raised an error', async () => {
      const errs = await page.evaluate(() => Array.from(document.querySelectorAll(
        '.output_error, .output_stderr')).map(e => e.textContent));
      if (errs.length) throw new Error(errs.join('\n'));
    });
    await step('widgets are live (no "Widget Javascript not detected")', async () => {
      const t = await page.evaluate(() => document.body.textContent);
      if (t.includes('Widget Javascript not detected')) throw new Error('widget handshake failed');
    });
    await step('hostile names, tags, descriptions and file contents are literal text', async () => {
      const { vis, all } = await page.evaluate(() => ({ vis: document.body.innerText,
        all: document.body.textContent }));
      const missing = cfg.literal.filter(s => !all.includes(s));
      if (missing.length) throw new Error('not shown literally: ' + JSON.stringify(missing));
      if (!vis.includes(cfg.literal[0])) throw new Error('the hostile name is not visible');
    });
    await step('bidi characters are shown as \u27e8U+202E\u27e9 with a warning, never as themselves', async () => {
      const all = await page.evaluate(() => document.body.textContent);
      if (!all.includes('ad\u27e8U+202E\u27e9min')) throw new Error('no visible \u27e8U+202E\u27e9 marker');
      if (!all.includes('Trojan Source')) throw new Error('no warning line');
      if (/[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/.test(all))
        throw new Error('a raw format character reached the page');
    });
    async function noInjection() {
      const found = await page.evaluate(() => Array.from(document.querySelectorAll(
        '[id^="scqpwn"], img[src="x"], [onerror], [onload], svg')).map(e => e.outerHTML.slice(0, 120)));
      if (found.length) throw new Error('elements from submitter text: ' + found.join(' | '));
      if (dialogs.length) throw new Error('dialogs opened: ' + dialogs.join(' | '));
    }
    await step('no element from submitter text in the DOM, no dialog', noInjection);

    // A job's widget panel: the VBox whose HTML widget holds its card.
    // (.first(): the job's own cell; a review cell shows the same panel again)
    const card = uid => page.locator('.widget-vbox', { has: page.locator(`.scq-card[data-job-uid="${uid}"]`) }).first();

    await step('Approve clicked in a card approves the job on disk', async () => {
      await card(J.card_approve).locator('button.widget-button', { hasText: /^Approve$/ }).click();
      await waitStatus(J.card_approve, 'approved');
    });
    await step('the card shows "approved" without re-running the cell', async () => {
      await page.locator(`.scq-card[data-job-uid="${J.card_approve}"] .scq-badge-approved`)
        .first().waitFor({ timeout: 10000 });
    });
    await step('Reject with a typed reason in a card rejects the job on disk', async () => {
      const c = card(J.card_reject);
      await c.locator('input[type="text"]').pressSequentially('not aggregates');
      await c.locator('button.widget-button', { hasText: /^Reject$/ }).click();
      try { await waitStatus(J.card_reject, 'rejected'); } catch (e) {
        throw new Error(e.message + '; the panel says: ' + await c.innerText());
      }
    });
    await step('the card shows "rejected" without re-running the cell', async () => {
      await page.locator(`.scq-card[data-job-uid="${J.card_reject}"] .scq-badge-rejected`)
        .first().waitFor({ timeout: 10000 });
    });
    await step('a batch (two checkboxes + Approve selected) approves exactly those jobs', async () => {
      const panel = page.locator('.widget-vbox', { has: page.locator('button.widget-button',
        { hasText: 'Approve selected' }) }).last();
      for (const uid of [J.batch1, J.batch2]) {
        await panel.locator('.widget-hbox', { has: page.locator(`span[data-job-uid="${uid}"]`) })
          .locator('input[type="checkbox"]').check();
      }
      await panel.locator('button.widget-button', { hasText: 'Approve selected' }).click();
      await waitStatus(J.batch1, 'approved');
      await waitStatus(J.batch2, 'approved');
      const s = scqStatus(J.untouched);
      if (s !== 'pending') throw new Error(`unselected job is ${s}`);
    });
    await step('the table shows the batch\'s new status without re-running the cell', async () => {
      for (const uid of [J.batch1, J.batch2]) {
        try {
          await page.locator(`.widget-html tr[data-job-uid="${uid}"] .scq-badge-approved`)
            .first().waitFor({ timeout: 20000 });
        } catch (e) {
          const rows = await page.evaluate(u => Array.from(document.querySelectorAll(
            `tr[data-job-uid="${u}"]`)).map(r => r.innerText.replace(/\s+/g, ' ')).concat(
            Array.from(document.querySelectorAll('.widget-html')).map(w => w.className + ':' +
              w.innerHTML.length + ':' + w.innerText.slice(0, 80).replace(/\s+/g, ' '))), uid);
          throw new Error(`${e.message}\nrows of ${uid}: ${JSON.stringify(rows)}`);
        }
      }
      await page.locator(`.widget-html tr[data-job-uid="${J.untouched}"] .scq-badge-pending`)
        .first().waitFor({ timeout: 10000 });
    });
    // Issue 9, item 8.  The rows a job erased with CR + blanks and with BS
    // stay visible, with the markers `scq logs` shows.
    const ROWS = ['secret-row\u27e8CR\u27e9          \u27e8CR\u27e9',
      'hidden-word\u27e8BS\u27e9\u27e8BS\u27e9'];
    function hasRows(text, where) {
      const missing = ROWS.filter(r => !text.includes(r));
      if (missing.length) throw new Error(`${where} does not show ${JSON.stringify(missing)}; ` +
        `it shows: ${JSON.stringify(text.slice(0, 600))}`);
    }
    await step('q.show_job_logs prints the erased rows with markers (stream output)', async () => {
      const t = await page.evaluate(() => Array.from(document.querySelectorAll('.output_stream'))
        .map(o => o.innerText).join('\n'));
      hasRows(t, 'the stream output');
    });
    await step('the HTML Logs button runs a cell whose output shows the erased rows', async () => {
      await page.locator(`.scq-card[data-job-uid="${J.erase}"] button[data-action="logs"]`)
        .first().click();
      // the cell the button inserted: it imports q and names the job
      const out = async () => page.evaluate(uid => {
        const c = Jupyter.notebook.get_cells().find(c => c.get_text().includes(uid) &&
          c.get_text().startsWith('import syft_code_queue as q'));
        if (!c || c.input_prompt_number === null || c.input_prompt_number === '*') return null;
        const o = c.element[0].querySelector('.output_area');
        return o ? { src: c.get_text(), text: o.innerText } : null;
      }, J.erase);
      const end = Date.now() + 20000;
      let got = null;
      while (Date.now() < end && !(got && got.text)) {
        got = await out();
        await new Promise(r => setTimeout(r, 200));
      }
      if (!got) throw new Error('no cell ran for the Logs button');
      hasRows(got.text, `the cell "${got.src}"`);
    });
    await step('the widget Logs button shows the erased rows with markers', async () => {
      const c = card(J.erase);
      await c.locator('button.widget-button', { hasText: /^Logs$/ }).click();
      const end = Date.now() + 20000;
      let t = '';
      while (Date.now() < end && !t.includes('secret-row')) {
        t = await c.innerText();
        await new Promise(r => setTimeout(r, 200));
      }
      hasRows(t, 'the widget panel');
    });
    await step('still no element from submitter text and no dialog after the actions', noInjection);
    await step('no uncaught page error', async () => {
      if (pageErrors.length) throw new Error(pageErrors.join('\n'));
    });
    if (cfg.shots) {
      const shot = path.join(cfg.shots, 'notebook.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`# screenshot: ${shot}`);
    }
  } catch (e) {
    tap(false, 'browser test ran to the end', e && e.stack || e);
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

main().then(finish);
