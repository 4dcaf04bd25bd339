/*
 * simpul web app: a client of the node's JSON API (docs/API.md), no
 * library, no build step; ES2017 so that a 5-year-old Android Chrome runs
 * it. Pages are sections of index.html chosen by the URL's #hash. Writes
 * go with the session of POST /api/login (an HttpOnly cookie, and its
 * CSRF token in X-CSRF-Token).
 */
'use strict';

var NAMA_JENIS = {
  informasi: 'Informasi', peringatan: 'Peringatan', aspirasi: 'Aspirasi',
  pengaduan: 'Pengaduan', permintaan_informasi: 'Permintaan informasi',
  tanggapan: 'Tanggapan', status: 'Status', revisi: 'Revisi',
  revisi_keputusan: 'Keputusan revisi',
};
var NAMA_STATUS = {
  diajukan: 'Diajukan', diverifikasi: 'Diverifikasi', ditunda: 'Ditunda',
  bukan_wewenang: 'Bukan wewenang', diarsipkan: 'Diarsipkan',
  diteruskan: 'Diteruskan', ditindaklanjuti: 'Ditindaklanjuti',
  selesai: 'Selesai', ditutup: 'Ditutup',
};
var NAMA_HASIL = {
  valid: 'valid', tidak_valid: 'tidak valid', hoaks: 'hoaks',
  perlu_informasi_tambahan: 'perlu informasi tambahan',
};
var KATEGORI = ['infrastruktur', 'kesehatan', 'pendidikan', 'bencana',
  'keamanan', 'lingkungan', 'sosial', 'ekonomi', 'pelayanan', 'lainnya'];
var TINGKAT = { awas: 3, siaga: 2, waspada: 1 };
var PERAN = { anggota: 1, pengelola: 2, admin: 3 };
var FOTO_MAKS = 5;      /* attachments of one item (proto/BLOBS.md §2) */
var FOTO_SISI = 1600;   /* px, the longer side of an uploaded photo */
var FOTO_MUTU = 0.8;    /* JPEG quality */
var THUMB_MAKS = 8192;  /* bytes of an inline thumbnail (KIM_THUMB_MAX) */
var HALAMAN = 50;
var BERANDA = 30;       /* informasi on Beranda: the newest */

/* Sentences for the API's error ids (docs/API.md, Errors). */
var KALIMAT = {
  'HTTP-TOKEN': 'Anda perlu masuk dulu.',
  'LOGIN-NEEDED': 'Sesi Anda sudah berakhir. Silakan masuk lagi.',
  'LOGIN-ROLE': 'Akun Anda tidak berhak melakukan ini. Minta admin mengubah peran akun Anda.',
  'LOGIN-CSRF': 'Permintaan ditolak demi keamanan. Muat ulang halaman lalu coba lagi.',
  'LOGIN-BAD': 'Nama pengguna atau kata sandi salah.',
  'LOGIN-RATE-LIMIT': 'Terlalu banyak percobaan masuk yang gagal: masuk dikunci sementara. Coba lagi dalam 15 menit.',
  'HTTP-ORIGIN': 'Permintaan dari situs lain ditolak.',
  'KIM-STEP': 'Langkah ini tidak boleh dari status laporan sekarang.',
  'KIM-ROLE': 'Node ini tidak berwenang untuk langkah atau audiens ini.',
  'KIM-SEALED': 'Laporan rahasia belum bisa disegel: node ini belum menerima sertifikat penanganannya. Tunggu sinkronisasi lalu coba lagi.',
  'KIM-NOT-FOUND': 'Item ini tidak ada di node ini.',
  'KIM-BODY': 'Isian tidak memenuhi aturan laporan.',
  'HTTP-TOO-BIG': 'Berkas terlalu besar.',
  'NODE-NOT-ENROLLED': 'Node ini belum terdaftar di jaringan, jadi belum bisa mengirim.',
  'STORE-FULL': 'Penyimpanan node penuh. Hubungi admin.',
  'FEED-FROZEN': 'Node ini dibekukan karena catatan ganda. Hubungi admin kabupaten.',
};

var node = null;     /* GET /api/node */
var sesi = null;     /* GET /api/me or POST /api/login */
var tempat = {};     /* region code -> {name, level} (GET /api/places) */
var daftarTempat = [];
var kursor = null;
var detailId = null;
var detailJam = null; /* the timer that refreshes a detail's delivery */
/* The session and the names, asked for at start beside the page's own
 * data (one round trip, not three, on a slow link); pages draw after. */
var siap = null;
var nama = null;     /* the names alone: Beranda draws without the session */
/* The first replies, in the page itself (GET / puts them there:
 * src/http/page.c), keyed by path: each used once, at start, so Beranda
 * draws without another round trip on a slow link. */
var awal = (function () {
  var e = document.getElementById('awal');
  try { return (e && JSON.parse(e.textContent)) || {}; } catch (x) { return {}; }
})();

function $(id) { return document.getElementById(id); }

function GalatApi(status, kode, pesan) {
  this.status = status;
  this.kode = kode;
  this.message = pesan;
}

function api(metode, jalur, isi, jenisIsi) {
  if (metode === 'GET' && Object.prototype.hasOwnProperty.call(awal, jalur)) {
    var d = awal[jalur];
    delete awal[jalur];
    return Promise.resolve(d);
  }
  var kepala = {};
  if (sesi && sesi.csrf_token && metode !== 'GET')
    kepala['X-CSRF-Token'] = sesi.csrf_token;
  if (isi !== undefined) kepala['Content-Type'] = jenisIsi || 'application/json';
  return fetch(jalur, {
    method: metode, headers: kepala, credentials: 'same-origin',
    body: isi === undefined ? undefined : (jenisIsi ? isi : JSON.stringify(isi)),
  }).then(function (res) {
    return res.json().catch(function () { return null; }).then(function (data) {
      if (!res.ok) {
        var g = (data && data.error) || {};
        throw new GalatApi(res.status, g.code || 'HTTP-' + res.status,
                           g.message || res.statusText);
      }
      return data;
    });
  }, function () {
    throw new GalatApi(0, 'JARINGAN', 'Node tidak dapat dihubungi. Periksa Wi-Fi lalu coba lagi.');
  });
}

/* A sentence for an error: ours when we know the id, else the node's own
 * message (the node writes them as sentences too). */
function kalimat(e) {
  if (e instanceof GalatApi) {
    if (KALIMAT[e.kode]) return KALIMAT[e.kode];
    if (e.kode === 'JARINGAN') return e.message;
    return 'Permintaan ditolak oleh node: ' + e.message + ' (' + e.kode + ').';
  }
  return 'Terjadi kesalahan: ' + (e && e.message ? e.message : e);
}

var pesanMs = 0; /* when the message was shown: an old one goes with its page */

function pesan(teks, galat) {
  var p = $('pesan');
  pesanMs = Date.now();
  p.textContent = teks;
  p.className = galat ? 'galat' : 'berhasil';
  p.hidden = false;
}

function galat(e) {
  pesan(kalimat(e), true);
  if (e instanceof GalatApi && (e.kode === 'LOGIN-NEEDED' || e.kode === 'HTTP-TOKEN')) {
    sesi = null;
    aturSesi();
  }
}

function el(tag, teks, kelas) {
  var e = document.createElement(tag);
  if (teks !== undefined && teks !== null) e.textContent = String(teks);
  if (kelas) e.className = kelas;
  return e;
}

function kosongkan(e) { while (e.firstChild) e.removeChild(e.firstChild); }

function waktu(ms) {
  if (!ms) return '-';
  var d = new Date(Number(ms));
  return d.toLocaleString('id-ID', { day: 'numeric', month: 'short', year: 'numeric',
                                     hour: '2-digit', minute: '2-digit' });
}

/* The name a region goes by: "Desa Sukanegara" or its code when no
 * certificate held names it. */
function namaTempat(kode) {
  var t = tempat[kode];
  return t && t.name ? t.name : kode;
}

function namaAudiens(a) {
  if (!a) return '';
  var m = /^tree:(.*)$/.exec(a);
  if (m) return namaTempat(m[1]);
  m = /^path:([^:]*):(.*)$/.exec(a);
  if (m) return namaTempat(m[1]) + ' → ' + namaTempat(m[2]);
  return a;
}

function bisa(peran) {
  return !!sesi && (PERAN[sesi.role] || 0) >= PERAN[peran];
}

/* ---- field checks: a message in Bahasa Indonesia next to the field ------ */

function tandaiIsian(id, teks) {
  var g = $('galat-' + id);
  if (g) g.textContent = teks || '';
  var f = $(id);
  if (f) {
    if (teks) f.setAttribute('aria-invalid', 'true');
    else f.removeAttribute('aria-invalid');
    if (teks && g) f.setAttribute('aria-describedby', g.id);
  }
  return !teks;
}

function bersihkanIsian(form) {
  var gs = form.querySelectorAll('.galat-isian');
  for (var i = 0; i < gs.length; i++) gs[i].textContent = '';
  var fs = form.querySelectorAll('[aria-invalid]');
  for (var j = 0; j < fs.length; j++) fs[j].removeAttribute('aria-invalid');
}

function cekPanjang(id, nama, min, maks) {
  var v = $(id).value.trim();
  if (v.length < min)
    return tandaiIsian(id, min <= 1 ? nama + ' wajib diisi.'
                                    : nama + ' paling sedikit ' + min + ' huruf.');
  if (v.length > maks) return tandaiIsian(id, nama + ' paling banyak ' + maks + ' huruf.');
  return tandaiIsian(id, '');
}

/* ---- pages ---------------------------------------------------------------- */

var HALAMAN_NAMA = ['beranda', 'laporan', 'detail', 'kirim', 'kelola',
  'jaringan', 'anggota', 'masuk'];

function buka() {
  var h = location.hash.replace(/^#/, '') || 'beranda';
  var bagian = h.split('/');
  var hal = HALAMAN_NAMA.indexOf(bagian[0]) >= 0 ? bagian[0] : 'beranda';
  if (detailJam) { clearInterval(detailJam); detailJam = null; }
  if (Date.now() - pesanMs > 2000) $('pesan').hidden = true;
  for (var i = 0; i < HALAMAN_NAMA.length; i++)
    $('hal-' + HALAMAN_NAMA[i]).hidden = HALAMAN_NAMA[i] !== hal;
  var as = document.querySelectorAll('#menu a');
  for (var j = 0; j < as.length; j++) {
    var aktif = as[j].getAttribute('data-hal') === hal;
    as[j].classList.toggle('aktif', aktif);
    if (aktif) as[j].setAttribute('aria-current', 'page');
    else as[j].removeAttribute('aria-current');
  }
  var muat = {
    beranda: muatBeranda, laporan: function () { muatLaporan(false); },
    detail: function () { bukaDetail(bagian[1]); }, kelola: muatKelola,
    jaringan: muatJaringan, anggota: muatAnggota,
  }[hal];
  if (muat === muatBeranda) muat(); /* fetches beside siap */
  else if (muat) siap.then(muat);
  window.scrollTo(0, 0);
}

/* ---- this node and the names it knows -------------------------------------- */

function muatNode() {
  return api('GET', '/api/node').then(function (n) {
    node = n;
    $('judul-node').textContent = n.name;
    document.title = n.name + ' — simpul';
    var lv = { desa: 'Desa', kecamatan: 'Kecamatan', kabupaten: 'Kabupaten' }[n.level] || n.level;
    $('info-node').textContent = lv + ' ' + n.region +
      (n.daemon.running ? (n.daemon.links_open ? ' · tersambung' : ' · belum tersambung')
                        : ' · sinkronisasi tidak berjalan');
  });
}

function muatTempat() {
  return api('GET', '/api/places').then(function (r) {
    tempat = {};
    daftarTempat = r.places;
    for (var i = 0; i < r.places.length; i++) tempat[r.places[i].region] = r.places[i];
    var s = $('saring-desa');
    while (s.options.length > 1) s.remove(1);
    daftarTempat.forEach(function (p) {
      if (p.level !== 'desa') return;
      var o = el('option', p.name);
      o.value = p.region;
      s.appendChild(o);
    });
  });
}

/* ---- Beranda ---------------------------------------------------------------- */

function fotoKecil(it, wadah) {
  var disegel = 0;
  (it.attachments || []).forEach(function (a, n) {
    if (a.sealed) { disegel++; return; }
    if (!/^image\//.test(a.type)) return;
    var img = el('img');
    img.loading = 'lazy';
    img.alt = 'Foto ' + (n + 1) + (a.name ? ': ' + a.name : '');
    /* the signed entry's own thumbnail when it has one, else the photo
     * (held here once the blob arrived) */
    img.src = a.thumb ? '/api/items/' + it.id + '/thumbnails/' + n : '/api/blobs/' + a.root;
    var link = el('a');
    link.href = '/api/blobs/' + a.root;
    link.appendChild(img);
    wadah.appendChild(link);
  });
  /* a rahasia report's photos where this node cannot open them
   * (proto/BLOBS.md §2.1): only how many */
  if (disegel)
    wadah.appendChild(el('p', disegel + ' lampiran disegel: hanya pengelola yang menangani yang bisa melihatnya.',
                         'catatan lampiran-disegel'));
}

function kartuPengumuman(it) {
  var k = el('article', null, 'kartu ' + it.kind + (it.level ? ' tingkat-' + it.level : ''));
  if (it.kind === 'peringatan') {
    var lv = el('p', 'PERINGATAN · ' + (it.level || '').toUpperCase(), 'tingkat');
    k.appendChild(lv);
  }
  var kini = it.revision && it.revision.title ? it.revision : it; /* KIM.md §6 rule 5 */
  k.appendChild(el('h4', kini.title));
  k.appendChild(el('p', kini.text, 'isi'));
  var foto = el('div', null, 'foto-foto');
  fotoKecil(it, foto);
  if (foto.firstChild) k.appendChild(foto);
  var kaki = namaTempat(it.region) + ' · ' + waktu(it.ts);
  if (it.until_ms) kaki += ' · berlaku sampai ' + waktu(it.until_ms);
  var pk = el('p', kaki, 'kaki');
  var rinci = el('a', it.revision ? 'Rincian (direvisi)' : 'Rincian', 'rincian');
  rinci.href = '#detail/' + it.id; /* its revisions (revisi.js) */
  pk.appendChild(document.createTextNode(' · '));
  pk.appendChild(rinci);
  k.appendChild(pk);
  return k;
}

function muatBeranda() {
  var sekarang = Date.now();
  Promise.all([
    api('GET', '/api/items?kind=peringatan&limit=' + HALAMAN),
    api('GET', '/api/items?kind=informasi&limit=' + BERANDA),
    nama,
  ]).then(function (r) {
    var per = r[0].items.filter(function (p) { return !p.until_ms || p.until_ms > sekarang; });
    /* the most severe first, then the newest */
    per.sort(function (a, b) {
      return (TINGKAT[b.level] || 0) - (TINGKAT[a.level] || 0) || b.ts - a.ts;
    });
    var dp = $('daftar-peringatan');
    kosongkan(dp);
    per.forEach(function (p) { dp.appendChild(kartuPengumuman(p)); });
    var di = $('daftar-informasi');
    kosongkan(di);
    r[1].items.forEach(function (p) { di.appendChild(kartuPengumuman(p)); });
    $('beranda-kosong').hidden = r[1].items.length > 0;
  }).catch(galat);
}

/* ---- Laporan ------------------------------------------------------------------ */

function lencana(state) {
  return el('span', NAMA_STATUS[state] || state, 'lencana status-' + state);
}

function barisLaporan(it) {
  var li = el('li', null, 'kartu laporan');
  var a = el('a');
  a.href = '#detail/' + it.id;
  a.appendChild(el('span', it.title, 'judul'));
  li.appendChild(a);
  var baris = el('p', null, 'kaki');
  baris.appendChild(lencana(it.state));
  if (it.overdue) baris.appendChild(el('span', 'Terlambat', 'lencana terlambat'));
  if (it.rahasia) baris.appendChild(el('span', 'Rahasia', 'lencana rahasia'));
  baris.appendChild(document.createTextNode(' ' + (NAMA_JENIS[it.kind] || it.kind) +
    ' · ' + namaTempat(it.region) + ' · ' + waktu(it.ts)));
  li.appendChild(baris);
  return li;
}

function cocok(it) {
  var cari = $('saring-cari').value.trim().toLowerCase();
  var kat = $('saring-kategori').value;
  var desa = $('saring-desa').value;
  if (kat && it.category !== kat) return false;
  if (desa && it.region !== desa) return false;
  if (cari && (it.title || '').toLowerCase().indexOf(cari) < 0 &&
      (it.category || '').indexOf(cari) < 0) return false;
  return true;
}

function muatLaporan(lanjut) {
  var q = ['limit=' + HALAMAN];
  var st = $('saring-status').value;
  if (st) q.push('status=' + encodeURIComponent(st));
  if ($('saring-terlambat').checked) q.push('overdue=true');
  if (!st && !$('saring-terlambat').checked) q.push('kind=aspirasi');
  if (lanjut && kursor) q.push('after=' + encodeURIComponent(kursor));
  /* reports of every kind: status/overdue list reports only; without them
   * ask for each kind */
  var jalur = st || $('saring-terlambat').checked
    ? ['/api/items?' + q.join('&')]
    : LAPORAN.map(function (k) {
        return '/api/items?' + q.join('&').replace('kind=aspirasi', 'kind=' + k);
      });
  Promise.all(jalur.map(function (j) { return api('GET', j); })).then(function (rs) {
    var semua = [];
    rs.forEach(function (r) { semua = semua.concat(r.items); });
    semua.sort(function (a, b) { return b.ts - a.ts; });
    kursor = rs.length === 1 ? rs[0].next : null;
    var ul = $('daftar-laporan');
    if (!lanjut) kosongkan(ul);
    semua.filter(cocok).forEach(function (it) { ul.appendChild(barisLaporan(it)); });
    $('laporan-kosong').hidden = ul.children.length > 0;
    $('muat-lagi').hidden = !kursor;
  }).catch(galat);
}
var LAPORAN = ['aspirasi', 'pengaduan', 'permintaan_informasi'];

/* ---- Detail ---------------------------------------------------------------------- */

function data(dl, nama, nilai) {
  if (nilai === undefined || nilai === null || nilai === '') return;
  dl.appendChild(el('dt', nama));
  dl.appendChild(el('dd', nilai));
}

/* Delivery (proto/SYNC.md §5.4): ✓ held at the kecamatan, ✓✓ at the
 * kabupaten; "Menunggu sinkronisasi" until the parent acknowledged it. */
function statusKirim(d) {
  if (!d) return null;
  if (!d.ticks) return { teks: 'Menunggu sinkronisasi', kelas: 'menunggu' };
  var tingkat = d.levels.filter(function (l) { return l.held; })
    .map(function (l) { return namaTempat(l.region); }).join(', ');
  return { teks: 'Terkirim ' + '\u2713'.repeat(d.ticks) + ' (diterima di ' + tingkat + ')',
           kelas: 'terkirim' };
}

function langkahTeks(t) {
  var teks = NAMA_STATUS[t.step] || t.step;
  if (t.result) teks += ': ' + (NAMA_HASIL[t.result] || t.result);
  /* a rahasia report's step details, not for this reader (KIM.md §4.3) */
  if (t.sealed) return teks + ' (rincian disegel)';
  if (t.method) teks += ' (' + t.method + ')';
  if (t.verifier) teks += ', oleh ' + t.verifier;
  if (t.agency) teks += ' ke ' + t.agency;
  if (t.note) teks += ' — ' + t.note;
  return teks;
}

function isiDetail(it) {
  $('detail-judul').textContent = it.title;
  var lc = $('detail-lencana');
  kosongkan(lc);
  var laporan = LAPORAN.indexOf(it.kind) >= 0;
  lc.appendChild(el('span', NAMA_JENIS[it.kind] || it.kind, 'lencana jenis'));
  if (laporan) lc.appendChild(lencana(it.state));
  if (it.level) lc.appendChild(el('span', it.level, 'lencana tingkat-' + it.level));
  if (it.rahasia) lc.appendChild(el('span', 'Rahasia', 'lencana rahasia'));
  if (it.anonim) lc.appendChild(el('span', 'Anonim', 'lencana'));
  if (it.overdue) lc.appendChild(el('span', 'Terlambat', 'lencana terlambat'));
  var k = statusKirim(it.delivery);
  $('detail-kirim').hidden = !k;
  if (k) {
    $('detail-kirim').textContent = k.teks;
    $('detail-kirim').className = 'kirim-status ' + k.kelas;
  }
  $('detail-disegel').hidden = !it.sealed;
  $('detail-isi').textContent = it.text || '';
  var foto = $('detail-foto');
  kosongkan(foto);
  fotoKecil(it, foto);
  var dl = $('detail-data');
  kosongkan(dl);
  data(dl, 'Dari', namaTempat(it.region));
  if (laporan) data(dl, 'Ditangani oleh', namaTempat(it.handler));
  else data(dl, 'Untuk', namaAudiens(it.audience));
  data(dl, 'Waktu', waktu(it.ts));
  data(dl, 'Kategori', it.category);
  if (it.location && it.location.place) data(dl, 'Tempat', it.location.place);
  if (it.reporter && typeof it.reporter === 'object')
    data(dl, 'Pelapor', it.reporter.name + (it.reporter.contact ? ' (' + it.reporter.contact + ')' : ''));
  else if (it.reporter === '[disegel]') data(dl, 'Pelapor', 'disegel');
  if (it.deadline_ms) data(dl, 'Batas waktu', waktu(it.deadline_ms));
  var alur = $('detail-alur');
  var tgp = $('detail-tanggapan');
  kosongkan(alur);
  kosongkan(tgp);
  $('j-alur').hidden = !laporan;
  $('j-tanggapan').hidden = !laporan;
  if (laporan) {
    alur.appendChild(el('li', waktu(it.ts) + ' · Diajukan dari ' + namaTempat(it.region), 'sah'));
    (it.timeline || []).forEach(function (t) {
      if (LAPORAN.indexOf(t.kind) >= 0) return; /* the report itself: above */
      if (t.kind === 'tanggapan') {
        var li = el('li', null, 'tanggapan');
        li.appendChild(t.sealed
          ? el('p', 'Jawaban untuk laporan rahasia ini disegel: hanya pengelola yang dapat membacanya.', 'catatan')
          : el('p', t.text));
        li.appendChild(el('p', namaTempat(t.author_region) + ' · ' + waktu(t.ts), 'kaki'));
        tgp.appendChild(li);
        return;
      }
      var l = el('li', waktu(t.ts) + ' · ' + langkahTeks(t) + ' · ' + namaTempat(t.author_region),
                 t.mark === 'valid' ? 'sah' : 'tidak-berlaku');
      if (t.mark && t.mark !== 'valid')
        l.appendChild(el('span', t.mark === 'superseded' ? ' (digantikan)' : ' (tidak berlaku)'));
      alur.appendChild(l);
    });
    if (it.state !== 'ditutup') alur.appendChild(el('li', '… Ditutup', 'nanti'));
  }
  $('tanpa-tanggapan').hidden = !laporan || tgp.children.length > 0;
  aturTindakan(it);
  isiRevisi(it, laporan); /* revisi.js */
}

function bukaDetail(id) {
  detailId = id;
  var muat = function () {
    return api('GET', '/api/items/' + encodeURIComponent(id)).then(function (it) {
      if (detailId === id) isiDetail(it);
      return it;
    });
  };
  muat().then(function (it) {
    /* until its parent holds it, look again every few seconds */
    if (it.delivery && !it.delivery.ticks || it.delivery && it.delivery.ticks < it.delivery.levels.length)
      detailJam = setInterval(function () { muat().catch(function () {}); }, 2000);
  }).catch(galat);
}

function aturTindakan(it) {
  var langkah = (it.allowed_steps || []).filter(function (s) { return s !== 'tanggapan'; });
  var boleh = bisa('pengelola') && (it.allowed_steps || []).length > 0;
  $('tindakan').hidden = !boleh;
  if (!boleh) return;
  var sel = $('langkah-nama');
  var lama = sel.value;
  kosongkan(sel);
  langkah.forEach(function (s) {
    var o = el('option', NAMA_STATUS[s] || s);
    o.value = s;
    sel.appendChild(o);
  });
  if (langkah.indexOf(lama) >= 0) sel.value = lama;
  $('form-langkah').hidden = !langkah.length;
  $('form-tanggapan').hidden = (it.allowed_steps || []).indexOf('tanggapan') < 0;
  aturLangkah();
}

function aturLangkah() {
  var s = $('langkah-nama').value;
  var vs = document.querySelectorAll('.untuk-verifikasi');
  for (var i = 0; i < vs.length; i++) vs[i].hidden = s !== 'diverifikasi';
  var ts = document.querySelectorAll('.untuk-teruskan');
  for (var j = 0; j < ts.length; j++) ts[j].hidden = s !== 'diteruskan';
}

function kirimLangkah(ev) {
  ev.preventDefault();
  var f = $('form-langkah');
  bersihkanIsian(f);
  var s = $('langkah-nama').value;
  var isi = { step: s };
  if ($('langkah-catatan').value.trim()) isi.note = $('langkah-catatan').value.trim();
  if (s === 'diverifikasi') {
    if (!cekPanjang('langkah-metode', 'Cara verifikasi', 1, 200)) return;
    isi.method = $('langkah-metode').value.trim();
    isi.result = $('langkah-hasil').value;
    if ($('langkah-pemeriksa').value.trim()) isi.verifier = $('langkah-pemeriksa').value.trim();
  }
  if (s === 'diteruskan') {
    if (!cekPanjang('langkah-instansi', 'Instansi tujuan', 1, 200)) return;
    isi.agency = $('langkah-instansi').value.trim();
  }
  api('POST', '/api/reports/' + detailId + '/steps', isi).then(function () {
    pesan('Langkah "' + (NAMA_STATUS[s] || s) + '" tersimpan.');
    f.reset();
    bukaDetail(detailId);
  }).catch(galat);
}

function kirimTanggapan(ev) {
  ev.preventDefault();
  bersihkanIsian($('form-tanggapan'));
  if (!cekPanjang('tanggapan-isi', 'Jawaban', 1, 4000)) return;
  api('POST', '/api/reports/' + detailId + '/responses',
      { text: $('tanggapan-isi').value.trim() }).then(function () {
    pesan('Tanggapan terkirim.');
    $('form-tanggapan').reset();
    bukaDetail(detailId);
  }).catch(galat);
}

/* ---- Kirim ------------------------------------------------------------------------ */

/* The regions above this one: 36.04.12.2002 -> 36.04.12, 36.04. */
function leluhur(kode) {
  var b = kode.split('.');
  var hasil = [];
  for (var n = b.length - 1; n >= 2; n--) hasil.push(b.slice(0, n).join('.'));
  return hasil;
}

function aturKirim() {
  var p = $('kirim-penanggung');
  if (p.options.length || !node) return;
  leluhur(node.region).forEach(function (k) {
    var lv = k.split('.').length === 2 ? 'Kabupaten' : 'Kecamatan';
    var o = el('option', namaTempat(k) !== k ? namaTempat(k) : lv + ' ' + k);
    o.value = k;
    p.appendChild(o);
  });
  /* a desa reports to its kabupaten unless told otherwise (also after
   * the form's reset) */
  if (p.options.length) p.options[p.options.length - 1].defaultSelected = true;
}

/* A photo made smaller in the browser: the longer side at most sisi px,
 * JPEG at mutu; FOTO_SISI and FOTO_MUTU make a phone's 5 MB picture
 * ~300 KB. */
function kecilkan(file, sisi, mutu) {
  return new Promise(function (ok, gagal) {
    var url = URL.createObjectURL(file);
    var img = new Image();
    img.onload = function () {
      var skala = Math.min(1, sisi / Math.max(img.naturalWidth, img.naturalHeight));
      var c = document.createElement('canvas');
      c.width = Math.max(1, Math.round(img.naturalWidth * skala));
      c.height = Math.max(1, Math.round(img.naturalHeight * skala));
      c.getContext('2d').drawImage(img, 0, 0, c.width, c.height);
      URL.revokeObjectURL(url);
      c.toBlob(function (b) {
        if (b) ok(b); else gagal(new Error('foto tidak bisa diubah'));
      }, 'image/jpeg', mutu);
    };
    img.onerror = function () {
      URL.revokeObjectURL(url);
      gagal(new Error('berkas ' + file.name + ' bukan foto yang bisa dibaca'));
    };
    img.src = url;
  });
}

function pratinjau() {
  var w = $('kirim-pratinjau');
  kosongkan(w);
  var fs = $('kirim-foto').files;
  tandaiIsian('kirim-foto', fs.length > FOTO_MAKS ? 'Paling banyak ' + FOTO_MAKS + ' foto.' : '');
  for (var i = 0; i < fs.length && i < FOTO_MAKS; i++) {
    var img = el('img');
    img.alt = 'Pratinjau ' + fs[i].name;
    img.src = URL.createObjectURL(fs[i]);
    w.appendChild(img);
  }
}

function jenisKirim() {
  var r = document.querySelector('input[name="kirim-jenis"]:checked');
  return r ? r.value : 'aspirasi';
}

function cekKirim() {
  bersihkanIsian($('form-kirim'));
  var ok = cekPanjang('kirim-judul', 'Judul', 5, 200);
  ok = cekPanjang('kirim-isi', 'Isi', 10, 4000) && ok;
  var kontak = $('kirim-kontak').value.trim();
  if (kontak && !/^[0-9+() .-]{6,20}$/.test(kontak) && kontak.indexOf('@') < 0)
    ok = tandaiIsian('kirim-kontak', 'Kontak harus nomor telepon atau alamat surel.');
  var n = $('kirim-foto').files.length;
  if (n > FOTO_MAKS) ok = tandaiIsian('kirim-foto', 'Paling banyak ' + FOTO_MAKS + ' foto.');
  return ok;
}

/* The thumbnail the signed entry carries (at most 8 KiB, BLOBS.md §2),
 * base64: shown everywhere before the photo itself arrives. A rahasia
 * report's go into its sealed content, at most 17,392 bytes with the
 * text (KIM.md §4): at most 2 KiB each there. */
function gambarKecil(file, rahasia) {
  var maks = rahasia ? 2048 : THUMB_MAKS;
  return kecilkan(file, rahasia ? 96 : 160, rahasia ? 0.5 : 0.6).then(function (b) {
    return b.size <= maks ? b : kecilkan(file, rahasia ? 64 : 96, rahasia ? 0.4 : 0.5);
  }).then(function (b) {
    if (b.size > maks) return null;
    return new Promise(function (ok) {
      var r = new FileReader();
      r.onload = function () { ok(String(r.result).replace(/^data:[^,]*,/, '')); };
      r.onerror = function () { ok(null); };
      r.readAsDataURL(b);
    });
  });
}

function kirimLaporan(ev) {
  ev.preventDefault();
  if (!sesi) { pesan('Anda perlu masuk dulu untuk mengirim laporan.', true); return; }
  if (!cekKirim()) { pesan('Periksa isian yang ditandai.', true); return; }
  var tombol = $('tombol-kirim');
  tombol.disabled = true;
  var jenis = jenisKirim();
  var isi = {
    kind: jenis,
    handler: $('kirim-penanggung').value,
    title: $('kirim-judul').value.trim(),
    text: $('kirim-isi').value.trim(),
    category: $('kirim-kategori').value,
  };
  if ($('kirim-tempat').value.trim()) isi.location = { place: $('kirim-tempat').value.trim() };
  if ($('kirim-anonim').checked) isi.anonim = true;
  else if ($('kirim-nama').value.trim())
    isi.reporter = { name: $('kirim-nama').value.trim(), contact: $('kirim-kontak').value.trim() };
  if ($('kirim-rahasia').checked) isi.rahasia = true;
  /* kept in this browser until the node has it (antrean.js) */
  kirimAntre(isi, $('kirim-foto').files).then(function (h) {
    $('form-kirim').reset();
    kosongkan($('kirim-pratinjau'));
    if (!h.id) {
      pesan('Belum terkirim: ' + h.galat + ' ' + (NAMA_JENIS[jenis] || jenis) +
            ' disimpan di perangkat ini dan dikirim otomatis begitu bisa (Menunggu dikirim).', true);
      return;
    }
    pesan((NAMA_JENIS[jenis] || jenis) + ' tersimpan di node ini.');
    location.hash = '#detail/' + h.id;
  }).catch(galat).then(function () { tombol.disabled = false; });
}

/* ---- Kelola --------------------------------------------------------------------- */

function muatKelola() {
  aturAudiens();
  Promise.all(['diajukan', 'diverifikasi', 'diteruskan', 'ditindaklanjuti', 'selesai']
    .map(function (s) { return api('GET', '/api/items?limit=' + HALAMAN + '&status=' + s); }))
    .then(function (rs) {
      var ul = $('daftar-kelola');
      kosongkan(ul);
      var semua = [];
      rs.forEach(function (r) {
        semua = semua.concat(r.items.filter(function (it) {
          return node && it.handler && (it.handler === node.region ||
                                        it.handler.indexOf(node.region + '.') === 0);
        }));
      });
      semua.sort(function (a, b) { return (b.overdue ? 1 : 0) - (a.overdue ? 1 : 0) || a.ts - b.ts; });
      semua.forEach(function (it) { ul.appendChild(barisLaporan(it)); });
      $('kelola-kosong').hidden = semua.length > 0;
    }).catch(galat);
}

/* Audiences by name: this node's own area and every area below it that a
 * held certificate names (tree:CODE reaches CODE's subtree). */
function aturAudiens() {
  var s = $('terbit-audiens');
  if (!node) return;
  var lama = s.value;
  kosongkan(s);
  var label = { kabupaten: 'Seluruh kabupaten', kecamatan: 'Kecamatan', desa: 'Desa' };
  daftarTempat.filter(function (p) {
    return p.region === node.region || p.region.indexOf(node.region + '.') === 0;
  }).forEach(function (p) {
    var o = el('option', (p.region === node.region && p.level !== 'desa'
                          ? 'Seluruh ' + p.level + ' ' : (label[p.level] || p.level) + ' ') +
                         '— ' + p.name);
    o.value = 'tree:' + p.region;
    s.appendChild(o);
  });
  if (lama) s.value = lama;
}

function aturTerbit() {
  var per = $('terbit-jenis').value === 'peringatan';
  var us = document.querySelectorAll('.untuk-peringatan');
  for (var i = 0; i < us.length; i++) us[i].hidden = !per;
}

function terbit(ev) {
  ev.preventDefault();
  var f = $('form-terbit');
  bersihkanIsian(f);
  var ok = cekPanjang('terbit-judul', 'Judul', 3, 200);
  ok = cekPanjang('terbit-isi', 'Isi', 5, 4000) && ok;
  var jenis = $('terbit-jenis').value;
  var isi = {
    kind: jenis, to: $('terbit-audiens').value, title: $('terbit-judul').value.trim(),
    text: $('terbit-isi').value.trim(), category: $('terbit-kategori').value,
  };
  if (jenis === 'peringatan') {
    isi.level = $('terbit-tingkat').value;
    var sampai = $('terbit-sampai').value;
    if (sampai) {
      var ms = new Date(sampai).getTime();
      if (!(ms > Date.now())) ok = tandaiIsian('terbit-sampai', 'Waktu berakhir harus di masa depan.');
      else isi.until_ms = ms;
    }
  }
  if (!ok) { pesan('Periksa isian yang ditandai.', true); return; }
  api('POST', '/api/items', isi).then(function () {
    pesan((NAMA_JENIS[jenis] || jenis) + ' diterbitkan untuk ' + namaAudiens(isi.to) + '.');
    f.reset();
    aturTerbit();
  }).catch(galat);
}

/* ---- Jaringan ------------------------------------------------------------------- */

function ukuran(b) {
  if (b < 1024) return b + ' B';
  if (b < 1048576) return (b / 1024).toFixed(1) + ' KB';
  return (b / 1048576).toFixed(1) + ' MB';
}

function muatJaringan() {
  muatNode().then(function () {
    var dl = $('jaringan-node');
    kosongkan(dl);
    data(dl, 'Node ini', node.name + ' (' + node.region + ')');
    data(dl, 'Sinkronisasi', node.daemon.running
      ? node.daemon.links_open + ' sambungan terbuka' : 'tidak berjalan');
    data(dl, 'Entri tersimpan', node.store.entries);
    data(dl, 'Jatah data per sambungan', node.net && node.net.budget_mib
      ? node.net.budget_mib + ' MB per bulan' : 'tanpa batas');
    data(dl, 'Waktu', node.time && node.time.source === 'parent' ? 'waktu dari induk' : 'jam node ini');
  }).catch(galat);
  api('GET', '/api/peers').then(function (ps) {
    $('rekan-catatan').hidden = true;
    var ul = $('daftar-rekan');
    kosongkan(ul);
    var saya = node ? node.region : '';
    ps.forEach(function (p) {
      var induk = saya.indexOf(p.region + '.') === 0;
      var li = el('li', null, 'kartu rekan');
      li.appendChild(el('h3', (induk ? 'Induk: ' : 'Anak: ') + namaTempat(p.region)));
      var d = el('dl');
      data(d, 'Keadaan', p.state === 'connected' ? 'tersambung' : 'terputus');
      data(d, 'Sinkron terakhir', waktu(p.last_sync_ms));
      data(d, 'Menunggu dikirim', p.backlog + ' entri');
      var jatah = node && node.net && node.net.budget_mib ? node.net.budget_mib * 1048576 : 0;
      data(d, 'Data foto bulan ini', ukuran(p.bulk_month_bytes || 0) +
           (jatah ? ' dari ' + ukuran(jatah) + ' (' + Math.round(100 * (p.bulk_month_bytes || 0) / jatah) + '%)' : ''));
      data(d, 'Total data', ukuran(p.bytes_in + p.bytes_out));
      if (p.last_error) data(d, 'Galat terakhir', p.last_error);
      li.appendChild(d);
      ul.appendChild(li);
    });
    $('rekan-kosong').hidden = ps.length > 0;
  }).catch(function (e) {
    if (e.kode === 'HTTP-TOKEN') $('rekan-catatan').hidden = false;
    else galat(e);
  });
}

/* ---- Anggota (admin): anggota.js ---------------------------------------- */

/* ---- the session ------------------------------------------------------------------ */

function aturSesi() {
  $('status-masuk').textContent = sesi
    ? 'Masuk sebagai ' + sesi.user + ' (' + sesi.role + ').' : 'Belum masuk.';
  $('tautan-akun').textContent = sesi ? sesi.user + ' (' + sesi.role + ')' : 'Masuk';
  $('tombol-keluar').hidden = !sesi;
  $('form-masuk').hidden = !!sesi;
  var ps = document.querySelectorAll('.perlu-pengelola');
  for (var i = 0; i < ps.length; i++) ps[i].hidden = !bisa('pengelola');
  var as = document.querySelectorAll('.perlu-admin');
  for (var j = 0; j < as.length; j++) as[j].hidden = !bisa('admin');
}

function muatSesi() {
  return api('GET', '/api/me').then(function (me) {
    sesi = me.logged_in && me.csrf_token ? me : null;
  }, function () { sesi = null; }).then(aturSesi);
}

function masuk(ev) {
  ev.preventDefault();
  var f = $('form-masuk');
  bersihkanIsian(f);
  var ok = cekPanjang('masuk-nama', 'Nama pengguna', 1, 64);
  ok = cekPanjang('masuk-sandi', 'Kata sandi', 1, 1024) && ok;
  if (!ok) return;
  api('POST', '/api/login', { user: $('masuk-nama').value.trim(),
                              password: $('masuk-sandi').value }).then(function (s) {
    sesi = s;
    $('masuk-sandi').value = '';
    aturSesi();
    /* this account's reports kept while the node was away: shown, and
     * sent at the next try (antrean.js) */
    tampilAntrean();
    antreSemua().then(function (rs) { if (rs.length) jadwalAntrean(); }).catch(function () {});
    pesan('Berhasil masuk sebagai ' + s.user + '.');
    location.hash = '#beranda';
  }).catch(function (e) {
    $('masuk-sandi').value = '';
    galat(e);
  });
}

function keluar() {
  api('POST', '/api/logout', {}).then(function () {
    pesan('Sudah keluar.');
  }).catch(galat).then(function () {
    sesi = null;
    aturSesi();
    tampilAntrean(); /* another account's kept reports are not shown */
  });
}

/* ---- start ------------------------------------------------------------------------ */

function mulai() {
  var ks = document.querySelectorAll('.pilih-kategori');
  for (var i = 0; i < ks.length; i++)
    KATEGORI.forEach(function (k) {
      var o = el('option', k.charAt(0).toUpperCase() + k.slice(1));
      o.value = k;
      ks[i].appendChild(o);
    });
  $('kirim-kategori').querySelector('option[value="lainnya"]').defaultSelected = true;
  $('terbit-kategori').querySelector('option[value="lainnya"]').defaultSelected = true;
  var ms = document.querySelectorAll('.maks-foto');
  for (var m = 0; m < ms.length; m++) ms[m].textContent = FOTO_MAKS;
  $('form-saring').addEventListener('submit', function (ev) { ev.preventDefault(); muatLaporan(false); });
  $('muat-lagi').addEventListener('click', function () { muatLaporan(true); });
  $('form-langkah').addEventListener('submit', kirimLangkah);
  $('langkah-nama').addEventListener('change', aturLangkah);
  $('form-tanggapan').addEventListener('submit', kirimTanggapan);
  $('form-kirim').addEventListener('submit', kirimLaporan);
  $('kirim-foto').addEventListener('change', pratinjau);
  $('form-terbit').addEventListener('submit', terbit);
  $('terbit-jenis').addEventListener('change', aturTerbit);
  $('form-masuk').addEventListener('submit', masuk);
  $('tombol-keluar').addEventListener('click', keluar);
  window.addEventListener('hashchange', buka);
  nama = muatTempat().catch(function () {});
  siap = Promise.all([muatSesi(), nama, muatNode()])
    .then(aturKirim).catch(galat);
  siap.then(mulaiAntrean); /* reports kept while the node was away */
  mulaiAnggota();
  mulaiRevisi();
  buka();
  awal = {}; /* what start did not use would only grow stale */
}

mulai();
