/*
 * The dashboard page: GET /api/dashboard (docs/API.md) drawn as SVG bars
 * in plain JavaScript, no library. The region picker lists the region, its
 * parent and the regions below it by name. The token kept by the main page
 * (localStorage) is sent when there is one; this machine reads without it.
 */
'use strict';

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';

async function ambil(jalur) {
  const kepala = {};
  const token = localStorage.getItem('simpul-token');
  if (token) kepala.Authorization = 'Bearer ' + token;
  const res = await fetch(jalur, { headers: kepala });
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const g = (data && data.error) || {};
    throw new Error((g.code || 'HTTP-' + res.status) + ': ' + (g.message || res.statusText));
  }
  return data;
}

function pesan(teks) {
  const p = $('pesan');
  p.textContent = teks;
  p.className = 'galat';
  p.hidden = !teks;
}

const nama = (w) => (w.name ? w.name + ' (' + w.code + ')' : w.code);

function durasi(ms) {
  if (ms === null) return '–';
  const jam = Math.round(ms / 3600000);
  return jam < 48 ? jam + ' jam' : (jam / 24).toFixed(1) + ' hari';
}

function el(tag, atribut, teks) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(atribut)) e.setAttribute(k, v);
  if (teks !== undefined) e.textContent = teks;
  return e;
}

/* Horizontal bars: rows of [label, value, part] (part drawn red over it). */
function batang(wadah, baris) {
  const tinggi = 22, kiri = 190, lebar = 600;
  const maks = Math.max(1, ...baris.map((b) => b[1]));
  // Read aloud as what it shows: each bar's label and value.
  const svg = el('svg', { viewBox: `0 0 ${kiri + lebar + 60} ${baris.length * tinggi + 6}`,
    role: 'img', 'aria-label': baris.map((b) => b[0] + ': ' + b[1] +
      (b[2] ? ' (' + b[2] + ' terlambat)' : '')).join('; ') || 'tidak ada data' });
  baris.forEach(([label, nilai, bagian], i) => {
    const y = i * tinggi + 3;
    svg.appendChild(el('text', { x: 4, y: y + 15 }, label.slice(0, 30)));
    svg.appendChild(el('rect', { x: kiri, y, height: tinggi - 6, class: 'batang',
      width: (lebar * nilai) / maks }));
    if (bagian) {
      svg.appendChild(el('rect', { x: kiri, y, height: tinggi - 6, class: 'batang telat',
        width: (lebar * bagian) / maks }));
    }
    svg.appendChild(el('text', { x: kiri + (lebar * nilai) / maks + 4, y: y + 15 },
      String(nilai)));
  });
  wadah.replaceChildren(svg);
}

function sel(baris, isi) {
  const tr = document.createElement('tr');
  for (const x of isi) {
    const td = document.createElement('td');
    td.textContent = x;
    tr.appendChild(td);
  }
  baris.appendChild(tr);
}

function pilihan(d) {
  const s = $('dasbor-wilayah');
  const ada = [];
  const induk = d.region.code.split('.').slice(0, -1).join('.');
  if (induk.includes('.')) ada.push([induk, '↑ ' + induk]);
  ada.push([d.region.code, nama(d.region)]);
  for (const b of d.breakdown) {
    if (b.region.code !== d.region.code) ada.push([b.region.code, '↓ ' + nama(b.region)]);
  }
  s.replaceChildren(...ada.map(([kode, teks]) => {
    const o = document.createElement('option');
    o.value = kode;
    o.textContent = teks;
    o.selected = kode === d.region.code;
    return o;
  }));
}

function tampil(d) {
  const t = d.totals;
  $('dasbor-judul').textContent = 'Dasbor ' + nama(d.region);
  $('dasbor-info').textContent = d.region.level + ' · per ' +
    new Date(d.now_ms).toLocaleString('id-ID');
  $('dasbor-ringkas').textContent = `${t.reports} laporan · terlambat verifikasi ` +
    `${t.overdue.terlambat_verifikasi} · terlambat tindak lanjut ` +
    `${t.overdue.terlambat_tindak_lanjut} · siap ditutup ${t.overdue.siap_ditutup} · ` +
    `median ke verifikasi ${durasi(t.median_verify_ms)} (${t.verified}) · ` +
    `median ke tanggapan ${durasi(t.median_response_ms)} (${t.responded})`;
  batang($('grafik-status'), Object.entries(t.by_status).map(([k, v]) => [k, v]));
  batang($('grafik-wilayah'), d.breakdown.map((b) => [nama(b.region), b.reports,
    b.overdue.terlambat_verifikasi + b.overdue.terlambat_tindak_lanjut]));
  batang($('grafik-kategori'), Object.entries(t.by_category).map(([k, v]) => [k, v]));
  const tw = $('tabel-wilayah');
  tw.replaceChildren();
  for (const b of d.breakdown) {
    sel(tw, [nama(b.region), b.reports, b.overdue.terlambat_verifikasi,
      b.overdue.terlambat_tindak_lanjut, b.overdue.siap_ditutup,
      durasi(b.median_verify_ms), durasi(b.median_response_ms)]);
  }
  const a = d.kim_activity;
  batang($('grafik-bulan'), a.months.map((m) => [m,
    a.kim.reduce((s, k) => s + (k.months[m] || 0), 0)]));
  const tk = $('tabel-kim');
  tk.replaceChildren();
  for (const k of a.kim) {
    sel(tk, [nama(k.region), k.items,
      Object.entries(k.months).map(([m, n]) => m + ': ' + n).join(', ')]);
  }
  const ds = $('daftar-senyap');
  ds.replaceChildren();
  for (const n of d.nodes.list.filter((x) => x.quiet)) {
    const li = document.createElement('li');
    li.textContent = nama(n.region) + ' — ' + (n.heard
      ? 'terakhir ' + new Date(n.last_ms).toLocaleDateString('id-ID') +
        ' (' + n.days_since + ' hari lalu)'
      : 'belum pernah terdengar');
    ds.appendChild(li);
  }
}

async function muat(wilayah) {
  const q = new URLSearchParams();
  if (wilayah) q.set('region', wilayah);
  if ($('dasbor-sejak').value) q.set('since', $('dasbor-sejak').value);
  if ($('dasbor-sampai').value) q.set('until', $('dasbor-sampai').value);
  q.set('quiet_days', $('dasbor-senyap').value || '7');
  try {
    const d = await ambil('/api/dashboard?' + q);
    pesan('');
    pilihan(d);
    tampil(d);
  } catch (e) {
    pesan(e.message);
  }
}

$('dasbor-saring').addEventListener('submit', (e) => {
  e.preventDefault();
  muat($('dasbor-wilayah').value);
});
$('dasbor-wilayah').addEventListener('change', () => muat($('dasbor-wilayah').value));
muat(new URLSearchParams(location.search).get('region'));
