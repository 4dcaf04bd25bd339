/*
 * The Pendaftaran page (admin): at an issuer (the kabupaten, a kecamatan
 * it made one), a node's enrolment request pasted, or photographed as a QR
 * code where the browser reads one, checked, and approved with one click
 * (POST /api/enrolment/check, /api/enrolment/sign; docs/API.md): the
 * certificate comes back as text and as a QR code to give to the new
 * node. At every node, this node's own request and a place to paste the
 * certificate it gets back (GET /api/enrolment, POST
 * /api/enrolment/certificate), as the setup page does on a new node.
 */
'use strict';

const $ = (id) => document.getElementById(id);
let sesi = null;
let saya = null; /* GET /api/enrolment */
let permintaan = ''; /* the request checked, signed on approval */

const KALIMAT = {
  'LOGIN-NEEDED': 'Sesi Anda sudah berakhir. Silakan masuk lagi.',
  'LOGIN-ROLE': 'Halaman ini hanya untuk admin.',
  'LOGIN-CSRF': 'Permintaan ditolak demi keamanan. Muat ulang halaman lalu coba lagi.',
  'ENTRY-NOT-ISSUER': 'Node ini tidak berwenang mendaftarkan node tersebut (hanya node di wilayahnya; kecamatan hanya jika kabupaten mengizinkan).',
  'NETWORK-MISMATCH': 'Permintaan itu untuk wilayah di luar jaringan ini.',
  'NODE-REVOKED': 'Kunci node itu sudah dicabut: node tersebut perlu dipasang ulang dengan kunci baru.',
  'KEY-INVALID': 'Kunci node dalam permintaan itu tidak dapat dipakai.',
  'CERT-INVALID': 'Teks itu rusak atau tidak lengkap: salin ulang seluruhnya.',
  'CERT-EXPIRED': 'Sertifikat itu sudah kedaluwarsa: minta yang baru ke kecamatan.',
  'NODE-NOT-ENROLLED': 'Node ini sendiri belum terdaftar di jaringan.',
  'EXISTS': 'Node ini sudah terdaftar.',
};

class GalatApi extends Error {
  constructor(kode, pesan) { super(pesan); this.kode = kode; }
}

async function api(metode, jalur, isi) {
  const kepala = {};
  if (metode !== 'GET' && sesi && sesi.csrf_token) kepala['X-CSRF-Token'] = sesi.csrf_token;
  if (isi !== undefined) kepala['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(jalur, { method: metode, headers: kepala, credentials: 'same-origin',
      body: isi === undefined ? undefined : JSON.stringify(isi) });
  } catch (e) {
    throw new GalatApi('JARINGAN', 'Node tidak dapat dihubungi. Periksa Wi-Fi lalu coba lagi.');
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const g = (data && data.error) || {};
    throw new GalatApi(g.code || 'HTTP-' + res.status, g.message || res.statusText);
  }
  return data;
}

function kalimat(e) {
  if (e instanceof GalatApi) {
    if (KALIMAT[e.kode]) return KALIMAT[e.kode];
    if (e.kode === 'JARINGAN') return e.message;
    return 'Permintaan ditolak oleh node: ' + e.message + ' (' + e.kode + ').';
  }
  return 'Terjadi kesalahan: ' + (e && e.message ? e.message : e);
}

function pesan(teks, galat) {
  const p = $('pesan');
  p.textContent = teks;
  p.className = galat ? 'galat' : 'berhasil';
  p.hidden = !teks;
}

/* A refusal next to its field (and read with it by a screen reader). */
function tandai(id, teks) {
  const g = $('galat-' + id), f = $(id);
  g.textContent = teks || '';
  if (teks) {
    f.setAttribute('aria-invalid', 'true');
    f.setAttribute('aria-describedby', g.id);
  } else {
    f.removeAttribute('aria-invalid');
  }
  return !teks;
}

function data(dl, nama, nilai) {
  const dt = document.createElement('dt');
  const dd = document.createElement('dd');
  dt.textContent = nama;
  dd.textContent = nilai;
  dl.appendChild(dt);
  dl.appendChild(dd);
}

const TINGKAT = { desa: 'Desa', kecamatan: 'Kecamatan', kabupaten: 'Kabupaten' };
const kunciPendek = (k) => k.slice(0, 16) + '…';
const tanggal = (iso) => (iso ? new Date(iso).toLocaleDateString('id-ID',
  { day: 'numeric', month: 'long', year: 'numeric' }) : '–');

/* ---- this node's own enrolment ------------------------------------------- */

function tampilkanNode() {
  $('daftar-info').textContent = saya.name + ' · ' + saya.region;
  const dl = $('node-data');
  dl.textContent = '';
  data(dl, 'Nama', saya.name);
  data(dl, 'Wilayah', saya.region);
  data(dl, 'Kunci node', kunciPendek(saya.node_key));
  if (saya.enrolled) {
    data(dl, 'Jaringan', saya.network || '–');
    data(dl, 'Sertifikat berlaku sampai', tanggal(saya.valid_until));
    data(dl, 'Boleh mendaftarkan node lain', saya.issuer ? 'ya' : 'tidak');
  } else {
    data(dl, 'Keadaan', 'belum terdaftar');
  }
  $('node-belum').hidden = saya.enrolled;
  $('permintaan-saya').value = saya.request;
  if (!saya.enrolled && saya.qr) {
    $('qr-saya').src = '/api/enrolment/request.svg';
    $('qr-saya').hidden = false;
  }
  $('bagian-node').hidden = false;
  $('bagian-setujui').hidden = !saya.issuer;
}

async function terimaSertifikat(ev) {
  ev.preventDefault();
  const teks = $('sertifikat-masuk').value.trim();
  if (!tandai('sertifikat-masuk', teks.startsWith('simpul-cert1:') ? ''
    : 'Tempel sertifikat lengkap: satu baris yang diawali simpul-cert1:')) return;
  try {
    const r = await api('POST', '/api/enrolment/certificate', { certificate: teks });
    pesan('Terdaftar di jaringan ' + r.network + '. Sinkronisasi dimulai.');
    saya = await api('GET', '/api/enrolment');
    tampilkanNode();
  } catch (e) {
    if (e.kode === 'HTTP-BAD-VALUE' || e.kode === 'CERT-INVALID') tandai('sertifikat-masuk', kalimat(e));
    else pesan(kalimat(e), true);
  }
}

/* ---- an issuer approves another node's request ----------------------------- */

async function periksa(ev) {
  if (ev) ev.preventDefault();
  const teks = $('permintaan-masuk').value.trim();
  $('pemohon').hidden = true;
  $('hasil-sertifikat').hidden = true;
  if (!tandai('permintaan-masuk', teks.startsWith('simpul-req1:') ? ''
    : 'Tempel permintaan lengkap: satu baris yang diawali simpul-req1:')) return;
  try {
    const r = await api('POST', '/api/enrolment/check', { request: teks });
    permintaan = teks;
    const dl = $('pemohon-data');
    dl.textContent = '';
    data(dl, 'Nama', r.name);
    data(dl, 'Wilayah', (TINGKAT[r.level] || r.level) + ' ' + r.region);
    data(dl, 'Kunci node', kunciPendek(r.node_key));
    $('label-penerbit').hidden = !(saya.root && r.level === 'kecamatan');
    $('pemohon').hidden = false;
    pesan('');
  } catch (e) {
    tandai('permintaan-masuk', e.kode === 'HTTP-BAD-VALUE'
      ? 'Ini bukan permintaan pendaftaran yang utuh: salin ulang seluruh teksnya.' : kalimat(e));
  }
}

async function setujui(ev) {
  ev.preventDefault();
  const hari = Number($('masa-berlaku').value);
  if (!tandai('masa-berlaku', Number.isInteger(hari) && hari >= 1 && hari <= 3650 ? ''
    : 'Masa berlaku 1 sampai 3650 hari.')) return;
  const isi = { request: permintaan, valid_days: hari };
  if (!$('label-penerbit').hidden) isi.issuer = $('penerbit').checked;
  try {
    const r = await api('POST', '/api/enrolment/sign', isi);
    $('sertifikat-untuk').textContent = r.name + ' (' + r.region + ')';
    $('sertifikat-keluar').value = r.certificate;
    const img = $('qr-sertifikat');
    if (r.qr_svg) {
      img.src = URL.createObjectURL(new Blob([r.qr_svg], { type: 'image/svg+xml' }));
      img.hidden = false;
    } else {
      img.hidden = true;
    }
    $('pemohon').hidden = true;
    $('hasil-sertifikat').hidden = false;
    pesan('Disetujui: ' + r.name + ' terdaftar sampai ' + tanggal(r.valid_until) + '.');
  } catch (e) {
    pesan(kalimat(e), true);
  }
}

async function salin() {
  const t = $('sertifikat-keluar');
  t.select();
  try {
    await navigator.clipboard.writeText(t.value);
  } catch (e) {
    document.execCommand('copy'); /* plain HTTP on the LAN: no clipboard API */
  }
  pesan('Sertifikat disalin.');
}

/* A photo of the QR code, read by the browser where it can (Chrome on
 * Android over HTTPS); elsewhere the phone's camera app reads it. */
async function bacaFotoQr() {
  const f = $('foto-qr').files[0];
  if (!f) return;
  try {
    const kode = await new window.BarcodeDetector({ formats: ['qr_code'] })
      .detect(await createImageBitmap(f));
    if (!kode.length) throw new Error('tidak ada kode QR terbaca');
    $('permintaan-masuk').value = kode[0].rawValue;
    periksa();
  } catch (e) {
    tandai('permintaan-masuk', 'Kode QR tidak terbaca dari foto itu: coba lagi lebih dekat, atau tempel teksnya.');
  }
}

/* ---- start ---------------------------------------------------------------------- */

async function mulai() {
  $('form-periksa').addEventListener('submit', periksa);
  $('form-setujui').addEventListener('submit', setujui);
  $('form-sertifikat').addEventListener('submit', terimaSertifikat);
  $('salin-sertifikat').addEventListener('click', salin);
  if ('BarcodeDetector' in window) {
    $('label-foto-qr').hidden = false;
    $('foto-qr').hidden = false;
    $('foto-qr').addEventListener('change', bacaFotoQr);
  }
  try {
    const me = await api('GET', '/api/me');
    sesi = me.logged_in ? me : null;
    if (!sesi || sesi.role !== 'admin') {
      $('daftar-info').textContent = sesi ? 'Masuk sebagai ' + sesi.user + ' (' + sesi.role + ')' : 'Belum masuk';
      $('perlu-masuk').hidden = false;
      return;
    }
    saya = await api('GET', '/api/enrolment');
    tampilkanNode();
  } catch (e) {
    pesan(kalimat(e), true);
  }
}

mulai();
