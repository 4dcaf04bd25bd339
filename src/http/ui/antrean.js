/*
 * Kirim without the node: a report the node could not be reached for is
 * kept in this browser (IndexedDB, its photos already made small) and
 * shown as "Menunggu dikirim"; it is sent again when the browser is
 * online again (the `online` event), every ANTRE_JEDA ms while one
 * waits, and at the next page load. No service worker: they need HTTPS
 * or localhost, and a node serves plain HTTP on the village LAN.
 *
 * Each report gets a random key when it is made, sent as Idempotency-Key
 * with POST /api/items: a report sent again after its reply was lost is
 * answered with the item the node already made, not posted twice
 * (docs/API.md, "Sending again"). The photos are named by their content
 * (POST /api/blobs): uploading one twice stores it once.
 *
 * Loaded before app.js; uses its helpers (api, el, $, pesan, kalimat,
 * kecilkan, gambarKecil, FOTO_SISI, FOTO_MUTU) only when called.
 */
'use strict';

var ANTRE_DB = 'simpul-antrean';
var ANTRE_JEDA = 15000;  /* ms between tries while a report waits */
var antreJalan = false;  /* a round of sending is under way */
var antreJam = null;

/* The store, opened once: a Promise of the IDBDatabase. */
var antreDb = null;
function bukaAntrean() {
  if (antreDb) return antreDb;
  antreDb = new Promise(function (ok, gagal) {
    if (!window.indexedDB) { gagal(new Error('peramban ini tidak punya IndexedDB')); return; }
    var q = indexedDB.open(ANTRE_DB, 1);
    q.onupgradeneeded = function () { q.result.createObjectStore('laporan', { keyPath: 'kunci' }); };
    q.onsuccess = function () { ok(q.result); };
    q.onerror = function () { gagal(q.error); };
  });
  return antreDb;
}

/* One request on the store: fn(objectStore) gives an IDBRequest. */
function antreOlah(mode, fn) {
  return bukaAntrean().then(function (db) {
    return new Promise(function (ok, gagal) {
      var tx = db.transaction('laporan', mode);
      var q = fn(tx.objectStore('laporan'));
      tx.oncomplete = function () { ok(q.result); };
      tx.onerror = function () { gagal(tx.error); };
    });
  });
}

/* The reports this account kept, oldest first. A phone is often shared
 * in a KIM: another account's wait (hidden, unsent) until it logs in. */
function antreSemua() {
  return antreOlah('readonly', function (s) { return s.getAll(); }).then(function (rs) {
    var saya = sesi ? sesi.user : null;
    /* one kept before reports had an owner: the first account claims it */
    rs.forEach(function (r) { if (saya && r.pengguna === undefined) { r.pengguna = saya; antreSimpan(r); } });
    return rs.filter(function (r) { return saya && r.pengguna === saya; })
      .sort(function (a, b) { return a.dibuat - b.dibuat; });
  });
}
function antreSimpan(r) { return antreOlah('readwrite', function (s) { return s.put(r); }); }
function antreHapus(kunci) { return antreOlah('readwrite', function (s) { return s.delete(kunci); }); }

/* 128 random bits as 32 hex digits: the report's Idempotency-Key. */
function kunciBaru() {
  var b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return 'kim-' + Array.prototype.map.call(b, function (x) {
    return (x < 16 ? '0' : '') + x.toString(16);
  }).join('');
}

/* The photos made small now, while the files are at hand: what is kept
 * is what will be sent. */
function siapkanFoto(fs, rahasia) {
  var hasil = [];
  var urut = Promise.resolve();
  Array.prototype.forEach.call(fs, function (f, i) {
    var foto = { type: 'image/jpeg', name: f.name.replace(/\.[^.]*$/, '') + '.jpg' };
    urut = urut.then(function () {
      pesan('Mengecilkan foto ' + (i + 1) + ' dari ' + fs.length + '…');
      return kecilkan(f, FOTO_SISI, FOTO_MUTU);
    }).then(function (b) {
      foto.blob = b;
      return gambarKecil(f, rahasia); /* smaller when sealed (BLOBS.md §2.1) */
    }).then(function (t) {
      if (t) foto.thumb = t;
      hasil.push(foto);
    });
  });
  return urut.then(function () { return hasil; });
}

/* POST /api/items with the key (api() with one more header). */
function postKunci(isi, kunci) {
  var kepala = { 'Content-Type': 'application/json', 'Idempotency-Key': kunci };
  if (sesi && sesi.csrf_token) kepala['X-CSRF-Token'] = sesi.csrf_token;
  return fetch('/api/items', {
    method: 'POST', headers: kepala, credentials: 'same-origin', body: JSON.stringify(isi),
  }).then(function (res) {
    return res.json().catch(function () { return null; }).then(function (data) {
      if (!res.ok) {
        var g = (data && data.error) || {};
        throw new GalatApi(res.status, g.code || 'HTTP-' + res.status, g.message || res.statusText);
      }
      return data;
    });
  }, function () {
    throw new GalatApi(0, 'JARINGAN', 'Node tidak dapat dihubungi.');
  });
}

/* Sends one kept report: its photos, then the item. The item's id. A
 * photo uploaded once keeps its root in the record, and is not uploaded
 * again: the node drops a rahasia report's clear photo once it sealed it,
 * and a try whose reply was lost must not leave a copy behind. */
function kirimSatu(r) {
  var lampiran = [];
  var urut = Promise.resolve();
  r.foto.forEach(function (f, i) {
    urut = urut.then(function () {
      if (f.root) return { root: f.root };
      return api('POST', '/api/blobs', f.blob, 'image/jpeg').then(function (up) {
        f.root = up.root;
        return antreSimpan(r).catch(function () {}).then(function () { return up; });
      });
    }).then(function (up) {
      var a = { root: up.root, type: f.type, name: f.name };
      if (f.thumb) a.thumb = f.thumb;
      lampiran[i] = a;
    });
  });
  return urut.then(function () {
    var isi = JSON.parse(JSON.stringify(r.isi));
    if (lampiran.length) isi.attachments = lampiran;
    return postKunci(isi, r.kunci);
  });
}

/* Worth trying again later: the node was not reached, or answered that
 * it cannot now (a new login, a full disk, a restart). Anything else is
 * the node's refusal of the report itself. */
function cobaLagi(e) {
  return e instanceof GalatApi && (e.status === 0 || e.status >= 500 ||
    e.kode === 'LOGIN-NEEDED' || e.kode === 'HTTP-TOKEN' || e.kode === 'LOGIN-CSRF');
}

/*
 * Kirim: the report and its photos are kept first, then sent. Sent:
 * {id} (the caller opens it). Not sent: {galat}, why, and it waits; refused
 * by the node: throws, and nothing waits. A browser that cannot keep it
 * (no IndexedDB, a private window out of space) sends it as before and
 * says so when the node cannot be reached.
 */
function kirimAntre(isi, files) {
  var r = { kunci: kunciBaru(), isi: isi, dibuat: Date.now(), galat: '',
            pengguna: sesi ? sesi.user : '' };
  var tersimpan = false;
  return siapkanFoto(files, !!isi.rahasia).then(function (foto) {
    r.foto = foto;
    return antreSimpan(r).then(function () { tersimpan = true; }, function () {});
  }).then(function () {
    if (files.length) pesan('Mengunggah ' + files.length + ' foto…');
    return kirimSatu(r);
  }).then(function (hasil) {
    return antreHapus(r.kunci).catch(function () {}).then(function () { return { id: hasil.id }; });
  }, function (e) {
    if (tersimpan && cobaLagi(e)) {
      r.galat = kalimat(e);
      return antreSimpan(r).then(function () {
        tampilAntrean();
        jadwalAntrean();
        return { galat: r.galat };
      });
    }
    var hapus = tersimpan ? antreHapus(r.kunci).catch(function () {}) : Promise.resolve();
    return hapus.then(function () { throw e; });
  });
}

/* One round: every kept report, oldest first, until one cannot go. */
function kirimAntrean() {
  if (antreJalan || !sesi) return Promise.resolve();
  antreJalan = true;
  var terkirim = [];
  return antreSemua().then(function (rs) {
    var urut = Promise.resolve(true);
    rs.forEach(function (r) {
      urut = urut.then(function (lanjut) {
        if (!lanjut || r.ditolak) return lanjut;
        return kirimSatu(r).then(function (h) {
          terkirim.push(r.isi.title);
          return antreHapus(r.kunci).then(function () { return true; });
        }, function (e) {
          r.galat = kalimat(e);
          if (!cobaLagi(e)) r.ditolak = true;
          /* the node is away or wants a login: the rest waits too */
          return antreSimpan(r).then(function () { return !cobaLagi(e); });
        });
      });
    });
    return urut;
  }).catch(function () {}).then(function () {
    antreJalan = false;
    if (terkirim.length)
      pesan(terkirim.length === 1 ? 'Laporan "' + terkirim[0] + '" sudah terkirim ke node.'
                                  : terkirim.length + ' laporan yang menunggu sudah terkirim ke node.');
    return tampilAntrean();
  });
}

/* Tries again every ANTRE_JEDA while a report waits. */
function jadwalAntrean() {
  if (antreJam) return;
  antreJam = setInterval(function () {
    antreSemua().then(function (rs) {
      if (!rs.some(function (r) { return !r.ditolak; })) {
        clearInterval(antreJam);
        antreJam = null;
        return null;
      }
      return kirimAntrean();
    }).catch(function () {});
  }, ANTRE_JEDA);
}

/* The list on the Kirim page: what waits in this browser. */
function tampilAntrean() {
  return antreSemua().then(function (rs) {
    var ul = $('daftar-antrean');
    if (!ul) return;
    kosongkan(ul);
    $('bagian-antrean').hidden = rs.length === 0;
    rs.forEach(function (r) {
      var li = el('li', null, 'kartu laporan');
      li.appendChild(el('span', r.isi.title, 'judul'));
      var kaki = el('p', null, 'kaki');
      kaki.appendChild(el('span', r.ditolak ? 'Ditolak node' : 'Menunggu dikirim',
                          'lencana ' + (r.ditolak ? 'terlambat' : 'menunggu')));
      kaki.appendChild(document.createTextNode(' ' + (NAMA_JENIS[r.isi.kind] || r.isi.kind) + ' · ' +
        waktu(r.dibuat) + (r.foto.length ? ' · ' + r.foto.length + ' foto' : '')));
      li.appendChild(kaki);
      if (r.galat) li.appendChild(el('p', r.galat, 'catatan'));
      var hapus = el('button', 'Hapus dari perangkat ini');
      hapus.type = 'button';
      hapus.addEventListener('click', function () {
        antreHapus(r.kunci).then(tampilAntrean);
      });
      li.appendChild(hapus);
      ul.appendChild(li);
    });
  }).catch(function () {});
}

/* At start (after the session is known): show what waits and send it. */
function mulaiAntrean() {
  window.addEventListener('online', function () { kirimAntrean(); });
  return tampilAntrean().then(function () {
    return antreSemua();
  }).then(function (rs) {
    if (rs.length) {
      jadwalAntrean();
      return kirimAntrean();
    }
    return null;
  }).catch(function () {});
}
