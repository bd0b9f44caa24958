// The hub dashboard in a real browser: the fixture's hub (a device that
// opened, presented, rated, searched and captured a lead, then synced)
// served with `outpost-hub serve --http 127.0.0.1:0`; log in with the admin
// token (a wrong one first), check that every chart renders with the seeded
// figures, download a CSV through its link and compare it with
// `outpost-hub report leads --csv` for the same window.
import fs from 'node:fs';
import path from 'node:path';

import { assert, assertEqual, bins, runOk, test } from './lib/harness.mjs';

test('dashboard', async (t) => {
  let fx;
  let url;
  let page;
  let token;
  const hub = (args) => runOk(bins.hub, ['--home', fx.hub_home, ...args]);

  await t.step('seed a hub and serve its dashboard', async () => {
    fx = await t.fixture();
    token = (await hub(['dashboard-token'])).trim();
    assert(/^[0-9a-f]{64}$/.test(token), `dashboard-token printed ${JSON.stringify(token)}`);
    const { match } = await t.start('outpost-hub serve', bins.hub, ['--home', fx.hub_home, 'serve', '--http', '127.0.0.1:0'], {
      ready: /dashboard serving on (http:\/\/127\.0\.0\.1:\d+)\//,
    });
    url = match[1];
  });

  await t.step('without a session the dashboard asks for the token; a wrong one is refused', async () => {
    page = await t.newPage();
    await page.goto(`${url}/`);
    assertEqual(new URL(page.url()).pathname, '/login', 'where / leads without a session');
    await page.fill('input[name=token]', 'f'.repeat(64));
    await page.click('button[type=submit]');
    await page.waitForSelector('#wrong-token');
    await t.screenshot(page, 'wrong-token');
  });

  await t.step('the right token opens the dashboard with every chart', async () => {
    await page.fill('input[name=token]', token);
    await Promise.all([page.waitForURL(`${url}/`), page.click('button[type=submit]')]);
    for (const id of ['usage', 'unused', 'adoption', 'blocked', 'searches', 'feedback', 'leads']) {
      const section = page.locator(`#chart-${id}`);
      assertEqual(await section.locator('h2').count(), 1, `chart-${id} title`);
      assert(await section.locator('a.csv').count() >= 1, `chart-${id} has a CSV link`);
    }
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'outpost_dashboard');
    assert(session && session.httpOnly && session.sameSite === 'Strict', `session cookie: ${JSON.stringify(cookies)}`);
    assert(!page.url().includes(token), 'the token is not in the URL');
  });

  await t.step('the charts show the seeded figures', async () => {
    const values = (selector) => page.$$eval(selector, (els) => els.map((e) => Number(e.dataset.value)));
    const sum = (list) => list.reduce((a, b) => a + b, 0);
    const opens = await values('#chart-usage svg.chart rect[data-series=opens]');
    assertEqual(opens.length, 30, 'days in the usage chart (the last 30)');
    assert(sum(opens) >= 1, `opens charted: ${opens}`);
    assert(sum(await values('#chart-usage rect[data-series=presentations]')) >= 1, 'a presentation is charted');
    const adoption = await page.locator('#chart-adoption table.table-devices').innerText();
    assert(adoption.includes('rep-tablet') && adoption.includes('seed-tablet'), `adoption devices: ${adoption}`);
    assert(await page.locator('#chart-adoption rect[data-series=holding]').count() >= 1, 'adoption bars');
    assertEqual((await values('#chart-searches rect[data-label=veterinary]'))[0], 1, 'zero-result search "veterinary"');
    // `outpost feedback` without a version rates the asset: its label has none.
    assertEqual((await values('#chart-feedback rect[data-series=rating][data-label="emea-prices"]'))[0], 2,
                'mean rating of emea-prices');
    assertEqual((await values('#chart-leads rect[data-series=leads][data-label=seed-tablet]'))[0], 1, 'leads of seed-tablet');
    // serve --http gives the dashboard the lead book: follow-up against the SLA, per show and rep.
    const followUp = await page.locator('#chart-leads table.table-sla').first().innerText();
    assert(followUp.includes('rsa-2027'), `follow-up per show: ${followUp}`);
    assertEqual(await page.locator('#chart-leads a.csv[href^="/reports/leads-sla.csv"]').count(), 1, 'follow-up CSV link');
    await t.screenshot(page, 'dashboard');
  });

  await t.step('a CSV link downloads what outpost-hub report prints', async () => {
    const link = page.locator('#chart-leads a.csv[href^="/reports/leads.csv"]');
    const href = new URL(await link.getAttribute('href'), url);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const file = path.join(t.out, 'leads.csv');
    await download.saveAs(file);
    const csv = fs.readFileSync(file, 'utf8');
    assert(csv.startsWith('show,device,leads,repeat_visits,first_received,last_received\r\n'), `CSV header: ${csv}`);
    const cli = await hub(['report', 'leads', '--csv', '--since', href.searchParams.get('since'),
                           '--until', href.searchParams.get('until')]);
    assertEqual(csv, cli, 'the downloaded CSV');
  });
});
