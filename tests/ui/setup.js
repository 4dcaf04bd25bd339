// The setup page (src/http/ui/setup.html) in headless Chromium at a
// phone's size, as a KIM operator sets up a new desa node: the setup
// code, "Sukanegara" typed and the one of Pontang picked from the list,
// the KIM named, the first admin made; then the enrolment request as
// text and as a QR code; at the kecamatan, its admin pastes the request
// in the Pendaftaran page and approves it with one click; the
// certificate it shows is pasted at the desa, and "Terdaftar". Then the
// desa's own Pendaftaran page shows its network. No console errors,
// axe-core on every step's screenshot.
// usage: node setup.js --url URL --code CODE --simpul SIMPUL --data DIR
//          --issuer-url URL --issuer-user U --issuer-password P --shots DIR
'use strict';
const { execFileSync } = require('child_process');
const { st, ok, shot, newPage, withBrowser, finish, args } = require('./browser');
const arg = args();
st.shots = arg.shots;

const visible = (page, css) => page.isVisible(css);

async function login(p, base, user, password) {
  await p.goto(base + '/#masuk');
  await p.fill('#masuk-nama', user);
  await p.fill('#masuk-sandi', password);
  await p.click('#tombol-masuk');
  await p.waitForSelector('#pesan:has-text("Berhasil masuk")');
}

// The kecamatan's admin approves the request in its Pendaftaran page;
// returns the certificate it shows.
async function approve(browser, line) {
  const k = await newPage(browser, arg['issuer-url'], 'kecamatan');
  await login(k, arg['issuer-url'], arg['issuer-user'], arg['issuer-password']);
  await k.waitForSelector('#menu a[href="/ui/daftar.html"]:not([hidden])');
  await k.click('#menu a[href="/ui/daftar.html"]');
  await k.waitForSelector('#bagian-setujui:not([hidden])');
  const own = await k.textContent('#node-data');
  ok(own.includes('Boleh mendaftarkan node lain') && own.includes('ya'), 'the kecamatan may certify: ' + own);
  await k.fill('#permintaan-masuk', 'simpul-req1:rusak');
  await k.click('#form-periksa button');
  await k.waitForFunction(() => document.getElementById('galat-permintaan-masuk').textContent.length > 0);
  ok((await k.textContent('#galat-permintaan-masuk')).includes('salin ulang'), 'a damaged request refused beside the field');
  // Chromium logs the 400 of that refusal: expected here, and only it.
  st.consoleErrors = st.consoleErrors.filter((e) => !e.includes('status of 400'));
  await k.fill('#permintaan-masuk', '  ' + line + '\n');
  await k.click('#form-periksa button');
  await k.waitForSelector('#pemohon:not([hidden])');
  const who = await k.textContent('#pemohon-data');
  ok(who.includes('KIM Sukanegara') && who.includes('Desa 36.04.12.2002'), 'who asks: ' + who);
  ok(await k.isHidden('#label-penerbit'), 'a kecamatan makes no issuers');
  await shot(k, 'pendaftaran-1-periksa');
  await k.click('#form-setujui button');
  await k.waitForSelector('#hasil-sertifikat:not([hidden])');
  const cert = (await k.inputValue('#sertifikat-keluar')).trim();
  ok(cert.startsWith('simpul-cert1:'), 'the certificate as text');
  await k.waitForFunction(() => {
    const i = document.getElementById('qr-sertifikat');
    return !i.hidden && i.complete && i.naturalWidth > 0;
  });
  st.checks++; // and as a QR code
  ok((await k.textContent('#pesan')).includes('Disetujui'), 'approved with one click');
  await shot(k, 'pendaftaran-2-sertifikat');
  // What simpul enroll sign would make: the sertifikat is in the issuer's feed.
  const certs = JSON.parse(execFileSync(arg.simpul, ['list', '--data', arg['issuer-data'],
    '--kind', 'sertifikat', '--json']).toString());
  ok(certs.filter((e) => e.author_region === '36.04.12').length === 1,
     'the certificate posted once in the kecamatan\'s feed');
  return cert;
}

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

  const cert = await approve(browser, line);
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
  // The page waits for the node to serve again once enrolled (it starts
  // its sync and its API again): a refused connection meanwhile is
  // expected, and only that.
  await p.waitForSelector('#buka-aplikasi:not([hidden])', { timeout: 60000 });
  st.consoleErrors = st.consoleErrors.filter((e) => !(e.startsWith('setup: ') &&
    e.includes('net::ERR_CONNECTION_REFUSED')));
  await shot(p, 'setup-4-enrolled');
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  ok(width <= 390, 'no sideways scrolling at 390 px: ' + width);
  ok(await visible(p, '#selesai'), 'the last step stays shown');

  // The desa's own Pendaftaran page, as its admin: enrolled, no approvals.
  // (still logged in as the admin the setup page made)
  await p.click('text=Buka aplikasi KIM');
  await p.waitForSelector('#menu a[href="/ui/daftar.html"]:not([hidden])');
  await p.click('#menu a[href="/ui/daftar.html"]');
  await p.waitForSelector('#bagian-node:not([hidden])');
  const own = await p.textContent('#node-data');
  ok(own.includes('Jaringan') && own.includes('tidak'), 'the desa: in its network, certifies no one: ' + own);
  ok(await p.isHidden('#bagian-setujui'), 'a desa approves no requests');
  ok(await p.isHidden('#node-belum'), 'no request to send once enrolled');
  await shot(p, 'setup-5-pendaftaran-desa');
  finish('setup.js');
}

withBrowser(run).catch((e) => { console.error(e.message || e); process.exit(1); });
