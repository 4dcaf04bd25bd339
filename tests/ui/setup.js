// The setup page (src/http/ui/setup.html) in headless Chromium at a
// phone's size, as a KIM operator sets up a new desa node: the setup
// code, "Sukanegara" typed and the one of Pontang picked from the list,
// the KIM named, the first admin made; then the enrolment request as
// text and as a QR code, the certificate the kecamatan signs (simpul
// enroll sign at its data directory) pasted, and "Terdaftar". No console
// errors, axe-core on every step's screenshot.
// usage: node setup.js --url URL --code CODE --simpul SIMPUL
//          --issuer-data DIR --data DIR --shots DIR
'use strict';
const { execFileSync } = require('child_process');
const { st, ok, shot, newPage, withBrowser, finish, args } = require('./browser');
const arg = args();
st.shots = arg.shots;

const visible = (page, css) => page.isVisible(css);

async function run(browser) {
  const p = await newPage(browser, arg.url, 'setup');
  await p.goto(arg.url + '/');
  await p.waitForSelector('#setup-form');
  ok((await p.getAttribute('html', 'lang')) === 'id', 'the page in Bahasa Indonesia');
  await shot(p, 'setup-1-form');

  // A refusal next to its field, before anything is sent.
  await p.click('#pasang');
  await p.waitForFunction(() => document.getElementById('wilayah-galat').textContent.length > 0);
  const asked = await p.textContent('#wilayah-galat');
  ok(asked.includes('pilih'), 'the desa is asked for: ' + asked);

  await p.fill('#kode', arg.code.toLowerCase().replace(/-/g, ' '));
  await p.fill('#cari', 'Sukanegara');
  await p.waitForFunction(() => document.querySelectorAll('#hasil button').length >= 2);
  const hits = await p.$$eval('#hasil button', (bs) => bs.map((b) => b.textContent));
  const ours = hits.filter((h) => h.includes('36.04.12.2002'));
  ok(ours.length === 1, 'the one of Pontang listed once: ' + hits.join(' | '));
  ok(ours[0].includes('Pontang') && ours[0].includes('Kabupaten Serang'),
     'with its kecamatan and kabupaten: ' + ours[0]);
  await shot(p, 'setup-2-search');
  await p.click('#hasil button:has-text("36.04.12.2002")');
  await p.waitForSelector('#terpilih:not([hidden])');
  ok((await p.textContent('#terpilih')).includes('36.04.12.2002'), 'chosen: Sukanegara, Pontang');
  ok((await p.inputValue('#nama')) === 'KIM Sukanegara', 'the KIM named after it');
  await p.fill('#admin', 'ketua');
  await p.fill('#sandi', 'sandi-rahasia-1');
  await p.fill('#sandi2', 'sandi-rahasia-1');
  await p.click('#pasang');

  await p.waitForSelector('#daftar:not([hidden])', { timeout: 60000 });
  // While the node switches from its setup server to its API the page
  // retries its login, and Chromium logs each 503 it got meanwhile: those
  // are expected here, and only those.
  st.consoleErrors = st.consoleErrors.filter((e) => !e.includes('status of 503'));
  const line = await p.inputValue('#permintaan');
  ok(line.startsWith('simpul-req1:'), 'the request as text: ' + line);
  const printed = execFileSync(arg.simpul, ['enroll', 'request', '--data', arg.data]).toString().trim();
  ok(printed === line, 'the request simpul enroll request prints');
  await p.waitForFunction(() => {
    const i = document.getElementById('qr');
    return i && !i.closest('[hidden]') && i.complete && i.naturalWidth > 0;
  });
  st.checks++; // the QR code drawn
  await shot(p, 'setup-3-request');

  const cert = execFileSync(arg.simpul, ['enroll', 'sign', '--data', arg['issuer-data'], line,
    '--valid-days', '30']).toString().trim();
  await p.fill('#sertifikat', 'bukan sertifikat');
  await p.click('#sertifikat-form button');
  await p.waitForFunction(() => document.getElementById('sertifikat-galat').textContent.length > 0);
  const refused = await p.textContent('#sertifikat-galat');
  ok(refused.includes('simpul-cert1'), 'a wrong paste refused beside the field: ' + refused);
  await p.fill('#sertifikat', cert);
  await p.click('#sertifikat-form button');
  await p.waitForSelector('#selesai:not([hidden])', { timeout: 60000 });
  const done = await p.textContent('#selesai-teks');
  ok(done.includes('Terdaftar di jaringan'), 'enrolled in the network: ' + done);
  await shot(p, 'setup-4-enrolled');
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  ok(width <= 390, 'no sideways scrolling at 390 px: ' + width);
  ok(await visible(p, '#selesai'), 'the last step stays shown');
  finish('setup.js');
}

withBrowser(run).catch((e) => { console.error(e.message || e); process.exit(1); });
