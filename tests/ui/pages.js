// The web app (src/http/ui/) in headless Chromium at 390 × 844, on the
// real daemons tests/ui/test_pages.sh started. Each step is what a KIM
// operator, a camat's office or the Diskominfo does and checks by eye.
'use strict';
const http = require('http');
const { st, ok, shot, newPage, watch, withBrowser, args } = require('./browser');
const arg = args();
st.shots = arg.shots;

async function login(page, user, password) {
  await page.goto(page.base + '/#masuk');
  await page.fill('#masuk-nama', user);
  await page.fill('#masuk-sandi', password);
  await page.click('#tombol-masuk');
  await page.waitForSelector('#pesan:has-text("Berhasil masuk")');
}

// Reloads until fn() holds (sync between daemons takes a moment).
async function until(page, what, fn, secs = 60) {
  const end = Date.now() + secs * 1000;
  for (;;) {
    if (await fn().catch(() => false)) { st.checks++; return; }
    if (Date.now() > end) throw new Error('FAIL: ' + what + ' (after ' + secs + ' s)');
    await page.waitForTimeout(1000);
    await page.reload();
  }
}

async function reportId(page, title) {
  const href = await page.getAttribute('#daftar-laporan a:has-text("' + title + '")', 'href');
  return href.replace('#detail/', '');
}

async function main() {
  await withBrowser(run);
}

async function run(browser) {
  const SECRET = 'Bendahara desa meminta uang pungutan liar untuk surat.';
  const PHOTO_TITLE = 'Jembatan bambu RT 03 patah';

  // ---- GET / in one round trip (src/http/page.c), its CSP enforced ----
  // (newPage bypasses it): the inline script and style run by their
  // hashes, and Beranda draws from the replies in the page alone.
  {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const p = await ctx.newPage();
    watch(p, 'page'); // a CSP refusal is a console error
    const asked = [];
    p.on('request', (q) => asked.push(new URL(q.url()).pathname));
    await p.goto(arg.desa + '/');
    await p.waitForSelector('#daftar-informasi .kartu:has-text("Posyandu Sabtu")');
    ok(!asked.some((a) => /^\/(ui\/([a-z]+\.js|style\.css)|api\/(items|places|node))$/.test(a)),
       'Beranda draws from the page alone, asked: ' + asked.join(' '));
    ok((await p.textContent('#judul-node')) === 'Node desa', 'the page names the node');
    const bg = await p.evaluate(() => getComputedStyle(document.querySelector('header')).backgroundColor);
    ok(bg === 'rgb(31, 95, 63)', 'the inline style applies: header ' + bg);
    await ctx.close();
  }

  // ---- the desa: Beranda without login, then a warga logs in ----------
  const desa = await newPage(browser, arg.desa, 'desa');
  await desa.goto(arg.desa + '/');
  await desa.waitForSelector('#daftar-informasi .kartu:has-text("Posyandu Sabtu")');
  ok((await desa.textContent('#judul-node')) === 'Node desa', 'the desa names itself');
  // The author's name, not its region code.
  const kaki = await desa.textContent('#daftar-informasi .kartu .kaki');
  ok(kaki.includes('Node desa') && !kaki.includes('36.04.12.2002'), 'Beranda shows the author by name: ' + kaki);
  await shot(desa, '01-beranda-desa');
  await desa.goto(arg.desa + '/#masuk');
  await shot(desa, '02-masuk');
  await login(desa, 'warga', 'kata-sandi-warga');

  // ---- Kirim: bad input refused next to the field ---------------------
  await desa.goto(arg.desa + '/#kirim');
  await desa.click('#tombol-kirim');
  ok((await desa.textContent('#galat-kirim-judul')).includes('paling sedikit'), 'an empty title is refused next to the field');
  ok((await desa.textContent('#galat-kirim-isi')).length > 0, 'an empty text is refused next to the field');
  ok((await desa.getAttribute('#kirim-judul', 'aria-invalid')) === 'true', 'the title is marked invalid');

  // A pengaduan with a photo while the kecamatan is stopped: the desa
  // shows "Menunggu sinkronisasi" until it is acknowledged, then sent.
  const photo = await desa.screenshot({ type: 'png' }); // a real 390×844 PNG
  process.kill(Number(arg['kec-pid']), 'SIGSTOP');
  let photoId;
  try {
    await desa.check('input[name="kirim-jenis"][value="pengaduan"]');
    await desa.fill('#kirim-judul', PHOTO_TITLE);
    await desa.fill('#kirim-isi', 'Jembatan penghubung ke sekolah patah sejak hujan deras kemarin.');
    await desa.selectOption('#kirim-kategori', 'infrastruktur');
    await desa.fill('#kirim-tempat', 'RT 03 RW 01');
    await desa.fill('#kirim-nama', 'Siti Aminah');
    await desa.fill('#kirim-kontak', '0812-0000-0000');
    await desa.setInputFiles('#kirim-foto', { name: 'jembatan.png', mimeType: 'image/png', buffer: photo });
    await desa.waitForSelector('#kirim-pratinjau img');
    await shot(desa, '03-kirim');
    await desa.click('#tombol-kirim');
    await desa.waitForSelector('#hal-detail:not([hidden]) #detail-kirim:has-text("Menunggu sinkronisasi")');
    st.checks++;
    photoId = desa.url().split('#detail/')[1];
    await desa.waitForSelector('#detail-foto img');
    await shot(desa, '04-detail-menunggu');
  } finally {
    process.kill(Number(arg['kec-pid']), 'SIGCONT');
  }
  await desa.waitForSelector('#detail-kirim:has-text("Terkirim ✓✓")', { timeout: 60000 });
  st.checks++;
  // The photo went up resized: a JPEG, its longer side at most 1600 px.
  const att = await desa.evaluate(async (id) => (await (await fetch('/api/items/' + id)).json()).attachments, photoId);
  ok(att.length === 1 && att[0].type === 'image/jpeg' && att[0].thumb, 'the photo is attached as a JPEG with a thumbnail');
  const th = await desa.evaluate(async (id) => {
    const r = await fetch('/api/items/' + id + '/thumbnails/0');
    const im = await createImageBitmap(await r.blob());
    return [r.headers.get('Content-Type'), Math.max(im.width, im.height)];
  }, photoId);
  ok(th[0] === 'image/jpeg' && th[1] <= 160, 'the thumbnail made in the browser: ' + th);
  for (const bad of ['bukan base64!', Buffer.alloc(8193, 1).toString('base64')]) {
    const r = await fetchRaw(arg.desa + '/api/items', 'POST', {
      Authorization: 'Bearer ' + arg['desa-token'], 'Content-Type': 'application/json',
    }, JSON.stringify({ kind: 'aspirasi', handler: '36.04', title: 'Foto rusak', text: 'Gambar kecil rusak.',
                        attachments: [{ root: att[0].root, type: 'image/jpeg', thumb: bad }] }));
    ok(r.status === 400 && r.body.includes('HTTP-BAD-VALUE'), 'a bad thumbnail is refused: ' + r.status + ' ' + r.body);
  }
  const dims = await desa.evaluate(async (root) => {
    const b = await (await fetch('/api/blobs/' + root)).blob();
    const im = await createImageBitmap(b);
    return [im.width, im.height, b.size];
  }, att[0].root);
  ok(dims[0] === 390 && dims[1] === 844 && dims[2] > 1000, 'the photo arrived whole: ' + dims);

  // A rahasia pengaduan with a photo: the photo is encrypted for the
  // handler (proto/BLOBS.md §2.1), and the form says so.
  await desa.goto(arg.desa + '/#kirim');
  ok((await desa.textContent('#form-kirim')).includes('Fotonya dienkripsi'), 'the form says a rahasia photo is encrypted');
  await desa.check('input[name="kirim-jenis"][value="pengaduan"]');
  await desa.fill('#kirim-judul', 'Pungutan liar di kantor desa');
  await desa.fill('#kirim-isi', SECRET);
  await desa.fill('#kirim-nama', 'Pelapor Rahasia');
  await desa.check('#kirim-rahasia');
  await desa.setInputFiles('#kirim-foto', { name: 'bukti.png', mimeType: 'image/png', buffer: photo });
  await desa.click('#tombol-kirim');
  // The author's own anggota account reads it as a relay does: sealed,
  // the photo too.
  await desa.waitForSelector('#hal-detail:not([hidden]) #detail-disegel:not([hidden])');
  await desa.waitForSelector('#detail-foto .lampiran-disegel');
  ok((await desa.$$('#detail-foto img')).length === 0, 'the desa shows no sealed photo');
  ok((await desa.textContent('#detail-lencana')).includes('Rahasia'), 'the rahasia report is marked so');
  ok((await desa.textContent('#detail-data')).includes('Ditangani olehNode kab'), 'it goes to the kabupaten');
  const secretId = desa.url().split('#detail/')[1];
  await desa.waitForSelector('#detail-kirim:has-text("Terkirim")', { timeout: 60000 });
  st.checks++;

  await kirimLuring(browser, desa);

  // ---- the kabupaten: verify, forward and answer ------------------------
  const kab = await newPage(browser, arg.kab, 'kab');
  await login(kab, 'dinas', 'kata-sandi-dinas');
  ok(await kab.isVisible('#menu a[data-hal="kelola"]'), 'a pengelola sees Kelola');
  await kab.goto(arg.kab + '/#laporan');
  await until(kab, 'the reports at the kabupaten', () => kab.isVisible('#daftar-laporan a:has-text("Pungutan liar")'));
  await shot(kab, '05-laporan-kabupaten');
  await kab.goto(arg.kab + '/#detail/' + secretId);
  await kab.waitForSelector('#detail-isi:has-text("' + SECRET + '")');
  ok((await kab.textContent('#detail-data')).includes('Pelapor Rahasia'), 'the handler reads the reporter');
  // The handler sees the sealed photo: its thumbnail, then the photo
  // itself decrypted, once its ciphertext came up through the kecamatan.
  await kab.waitForSelector('#detail-foto img');
  await until(kab, 'the rahasia thumbnail shown at the kabupaten', () =>
    kab.$eval('#detail-foto img', (im) => im.complete && im.naturalWidth > 0));
  const secretAtt = await kab.evaluate(async (id) => (await (await fetch('/api/items/' + id)).json()).attachments, secretId);
  ok(secretAtt.length === 1 && !secretAtt[0].sealed && secretAtt[0].type === 'image/jpeg' && secretAtt[0].thumb,
     'the kabupaten opens the attachment: ' + JSON.stringify(secretAtt));
  await until(kab, 'the rahasia photo decrypted at the kabupaten', () => kab.evaluate(async (root) => {
    const r = await fetch('/api/blobs/' + root);
    if (r.status !== 200) return false;
    const im = await createImageBitmap(await r.blob());
    return im.width === 390 && im.height === 844;
  }, secretAtt[0].root));
  // Verification: the method is required.
  await kab.selectOption('#langkah-nama', 'diverifikasi');
  await kab.click('#form-langkah button');
  ok((await kab.textContent('#galat-langkah-metode')).includes('wajib'), 'a verification without its method is refused');
  await kab.fill('#langkah-metode', 'survei lapangan');
  await kab.selectOption('#langkah-hasil', 'valid');
  await kab.fill('#langkah-pemeriksa', 'Budi');
  await kab.click('#form-langkah button');
  await kab.waitForSelector('#detail-lencana:has-text("Diverifikasi")');
  await kab.selectOption('#langkah-nama', 'diteruskan');
  await kab.fill('#langkah-instansi', 'Inspektorat Kabupaten');
  await kab.click('#form-langkah button');
  await kab.waitForSelector('#detail-lencana:has-text("Diteruskan")');
  await kab.fill('#tanggapan-isi', 'Laporan diteruskan ke Inspektorat; pemeriksaan minggu ini.');
  await kab.click('#form-tanggapan button');
  await kab.waitForSelector('#detail-tanggapan:has-text("Inspektorat; pemeriksaan")');
  ok((await kab.textContent('#detail-alur')).includes('survei lapangan'), 'the timeline shows the verification record');
  await kab.goto(arg.kab + '/#detail/' + photoId);
  await kab.waitForSelector('#detail-isi:has-text("Jembatan penghubung")');
  await kab.waitForSelector('#tindakan:not([hidden])');
  await kab.fill('#tanggapan-isi', 'Perbaikan jembatan dijadwalkan pekan depan.');
  await kab.click('#form-tanggapan button');
  await kab.waitForSelector('#detail-tanggapan:has-text("dijadwalkan pekan depan")');
  await kab.goto(arg.kab + '/#detail/' + secretId);
  await kab.waitForSelector('#detail-tanggapan:has-text("Inspektorat; pemeriksaan")');
  await shot(kab, '06-detail-kabupaten');
  await kab.goto(arg.kab + '/#kelola');
  await kab.waitForSelector('#daftar-kelola .kartu');
  await shot(kab, '07-kelola');
  // The dashboard, from the menu: SVG bars per kecamatan, by name.
  await kab.click('#menu a[href="/ui/dashboard.html"]');
  await kab.waitForSelector('#grafik-wilayah svg rect.batang');
  const ringkas = await kab.textContent('#dasbor-ringkas');
  const nLaporan = (ringkas.match(/(\d+) laporan/) || [])[1];
  ok(Number(nLaporan) >= 2, 'the dashboard counts the reports: ' + ringkas);
  ok((await kab.textContent('#grafik-wilayah')).includes('36.04.12'), 'the dashboard has a bar for the kecamatan');
  await shot(kab, '07b-dasbor');

  // ---- the desa sees the status, the answer and the ticks ---------------
  // A rahasia report's answer opens at the desa that made it (KIM.md
  // §4.3), for its pengelola; an anggota there sees the state, sealed.
  await desa.goto(arg.desa + '/#detail/' + secretId);
  await until(desa, 'the status back at the desa, the answer sealed for an anggota', async () =>
    (await desa.textContent('#detail-lencana')).includes('Diteruskan') &&
    (await desa.textContent('#detail-tanggapan')).includes('disegel'));
  ok(!(await desa.content()).includes('Inspektorat'), 'an anggota reads no sealed detail');
  ok((await desa.textContent('#detail-alur')).includes('rincian disegel'), 'the steps shown, their details sealed');
  const ketua = await newPage(browser, arg.desa, 'desa-ketua');
  await login(ketua, 'ketua', 'kata-sandi-ketua');
  await ketua.goto(arg.desa + '/#detail/' + secretId);
  await until(ketua, 'the answer back at the desa for its pengelola', async () =>
    (await ketua.textContent('#detail-tanggapan')).includes('Inspektorat; pemeriksaan'));
  ok((await ketua.textContent('#detail-kirim')).includes('✓✓'), 'the desa shows ✓✓');
  ok((await ketua.textContent('#detail-alur')).includes('Diteruskan'), 'the timeline shows the forwarding');
  await shot(ketua, '08-detail-desa-rahasia');
  await desa.goto(arg.desa + '/#detail/' + photoId);
  await until(desa, 'the answer back at the desa', async () =>
    (await desa.textContent('#detail-tanggapan')).includes('dijadwalkan pekan depan'));
  ok((await desa.textContent('#detail-kirim')).includes('✓✓'), 'the desa shows ✓✓ on the photo report');
  await shot(desa, '08-detail-desa');

  // ---- the kecamatan: the report exists, its text does not --------------
  const kec = await newPage(browser, arg.kec, 'kec');
  await login(kec, 'camat', 'kata-sandi-camat');
  await kec.goto(arg.kec + '/#laporan');
  await until(kec, 'the report listed at the kecamatan', () => kec.isVisible('#daftar-laporan .kartu .rahasia'));
  ok(!(await kec.content()).includes('Pungutan liar'), 'the kecamatan lists no rahasia title');
  await kec.goto(arg.kec + '/#detail/' + secretId);
  await kec.waitForSelector('#detail-disegel:not([hidden])');
  const kecPage = await kec.content();
  ok(!kecPage.includes(SECRET) && !kecPage.includes('Pelapor Rahasia'), 'the kecamatan cannot read the text or reporter');
  // The answer and the verification details are sealed to the desa and
  // the kabupaten (KIM.md §4.3): the kecamatan sees the steps only.
  const kecTgp = await kec.textContent('#detail-tanggapan');
  const kecAlur = await kec.textContent('#detail-alur');
  ok(!kecPage.includes('Inspektorat; pemeriksaan') && !kecAlur.includes('survei lapangan') &&
     !kecPage.includes('Inspektorat Kabupaten') && kecTgp.includes('disegel'),
     'the kecamatan cannot read the answer or the verification details: ' + kecAlur + ' / ' + kecTgp);
  await kec.waitForSelector('#detail-foto .lampiran-disegel:has-text("1 lampiran disegel")');
  ok((await kec.$$('#detail-foto img')).length === 0 && !kecPage.includes('bukti'), 'the kecamatan shows no photo and no name');
  const kecAtt = await kec.evaluate(async (id) => (await (await fetch('/api/items/' + id)).json()).attachments, secretId);
  ok(kecAtt.length === 1 && kecAtt[0].sealed && !kecAtt[0].thumb && kecAtt[0].type === 'application/octet-stream',
     'the kecamatan\'s API shows the attachment sealed: ' + JSON.stringify(kecAtt));
  await shot(kec, '09-detail-kecamatan');

  // ---- a peringatan from the kabupaten, on top of every desa -------------
  await kab.goto(arg.kab + '/#kelola');
  await kab.selectOption('#terbit-jenis', 'peringatan');
  await kab.click('#form-terbit button');
  ok((await kab.textContent('#galat-terbit-judul')).length > 0, 'an empty peringatan is refused next to the field');
  await kab.selectOption('#terbit-tingkat', 'siaga');
  const opts = await kab.$$eval('#terbit-audiens option', (os) => os.map((o) => o.textContent + '=' + o.value));
  ok(opts.some((o) => o.includes('Node desa2=tree:36.04.12.2001')) && opts.some((o) => o.includes('Seluruh kabupaten')),
     'audiences are offered by name: ' + opts.join('; '));
  await kab.selectOption('#terbit-audiens', 'tree:36.04');
  await kab.fill('#terbit-judul', 'Siaga banjir Sungai Ciujung');
  await kab.fill('#terbit-isi', 'Air sungai naik. Warga bantaran bersiap mengungsi.');
  await kab.click('#form-terbit button');
  await kab.waitForSelector('#pesan:has-text("diterbitkan")');
  await shot(kab, '10-terbit');
  for (const [base, name] of [[arg.desa, 'desa'], [arg.desa2, 'desa2']]) {
    const p = name === 'desa' ? desa : await newPage(browser, base, name);
    await p.goto(base + '/#beranda');
    await until(p, 'the peringatan at ' + name, () => p.isVisible('#daftar-peringatan .tingkat-siaga:has-text("Siaga banjir")'));
    // on top: above every informasi
    const order = await p.evaluate(() => {
      const w = document.querySelector('#daftar-peringatan .kartu').getBoundingClientRect().top;
      const i = document.querySelector('#daftar-informasi .kartu');
      return !i || w < i.getBoundingClientRect().top;
    });
    ok(order, 'the peringatan is above the informasi at ' + name);
    await shot(p, '11-beranda-peringatan-' + name);
  }

  await revisi(kab, desa);

  // ---- Anggota: the admin's, not a pengelola's ----------------------------
  ok(!(await kab.isVisible('#menu a[data-hal="anggota"]')), 'a pengelola has no Anggota');
  const asPengelola = await fetchRaw(arg.kab + '/api/accounts', 'GET', {
    Cookie: (await kab.context().cookies()).map((c) => c.name + '=' + c.value).join('; ') });
  ok(asPengelola.status === 403 && asPengelola.body.includes('LOGIN-ROLE'), 'a pengelola may not list accounts: ' + asPengelola.status);
  const adm = await newPage(browser, arg.kab, 'kab-admin');
  await login(adm, 'kadis', 'kata-sandi-kadis');
  await adm.click('#menu a[data-hal="anggota"]');
  await adm.waitForSelector('#daftar-akun .kartu:has-text("dinas")');
  const akun = await adm.textContent('#daftar-akun');
  ok(akun.includes('Pengelola') && akun.includes('kadis') && akun.includes('Admin'), 'the admin sees the accounts and roles: ' + akun);
  await shot(adm, '15-anggota');
  await anggota(browser, adm);

  // ---- Laporan filters and Jaringan ---------------------------------------
  await desa.goto(arg.desa + '/#laporan');
  await desa.waitForSelector('#daftar-laporan .kartu');
  await desa.selectOption('#saring-kategori', 'infrastruktur');
  await desa.click('#form-saring button');
  await desa.waitForSelector('#daftar-laporan a:has-text("' + PHOTO_TITLE + '")');
  ok(!(await desa.isVisible('#daftar-laporan a:has-text("Pungutan liar")')), 'the category filter hides the other report');
  await shot(desa, '12-laporan-desa');
  await desa.goto(arg.desa + '/#jaringan');
  await desa.waitForSelector('#daftar-rekan .kartu:has-text("Induk: Node kec")');
  await shot(desa, '13-jaringan');

  // ---- logout: the cookie is dead -------------------------------------------
  const cookies = await desa.context().cookies();
  const sid = cookies.find((c) => c.name === 'simpul_session');
  ok(sid && sid.httpOnly && sid.sameSite === 'Strict', 'the session cookie is HttpOnly and SameSite=Strict');
  const csrf = await desa.evaluate(async () => (await (await fetch('/api/me')).json()).csrf_token);
  await desa.goto(arg.desa + '/#masuk');
  await desa.click('#tombol-keluar');
  await desa.waitForSelector('#pesan:has-text("Sudah keluar")');
  const replay = await fetchRaw(arg.desa + '/api/items', 'POST', {
    Cookie: 'simpul_session=' + sid.value, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json',
  }, JSON.stringify({ kind: 'aspirasi', handler: '36.04', title: 'Setelah keluar', text: 'Tidak boleh masuk.' }));
  ok(replay.status === 401 && replay.body.includes('LOGIN-NEEDED'), 'the cookie after logout is refused: ' + replay.status + ' ' + replay.body);

  // ---- CSRF: a page of another site cannot write ----------------------------
  const warga = await newPage(browser, arg.desa, 'desa-warga');
  await login(warga, 'warga', 'kata-sandi-warga');
  const before = await countItems(arg.desa);
  const evil = http.createServer((q, s) => {
    s.setHeader('Content-Type', 'text/html');
    s.end('<!doctype html><html lang="en"><title>x</title><form id="f" method="POST" enctype="text/plain" action="' +
          arg.desa + '/api/items"><input name=\'{"kind":"aspirasi","handler":"36.04","title":"CSRF","text":"x","a":"\' value=\'"}\'></form>');
  });
  await new Promise((r) => evil.listen(0, '127.0.0.1', r));
  const evilUrl = 'http://localhost:' + evil.address().port + '/';
  const ep = await warga.context().newPage();
  await ep.goto(evilUrl);
  const fetched = await ep.evaluate(async (u) => {
    try {
      const r = await fetch(u + '/api/items', { method: 'POST', credentials: 'include', mode: 'no-cors',
        headers: { 'Content-Type': 'text/plain' },
        body: JSON.stringify({ kind: 'aspirasi', handler: '36.04', title: 'CSRF fetch', text: 'x' }) });
      return r.type;
    } catch (e) { return 'refused'; }
  }, arg.desa);
  await Promise.all([ep.waitForNavigation().catch(() => {}), ep.evaluate(() => document.getElementById('f').submit())]);
  const evilBody = await ep.content();
  ok(!evilBody.includes('"id"'), 'the cross-site form got no item: ' + evilBody.slice(0, 200));
  await ep.close();
  evil.close();
  ok((await countItems(arg.desa)) === before, 'no item was written from another site (' + fetched + ')');
  const forged = await fetchRaw(arg.desa + '/api/items', 'POST', {
    Origin: 'http://evil.example', Cookie: (await warga.context().cookies()).map((c) => c.name + '=' + c.value).join('; '),
    'Content-Type': 'application/json',
  }, JSON.stringify({ kind: 'aspirasi', handler: '36.04', title: 'CSRF', text: 'x' }));
  ok(forged.status === 403, 'a write with another Origin is refused: ' + forged.status);

  // ---- console errors so far, then the login rate limit (which logs its 401s) --
  ok(st.consoleErrors.length === 0, 'no console errors:\n  ' + st.consoleErrors.join('\n  '));
  await anggotaDitolak(adm);
  const rl = await newPage(browser, arg.desa, 'rate');
  await rl.goto(arg.desa + '/#masuk');
  for (let i = 0; i < 5; i++) {
    await rl.fill('#masuk-nama', 'korban');
    await rl.fill('#masuk-sandi', 'salah-' + i);
    await rl.click('#tombol-masuk');
    await rl.waitForSelector('#pesan.galat:has-text("salah")');
    await rl.evaluate(() => { document.getElementById('pesan').textContent = ''; });
  }
  await rl.fill('#masuk-nama', 'korban');
  await rl.fill('#masuk-sandi', 'kata-sandi-korban');
  await rl.click('#tombol-masuk');
  await rl.waitForSelector('#pesan.galat:has-text("dikunci sementara")');
  st.checks++;
  await shot(rl, '14-masuk-dikunci');

  ok(st.axeFindings.length === 0, 'axe-core: no serious or critical violations:\n  ' + st.axeFindings.join('\n  '));
  console.log('pages.js: ' + st.checks + ' checks passed');
}

// ---- Kirim while the node cannot be reached (issue 13 item 3) ----------------
// Offline: the report and its five photos wait in the browser ("Menunggu
// dikirim"), then go when the browser is online again, once. A reply lost
// on the way (the node stored it, the browser saw the connection reset):
// sent again at the next page load with the same Idempotency-Key, still
// one item.
async function kirimLuring(browser, desa) {
  const TITLE = 'Lampu jalan RT 05 padam';
  const page = await newPage(browser, arg.desa, 'desa-luring');
  await login(page, 'warga', 'kata-sandi-warga');
  const shots = [];
  for (let i = 0; i < 6; i++)
    shots.push({ name: 'lampu-' + i + '.png', mimeType: 'image/png',
                 buffer: await desa.screenshot({ type: 'png', clip: { x: 0, y: 0, width: 120 + 10 * i, height: 90 } }) });
  await page.goto(arg.desa + '/#kirim');
  await page.fill('#kirim-judul', TITLE);
  await page.fill('#kirim-isi', 'Tiga lampu jalan di RT 05 padam sejak minggu lalu.');
  await page.setInputFiles('#kirim-foto', shots);
  await page.click('#tombol-kirim');
  ok((await page.textContent('#galat-kirim-foto')).includes('Paling banyak 5 foto'), 'six photos are refused next to the field');
  await page.setInputFiles('#kirim-foto', shots.slice(0, 5));
  await page.waitForSelector('#kirim-pratinjau img:nth-child(5)');
  const before = await countTitle(TITLE);
  await page.context().setOffline(true);
  await page.click('#tombol-kirim');
  await page.waitForSelector('#daftar-antrean .kartu:has-text("' + TITLE + '"):has-text("Menunggu dikirim")');
  ok((await page.textContent('#pesan')).includes('disimpan di perangkat ini'), 'the operator is told it waits on this phone');
  ok((await page.textContent('#daftar-antrean')).includes('5 foto'), 'it waits with its five photos');
  await shot(page, '16-kirim-menunggu');
  ok((await countTitle(TITLE)) === before, 'nothing reached the node while offline');
  await page.context().setOffline(false);
  await page.waitForSelector('#pesan:has-text("sudah terkirim ke node")', { timeout: 60000 });
  await page.waitForSelector('#bagian-antrean', { state: 'hidden' });
  ok((await countTitle(TITLE)) === before + 1, 'back online it is posted exactly once');
  const it = (await listTitle(TITLE))[0];
  const full = JSON.parse((await fetchRaw(arg.desa + '/api/items/' + it.id, 'GET',
    { Authorization: 'Bearer ' + arg['desa-token'] })).body);
  ok(full.attachments.length === 5 && full.attachments.every((a) => a.thumb), 'with its five photos: ' + full.attachments.length);
  await page.goto(arg.desa + '/#detail/' + it.id);
  await page.waitForSelector('#detail-kirim:has-text("Terkirim"), #detail-kirim:has-text("Menunggu sinkronisasi")');
  await page.waitForSelector('#detail-foto a:nth-child(5) img');
  st.checks++;
  // Six through the API: refused.
  const six = Array(6).fill({ root: full.attachments[0].root, type: 'image/jpeg' });
  const r6 = await fetchRaw(arg.desa + '/api/items', 'POST', {
    Authorization: 'Bearer ' + arg['desa-token'], 'Content-Type': 'application/json',
  }, JSON.stringify({ kind: 'aspirasi', handler: '36.04', title: 'Enam foto', text: 'Terlalu banyak.', attachments: six }));
  ok(r6.status === 400 && r6.body.includes('1 to 5'), 'six attachments are refused by the API: ' + r6.body);

  // The reply lost: the node stores it, the browser sees a reset.
  const LOST = 'Saluran air RT 06 tersumbat';
  let posted = 0;
  await page.route('**/api/items', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    posted++;
    await route.fetch();
    await route.abort('connectionreset');
  });
  await page.goto(arg.desa + '/#kirim');
  await page.fill('#kirim-judul', LOST);
  await page.fill('#kirim-isi', 'Air meluap ke jalan setiap hujan.');
  await page.click('#tombol-kirim');
  await page.waitForSelector('#daftar-antrean .kartu:has-text("' + LOST + '")');
  ok(posted === 1 && (await countTitle(LOST)) === 1, 'the node has it though the browser saw no reply');
  await page.unroute('**/api/items');
  // A shared phone: another account neither sees nor sends it.
  await page.goto(arg.desa + '/#masuk');
  await page.click('#tombol-keluar');
  await page.waitForSelector('#bagian-antrean', { state: 'hidden' });
  await login(page, 'korban', 'kata-sandi-korban');
  await page.goto(arg.desa + '/#kirim');
  await page.reload();
  await page.waitForTimeout(3000);
  ok(await page.isHidden('#bagian-antrean'), "another account does not see warga's kept report");
  ok((await countTitle(LOST)) === 1, 'nor sends it with its own session');
  await page.goto(arg.desa + '/#masuk');
  await page.click('#tombol-keluar');
  await login(page, 'warga', 'kata-sandi-warga');
  await page.goto(arg.desa + '/#kirim');
  await page.reload(); // the next page load sends what waits
  await page.waitForSelector('#pesan:has-text("sudah terkirim ke node")', { timeout: 60000 });
  await page.waitForSelector('#bagian-antrean', { state: 'hidden' });
  ok((await countTitle(LOST)) === 1, 'sent again with its key, it is still one item');
  // The browser logged the failed requests of being offline: expected here.
  st.consoleErrors = st.consoleErrors.filter((e) => !(e.startsWith('desa-luring: ') && /net::ERR_/.test(e)));
}

async function listTitle(title) {
  const r = await fetchRaw(arg.desa + '/api/items?kind=aspirasi&limit=1000', 'GET',
                           { Authorization: 'Bearer ' + arg['desa-token'] });
  return JSON.parse(r.body).items.filter((i) => i.title === title);
}
async function countTitle(title) { return (await listTitle(title)).length; }

// ---- revisions (issue 13 item 2): the kabupaten's pengelola proposes a
// revision of its peringatan and, as its author, accepts it; the desa
// shows the new text and the history after sync.
async function revisi(kab, desa) {
  const NEW = 'Siaga banjir Sungai Ciujung dan Cidurian';
  await kab.goto(arg.kab + '/#beranda');
  await kab.click('#daftar-peringatan .kartu:has-text("Siaga banjir") a.rincian');
  await kab.waitForSelector('#form-revisi:not([hidden])');
  ok((await kab.textContent('#tanpa-revisi')).includes('Belum ada revisi'), 'no revision yet');
  await kab.fill('#revisi-judul', NEW);
  await kab.click('#tombol-revisi');
  ok((await kab.textContent('#galat-revisi-alasan')).includes('wajib'), 'a revision without its reason is refused next to the field');
  await kab.fill('#revisi-alasan', 'Sungai Cidurian juga naik.');
  await kab.click('#tombol-revisi');
  await kab.waitForSelector('#daftar-revisi li:has-text("Diusulkan") button:has-text("Terima revisi")');
  ok((await kab.textContent('#detail-judul')).trim() === 'Siaga banjir Sungai Ciujung', 'a proposed revision does not change the text');
  ok((await kab.textContent('#daftar-revisi')).includes('Ciujung → ' + NEW), 'the history shows what it changes');
  await shot(kab, '17-revisi-diusulkan');
  await kab.click('#daftar-revisi button:has-text("Terima revisi")');
  await kab.waitForSelector('#detail-judul:has-text("Cidurian")');
  await kab.waitForSelector('#daftar-revisi li:has-text("Diterima"):has-text("berlaku sekarang")');
  st.checks++;
  await shot(kab, '18-revisi-diterima');
  await desa.goto(arg.desa + '/#beranda');
  await until(desa, 'the revised peringatan at the desa', () =>
    desa.isVisible('#daftar-peringatan .kartu:has-text("' + NEW + '")'));
  await desa.click('#daftar-peringatan .kartu:has-text("Cidurian") a.rincian');
  await desa.waitForSelector('#detail-judul:has-text("Cidurian")');
  const hist = await desa.textContent('#daftar-revisi');
  ok(hist.includes('Diterima') && hist.includes('Node kab') && hist.includes('teks asli'),
     'the desa shows the revision, who made it and the original: ' + hist);
  ok(!(await desa.isVisible('#form-revisi')), 'a desa anggota is offered no revision form');
  await shot(desa, '19-revisi-desa');
}

// ---- Anggota (issue 13 item 1): the admin adds an account, its user logs
// in, the admin removes it and it can no longer log in.
async function anggota(browser, adm) {
  await adm.fill('#akun-nama', 'Relawan Baru');
  await adm.fill('#akun-sandi', 'pendek');
  await adm.click('#tombol-akun');
  ok((await adm.textContent('#galat-akun-nama')).includes('huruf kecil'), 'a bad name is refused next to the field');
  ok((await adm.textContent('#galat-akun-sandi')).includes('paling sedikit 8'), 'a short password is refused next to the field');
  await adm.fill('#akun-nama', 'relawan');
  await adm.selectOption('#akun-peran', 'anggota');
  await adm.fill('#akun-sandi', 'kata-sandi-relawan');
  await adm.fill('#akun-sandi2', 'kata-sandi-lain');
  await adm.click('#tombol-akun');
  ok((await adm.textContent('#galat-akun-sandi2')).includes('tidak sama'), 'two different passwords are refused');
  await adm.fill('#akun-sandi2', 'kata-sandi-relawan');
  await adm.click('#tombol-akun');
  await adm.waitForSelector('#daftar-akun .kartu:has-text("relawan")');
  ok((await adm.textContent('#pesan')).includes('sudah dibuat'), 'the admin is told the account is made');
  await shot(adm, '20-anggota-tambah');
  const rel = await newPage(browser, arg.kab, 'kab-relawan');
  await login(rel, 'relawan', 'kata-sandi-relawan');
  ok((await rel.textContent('#tautan-akun')).includes('relawan (anggota)'), 'the new account logs in as anggota');
  // a new role, at once
  await adm.selectOption('#peran-relawan', 'pengelola');
  await adm.click('#daftar-akun .kartu:has-text("relawan") button:has-text("Ubah peran")');
  await adm.waitForSelector('#pesan:has-text("Peran relawan sekarang Pengelola")');
  await rel.reload();
  await rel.waitForSelector('#menu a[data-hal="kelola"]:not([hidden])');
  st.checks++;
  // a new password
  await adm.fill('#sandi-relawan', 'kata-sandi-relawan-2');
  await adm.click('#daftar-akun .kartu:has-text("relawan") button:has-text("Ganti sandi")');
  await adm.waitForSelector('#pesan:has-text("sudah diganti")');
  ok((await tryLogin(arg.kab, 'relawan', 'kata-sandi-relawan')).status === 401, 'the old password no longer logs in');
  ok((await tryLogin(arg.kab, 'relawan', 'kata-sandi-relawan-2')).status === 200, 'the new one does');
  // removed: a first press asks, the second removes
  await adm.click('#hapus-relawan');
  ok((await adm.textContent('#hapus-relawan')).includes('Ya, hapus relawan'), 'removing asks to be sure');
  await adm.click('#hapus-relawan');
  await adm.waitForSelector('#pesan:has-text("sudah dihapus")');
  ok(!(await adm.textContent('#daftar-akun')).includes('relawan'), 'the account is gone from the list');
  const me = await rel.evaluate(async () => (await (await fetch('/api/me')).json()));
  ok(!me.logged_in && me.session_ended, 'the removed account\'s session ended');
  const again = await tryLogin(arg.kab, 'relawan', 'kata-sandi-relawan-2');
  ok(again.status === 401 && again.body.includes('LOGIN-BAD'), 'the removed account can no longer log in: ' + again.status);
}

// The node's own refusals, in the page (the browser logs their status).
async function anggotaDitolak(adm) {
  await adm.goto(arg.kab + '/#anggota');
  await adm.waitForSelector('#daftar-akun .kartu:has-text("kadis")');
  await adm.click('#hapus-kadis');
  await adm.click('#hapus-kadis');
  await adm.waitForSelector('#galat-hapus-kadis:has-text("admin terakhir")');
  ok((await adm.textContent('#daftar-akun')).includes('kadis'), 'the last admin is not removed');
  await adm.fill('#akun-nama', 'dinas');
  await adm.fill('#akun-sandi', 'kata-sandi-apa-saja');
  await adm.fill('#akun-sandi2', 'kata-sandi-apa-saja');
  await adm.click('#tombol-akun');
  await adm.waitForSelector('#galat-akun-nama:has-text("Sudah ada akun")');
  st.checks++;
  await shot(adm, '21-anggota-ditolak');
}

function tryLogin(base, user, password) {
  return fetchRaw(base + '/api/login', 'POST', { 'Content-Type': 'application/json' },
                  JSON.stringify({ user, password }));
}

function fetchRaw(url, method, headers, body) {
  return new Promise((resolve, reject) => {
    if (body) headers['Content-Length'] = Buffer.byteLength(body);
    const q = http.request(url, { method, headers }, (res) => {
      let b = '';
      res.on('data', (d) => { b += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: b }));
    });
    q.on('error', reject);
    if (body) q.write(body);
    q.end();
  });
}

async function countItems(base) {
  const r = await fetchRaw(base + '/api/items?kind=aspirasi&limit=1000', 'GET',
                           { Authorization: 'Bearer ' + arg['desa-token'] });
  return JSON.parse(r.body).items.length;
}

main().catch((e) => { console.error(e.message || e); process.exit(1); });
