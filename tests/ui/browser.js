// What the browser tests share (pages.js, setup.js): Debian's chromium
// driven by playwright-core at a phone's size (390 × 844), every page's
// console errors collected, axe-core run on every screenshot, and on a
// failure a screenshot of every page open. The checks count in st.
'use strict';
const { chromium } = require('playwright-core');
const path = require('path');
const fs = require('fs');

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, bypassCSP: true };
const st = { checks: 0, consoleErrors: [], axeFindings: [], allPages: [], shots: '.' };

function ok(cond, what) {
  if (!cond) throw new Error('FAIL: ' + what);
  st.checks++;
}

function watch(page, name) {
  page.on('console', (m) => {
    if (m.type() === 'error') st.consoleErrors.push(name + ': ' + m.text());
  });
  page.on('pageerror', (e) => st.consoleErrors.push(name + ': ' + e.message));
}

// axe-core in the page (its source passed in: the node's CSP allows no
// script but its own, so evaluate it as a function's text).
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
async function axe(page, name) {
  const res = await page.evaluate(async (src) => {
    if (!window.axe) (0, eval)(src);
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  }, axeSource);
  for (const v of res)
    if (v.impact === 'serious' || v.impact === 'critical')
      st.axeFindings.push(name + ': ' + v.impact + ' ' + v.id + ' (' + v.help + ') ' + v.nodes.join(', '));
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(st.shots, name + '.png'), fullPage: true });
  await axe(page, name);
}

async function newPage(browser, base, name) {
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  page.base = base;
  page.label = name;
  watch(page, name);
  st.allPages.push(page);
  return page;
}

// Runs run(browser) in a headless chromium; on a failure, a screenshot
// of every page and the console errors, then the error again.
async function withBrowser(run) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  try {
    await run(browser);
  } catch (e) {
    for (const p of st.allPages) {
      await p.screenshot({ path: path.join(st.shots, 'failure-' + p.label + '.png'), fullPage: true }).catch(() => {});
      console.error(p.label + ' ' + p.url() + ' says: ' + await p.textContent('#pesan').catch(() => '?'));
    }
    console.error('console errors: ' + st.consoleErrors.join('\n  '));
    throw e;
  } finally {
    await browser.close();
  }
}

// The end of a test: no console errors, no serious axe findings.
function finish(name) {
  ok(st.consoleErrors.length === 0, 'no console errors:\n  ' + st.consoleErrors.join('\n  '));
  ok(st.axeFindings.length === 0, 'axe-core: no serious or critical violations:\n  ' + st.axeFindings.join('\n  '));
  console.log(name + ': ' + st.checks + ' checks passed');
}

function args() {
  const a = {};
  for (let i = 2; i < process.argv.length; i += 2) a[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
  return a;
}

module.exports = { st, ok, watch, axe, shot, newPage, withBrowser, finish, args };
