/*
 * The setup page: a new node's first page (served at / while the node is
 * not set up), and the desa's enrolment afterwards (/ui/setup.html).
 * Plain JavaScript over the JSON API (docs/API.md): GET/POST /api/setup,
 * GET /api/regions, POST /api/login, GET /api/enrolment (and its .svg),
 * POST /api/enrolment/certificate.
 */
'use strict';

const $ = (id) => document.getElementById(id);
let sesi = null;        /* POST /api/login: csrf_token */
let wilayah = null;     /* the region picked: {code, name, ...} */
let cariWaktu = 0;      /* the debounce timer of the search */

class GalatApi extends Error {
  constructor(status, kode, pesan) {
    super(pesan);
    this.status = status;
    this.kode = kode;
  }
}

async function api(metode, jalur, isi) {
  const kepala = {};
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

const tidur = (ms) => new Promise((r) => setTimeout(r, ms));

function pesan(teks, galat) {
  const p = $('pesan');
  p.textContent = teks;
  p.className = galat ? 'galat' : '';
  p.hidden = !teks;
}

/* A sentence for an API error: what to do, then the server's words. */
const kalimat = {
  'SETUP-CODE-BAD': 'Kode pemasangan salah. Lihat lagi baris SETUP-CODE di catatan layanan.',
  'SETUP-RATE-LIMIT': 'Terlalu banyak percobaan. Tunggu satu menit, lalu coba lagi.',
  'SETUP-DONE': 'Simpul ini sudah dipasang. Muat ulang halaman dan masuk sebagai admin.',
  'LOGIN-BAD': 'Nama pengguna atau kata sandi salah.',
  'LOGIN-RATE-LIMIT': 'Terlalu banyak percobaan masuk. Tunggu sebentar, lalu coba lagi.',
  'LOGIN-NEEDED': 'Silakan masuk sebagai admin dulu.',
  'LOGIN-ROLE': 'Hanya admin yang boleh mendaftarkan simpul.',
  'EXISTS': 'Simpul ini sudah terdaftar di jaringan.',
  'NETWORK-MISMATCH': 'Sertifikat ini untuk jaringan lain.',
  'CERT-INVALID': 'Sertifikat ini bukan untuk simpul ini, atau rusak. Minta lagi ke kecamatan.',
  'CERT-EXPIRED': 'Sertifikat ini sudah kedaluwarsa. Minta yang baru ke kecamatan.',
};

function teksGalat(e) {
  if (e instanceof GalatApi)
    return (kalimat[e.kode] || 'Permintaan ditolak.') + ' (' + e.kode + ': ' + e.message + ')';
  return 'Simpul tidak dapat dihubungi. Periksa Wi-Fi, lalu coba lagi.';
}

function galatDi(id, teks) {
  $(id).textContent = teks || '';
}

/* ---- 1. the desa by name ---------------------------------------------- */

function tampilHasil(daftar) {
  const ul = $('hasil');
  ul.replaceChildren();
  for (const w of daftar) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = w.name;
    const rinci = document.createElement('span');
    rinci.textContent = [w.tingkat === 'kelurahan' ? 'Kelurahan' : 'Desa',
      'Kec. ' + (w.kecamatan || '?'), w.kabupaten, w.provinsi, w.code]
      .filter(Boolean).join(' · ');
    b.appendChild(rinci);
    b.addEventListener('click', () => pilih(w));
    li.appendChild(b);
    ul.appendChild(li);
  }
}

function pilih(w) {
  wilayah = w;
  $('hasil').replaceChildren();
  $('cari').value = w.name;
  const t = $('terpilih');
  t.textContent = 'Terpilih: ' + w.name + ', Kec. ' + (w.kecamatan || '?') +
    ', ' + (w.kabupaten || '') + ' (' + w.code + ')';
  t.hidden = false;
  galatDi('wilayah-galat');
  if (!$('nama').value) $('nama').value = 'KIM ' + w.name;
}

async function cari() {
  const q = $('cari').value.trim();
  wilayah = null;
  $('terpilih').hidden = true;
  if (q.length < 3) {
    $('hasil').replaceChildren();
    return;
  }
  try {
    const r = await api('GET', '/api/regions?level=desa&limit=20&q=' + encodeURIComponent(q));
    if (q !== $('cari').value.trim()) return; /* typed on meanwhile */
    tampilHasil(r.regions);
    galatDi('wilayah-galat', r.regions.length ? '' : 'Tidak ada desa bernama itu. Periksa ejaannya.');
  } catch (e) {
    galatDi('wilayah-galat', teksGalat(e));
  }
}

/* ---- 2. setup, then login --------------------------------------------- */

function periksaIsian() {
  const kode = $('kode').value.replace(/[\s-]/g, '');
  const admin = $('admin').value.trim();
  const sandi = $('sandi').value;
  let baik = true;
  const salah = (id, teks) => { galatDi(id, teks); baik = false; };
  ['kode-galat', 'wilayah-galat', 'nama-galat', 'admin-galat', 'sandi-galat'].forEach((id) => galatDi(id));
  if (kode.length !== 12) salah('kode-galat', 'Kode pemasangan terdiri dari 12 huruf dan angka.');
  if (!wilayah) salah('wilayah-galat', 'Ketik nama desa lalu pilih dari daftar.');
  const nama = $('nama').value.trim();
  if (!nama || /[;#]/.test(nama)) salah('nama-galat', 'Isi nama KIM (tanpa ; atau #).');
  if (!/^[a-z0-9][a-z0-9._-]{0,31}$/.test(admin))
    salah('admin-galat', 'Nama pengguna: huruf kecil, angka, titik, garis; paling banyak 32.');
  if (sandi.length < 8) salah('sandi-galat', 'Kata sandi paling sedikit 8 huruf.');
  else if (sandi !== $('sandi2').value) salah('sandi-galat', 'Kedua kata sandi tidak sama.');
  return baik;
}

/* The node restarts its API as the node once made: try a while. */
async function masuk(user, password) {
  let galat = null;
  for (let i = 0; i < 40; i++) {
    try {
      sesi = await api('POST', '/api/login', { user, password });
      return;
    } catch (e) {
      galat = e;
      if (e instanceof GalatApi && e.kode !== 'NODE-NOT-SET-UP' && e.status !== 503) throw e;
      await tidur(250);
    }
  }
  throw galat;
}

async function pasang(ev) {
  ev.preventDefault();
  if (!periksaIsian()) {
    pesan('Ada isian yang perlu diperbaiki.', true);
    return;
  }
  const admin = $('admin').value.trim();
  const sandi = $('sandi').value;
  $('pasang').disabled = true;
  pesan('Memasang simpul…');
  try {
    await api('POST', '/api/setup', {
      code: $('kode').value, region: wilayah.code, name: $('nama').value.trim(),
      admin, password: sandi,
    });
  } catch (e) {
    $('pasang').disabled = false;
    pesan(teksGalat(e), true);
    return;
  }
  try {
    await masuk(admin, sandi);
    $('setup-form').hidden = true;
    await pendaftaran();
  } catch (e) {
    pesan('Simpul sudah dipasang, tetapi belum bisa masuk: ' + teksGalat(e), true);
  }
}

/* ---- 3. the enrolment request and the certificate ---------------------- */

async function pendaftaran() {
  const d = await api('GET', '/api/enrolment');
  if (d.enrolled) {
    selesai('Simpul ' + d.name + ' (' + d.region + ') sudah terdaftar di jaringan.');
    return;
  }
  $('d-simpul').textContent = d.name + ' · ' + d.region;
  $('permintaan').value = d.request;
  if (d.qr) {
    $('qr').src = '/api/enrolment/request.svg';
    $('qr-wadah').hidden = false;
  }
  $('daftar').hidden = false;
  pesan('Simpul terpasang. Langkah terakhir: daftarkan ke kecamatan.');
}

function selesai(teks) {
  $('daftar').hidden = true;
  $('selesai-teks').textContent = teks;
  $('selesai').hidden = false;
  pesan('');
}

async function terima(ev) {
  ev.preventDefault();
  const teks = $('sertifikat').value.trim();
  galatDi('sertifikat-galat');
  if (!teks.startsWith('simpul-cert1:')) {
    galatDi('sertifikat-galat', 'Sertifikat diawali simpul-cert1: — tempel seluruh baris dari kecamatan.');
    return;
  }
  try {
    const r = await api('POST', '/api/enrolment/certificate', { certificate: teks });
    $('buka-aplikasi').hidden = true;
    selesai('Terdaftar di jaringan ' + r.network + ', berlaku sampai ' +
      r.valid_until.slice(0, 10) + '. Simpul mulai menyinkronkan data dengan kecamatan.');
    await sinkronJalan();
    $('buka-aplikasi').hidden = false;
  } catch (e) {
    galatDi('sertifikat-galat', teksGalat(e));
  }
}

/* Once enrolled the node starts its sync and serves its API again (a
 * moment without an answer): the app is offered when that is done, so
 * its first page does not meet a closed port. */
async function sinkronJalan() {
  pesan('Menyiapkan sinkronisasi…');
  for (let i = 0; i < 120; i++) {
    await tidur(250);
    try {
      const n = await api('GET', '/api/node');
      if (n.daemon && n.daemon.running) break;
    } catch (e) { /* restarting */ }
  }
  pesan('');
}

function bacaBerkas() {
  const f = $('berkas').files[0];
  if (!f) return;
  if (f.size > 16384) {
    galatDi('sertifikat-galat', 'Berkas ini terlalu besar untuk sebuah sertifikat.');
    return;
  }
  const r = new FileReader();
  r.onload = () => { $('sertifikat').value = String(r.result).trim(); };
  r.readAsText(f);
}

async function salin() {
  try {
    await navigator.clipboard.writeText($('permintaan').value);
    pesan('Permintaan disalin.');
  } catch (e) {
    $('permintaan').select();
    pesan('Tekan lama lalu pilih Salin.');
  }
}

async function masukForm(ev) {
  ev.preventDefault();
  try {
    await masuk($('m-user').value.trim(), $('m-sandi').value);
    $('masuk-form').hidden = true;
    await pendaftaran();
  } catch (e) {
    pesan(teksGalat(e), true);
  }
}

async function mulai() {
  $('cari').addEventListener('input', () => {
    clearTimeout(cariWaktu);
    cariWaktu = setTimeout(cari, 250);
  });
  $('setup-form').addEventListener('submit', pasang);
  /* A field's complaint goes once the field is changed. */
  $('setup-form').addEventListener('input', (ev) => {
    const ids = (ev.target.getAttribute('aria-describedby') || '').split(' ');
    ids.filter((id) => id.endsWith('-galat')).forEach((id) => galatDi(id));
  });
  $('masuk-form').addEventListener('submit', masukForm);
  $('sertifikat-form').addEventListener('submit', terima);
  $('berkas').addEventListener('change', bacaBerkas);
  $('salin').addEventListener('click', salin);
  try {
    const s = await api('GET', '/api/setup');
    if (s.needs_setup) {
      $('setup-form').hidden = false;
      return;
    }
    const me = await api('GET', '/api/me');
    if (me.logged_in && me.role === 'admin') {
      sesi = me;
      await pendaftaran();
    } else {
      $('masuk-form').hidden = false;
    }
  } catch (e) {
    pesan(teksGalat(e), true);
  }
}

mulai();
