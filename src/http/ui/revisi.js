/*
 * Revisions of an informasi or peringatan (proto/KIM.md §2.5, §6 rule 5)
 * on its Detail: every revisi held (who proposed it, when, what it
 * changes, what the announcement's author decided), the text that holds
 * now, a pengelola of a kabupaten proposing one (POST
 * /api/items/{id}/revisions), and the author's node accepting or
 * declining one (POST /api/revisions/{id}/decision). The node checks the
 * roles again (KIM-ROLE); the page offers only what it would accept.
 *
 * Loaded before app.js; uses its helpers only when called.
 */
'use strict';

var NAMA_KEPUTUSAN = { diusulkan: 'Diusulkan', diterima: 'Diterima', ditolak: 'Ditolak' };
var revisiItem = null; /* the announcement on the Detail page */

/* What a revision changes against the original, in words. */
function bedaRevisi(it, r) {
  var d = el('div', null, 'beda');
  if (r.title !== it.title) {
    var p = el('p');
    p.appendChild(el('span', 'Judul: '));
    p.appendChild(el('del', it.title));
    p.appendChild(document.createTextNode(' → '));
    p.appendChild(el('ins', r.title));
    d.appendChild(p);
  }
  if (r.text !== it.text) {
    d.appendChild(el('p', 'Isi baru:', 'kaki'));
    d.appendChild(el('p', r.text, 'isi'));
  }
  if (!d.firstChild) d.appendChild(el('p', 'Tidak mengubah judul atau isi.', 'kaki'));
  return d;
}

function tombolKeputusan(r, keputusan, teks) {
  var b = el('button', teks, keputusan === 'ditolak' ? 'bahaya' : '');
  b.type = 'button';
  b.addEventListener('click', function () {
    b.disabled = true;
    api('POST', '/api/revisions/' + r.id + '/decision', { decision: keputusan }).then(function () {
      pesan('Revisi ' + (keputusan === 'diterima' ? 'diterima' : 'ditolak') + '.');
      bukaDetail(detailId);
    }).catch(galat).then(function () { b.disabled = false; });
  });
  return b;
}

function barisRevisi(it, r, bolehPutus) {
  var li = el('li', null, r.state === 'diterima' ? 'sah' : (r.state === 'ditolak' ? 'revisi-lama' : ''));
  var kepala = el('p');
  kepala.appendChild(el('span', NAMA_KEPUTUSAN[r.state] || r.state, 'lencana revisi-' + r.state));
  kepala.appendChild(document.createTextNode(' ' + waktu(r.ts) + ' · diusulkan oleh ' +
                                             namaTempat(r.editor_region)));
  if (r.counts) kepala.appendChild(el('span', ' (berlaku sekarang)'));
  li.appendChild(kepala);
  li.appendChild(el('p', 'Alasan: ' + r.reason, 'kaki'));
  li.appendChild(bedaRevisi(it, r));
  if (r.decided_ts)
    li.appendChild(el('p', (r.state === 'diterima' ? 'Diterima' : 'Ditolak') + ' penulis ' +
                      waktu(r.decided_ts) + (r.decision_reason ? ': ' + r.decision_reason : ''), 'kaki'));
  if (bolehPutus && r.state === 'diusulkan') {
    var t = el('p', null, 'tindakan-akun');
    t.appendChild(tombolKeputusan(r, 'diterima', 'Terima revisi'));
    t.appendChild(tombolKeputusan(r, 'ditolak', 'Tolak'));
    li.appendChild(t);
  }
  return li;
}

/* Called at the end of isiDetail: the revisions of an announcement. */
function isiRevisi(it, laporan) {
  var bagian = $('detail-revisi');
  bagian.hidden = laporan;
  if (laporan) { revisiItem = null; return; }
  /* the form holds the text that holds: refilled when that changes */
  var versi = function (x) { return x ? x.id + '/' + (x.revision ? x.revision.id : '') : ''; };
  var baru = versi(revisiItem) !== versi(it);
  revisiItem = it;
  /* the text that holds: the accepted revision's, the original below */
  if (it.revision && it.revision.title) {
    $('detail-judul').textContent = it.revision.title;
    $('detail-isi').textContent = it.revision.text;
  }
  var ol = $('daftar-revisi');
  kosongkan(ol);
  var revs = it.revisions || [];
  if (revs.length) {
    var asli = el('li', null, it.revision ? 'revisi-lama' : 'sah');
    asli.appendChild(el('p', waktu(it.ts) + ' · teks asli dari ' + namaTempat(it.region) +
                         (it.revision ? ' (digantikan revisi)' : '')));
    asli.appendChild(el('p', it.title, 'judul'));
    asli.appendChild(el('p', it.text, 'isi'));
    ol.appendChild(asli);
  }
  var penulis = !!node && it.author === node.key;
  revs.forEach(function (r) { ol.appendChild(barisRevisi(it, r, penulis && bisa('pengelola'))); });
  $('tanpa-revisi').hidden = revs.length > 0;
  /* proposing: a kabupaten's pengelola (KIM.md §3, "revisi is written by
   * a kabupaten-level node") */
  var usul = bisa('pengelola') && !!node && node.level === 'kabupaten' && !it.body_missing;
  $('form-revisi').hidden = !usul;
  if (usul && baru) {
    var kini = it.revision && it.revision.title ? it.revision : it;
    $('revisi-judul').value = kini.title;
    $('revisi-isi').value = kini.text;
    $('revisi-alasan').value = '';
  }
}

function usulRevisi(ev) {
  ev.preventDefault();
  var f = $('form-revisi');
  bersihkanIsian(f);
  var ok = cekPanjang('revisi-judul', 'Judul', 1, 200);
  ok = cekPanjang('revisi-isi', 'Isi', 1, 4000) && ok;
  ok = cekPanjang('revisi-alasan', 'Alasan revisi', 1, 1000) && ok;
  var kini = revisiItem && revisiItem.revision && revisiItem.revision.title ? revisiItem.revision : revisiItem;
  if (ok && kini && $('revisi-judul').value.trim() === kini.title && $('revisi-isi').value.trim() === kini.text)
    ok = tandaiIsian('revisi-isi', 'Revisi harus mengubah judul atau isi.');
  if (!ok) { pesan('Periksa isian yang ditandai.', true); return; }
  var tombol = $('tombol-revisi');
  tombol.disabled = true;
  api('POST', '/api/items/' + detailId + '/revisions', {
    title: $('revisi-judul').value.trim(), text: $('revisi-isi').value.trim(),
    reason: $('revisi-alasan').value.trim(),
  }).then(function () {
    pesan('Revisi diusulkan. Penulis informasi ini yang menerima atau menolaknya.');
    revisiItem = null; /* refill the form from what holds */
    bukaDetail(detailId);
  }).catch(galat).then(function () { tombol.disabled = false; });
}

function mulaiRevisi() {
  $('form-revisi').addEventListener('submit', usulRevisi);
}
