// view.js - the one path from data to the page, for the scq ui dashboard.
//
// Every byte a requester wrote (names, tags, descriptions, file names, file
// contents, logs, outputs) is hostile.  It reaches the page only through
// text nodes (textContent / createTextNode), never innerHTML, never an
// attribute that the browser interprets (href, src, style, on*).  The
// builder h() below refuses any other attribute, so a slip is an exception
// in the console (the browser test fails on it), not markup.
//
// Invisible, control and bidi characters are drawn as a visible marker
// (<U+202E>) with a warning, so "Trojan Source" tricks show in review.
// Syntax highlighting splits escaped text into tokens, each a span whose
// text is set with textContent: there is no second escaping path.
'use strict';
/* exported SCQV */
const SCQV = (function () {
  // Attributes the builder may set; their values never come from a
  // requester except as plain data (data-*, title, aria-label, value).
  const SAFE_ATTR = new Set(['id', 'type', 'for', 'name', 'value', 'title', 'role', 'tabindex',
    'placeholder', 'disabled', 'checked', 'selected', 'colspan', 'scope', 'min', 'max', 'step',
    'aria-label', 'aria-live', 'aria-current', 'aria-sort', 'aria-busy', 'aria-describedby',
    'aria-keyshortcuts', 'aria-pressed', 'aria-expanded', 'aria-selected', 'autocomplete',
    'webkitdirectory', 'multiple', 'accesskey', 'data-uid', 'data-path', 'data-status',
    'data-key', 'data-row', 'data-col', 'data-flag', 'data-line', 'data-page', 'lang', 'dir']);
  // A job id as the store names it: only these may go into a link.
  const UID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  function append(el, kid) {
    if (kid === null || kid === undefined || kid === false) return;
    if (Array.isArray(kid)) { kid.forEach(k => append(el, k)); return; }
    if (kid instanceof Node) { el.appendChild(kid); return; }
    el.appendChild(document.createTextNode(String(kid)));
  }
  // h('div', {class: 'x', onclick: fn}, kids...): kids are nodes or text.
  function h(tag, props, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'href') el.setAttribute('href', v.href);  // only from route()
      else if (SAFE_ATTR.has(k)) el.setAttribute(k, v === true ? '' : String(v));
      else throw new Error('scq ui: attribute ' + k + ' is not allowed');
    }
    append(el, kids);
    return el;
  }
  // An in-page link: '#/' + page [+ '/' + job id].  Only a well-formed id
  // goes into the address; anything else is refused.
  function route(page, uid, extra) {
    if (!/^[a-z-]+$/.test(page)) throw new Error('bad page ' + page);
    let s = '#/' + page;
    if (uid !== undefined) {
      if (!UID_RE.test(uid)) throw new Error('not a job id');
      s += '/' + uid;
    }
    if (extra) s += '?' + new URLSearchParams(extra).toString();
    return { href: s };
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

  // ---- invisible and bidi characters --------------------------------
  // C0/C1 controls (not TAB/LF: code shows those its own way), format
  // characters (bidi overrides and isolates, zero-width, BOM, soft hyphen),
  // line and paragraph separators, and the odd spaces.
  const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
  const BASE = [[0x0, 0x8], [0xb, 0x1f], [0x7f, 0x9f], [0xad, 0xad], [0x34f, 0x34f], [0x61c, 0x61c],
    [0x115f, 0x1160], [0x17b4, 0x17b5], [0x180b, 0x180e], [0x200b, 0x200f], [0x2028, 0x202e],
    [0x205f, 0x206f], [0x3164, 0x3164], [0xfe00, 0xfe0f], [0xfeff, 0xfeff], [0xfff0, 0xfffb],
    [0xe0000, 0xe007f]];
  let MARK, MARK_T, MARK_1;  // without TAB and LF, with TAB, with both
  const u = cp => '\\u{' + cp.toString(16) + '}';
  function build(ranges) {
    const c = ranges.map(([a, b]) => u(a) + (b > a ? '-' + u(b) : '')).join('');
    MARK = new RegExp('[' + c + ']', 'gu');
    MARK_T = new RegExp('[\\u{9}' + c + ']', 'gu');
    MARK_1 = new RegExp('[\\u{9}\\u{a}' + c + ']', 'gu');
  }
  build(BASE);
  // The server's list (scq_format_char_ranges, in /api/session): the one
  // list every view of the project marks; ours stays as a floor.  TAB and
  // LF are never in it (code and logs show those their own way).
  function setFormatChars(ranges) {
    const ok = (ranges || []).filter(r => Array.isArray(r) && Number.isInteger(r[0]) && Number.isInteger(r[1]) &&
      r[0] <= r[1] && r[1] <= 0x10ffff && !(r[0] <= 0x0a && r[1] >= 0x09));
    build(BASE.concat(ok));
  }
  function codepoint(ch) {
    return 'U+' + ch.codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
  }
  // Text with every such character drawn as <U+XXXX> in a marked span.
  // opts.tabs: show TAB as an arrow span (a code line); opts.lf: TAB and
  // LF kept as they are (a log, a description); neither: one line of text
  // (a name, a tag, an address), where TAB and LF are marked too, so a
  // name cannot pass for two rows.
  function shown(text, opts) {
    text = String(text === null || text === undefined ? '' : text);
    const out = [];
    const re = opts && opts.tabs ? MARK_T : opts && opts.lf ? MARK : MARK_1;
    re.lastIndex = 0;
    let last = 0, m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) out.push(document.createTextNode(text.slice(last, m.index)));
      const ch = m[0];
      if (ch === '\t') out.push(h('span', { class: 'tab', title: 'TAB' }, '\t'));
      else if (ch === '\n' && opts && opts.lf) out.push(document.createTextNode('\n'));
      else {
        const cp = codepoint(ch);
        out.push(h('span', { class: BIDI.test(ch) ? 'mark bidi' : 'mark', title: cp + ' (invisible in the original)' },
          '\u27e8' + cp + '\u27e9'));
      }
      last = re.lastIndex;
    }
    if (last < text.length) out.push(document.createTextNode(text.slice(last)));
    return out;
  }
  function hasMarks(text) { MARK.lastIndex = 0; const r = MARK.test(String(text || '')); MARK.lastIndex = 0; return r; }
  function hasBidi(text) { return BIDI.test(String(text || '')); }

  // ---- syntax highlighting on text, token by token --------------------
  const KW = {
    sh: 'if then else elif fi for while until do done case esac in function return exit export local set echo printf cd source',
    py: 'def class return if elif else for while in not and or is None True False import from as with try except finally raise lambda yield pass break continue global nonlocal assert del async await print open',
    r: 'function if else for while repeat in return next break TRUE FALSE NULL NA library require',
    js: 'function const let var if else for while return new class import export from of in typeof null undefined true false async await try catch throw',
  };
  const KWSETS = Object.fromEntries(Object.entries(KW).map(([k, v]) => [k, new Set(v.split(' '))]));
  function language(path) {
    const p = String(path).toLowerCase();
    if (/\.(sh|bash)$/.test(p) || p === 'run.sh') return 'sh';
    if (/\.py$/.test(p)) return 'py';
    if (/\.r$/.test(p)) return 'r';
    if (/\.(js|mjs|ts)$/.test(p)) return 'js';
    return null;
  }
  const TOKEN_RE = {
    sh: /(#.*$)|("(?:[^"\\]|\\.)*"?|'[^']*'?)|(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)|(\b\d+(?:\.\d+)?\b)|([A-Za-z_][A-Za-z0-9_-]*)/g,
    py: /(#.*$)|("(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?)|()(\b\d+(?:\.\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)/g,
    r: /(#.*$)|("(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?)|()(\b\d+(?:\.\d+)?\b)|([A-Za-z_.][A-Za-z0-9_.]*)/g,
    js: /(\/\/.*$)|("(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|`[^`]*`?)|()(\b\d+(?:\.\d+)?\b)|([A-Za-z_$][A-Za-z0-9_$]*)/g,
  };
  // [[class or null, text], ...] covering the line exactly.
  function tokens(line, lang) {
    if (!lang) return [[null, line]];
    const re = TOKEN_RE[lang], kw = KWSETS[lang], out = [];
    re.lastIndex = 0;
    let last = 0, m;
    while ((m = re.exec(line)) !== null) {
      if (m[0] === '') { re.lastIndex++; continue; }
      let cls = null;
      if (m[1]) cls = 'tk-com'; else if (m[2]) cls = 'tk-str'; else if (m[3]) cls = 'tk-var';
      else if (m[4]) cls = 'tk-num'; else if (m[5] && kw.has(m[5])) cls = 'tk-kw';
      if (!cls) continue;
      if (m.index > last) out.push([null, line.slice(last, m.index)]);
      out.push([cls, m[0]]);
      last = m.index + m[0].length;
    }
    if (last < line.length) out.push([null, line.slice(last)]);
    return out;
  }
  function codeLine(line, lang) {
    return tokens(line, lang).map(([cls, t]) => cls ? h('span', { class: cls }, shown(t, { tabs: true }))
      : shown(t, { tabs: true }));
  }

  // A file as a table of numbered lines.  Returns {el, crlf, marks, bidi}.
  function codeView(text, path) {
    const lang = language(path);
    const lines = String(text).split('\n');
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    let crlf = 0, marks = 0, bidi = 0;
    const body = h('tbody');
    lines.forEach((raw, i) => {
      let line = raw, cr = false;
      if (line.endsWith('\r')) { line = line.slice(0, -1); cr = true; crlf++; }
      if (hasMarks(line)) marks++;
      if (hasBidi(line)) bidi++;
      body.appendChild(h('tr', { class: cr || hasMarks(line) ? 'flagged' : null },
        h('td', { class: 'ln', 'data-line': i + 1 }, String(i + 1)),
        h('td', { class: 'code' }, codeLine(line, lang), cr ? h('span', { class: 'mark crlf', title: 'CR before the line end (CRLF)' }, '\u27e8CR\u27e9') : null)));
    });
    const notes = [];
    if (bidi) notes.push(h('p', { class: 'warn', role: 'note' }, `Bidirectional control characters on ${bidi} line(s): the code may not run as it reads (Trojan Source). They are shown as \u27e8U+XXXX\u27e9.`));
    else if (marks) notes.push(h('p', { class: 'warn', role: 'note' }, `Invisible or control characters on ${marks} line(s), shown as \u27e8U+XXXX\u27e9.`));
    if (crlf) notes.push(h('p', { class: 'warn', role: 'note' }, `CRLF line endings on ${crlf} line(s), marked \u27e8CR\u27e9.`));
    return { el: h('div', { class: 'codebox' }, notes, h('table', { class: 'code-table' }, body)), crlf, marks, bidi };
  }

  // ---- CSV as a table, flagged cells highlighted ----------------------
  function parseCsv(text, sep) {
    const rows = [];
    let row = [], f = '', q = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (q) {
        if (c === '"') { if (text[i + 1] === '"') { f += '"'; i++; } else q = false; }
        else f += c;
      } else if (c === '"' && f === '') q = true;
      else if (c === sep) { row.push(f); f = ''; }
      else if (c === '\n') { row.push(f.replace(/\r$/, '')); rows.push(row); row = []; f = ''; }
      else f += c;
    }
    if (f !== '' || row.length) { row.push(f); rows.push(row); }
    return rows;
  }
  // flags: [{row, column, rule, message}] as the server counts them: rows
  // and columns from 1 as a spreadsheet shows the file (row 1 the header),
  // row 0 the whole column, column 0 the whole line.
  function csvTable(text, flags, sep, maxRows) {
    const rows = parseCsv(String(text), sep || ',');
    const at = new Map();
    for (const fl of flags || []) {
      const k = (fl.row || 0) + ':' + (fl.column || 0);
      at.set(k, (at.get(k) || []).concat(fl));
    }
    const cellFlags = (r, c) => [].concat(at.get(r + ':' + c) || [], at.get('0:' + c) || [], at.get(r + ':0') || []);
    const shownRows = rows.slice(0, maxRows || 2000);
    const t = h('table', { class: 'csv' });
    shownRows.forEach((r, ri) => {
      const tr = h('tr');
      r.forEach((cell, ci) => {
        const fl = cellFlags(ri + 1, ci + 1);
        const tag = ri === 0 ? 'th' : 'td';
        tr.appendChild(h(tag, { class: fl.length ? 'flag' : null, scope: ri === 0 ? 'col' : null,
          title: fl.length ? fl.map(x => x.rule + ': ' + x.message).join('\n') : null,
          'data-row': ri + 1, 'data-col': ci + 1, 'data-flag': fl.length ? fl.map(x => x.rule).join(' ') : null },
        shown(cell)));
      });
      t.appendChild(tr);
    });
    const more = rows.length > shownRows.length ? h('p', { class: 'warn' }, `Showing ${shownRows.length} of ${rows.length} rows.`) : null;
    return h('div', { class: 'csvbox' }, t, more);
  }

  function fmtBytes(n) {
    if (n === null || n === undefined) return '';
    if (n < 1024) return n + ' B';
    if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1048576).toFixed(1) + ' MiB';
  }
  function fmtTime(iso) { return iso ? String(iso).replace('T', ' ').replace(/\.\d+Z$/, 'Z') : ''; }

  return { h, append, clear, route, shown, hasMarks, hasBidi, codeView, csvTable, parseCsv, setFormatChars,
    tokens, language, fmtBytes, fmtTime, UID_RE };
})();
