/**
 * The report page's own script and style, inlined into the HTML. The script builds the page from the JSON data block
 * with textContent only (never innerHTML): transcripts are attacker-controlled text.
 */
export const REPORT_SCRIPT = String.raw`(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('sw-data').textContent);
  var SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];
  var player = null;
  var current = -1;

  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        if (props[k] === null || props[k] === undefined) return;
        if (k === 'text') node.textContent = props[k];
        else if (k === 'onclick') node.addEventListener('click', props[k]);
        else if (k === 'className') node.className = props[k];
        else node.setAttribute(k, props[k]);
      });
    }
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }
  function rank(s) { return SEVERITIES.indexOf(s); }
  function badge(severity) {
    if (!severity) return el('span', { className: 'sev sev-none', text: 'none' });
    return el('span', { className: 'sev sev-' + severity, title: 'severity: ' + severity, text: severity.toUpperCase() });
  }
  function when(iso) { return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, ' UTC') : 'unknown'; }
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return 'unknown';
    var s = Math.round(seconds);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + r + 's';
  }
  function clock(t) {
    var s = Math.floor(t);
    return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
  }
  function who(s) { return s.who.email || s.who.name || s.who.principalArn || 'unknown'; }
  function where(s) {
    return [s.where.account, s.where.region, s.where.instanceId].filter(Boolean).join(' / ') || 'unknown';
  }
  function announce(text) { document.getElementById('sw-status').textContent = text; }

  function summary() {
    var alerts = 0, commands = 0, counts = {};
    data.sessions.forEach(function (s) {
      alerts += s.alerts.length;
      commands += s.commands.length;
      s.alerts.forEach(function (a) { counts[a.severity] = (counts[a.severity] || 0) + 1; });
    });
    var parts = SEVERITIES.slice().reverse().filter(function (v) { return counts[v]; }).map(function (v) {
      return el('span', { className: 'count' }, [badge(v), ' ' + counts[v]]);
    });
    var box = document.getElementById('sw-summary');
    box.appendChild(el('p', null, [
      data.sessions.length + ' sessions, ' + commands + ' commands, ' + alerts + ' alerts ',
    ].concat(parts)));
    var meta = 'Generated ' + when(data.generatedAt) + ' by ' + data.generator + '.';
    if (data.filters.length) meta += ' Filters: ' + data.filters.join(' ') + '.';
    box.appendChild(el('p', { className: 'meta', text: meta }));
  }

  function alertsTable() {
    var rows = [];
    data.sessions.forEach(function (s, i) {
      s.alerts.forEach(function (a, j) { rows.push({ s: s, i: i, a: a, j: j }); });
    });
    rows.sort(function (x, y) { return rank(y.a.severity) - rank(x.a.severity); });
    var body = el('tbody');
    rows.forEach(function (r) {
      body.appendChild(el('tr', { 'data-search': [r.a.ruleId, r.a.title, r.s.sessionId, who(r.s), r.a.command].join(' ').toLowerCase() }, [
        el('td', null, [badge(r.a.severity)]),
        el('td', null, [el('div', { text: r.a.title }), el('code', { className: 'rule', text: r.a.ruleId })]),
        el('td', null, [el('code', { className: 'sid', text: r.s.sessionId }), el('div', { className: 'meta', text: who(r.s) })]),
        el('td', null, [el('code', { className: 'cmd', text: r.a.command })]),
        el('td', null, [el('button', {
          type: 'button', className: 'jump', 'data-alert': r.a.id,
          'aria-label': 'Replay session ' + r.s.sessionId + ' at the alert ' + r.a.ruleId,
          text: r.a.at === null ? 'Open' : '▶ Replay',
          onclick: function () { select(r.i, r.a.at, r.a); },
        })]),
      ]));
    });
    var table = document.getElementById('sw-alerts');
    table.appendChild(body);
    if (!rows.length) table.appendChild(el('caption', { text: 'No alerts.' }));
  }

  function sessionsTable() {
    var body = el('tbody');
    data.sessions.forEach(function (s, i) {
      body.appendChild(el('tr', { id: 'row-' + i, 'data-search': [s.sessionId, who(s), where(s)].join(' ').toLowerCase() }, [
        el('td', null, [el('button', { type: 'button', className: 'link', onclick: function () { select(i, null); } }, [
          el('code', { className: 'sid', text: s.sessionId }),
        ])]),
        el('td', null, [el('div', { text: who(s) }), el('div', { className: 'meta', text: s.who.principalArn || '' })]),
        el('td', { text: where(s) }),
        el('td', null, [el('div', { text: when(s.when.start) }), el('div', { className: 'meta', text: duration(s.when.durationSeconds) })]),
        el('td', { className: 'num', text: String(s.commands.length) }),
        el('td', null, [badge(s.highest), ' ' + s.alerts.length]),
      ]));
    });
    document.getElementById('sw-sessions').appendChild(body);
  }

  function search(input) {
    var q = input.value.trim().toLowerCase();
    document.querySelectorAll('tr[data-search]').forEach(function (tr) {
      tr.hidden = q !== '' && tr.getAttribute('data-search').indexOf(q) < 0;
    });
  }

  function fact(label, value) { return [el('dt', { text: label }), el('dd', { text: value === null || value === undefined || value === '' ? 'unknown' : String(value) })]; }

  function select(i, at, alert) {
    var s = data.sessions[i];
    var box = document.getElementById('sw-session');
    if (current !== i) {
      current = i;
      if (player) { player.dispose(); player = null; }
      box.textContent = '';
      document.querySelectorAll('#sw-sessions tr').forEach(function (tr) { tr.classList.remove('selected'); });
      var row = document.getElementById('row-' + i);
      if (row) row.classList.add('selected');
      renderSession(s, box);
    }
    box.hidden = false;
    box.scrollIntoView({ block: 'start' });
    if (at !== null && at !== undefined) jump(at, alert ? alert.ruleId + ': ' + alert.command : null, alert ? alert.seq : null);
  }

  function renderSession(s, box) {
    box.appendChild(el('h2', null, ['Session ', el('code', { text: s.sessionId })]));
    var facts = [];
    [
      ['Who', who(s)], ['Principal', s.who.principalArn], ['Identity from', s.who.from],
      ['Source IP', s.who.sourceIp], ['MFA', s.who.mfa === null ? null : (s.who.mfa ? 'yes' : 'no')],
      ['Reason', s.who.reason],
      ['Account', s.where.account], ['Region', s.where.region], ['Instance', s.where.instanceId],
      ['Run as', s.where.runAsUser],
      ['Start', when(s.when.start)], ['End', when(s.when.end)], ['Duration', duration(s.when.durationSeconds)],
      ['Read from', s.sources.join(', ')],
    ].forEach(function (f) { if (f[1] !== null || ['Who', 'Account', 'Instance', 'Start'].indexOf(f[0]) >= 0) facts = facts.concat(fact(f[0], f[1])); });
    box.appendChild(el('dl', { className: 'facts' }, facts));
    var notes = [s.replay.timing === 'recorded'
      ? 'Replay timed from the log event times (pauses over 3 s shortened).'
      : 'This format records no keystroke times: the replay types each command at a readable pace.'];
    if (s.replay.masked) notes.push(s.replay.masked + ' secrets masked in the transcript.');
    if (s.replay.truncated) notes.push('The transcript was too long: its end is left out of the replay.');
    box.appendChild(el('p', { className: 'meta', text: notes.join(' ') }));
    var screen = el('div', { id: 'sw-player', className: 'player' });
    box.appendChild(screen);
    player = AsciinemaPlayer.create({ data: s.replay.cast }, screen, {
      cols: s.replay.cols, rows: s.replay.rows, preload: true, fit: 'width', controls: true,
      terminalFontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace',
    });

    var list = el('ol', { className: 'timeline', 'aria-label': 'Commands of the session' });
    s.commands.forEach(function (c) {
      var flags = [c.root ? 'root' : '', c.cancelled ? 'cancelled (Ctrl-C)' : '', c.incomplete ? 'incomplete' : ''].filter(Boolean);
      var highest = c.alerts.reduce(function (h, k) { var v = s.alerts[k].severity; return h === null || rank(v) > rank(h) ? v : h; }, null);
      list.appendChild(el('li', { id: 'cmd-' + c.seq, className: highest ? 'alerted sev-edge-' + highest : '' }, [
        el('button', {
          type: 'button', className: 'jump', disabled: c.at === null ? 'disabled' : null,
          'aria-label': 'Replay from command ' + c.seq,
          text: '▶ ' + (c.at === null ? '–' : clock(c.at)),
          onclick: function () { jump(c.at, 'command ' + c.seq + ': ' + c.command, c.seq); },
        }),
        el('span', { className: 'seq', text: String(c.seq) }),
        el('code', { className: 'cmd', text: c.command }),
        flags.length ? el('span', { className: 'flags', text: flags.join(', ') }) : null,
        el('span', { className: 'meta', text: [c.user, c.cwd].filter(Boolean).join(' ') + (c.time ? ' · ' + when(c.time) : '') }),
      ].concat(c.alerts.map(function (k) { return el('span', { className: 'alert-tag' }, [badge(s.alerts[k].severity), ' ' + s.alerts[k].ruleId]); }))));
    });
    box.appendChild(el('h3', { text: 'Commands (' + s.commands.length + ')' }));
    box.appendChild(list);

    box.appendChild(el('h3', { text: 'Alerts (' + s.alerts.length + ')' }));
    var alerts = el('ul', { className: 'alerts' });
    s.alerts.forEach(function (a) {
      alerts.appendChild(el('li', { className: 'sev-edge-' + a.severity }, [
        badge(a.severity), ' ', el('strong', { text: a.title }), ' ', el('code', { className: 'rule', text: a.ruleId }),
        el('div', null, [el('code', { className: 'cmd', text: a.command })]),
        el('div', { className: 'meta', text: [a.category].concat(a.attack).join(' · ') +
          (a.evidence.length ? ' · evidence: ' + a.evidence.map(function (e) { return e.kind + ' ' + e.value; }).join(', ') : '') }),
        a.description ? el('div', { className: 'meta', text: a.description }) : null,
        a.at === null
          ? el('div', { className: 'meta', text: 'Raised on another format of this session; not in the replayed transcript.' })
          : el('button', { type: 'button', className: 'jump', 'data-alert': a.id, 'aria-label': 'Replay at the alert ' + a.ruleId,
            text: '▶ Replay at ' + clock(a.at), onclick: function () { jump(a.at, a.ruleId + ': ' + a.command, a.seq); } }),
      ]));
    });
    box.appendChild(alerts);
  }

  function jump(at, what, seq) {
    if (!player) return;
    document.querySelectorAll('ol.timeline li.current').forEach(function (li) { li.classList.remove('current'); });
    var row = seq === null || seq === undefined ? null : document.getElementById('cmd-' + seq);
    if (row) row.classList.add('current');
    document.getElementById('sw-player').scrollIntoView({ block: 'start' });
    player.seek(at).then(function () { return player.pause(); }).then(function () {
      announce('Replay at ' + clock(at) + (what ? ' — ' + what : ''));
    });
  }

  summary();
  alertsTable();
  sessionsTable();
  var input = document.getElementById('sw-search');
  input.addEventListener('input', function () { search(input); });
  window.sessionwatchReport = {
    select: select,
    jump: jump,
    player: function () { return player; },
  };
  if (data.sessions.length === 1) select(0, null);
})();
`;

export const REPORT_STYLE = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa;
  --accent: #0969da; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --panel: #151b23; --accent: #4493f8; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
header, main { max-width: 1400px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 16px; border-bottom: 1px solid var(--line); }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 24px 0 8px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
code.cmd { white-space: pre-wrap; word-break: break-all; }
.meta { color: var(--muted); font-size: 12.5px; }
.count { margin-left: 10px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
td.num { text-align: right; }
tr.selected { background: var(--panel); }
.sev { display: inline-block; min-width: 64px; text-align: center; font-size: 11px; font-weight: 700; letter-spacing: .04em;
  padding: 1px 6px; border-radius: 4px; color: #fff; }
.sev-critical { background: #82071e; } .sev-high { background: #cf222e; } .sev-medium { background: #9a6700; }
.sev-low { background: #0550ae; } .sev-info { background: #59636e; } .sev-none { background: transparent; color: var(--muted); border: 1px solid var(--line); }
.sev-edge-critical { border-left: 4px solid #82071e; } .sev-edge-high { border-left: 4px solid #cf222e; }
.sev-edge-medium { border-left: 4px solid #9a6700; } .sev-edge-low { border-left: 4px solid #0550ae; } .sev-edge-info { border-left: 4px solid #59636e; }
button { font: inherit; cursor: pointer; }
button.jump { border: 1px solid var(--line); background: var(--panel); color: var(--fg); border-radius: 6px; padding: 2px 8px; white-space: nowrap; }
button.jump:disabled { cursor: default; opacity: .5; }
button.link { border: 0; background: none; padding: 0; color: var(--accent); text-align: left; }
button:focus-visible, input:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
#sw-search { width: 100%; max-width: 420px; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
section { margin-bottom: 12px; }
#sw-session { border-top: 2px solid var(--line); margin-top: 24px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 2px 14px; margin: 0 0 8px; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; word-break: break-all; }
.player { margin: 8px 0 4px; }
ol.timeline { list-style: none; padding: 0; margin: 0; }
ol.timeline li { display: flex; flex-wrap: wrap; gap: 4px 10px; align-items: baseline; padding: 4px 8px; border-bottom: 1px solid var(--line); border-left: 4px solid transparent; }
ol.timeline li.current { background: var(--panel); outline: 2px solid var(--accent); outline-offset: -2px; }
ol.timeline .seq { color: var(--muted); min-width: 2.5em; text-align: right; }
ol.timeline .cmd { flex: 1 1 420px; }
.flags { font-size: 12px; color: var(--muted); font-style: italic; }
ul.alerts { list-style: none; padding: 0; }
ul.alerts li { padding: 6px 10px; margin-bottom: 6px; background: var(--panel); border-radius: 4px; }
.alert-tag { font-size: 12px; }
#sw-status { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
`;
