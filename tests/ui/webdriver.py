"""A small W3C WebDriver client over the standard library, for driving
Debian's chromium through chromedriver in the UI tests (no selenium)."""
import base64
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

ELEMENT = 'element-6066-11e4-a52e-4f735466cecf'


class WebDriverError(Exception):
    pass


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Driver:
    """Starts chromedriver, opens one headless chromium session."""

    def __init__(self, chromedriver, chromium, profile_dir, log):
        self.port = free_port()
        self.log = open(log, 'ab')
        self.proc = subprocess.Popen(
            [chromedriver, '--port=%d' % self.port],
            stdout=self.log, stderr=self.log)
        self.base = 'http://127.0.0.1:%d' % self.port
        self.session = None
        deadline = time.monotonic() + 30
        while True:
            try:
                self._call('GET', '/status')
                break
            except (OSError, WebDriverError):
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise WebDriverError('chromedriver did not start')
                time.sleep(0.2)
        caps = {'capabilities': {'alwaysMatch': {
            'browserName': 'chrome',
            'goog:chromeOptions': {
                'binary': chromium,
                'args': ['--headless=new', '--no-sandbox', '--disable-gpu',
                         '--disable-dev-shm-usage', '--no-first-run',
                         '--user-data-dir=' + profile_dir,
                         '--window-size=1024,900'],
            },
        }}}
        value = self._call('POST', '/session', caps)
        self.session = value['sessionId']

    def _call(self, method, path, body=None, timeout=60):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                doc = json.load(res)
        except urllib.error.HTTPError as e:
            try:
                doc = json.load(e)
            except ValueError:
                raise WebDriverError('%s %s: HTTP %d' % (method, path, e.code))
            v = doc.get('value', {})
            raise WebDriverError('%s %s: %s: %s' % (method, path, v.get('error'),
                                                    v.get('message', '')[:300]))
        return doc.get('value')

    def _s(self, path, body=None, method='POST'):
        return self._call(method, '/session/%s%s' % (self.session, path), body)

    def get(self, url):
        self._s('/url', {'url': url})

    def find(self, css):
        return self._s('/element', {'using': 'css selector', 'value': css})[ELEMENT]

    def find_all(self, css):
        return [e[ELEMENT] for e in
                self._s('/elements', {'using': 'css selector', 'value': css})]

    def click(self, css):
        self._s('/element/%s/click' % self.find(css), {})

    def type(self, css, text):
        el = self.find(css)
        self._s('/element/%s/clear' % el, {})
        self._s('/element/%s/value' % el, {'text': text})

    def text(self, css):
        return self._s('/element/%s/text' % self.find(css), method='GET')

    def js(self, script, *args):
        return self._s('/execute/sync', {'script': script, 'args': list(args)})

    def select(self, css, value):
        self.click('%s option[value="%s"]' % (css, value))

    def wait(self, what, fn, timeout=30):
        """Polls fn() until it returns a true value; returns it."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                v = fn()
                if v:
                    return v
            except WebDriverError as e:
                last = e
            time.sleep(0.2)
        raise WebDriverError('timed out waiting for %s (%s)' % (what, last))

    def screenshot(self, path):
        png = self._s('/screenshot', method='GET')
        with open(path, 'wb') as f:
            f.write(base64.b64decode(png))

    def quit(self):
        try:
            if self.session:
                self._call('DELETE', '/session/%s' % self.session, timeout=30)
        except (OSError, WebDriverError):
            pass
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def find_tools():
    """chromedriver and chromium from Debian (deploy/deps.sh --test)."""
    for d in ('/usr/bin/chromedriver', '/usr/lib/chromium/chromedriver'):
        if os.access(d, os.X_OK):
            driver = d
            break
    else:
        raise WebDriverError('no chromedriver: run deploy/deps.sh --test')
    for c in ('/usr/lib/chromium/chromium', '/usr/bin/chromium'):
        if os.access(c, os.X_OK):
            return driver, c
    raise WebDriverError('no chromium: run deploy/deps.sh --test')
