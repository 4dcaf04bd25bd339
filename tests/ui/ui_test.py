#!/usr/bin/env python3
"""The web UI in a real browser (headless Debian chromium through
chromedriver): opens a running node's UI, sees the items already held in
the list, is refused a write without the token, enters the token, creates
an aspirasi with the form, sees it in the list and opens it (diajukan,
with its timeline), and checks through the JSON API that it was stored
as the form said.

usage: ui_test.py --url http://127.0.0.1:PORT --token TOKEN
                  --expect-title TITLE --node-name NAME --work DIR
Exit 0 when every check held; on failure a screenshot in DIR."""
import argparse
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webdriver import Driver, WebDriverError, find_tools  # noqa: E402

checks = 0


def check(what, cond, detail=''):
    global checks
    if not cond:
        raise WebDriverError('%s %s' % (what, detail))
    checks += 1


def rows(d):
    """The list's rows as [(time, kind, title, state, from)]."""
    return d.js('return Array.from(document.querySelectorAll("#isi-daftar tr"))'
                '.map(tr => Array.from(tr.cells).map(c => c.textContent));')


def api_items(url):
    with urllib.request.urlopen(url + '/api/items?kind=aspirasi', timeout=30) as r:
        return json.load(r)['items']


def run(a, d):
    d.get(a.url + '/')
    d.wait('the node name', lambda: d.text('#judul-node') == a.node_name)
    check('title of the page', 'simpul' in d.js('return document.title;'))
    info = d.text('#info-node')
    check('node info names the level', 'desa' in info, info)

    # The list shows what the node already holds.
    d.wait('the item posted before', lambda: any(
        r[2] == a.expect_title for r in rows(d)))
    check('the list shows the item posted before', True)
    r0 = [r for r in rows(d) if r[2] == a.expect_title][0]
    check('its kind in Bahasa Indonesia', r0[1] == 'Informasi', r0)

    # Without the token, a write is refused and the page says why.
    judul = 'Lampu jalan mati di RT %d' % (int(time.time()) % 1000)
    d.click('#menu button[data-tab="buat"]')
    d.select('#buat-jenis', 'aspirasi')
    d.select('#buat-penanggung', '36.04')
    d.type('#buat-judul', judul)
    d.type('#buat-isi', 'Tiga lampu jalan di dekat masjid mati sejak Senin.')
    d.select('#buat-kategori', 'infrastruktur')
    d.type('#buat-label', 'lampu, jalan')
    d.type('#buat-pelapor', 'Ahmad')
    d.type('#buat-kontak', '0812-1111-2222')
    d.click('#tombol-kirim')
    msg = d.wait('the refusal', lambda: d.text('#pesan'))
    check('refused without the token', 'HTTP-TOKEN' in msg, msg)
    check('nothing stored without the token',
          not any(i.get('title') == judul for i in api_items(a.url)))

    # With the token, the same form goes through.
    d.click('#menu button[data-tab="token"]')
    d.type('#token', a.token)
    d.click('#tombol-token')
    d.wait('the token saved', lambda: 'tersimpan' in d.text('#status-token'))
    d.click('#menu button[data-tab="buat"]')
    check('the form kept its fields', d.js(
        'return document.getElementById("buat-judul").value;') == judul)
    d.click('#tombol-kirim')
    msg = d.wait('the confirmation', lambda: 'terkirim' in d.text('#pesan')
                 and d.text('#pesan'))
    check('confirmed', 'Aspirasi terkirim' in msg, msg)

    # It is in the list, as diajukan, and opens with its timeline.
    d.wait('the new aspirasi in the list', lambda: any(
        r[2] == judul for r in rows(d)))
    r1 = [r for r in rows(d) if r[2] == judul][0]
    check('listed as an aspirasi', r1[1] == 'Aspirasi', r1)
    check('listed as diajukan', 'diajukan' in r1[3], r1)
    d.js('Array.from(document.querySelectorAll("#isi-daftar tr"))'
         '.find(tr => tr.cells[2].textContent === arguments[0]).click();', judul)
    d.wait('the detail', lambda: judul in d.text('#detail-judul'))
    detail = d.text('#detail-data')
    check('detail: state', 'diajukan' in detail, detail)
    check('detail: handler', '36.04' in detail, detail)
    check('detail: the reporter, read by its own node' if 'Ahmad' in detail
          else 'detail: the reporter sealed', 'Ahmad' in detail or
          '[disegel]' in detail, detail)
    check('detail: delivery ticks', 'Terkirim' in detail and
          'kabupaten' in detail, detail)
    check('detail: text', 'masjid' in d.text('#detail-isi'))
    check('detail: a timeline', len(d.find_all('#detail-riwayat li')) >= 1)

    # Filtering the list by kind and state.
    d.click('#kembali')
    d.select('#saring-status', 'diajukan')
    d.click('#tombol-saring')
    d.wait('the filtered list', lambda: rows(d) and all(
        'diajukan' in r[3] for r in rows(d)))
    check('the informasi is filtered out',
          not any(r[2] == a.expect_title for r in rows(d)))

    # What the form sent is what was stored.
    items = [i for i in api_items(a.url) if i.get('title') == judul]
    check('stored once', len(items) == 1, items)
    check('stored to the handler', items[0].get('handler') == '36.04', items)
    check('stored with the category', items[0].get('category') == 'infrastruktur',
          items)


def run_login(a, d):
    """An account instead of the token: a wrong password is refused with
    a sentence, the right one logs in (HttpOnly cookie, CSRF token) and the
    form's write goes through; after logout a write is refused again."""
    d.click('#menu button[data-tab="token"]')
    d.click('#hapus-token')
    d.wait('the token removed', lambda: 'Belum ada' in d.text('#status-token'))
    d.type('#masuk-nama', a.user)
    d.type('#masuk-sandi', 'bukan-kata-sandinya')
    d.click('#tombol-masuk')
    msg = d.wait('the wrong password refused', lambda: 'LOGIN-BAD' in
                 d.text('#pesan') and d.text('#pesan'))
    check('a wrong password is refused in Bahasa Indonesia',
          'kata sandi salah' in msg, msg)
    d.type('#masuk-nama', a.user)
    d.type('#masuk-sandi', a.password)
    d.click('#tombol-masuk')
    d.wait('logged in', lambda: a.user in d.text('#status-masuk'))
    check('the session cookie is not readable by the page',
          'simpul_session' not in d.js('return document.cookie;'))
    judul = 'Saluran air tersumbat %d' % (int(time.time()) % 1000)
    d.click('#menu button[data-tab="buat"]')
    d.select('#buat-jenis', 'aspirasi')
    d.select('#buat-penanggung', '36.04')
    d.type('#buat-judul', judul)
    d.type('#buat-isi', 'Saluran di depan pasar tersumbat sampah.')
    d.click('#tombol-kirim')
    msg = d.wait('the confirmation', lambda: 'terkirim' in d.text('#pesan')
                 and d.text('#pesan'))
    check('logged in: the form goes through', 'Aspirasi terkirim' in msg, msg)
    check('stored once',
          len([i for i in api_items(a.url) if i.get('title') == judul]) == 1)
    d.click('#menu button[data-tab="token"]')
    d.click('#tombol-keluar')
    d.wait('logged out', lambda: 'Belum masuk' in d.text('#status-masuk'))
    d.click('#menu button[data-tab="buat"]')
    d.type('#buat-judul', judul + ' lagi')
    d.click('#tombol-kirim')
    msg = d.wait('the refusal after logout', lambda: 'Gagal' in
                 d.text('#pesan') and d.text('#pesan'))
    check('after logout a write is refused', 'HTTP-TOKEN' in msg, msg)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--url', required=True)
    ap.add_argument('--token', required=True)
    ap.add_argument('--expect-title', required=True)
    ap.add_argument('--node-name', required=True)
    ap.add_argument('--work', required=True)
    ap.add_argument('--user')
    ap.add_argument('--password')
    a = ap.parse_args()
    chromedriver, chromium = find_tools()
    d = Driver(chromedriver, chromium, os.path.join(a.work, 'chrome'),
               os.path.join(a.work, 'chromedriver.log'))
    try:
        run(a, d)
        if a.user:
            run_login(a, d)
    except WebDriverError as e:
        shot = os.path.join(a.work, 'ui-failure.png')
        try:
            d.screenshot(shot)
        except (OSError, WebDriverError):
            shot = '(no screenshot)'
        print('FAIL: %s (screenshot: %s)' % (e, shot))
        return 1
    finally:
        d.quit()
    print('ui: %d checks passed in the browser' % checks)
    return 0


if __name__ == '__main__':
    sys.exit(main())
