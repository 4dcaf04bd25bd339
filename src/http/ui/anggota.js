/*
 * Anggota (admin): the node's accounts, added, given another role, a new
 * password or removed (GET, POST, DELETE /api/accounts; docs/API.md).
 * The rules are `simpul user`'s, checked here first to say what is wrong
 * next to the field, and again by the node, whose refusal names the field
 * it is about in brackets ("... (password)").
 *
 * Loaded before app.js; uses its helpers only when called.
 */
'use strict';

var NAMA_PERAN = { anggota: 'Anggota', pengelola: 'Pengelola', admin: 'Admin' };
var SANDI_MIN = 8, SANDI_MAKS = 256; /* bytes (APP_PASSWORD_MIN, _MAX) */

function cekNamaAkun(id) {
  var v = $(id).value.trim();
  if (!v) return tandaiIsian(id, 'Nama pengguna wajib diisi.');
  if (!/^[a-z0-9][a-z0-9._-]{0,31}$/.test(v))
    return tandaiIsian(id, 'Nama pengguna 1 sampai 32 huruf kecil a-z, angka, titik, garis bawah atau tanda hubung, diawali huruf atau angka.');
  return tandaiIsian(id, '');
}

function cekSandi(id) {
  var n = new TextEncoder().encode($(id).value).length;
  if (n < SANDI_MIN) return tandaiIsian(id, 'Kata sandi paling sedikit ' + SANDI_MIN + ' huruf.');
  if (n > SANDI_MAKS) return tandaiIsian(id, 'Kata sandi paling banyak ' + SANDI_MAKS + ' byte.');
  return tandaiIsian(id, '');
}

/* The node's refusal beside the field it names, else at the top. */
function galatAkun(e, isian) {
  var m = e instanceof GalatApi && /^(.*) \((user|password|role)\)$/.exec(e.message);
  if (m && isian[m[2]]) {
    tandaiIsian(isian[m[2]], m[1] + '.');
    pesan('Periksa isian yang ditandai.', true);
  } else {
    galat(e);
  }
}

function barisAkun(a) {
  var li = el('li', null, 'kartu akun');
  var id = a.user;
  li.appendChild(el('strong', a.user));
  li.appendChild(document.createTextNode(' '));
  li.appendChild(el('span', NAMA_PERAN[a.role] || a.role, 'lencana'));
  li.appendChild(el('p', 'dibuat ' + waktu(a.created_ms), 'kaki'));
  if (sesi && sesi.user === a.user) li.appendChild(el('p', 'Akun Anda sendiri.', 'catatan'));

  /* the role */
  var peran = el('select');
  peran.id = 'peran-' + id;
  peran.setAttribute('aria-label', 'Peran ' + a.user);
  Object.keys(NAMA_PERAN).forEach(function (r) {
    var o = el('option', NAMA_PERAN[r]);
    o.value = r;
    peran.appendChild(o);
  });
  peran.value = a.role;
  var ubah = el('button', 'Ubah peran');
  ubah.type = 'button';
  ubah.addEventListener('click', function () {
    tandaiIsian(peran.id, '');
    api('POST', '/api/accounts/' + encodeURIComponent(a.user) + '/role', { role: peran.value })
      .then(function (r) {
        pesan('Peran ' + r.user + ' sekarang ' + (NAMA_PERAN[r.role] || r.role) + '.');
        muatAnggota();
      }).catch(function (e) { galatAkun(e, { role: peran.id, user: peran.id }); });
  });
  var baris = el('p', null, 'tindakan-akun');
  baris.appendChild(peran);
  baris.appendChild(ubah);
  li.appendChild(baris);
  li.appendChild(el('span', null, 'galat-isian')).id = 'galat-peran-' + id;

  /* a new password */
  var sandi = el('input');
  sandi.type = 'password';
  sandi.id = 'sandi-' + id;
  sandi.autocomplete = 'new-password';
  sandi.setAttribute('aria-label', 'Kata sandi baru untuk ' + a.user);
  sandi.placeholder = 'kata sandi baru';
  var atur = el('button', 'Ganti sandi');
  atur.type = 'button';
  atur.addEventListener('click', function () {
    if (!cekSandi(sandi.id)) return;
    api('POST', '/api/accounts/' + encodeURIComponent(a.user) + '/password', { password: sandi.value })
      .then(function () {
        sandi.value = '';
        pesan('Kata sandi ' + a.user + ' sudah diganti. Beritahukan kepada pemilik akun.');
      }).catch(function (e) { galatAkun(e, { password: sandi.id, user: sandi.id }); });
  });
  var baris2 = el('p', null, 'tindakan-akun');
  baris2.appendChild(sandi);
  baris2.appendChild(atur);
  li.appendChild(baris2);
  li.appendChild(el('span', null, 'galat-isian')).id = 'galat-sandi-' + id;

  /* removing: a second press to be sure */
  var hapus = el('button', 'Hapus akun', 'bahaya');
  hapus.type = 'button';
  hapus.id = 'hapus-' + id;
  hapus.addEventListener('click', function () {
    if (!hapus.classList.contains('yakin')) {
      hapus.classList.add('yakin');
      hapus.textContent = 'Ya, hapus ' + a.user;
      return;
    }
    api('DELETE', '/api/accounts/' + encodeURIComponent(a.user)).then(function () {
      pesan('Akun ' + a.user + ' sudah dihapus; sesinya berakhir saat itu juga.');
      muatAnggota();
    }).catch(function (e) {
      hapus.classList.remove('yakin');
      hapus.textContent = 'Hapus akun';
      galatAkun(e, { role: hapus.id, user: hapus.id });
    });
  });
  li.appendChild(hapus);
  li.appendChild(el('span', null, 'galat-isian')).id = 'galat-hapus-' + id;
  return li;
}

function muatAnggota() {
  api('GET', '/api/accounts').then(function (r) {
    var ul = $('daftar-akun');
    kosongkan(ul);
    r.accounts.forEach(function (a) { ul.appendChild(barisAkun(a)); });
  }).catch(galat);
}

function tambahAkun(ev) {
  ev.preventDefault();
  var f = $('form-akun');
  bersihkanIsian(f);
  var ok = cekNamaAkun('akun-nama');
  ok = cekSandi('akun-sandi') && ok;
  if ($('akun-sandi2').value !== $('akun-sandi').value)
    ok = tandaiIsian('akun-sandi2', 'Kedua kata sandi tidak sama.');
  if (!ok) { pesan('Periksa isian yang ditandai.', true); return; }
  var tombol = $('tombol-akun');
  tombol.disabled = true;
  api('POST', '/api/accounts', { user: $('akun-nama').value.trim(), role: $('akun-peran').value,
                                 password: $('akun-sandi').value }).then(function (r) {
    pesan('Akun ' + r.user + ' (' + (NAMA_PERAN[r.role] || r.role) + ') sudah dibuat.');
    f.reset();
    muatAnggota();
  }).catch(function (e) {
    galatAkun(e, { user: 'akun-nama', password: 'akun-sandi', role: 'akun-peran' });
  }).then(function () { tombol.disabled = false; });
}

function mulaiAnggota() {
  $('form-akun').addEventListener('submit', tambahAkun);
}
