// Time to first render of Beranda (its first informasi card drawn) on a
// throttled connection, CPU slowed 4x; the median of 5 cold loads.
'use strict';
const { chromium } = require('playwright-core');

(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const times = [];
  let bytes = 0;
  for (let i = 0; i < 5; i++) {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 400,
      downloadThroughput: 400 * 1000 / 8, uploadThroughput: 400 * 1000 / 8 });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    bytes = 0;
    cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
    const t0 = Date.now();
    await page.goto(process.argv[2], { waitUntil: 'commit' });
    await page.waitForSelector('#daftar-informasi .kartu', { timeout: 60000 });
    times.push(Date.now() - t0);
    await ctx.close();
  }
  await browser.close();
  times.sort((a, b) => a - b);
  console.log('Beranda first render (500 items, 400 kbit/s, 400 ms, CPU 4x): median ' +
              times[2] + ' ms (' + times.join(', ') + '), ' + bytes + ' bytes on the wire');
})().catch((e) => { console.error(e); process.exit(1); });
