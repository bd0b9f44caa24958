// The device server's request checks, from a real browser: a POST without
// the page's CSRF token is refused (403) and journals nothing, whether it
// comes from the page's own scripts, from the form without its token field,
// or from another site's page; a Host other than 127.0.0.1/localhost
// (DNS rebinding) is refused.
import http from 'node:http';
import { test, assert, assertEqual } from './lib/harness.mjs';

const PIN = '4711';

test('security', async (t) => {
  const fx = await t.fixture();
  const stats0 = await t.outpostJson(fx.home, ['journal', 'stats']);
  const server = await t.serve(fx.home, ['--staff-pin', PIN]);
  const { url } = server;
  const port = Number(new URL(url).port);
  // The server holds the home (the CLI gets "busy"): while it runs, the
  // staff view's count of undelivered events is the journal's head.
  const staff = await t.newPage();
  const journalHead = async () => {
    await staff.goto(`${url}/kiosk/staff`);
    await staff.fill('input[name="pin"]', PIN);
    await Promise.all([staff.waitForResponse((r) => r.request().method() === 'POST'), staff.click('button[type="submit"]')]);
    return stats0.acked_seq + Number(await staff.textContent('#queued-events'));
  };
  const page = await t.newPage();
  await page.goto(`${url}/kiosk`);
  const head0 = await journalHead();
  assertEqual(head0, stats0.head_seq, 'journal head in the staff view = outpost journal stats before serving');

  await t.step('fetch from the page without X-CSRF-Token: 403, nothing journaled', async () => {
    const results = await page.evaluate(async () => {
      const form = 'f.email=eve%40example.com&f.name=Eve&q.timeline=now&consent=yes';
      const a = await fetch('/kiosk', { method: 'POST', body: form,
                                        headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      const b = await fetch('/api/feedback', { method: 'POST', body: JSON.stringify({ asset: 'emea-prices', rating: 5 }),
                                               headers: { 'Content-Type': 'application/json' } });
      const c = await fetch('/api/feedback', { method: 'POST', body: JSON.stringify({ asset: 'emea-prices', rating: 5 }),
                                               headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': '0'.repeat(64) } });
      return [{ status: a.status, text: await a.text() }, { status: b.status, text: await b.text() },
              { status: c.status, text: await c.text() }];
    });
    assertEqual(results[0].status, 403, 'form POST /kiosk by fetch without a token');
    assert(/CSRF/.test(results[0].text), `the 403 says why: ${results[0].text.slice(0, 200)}`);
    assertEqual(results[1].status, 403, 'POST /api/feedback without a token');
    assertEqual(results[2].status, 403, 'POST /api/feedback with a wrong token');
    assertEqual(await journalHead(), head0, 'journal head after refused POSTs');
  });

  await t.step('the same feedback with the page\'s token is accepted (the check above can fail)', async () => {
    const r = await page.evaluate(async () => {
      const token = document.querySelector('meta[name="csrf-token"]').content;
      const res = await fetch('/api/feedback', { method: 'POST', body: JSON.stringify({ asset: 'emea-prices', rating: 5 }),
                                                 headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token } });
      return { status: res.status, text: await res.text() };
    });
    assertEqual(r.status, 200, `POST /api/feedback with the token (${r.text})`);
    assertEqual(await journalHead(), head0 + 1, 'journal head after one accepted feedback');
  });

  await t.step('the kiosk form posted without its csrf field: 403 page, no lead', async () => {
    const head1 = await journalHead();
    await page.goto(`${url}/kiosk`);
    await page.fill('input[name="f.email"]', 'mallory@example.com');
    await page.fill('input[name="f.name"]', 'Mallory');
    await page.check('input[name="consent"]');
    await page.evaluate(() => document.querySelector('input[name="csrf"]').remove());
    const [post] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('button[type="submit"]'),
    ]);
    assertEqual(post.status(), 403, 'form POST without the csrf field');
    await page.waitForLoadState('load');
    assert(/CSRF/.test(await page.textContent('body')), 'the error page names the CSRF token');
    await t.screenshot(page, 'csrf-refused');
    assertEqual(await journalHead(), head1, 'journal head after the refused form');
  });

  await t.step('another site\'s page posting the kiosk form (real CSRF): 403, no lead', async () => {
    const head1 = await journalHead();
    // The attacker's page, on another origin (another port), posts at once.
    const evil = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<!doctype html><title>evil</title><form id="f" method="post" action="${url}/kiosk">
        <input name="f.email" value="victim@example.com"><input name="f.name" value="Victim">
        <input name="q.timeline" value="now"><input name="consent" value="yes"><input name="csrf" value="guess">
        </form><script>document.getElementById('f').submit()</script>`);
    });
    await new Promise((resolve) => evil.listen(0, '127.0.0.1', resolve));
    t.defer(() => new Promise((resolve) => evil.close(resolve)));
    const page2 = await t.newPage();
    const [post] = await Promise.all([
      page2.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(url)),
      page2.goto(`http://localhost:${evil.address().port}/`),
    ]);
    assertEqual(post.status(), 403, 'cross-site form POST');
    await page2.waitForURL(`${url}/kiosk`);
    await t.screenshot(page2, 'cross-site-refused');
    assertEqual(await journalHead(), head1, 'journal head after the cross-site POST');
  });

  await t.step('Host header other than 127.0.0.1/localhost: 403', async () => {
    const get = (host) => new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/kiosk', headers: { Host: host }, timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('timeout', () => req.destroy(new Error(`GET /kiosk with Host ${host}: no answer within 5 s`)));
      req.on('error', reject);
      req.end();
    });
    for (const host of [`evil.example:${port}`, `127.0.0.1.evil.example:${port}`, 'localhost', `127.0.0.2:${port}`]) {
      const r = await get(host);
      assertEqual(r.status, 403, `GET /kiosk with Host: ${host}`);
      assert(!r.body.includes('csrf-token'), `the 403 for Host ${host} carries no CSRF token`);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      assertEqual((await get(host)).status, 200, `GET /kiosk with Host: ${host}`);
    }
  });

  await t.step('after the server stops: one event more than before (the accepted feedback), no lead', async () => {
    await server.child.stop();
    const stats = await t.outpostJson(fx.home, ['journal', 'stats']);
    assertEqual(stats.head_seq, stats0.head_seq + 1, `journal head (${JSON.stringify(stats)})`);
    assertEqual((await t.outpostJson(fx.home, ['lead', 'count'])).leads, 0, 'leads in the journal');
  });
});
