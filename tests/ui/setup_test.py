#!/usr/bin/env python3
"""The setup page in a real browser (headless Debian chromium through
chromedriver) at a phone's width (390 x 844), as a KIM operator sets up a
new desa node: the setup code, "Sukanegara" typed and the one of Pontang
picked from the list, the KIM named, the first admin made; then the
enrolment request as text and as a QR code, the certificate the
kecamatan signs (simpul enroll sign at its data directory) pasted, and
"Terdaftar". Screenshots of each step in DIR.

usage: setup_test.py --url URL --code CODE --simpul SIMPUL
                     --issuer-data DIR --work DIR
Exit 0 when every check held; on failure a screenshot in DIR."""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webdriver import Driver, WebDriverError, find_tools  # noqa: E402

checks = 0


def check(what, cond, detail=''):
    global checks
    if not cond:
        raise WebDriverError('%s %s' % (what, detail))
    checks += 1


def visible(d, css):
    return d.js('const e = document.querySelector(arguments[0]);'
                'return !!e && !e.closest("[hidden]");', css)


def run(a, d):
    d._s('/window/rect', {'width': 390, 'height': 844})
    d.get(a.url + '/')
    d.wait('the setup form', lambda: visible(d, '#setup-form'))
    check('the page in Bahasa Indonesia',
          d.js('return document.documentElement.lang;') == 'id')
    d.screenshot(os.path.join(a.work, 'setup-1-form.png'))

    # A refusal next to its field, before anything is sent.
    d.click('#pasang')
    msg = d.wait('the field errors', lambda: d.text('#wilayah-galat'))
    check('the desa is asked for', 'pilih' in msg, msg)

    d.type('#kode', a.code.lower().replace('-', ' '))
    d.type('#cari', 'Sukanegara')
    hits = d.wait('the regions found', lambda: d.js(
        'return Array.from(document.querySelectorAll("#hasil button"))'
        '.map(b => b.textContent);'))
    check('several Sukanegara', len(hits) >= 2, hits)
    ours = [i for i, h in enumerate(hits) if '36.04.12.2002' in h]
    check('the one of Pontang listed', len(ours) == 1, hits)
    check('with its kecamatan and kabupaten',
          'Pontang' in hits[ours[0]] and 'Kabupaten Serang' in hits[ours[0]],
          hits[ours[0]])
    d.screenshot(os.path.join(a.work, 'setup-2-search.png'))
    d.js('document.querySelectorAll("#hasil button")[arguments[0]].click();',
         ours[0])
    chosen = d.wait('the region chosen', lambda: visible(d, '#terpilih') and
                    d.text('#terpilih'))
    check('chosen: Sukanegara, Pontang', '36.04.12.2002' in chosen, chosen)
    check('the KIM named after it',
          d.js('return document.getElementById("nama").value;') ==
          'KIM Sukanegara')
    d.type('#admin', 'ketua')
    d.type('#sandi', 'sandi-rahasia-1')
    d.type('#sandi2', 'sandi-rahasia-1')
    d.click('#pasang')

    d.wait('the enrolment step', lambda: visible(d, '#daftar'), timeout=60)
    line = d.js('return document.getElementById("permintaan").value;')
    check('the request as text', line.startswith('simpul-req1:'), line)
    ok = subprocess.run([a.simpul, 'enroll', 'request', '--data', a.data],
                        capture_output=True, text=True)
    check('the request simpul enroll request prints',
          ok.stdout.strip() == line, ok.stdout + ok.stderr)
    d.wait('the QR code drawn', lambda: visible(d, '#qr-wadah') and d.js(
        'const i = document.getElementById("qr");'
        'return i.complete && i.naturalWidth > 0;'))
    check('the QR code shown', True)
    d.screenshot(os.path.join(a.work, 'setup-3-request.png'))

    cert = subprocess.run([a.simpul, 'enroll', 'sign', '--data',
                           a.issuer_data, line, '--valid-days', '30'],
                          capture_output=True, text=True, check=True).stdout
    d.type('#sertifikat', 'bukan sertifikat')
    d.js('document.querySelector("#sertifikat-form button").click();')
    msg = d.wait('the refusal', lambda: d.text('#sertifikat-galat'))
    check('a wrong paste refused beside the field', 'simpul-cert1' in msg, msg)
    d.type('#sertifikat', cert.strip())
    d.js('document.querySelector("#sertifikat-form button").click();')
    d.wait('enrolled', lambda: visible(d, '#selesai'), timeout=60)
    done = d.text('#selesai-teks')
    check('enrolled in the network', 'Terdaftar di jaringan' in done, done)
    d.screenshot(os.path.join(a.work, 'setup-4-enrolled.png'))
    width = d.js('return document.documentElement.scrollWidth;')
    check('no sideways scrolling at 390 px', width <= 390, width)


def main():
    p = argparse.ArgumentParser()
    for f in ('--url', '--code', '--simpul', '--issuer-data', '--data',
              '--work'):
        p.add_argument(f, required=True)
    a = p.parse_args()
    driver, chromium = find_tools()
    d = Driver(driver, chromium, os.path.join(a.work, 'profile'),
               os.path.join(a.work, 'chromedriver.log'))
    try:
        run(a, d)
    except (WebDriverError, subprocess.CalledProcessError) as e:
        try:
            d.screenshot(os.path.join(a.work, 'ui-failure.png'))
        except WebDriverError:
            pass
        print('FAIL: %s' % e, file=sys.stderr)
        return 1
    finally:
        d.quit()
    print('setup page: %d checks' % checks)
    return 0


if __name__ == '__main__':
    sys.exit(main())
