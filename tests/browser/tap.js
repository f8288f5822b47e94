// tap.js - the TAP side of the browser tests (notebook.js, ui.js): numbered
// lines from the shell script's count (tap_start), a step that turns an
// exception into "not ok" with its stack as comments, and the plan at the
// end.  A run that checked nothing fails: a browser that never started
// must not pass as "no test failed".
'use strict';

function makeTap(start, diagLines = 25) {
  let n = start, failed = 0;
  function tap(ok, name, diag) {
    n++;
    if (!ok) failed++;
    console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${name}`);
    if (!ok && diag) for (const l of String(diag).split('\n').slice(0, diagLines)) console.log('#   ' + l);
  }
  async function step(name, fn) {
    try { await fn(); tap(true, name); return true; }
    catch (e) { tap(false, name, e && e.stack || e); return false; }
  }
  function finish() {
    console.log(`1..${n}`);
    process.exit(failed || n === start ? 1 : 0);
  }
  return { tap, step, finish };
}

module.exports = { makeTap };
