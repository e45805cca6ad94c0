import { createHash } from 'node:crypto';
import type { PlayerAssets } from './assets.js';
import { REPORT_SCRIPT, REPORT_STYLE } from './client.js';
import type { ReportData } from './model.js';

/**
 * The report as one HTML file that needs no network: the player, the page script and the data are inline. The data
 * is a JSON block (`<` and friends escaped, so no transcript text can close it); the page builds the DOM from it with
 * textContent only. The Content-Security-Policy allows just the two inline scripts (by hash), WebAssembly (the
 * player's terminal) and no connections at all.
 */
export function renderReportHtml(data: ReportData, player: PlayerAssets): string {
  const scripts = [scriptText(player.js), scriptText(REPORT_SCRIPT)];
  const csp = [
    "default-src 'none'",
    `script-src ${scripts.map((s) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`).join(' ')} 'wasm-unsafe-eval'`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    'font-src data:',
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; '); // hashes are base64: no character needs escaping in the attribute
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${escapeHtml(data.generator)}; asciinema-player ${escapeHtml(player.version)} (Apache-2.0)">
<title>${escapeHtml(data.title)}</title>
<style>${player.css}</style>
<style>${REPORT_STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(data.title)}</h1>
<div id="sw-summary"></div>
<p><label for="sw-search">Search alerts and sessions </label><input id="sw-search" type="search" placeholder="rule, session, who, command…"></p>
</header>
<main>
<noscript><p>This report needs JavaScript (inline, no network) to show sessions and replays.</p></noscript>
<section aria-labelledby="h-alerts">
<h2 id="h-alerts">Alerts</h2>
<table id="sw-alerts"><thead><tr><th>Severity</th><th>Rule</th><th>Session</th><th>Command</th><th><span class="meta">Replay</span></th></tr></thead></table>
</section>
<section aria-labelledby="h-sessions">
<h2 id="h-sessions">Sessions</h2>
<table id="sw-sessions"><thead><tr><th>Session</th><th>Who</th><th>Where (account / region / instance)</th><th>When</th><th>Commands</th><th>Alerts</th></tr></thead></table>
</section>
<section id="sw-session" hidden aria-label="Selected session"></section>
<div id="sw-status" role="status" aria-live="polite"></div>
</main>
<script type="application/json" id="sw-data">${jsonForHtml(data)}</script>
<script>${scripts[0]}</script>
<script>${scripts[1]}</script>
</body>
</html>
`;
}

/** JSON that cannot end its <script> block or open a comment in it, whatever the strings hold. */
export function jsonForHtml(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Inline script text that cannot end its block early (`</script` and `<!--` have the same meaning escaped in JS). */
function scriptText(js: string): string {
  return js.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '<\\!--');
}

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
