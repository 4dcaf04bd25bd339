/*
 * simpul web UI: a client of the node's JSON API (docs/API.md), no
 * library. Writes go with the session of POST /api/login (an HttpOnly
 * cookie, and its CSRF token in X-CSRF-Token), or with the token kept in
 * this browser (localStorage) for those who pasted it.
 */
'use strict';

const NAMA_JENIS = {
  informasi: 'Informasi', peringatan: 'Peringatan', aspirasi: 'Aspirasi',
  pengaduan: 'Pengaduan', permintaan_informasi: 'Permintaan informasi',
  tanggapan: 'Tanggapan', status: 'Status', revisi: 'Revisi',
  revisi_keputusan: 'Keputusan revisi',
};
const NAMA_TANDA = {
  terlambat_verifikasi: 'terlambat diverifikasi',
  terlambat_tindak_lanjut: 'terlambat ditindaklanjuti',
  siap_ditutup: 'siap ditutup',
};
const LAPORAN = ['aspirasi', 'pengaduan', 'permintaan_informasi'];
const HALAMAN = 50;

/* flags: {terlambat_verifikasi: true, ...} -> the names that hold. */
function tanda(f) {
  if (!f) return [];
  if (Array.isArray(f)) return f;
  return Object.keys(f).filter((k) => f[k]);
}

let node = null;     /* GET /api/node */
let kursor = null;   /* the next page of the list */
let itemAktif = null;
let sesi = null;     /* GET /api/me or POST /api/login: user, role, csrf_token */

const $ = (id) => document.getElementById(id);

class GalatApi extends Error {
  constructor(status, kode, pesan) {
    super(pesan);
    this.status = status;
    this.kode = kode;
  }
}

async function api(metode, jalur, isi) {
  const kepala = {};
  const token = localStorage.getItem('simpul-token');
  if (token) kepala.Authorization = 'Bearer ' + token;
  if (sesi && metode !== 'GET') kepala['X-CSRF-Token'] = sesi.csrf_token;
  if (isi !== undefined) kepala['Content-Type'] = 'application/json';
  const res = await fetch(jalur, {
    method: metode, headers: kepala, credentials: 'same-origin',
    body: isi === undefined ? undefined : JSON.stringify(isi),
  });
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) {
    const g = (data && data.error) || {};
    throw new GalatApi(res.status, g.code || 'HTTP-' + res.status,
                       g.message || res.statusText);
  }
  return data;
}

function tampilPesan(teks, galat) {
  const p = $('pesan');
  p.textContent = teks;
  p.className = galat ? 'galat' : '';
  p.hidden = false;
}

function tampilGalat(e) {
  if (e instanceof GalatApi) {
    let saran = '';
    if (e.kode === 'HTTP-TOKEN' || e.kode === 'LOGIN-NEEDED')
      saran = ' Masuk dulu di menu Masuk (atau isi token).';
    if (e.kode === 'LOGIN-ROLE') saran = ' Minta admin mengubah peran akun Anda.';
    if (e.kode === 'KIM-STEP') saran = ' Langkah ini tidak boleh dari status sekarang.';
    tampilPesan('Gagal (' + e.kode + '): ' + e.message + '.' + saran, true);
  } else {
    tampilPesan('Gagal: ' + e.message, true);
  }
}

function waktu(ms) {
  if (!ms) return '-';
  const d = new Date(Number(ms));
  return d.toLocaleString('id-ID', { dateStyle: 'medium', timeStyle: 'short' });
}

function el(tag, teks, kelas) {
  const e = document.createElement(tag);
  if (teks !== undefined && teks !== null) e.textContent = String(teks);
  if (kelas) e.className = kelas;
  return e;
}

/* ---- tabs --------------------------------------------------------------- */

function buka(tab) {
  for (const s of document.querySelectorAll('main > section'))
    s.hidden = s.id !== 'tab-' + tab;
  for (const b of document.querySelectorAll('#menu button'))
    b.classList.toggle('aktif', b.dataset.tab === tab);
  if (tab === 'daftar') {
    muatDaftar(false);
    muatNode().catch(() => {});
  }
  if (tab === 'jaringan') muatJaringan();
}

/* ---- this node ---------------------------------------------------------- */

/* The regions above this one: 36.04.12.2002 -> 36.04.12, 36.04. */
function leluhur(kode) {
  const bagian = kode.split('.');
  const hasil = [];
  for (let n = bagian.length - 1; n >= 2; n--)
    hasil.push(bagian.slice(0, n).join('.'));
  return hasil;
}

async function muatNode() {
  node = await api('GET', '/api/node');
  $('judul-node').textContent = node.name;
  $('info-node').textContent = node.level + ' ' + node.region + ' · ' +
    node.store.entries + ' entri · ' +
    (node.daemon.running ? node.daemon.links_open + ' tautan terbuka'
                         : 'daemon tidak berjalan');
  const penanggung = $('buat-penanggung');
  const audiens = $('buat-audiens');
  if (audiens.options.length) return; /* the choices are made once */
  for (const k of leluhur(node.region)) {
    const o = el('option', k.split('.').length === 2 ? 'Kabupaten ' + k
                                                       : 'Kecamatan ' + k);
    o.value = k;
    penanggung.appendChild(o);
  }
  const sendiri = el('option', 'Wilayah sendiri (' + node.region + ')');
  sendiri.value = 'tree:' + node.region;
  audiens.appendChild(sendiri);
  const atas = leluhur(node.region)[0];
  if (atas && node.level === 'desa') {
    const o = el('option', 'Seluruh kecamatan (' + atas + ')');
    o.value = 'tree:' + atas;
    audiens.appendChild(o);
  }
}

/* ---- the list ----------------------------------------------------------- */

function baris(it) {
  const tr = document.createElement('tr');
  tr.dataset.id = it.id;
  tr.appendChild(el('td', waktu(it.ts)));
  tr.appendChild(el('td', NAMA_JENIS[it.kind] || it.kind,
                    it.kind === 'peringatan' ? 'peringatan' : ''));
  /* Pruned on the way: the title reads "isi belum diterima". */
  tr.appendChild(el('td', it.title || '[disegel]',
                    it.body_missing ? 'belum-diterima' : ''));
  const st = el('td');
  if (it.state) st.appendChild(el('span', it.state, 'status'));
  for (const f of tanda(it.flags))
    st.appendChild(el('div', NAMA_TANDA[f] || f, 'terlambat'));
  tr.appendChild(st);
  tr.appendChild(el('td', it.region || ''));
  tr.addEventListener('click', () => bukaDetail(it.id));
  return tr;
}

async function muatDaftar(lanjut) {
  const q = new URLSearchParams();
  if ($('saring-jenis').value) q.set('kind', $('saring-jenis').value);
  if ($('saring-status').value) q.set('status', $('saring-status').value);
  if ($('saring-terlambat').checked) q.set('overdue', 'true');
  q.set('limit', String(HALAMAN));
  if (lanjut && kursor) q.set('after', kursor);
  try {
    const data = await api('GET', '/api/items?' + q.toString());
    const badan = $('isi-daftar');
    if (!lanjut) badan.textContent = '';
    for (const it of data.items) badan.appendChild(baris(it));
    kursor = data.next || null;
    $('muat-lagi').hidden = !kursor;
    $('daftar-kosong').hidden = badan.children.length > 0;
  } catch (e) {
    tampilGalat(e);
  }
}

/* ---- one item ------------------------------------------------------------ */

function data(dl, nama, nilai) {
  if (nilai === undefined || nilai === null || nilai === '') return;
  dl.appendChild(el('dt', nama));
  dl.appendChild(el('dd', nilai));
}

/* Delivery ticks of an item written here (SYNC.md §5.4): how far up it
 * is held (✓ the kecamatan, ✓✓ the kabupaten), then each level. */
function terkirim(d) {
  if (!d || !d.levels.length) return null;
  const tingkat = d.levels
    .map((l) => (l.held ? '\u2713 ' : 'belum di ') + l.level)
    .join(', ');
  return (d.ticks ? '\u2713'.repeat(d.ticks) : 'belum') + ' (' + tingkat + ')';
}

function pelapor(p) {
  if (!p) return null;
  if (typeof p === 'string') return p;
  return p.name + (p.contact ? ' (' + p.contact + ')' : '');
}

function riwayat(ol, t) {
  const li = el('li');
  let teks = waktu(t.ts) + ' · ' + (t.author_region || t.region || '') + ' · ';
  if (t.kind === 'tanggapan') teks += 'Tanggapan: ' + (t.text || '');
  else if (t.step) teks += t.step;
  else teks += NAMA_JENIS[t.kind] || t.kind;
  for (const k of ['method', 'result', 'agency', 'verifier', 'note'])
    if (t[k]) teks += ' · ' + t[k];
  li.textContent = teks;
  if (t.mark && t.mark !== 'valid') {
    li.classList.add('tidak-berlaku');
    li.title = t.mark === 'superseded' ? 'digantikan' : 'tidak berlaku';
  }
  ol.appendChild(li);
}

async function bukaDetail(id) {
  try {
    const it = await api('GET', '/api/items/' + id);
    itemAktif = it;
    buka('detail');
    $('detail-judul').textContent =
      (NAMA_JENIS[it.kind] || it.kind) + ': ' + (it.title || '[disegel]');
    const dl = $('detail-data');
    dl.textContent = '';
    data(dl, 'Status', it.state);
    data(dl, 'Hasil verifikasi', it.result);
    data(dl, 'Tanda', tanda(it.flags).map((f) => NAMA_TANDA[f] || f).join(', '));
    data(dl, 'Dari', it.region);
    data(dl, 'Penanggung jawab', it.handler);
    data(dl, 'Audiens', it.audience);
    data(dl, 'Waktu', waktu(it.ts));
    data(dl, 'Terkirim', terkirim(it.delivery));
    data(dl, 'Kategori', it.category);
    data(dl, 'Tingkat', it.level);
    data(dl, 'Pelapor', pelapor(it.reporter));
    if (it.redacted)
      data(dl, 'Data pribadi', 'disembunyikan: masuk sebagai pengelola ' +
           '(menu Masuk) untuk melihat pelapor dan isi rahasia');
    data(dl, 'Anonim', it.anonim ? 'ya' : null);
    data(dl, 'Rahasia', it.rahasia ? 'ya' : null);
    data(dl, 'Id', it.id);
    const isi = $('detail-isi');
    isi.textContent = it.body_missing
      ? 'Isi belum diterima: node ini menyimpan laporan ini tanpa isinya ' +
        '(dipangkas di perjalanan) dan memintanya dari node lain. ' +
        'Langkah dapat dibuat setelah isinya tiba.'
      : it.text || '';
    isi.classList.toggle('belum-diterima', !!it.body_missing);
    const ol = $('detail-riwayat');
    ol.textContent = '';
    for (const t of it.timeline || []) riwayat(ol, t);
    $('aksi-laporan').hidden = !LAPORAN.includes(it.kind);
    aturAksi(it.allowed_steps);
  } catch (e) {
    tampilGalat(e);
  }
}

/* Only the steps this node may make now (allowed_steps of the view). */
function aturAksi(boleh) {
  if (!Array.isArray(boleh)) return;
  const pilih = $('langkah-nama');
  let pertama = null;
  for (const o of pilih.options) {
    o.hidden = o.disabled = !boleh.includes(o.value);
    if (!o.disabled && !pertama) pertama = o.value;
  }
  $('form-langkah').hidden = !pertama;
  if (pertama && pilih.selectedOptions[0] && pilih.selectedOptions[0].disabled)
    pilih.value = pertama;
  $('form-tanggapan').hidden = !boleh.includes('tanggapan');
  aturLangkah();
}

async function kirimLangkah(ev) {
  ev.preventDefault();
  const langkah = $('langkah-nama').value;
  const isi = { step: langkah };
  if (langkah === 'diverifikasi') {
    isi.method = $('langkah-metode').value;
    isi.result = $('langkah-hasil').value;
    if ($('langkah-verifikator').value) isi.verifier = $('langkah-verifikator').value;
  }
  if (langkah === 'diteruskan') isi.agency = $('langkah-instansi').value;
  if ($('langkah-catatan').value) isi.note = $('langkah-catatan').value;
  try {
    await api('POST', '/api/reports/' + itemAktif.id + '/steps', isi);
    tampilPesan('Langkah "' + langkah + '" disimpan.');
    $('form-langkah').reset();
    aturLangkah();
    await bukaDetail(itemAktif.id);
  } catch (e) {
    tampilGalat(e);
  }
}

async function kirimTanggapan(ev) {
  ev.preventDefault();
  try {
    await api('POST', '/api/reports/' + itemAktif.id + '/responses',
              { text: $('tanggapan-isi').value });
    tampilPesan('Tanggapan terkirim.');
    $('form-tanggapan').reset();
    await bukaDetail(itemAktif.id);
  } catch (e) {
    tampilGalat(e);
  }
}

function aturLangkah() {
  const l = $('langkah-nama').value;
  for (const e of document.querySelectorAll('.untuk-verifikasi'))
    e.hidden = l !== 'diverifikasi';
  for (const e of document.querySelectorAll('.untuk-teruskan'))
    e.hidden = l !== 'diteruskan';
}

/* ---- a new item ---------------------------------------------------------- */

function aturBuat() {
  const j = $('buat-jenis').value;
  const laporan = LAPORAN.includes(j);
  for (const e of document.querySelectorAll('.untuk-laporan')) e.hidden = !laporan;
  for (const e of document.querySelectorAll('.untuk-pengumuman')) e.hidden = laporan;
  for (const e of document.querySelectorAll('.untuk-peringatan'))
    e.hidden = j !== 'peringatan';
}

async function kirimItem(ev) {
  ev.preventDefault();
  const jenis = $('buat-jenis').value;
  const isi = {
    kind: jenis,
    title: $('buat-judul').value,
    text: $('buat-isi').value,
    category: $('buat-kategori').value,
  };
  const label = $('buat-label').value.split(',').map((s) => s.trim().toLowerCase())
    .filter((s) => s);
  if (label.length) isi.tags = label;
  if ($('buat-tempat').value) isi.location = { place: $('buat-tempat').value };
  if (LAPORAN.includes(jenis)) {
    isi.handler = $('buat-penanggung').value;
    if ($('buat-pelapor').value)
      isi.reporter = { name: $('buat-pelapor').value, contact: $('buat-kontak').value };
    if ($('buat-anonim').checked) isi.anonim = true;
    if ($('buat-rahasia').checked) isi.rahasia = true;
  } else {
    isi.to = $('buat-audiens').value;
    if (jenis === 'peringatan') isi.level = $('buat-tingkat').value;
  }
  try {
    const hasil = await api('POST', '/api/items', isi);
    tampilPesan((NAMA_JENIS[jenis] || jenis) + ' terkirim (id ' +
                hasil.id.slice(0, 12) + ').');
    $('form-buat').reset();
    aturBuat();
    buka('daftar');
  } catch (e) {
    tampilGalat(e);
  }
}

/* ---- the network ---------------------------------------------------------- */

async function muatJaringan() {
  try {
    await muatNode();
    const d = node.daemon;
    $('info-daemon').textContent = d.running
      ? 'Daemon berjalan: ' + d.links_open + ' tautan terbuka, ' +
        d.links_opening + ' sedang dibuka.'
      : 'Daemon tidak berjalan.';
    const peer = await api('GET', '/api/peers');
    const badan = $('isi-peer');
    badan.textContent = '';
    for (const p of peer) {
      const tr = document.createElement('tr');
      tr.appendChild(el('td', p.region));
      tr.appendChild(el('td', p.address));
      tr.appendChild(el('td', p.state === 'connected' ? 'tersambung' : 'terputus'));
      tr.appendChild(el('td', waktu(p.last_sync_ms)));
      tr.appendChild(el('td', p.entries_in + ' entri / ' + p.bytes_in + ' B'));
      tr.appendChild(el('td', p.entries_out + ' entri / ' + p.bytes_out + ' B'));
      tr.appendChild(el('td', p.backlog));
      badan.appendChild(tr);
    }
  } catch (e) {
    tampilGalat(e);
  }
}

/* ---- the token ------------------------------------------------------------ */

function aturToken() {
  $('status-token').textContent = localStorage.getItem('simpul-token')
    ? 'Token tersimpan di peramban ini.' : 'Belum ada token.';
}

function simpanToken(ev) {
  ev.preventDefault();
  const t = $('token').value.trim();
  if (t) localStorage.setItem('simpul-token', t);
  $('token').value = '';
  aturToken();
  tampilPesan('Token disimpan.');
}

/* ---- the session ----------------------------------------------------------- */

function aturSesi() {
  $('status-masuk').textContent = sesi
    ? 'Masuk sebagai ' + sesi.user + ' (' + sesi.role + ').' : 'Belum masuk.';
  $('tombol-keluar').hidden = !sesi;
}

async function muatSesi() {
  try {
    const me = await api('GET', '/api/me');
    sesi = me.logged_in && me.csrf_token ? me : null;
  } catch (e) {
    sesi = null;
  }
  aturSesi();
}

async function masuk(ev) {
  ev.preventDefault();
  try {
    sesi = await api('POST', '/api/login',
                     { user: $('masuk-nama').value.trim(), password: $('masuk-sandi').value });
    $('masuk-sandi').value = '';
    aturSesi();
    tampilPesan('Berhasil masuk sebagai ' + sesi.user + '.');
  } catch (e) {
    $('masuk-sandi').value = '';
    tampilGalat(e);
  }
}

async function keluar() {
  try {
    await api('POST', '/api/logout', {});
    tampilPesan('Sudah keluar.');
  } catch (e) {
    tampilGalat(e);
  }
  sesi = null;
  aturSesi();
}

/* ---- start ---------------------------------------------------------------- */

function mulai() {
  for (const b of document.querySelectorAll('#menu button'))
    b.addEventListener('click', () => buka(b.dataset.tab));
  $('form-saring').addEventListener('submit', (ev) => { ev.preventDefault(); muatDaftar(false); });
  $('muat-lagi').addEventListener('click', () => muatDaftar(true));
  $('kembali').addEventListener('click', () => buka('daftar'));
  $('form-langkah').addEventListener('submit', kirimLangkah);
  $('langkah-nama').addEventListener('change', aturLangkah);
  $('form-tanggapan').addEventListener('submit', kirimTanggapan);
  $('buat-jenis').addEventListener('change', aturBuat);
  $('form-buat').addEventListener('submit', kirimItem);
  $('form-token').addEventListener('submit', simpanToken);
  $('hapus-token').addEventListener('click', () => {
    localStorage.removeItem('simpul-token');
    aturToken();
  });
  aturBuat();
  aturLangkah();
  aturToken();
  $('form-masuk').addEventListener('submit', masuk);
  $('tombol-keluar').addEventListener('click', keluar);
  muatSesi();
  muatNode().then(() => buka('daftar')).catch(tampilGalat);
}

mulai();
