// The rep's presenter page (/) in a real browser: search as you type finds
// the price sheet, opening it shows the PDF from /content; a deep link to the
// superseded version shows the banner naming the newer version and its
// content is refused; the video plays from the encrypted cache and a seek is
// a Range request answered 206; feedback and a content request are journaled.
import { test, assert, assertEqual, waitFor } from './lib/harness.mjs';

// Responses of /content/... seen by a page: [{path, status, range, contentRange}].
function watchContent(page) {
  const seen = [];
  page.on('response', async (r) => {
    const u = new URL(r.url());
    if (!u.pathname.startsWith('/content/')) return;
    const headers = await r.request().allHeaders().catch(() => ({}));
    seen.push({ path: decodeURIComponent(u.pathname), status: r.status(), range: headers.range,
                contentRange: r.headers()['content-range'] });
  });
  return seen;
}

// The first byte a "bytes=A-..." range asks for (NaN for none).
const rangeStart = (range) => Number(/^bytes=(\d+)-/.exec(range || '')?.[1]);

// Seeks a loaded <video> near its end and waits for the seek to finish;
// returns the /content responses that came after the seek started.
async function seekNearEnd(page, selector, seen) {
  await page.waitForFunction((s) => document.querySelector(s)?.readyState >= 1, selector);
  const duration = await page.$eval(selector, (v) => v.duration);
  assert(duration > 5, `the video has its duration (${duration} s)`);
  const before = seen.length;
  await page.$eval(selector, (v, t) => { v.currentTime = t; }, duration - 1);
  await page.waitForFunction((s) => { const v = document.querySelector(s); return !v.seeking && v.readyState >= 2; }, selector);
  const t = await page.$eval(selector, (v) => v.currentTime);
  assert(Math.abs(t - (duration - 1)) < 1.1, `the video is at ${duration - 1} s after the seek, not ${t}`);
  return seen.slice(before);
}

function assertSeekRequest(after, what) {
  const seek = after.find((s) => rangeStart(s.range) > 0);
  assert(seek, `${what}: a request with a Range starting after byte 0 after the seek; saw ${JSON.stringify(after)}`);
  assertEqual(seek.status, 206, `${what}: status of ${seek.path} Range ${seek.range}`);
  assert(new RegExp(`^bytes ${rangeStart(seek.range)}-\\d+/\\d+$`).test(seek.contentRange || ''),
         `${what}: Content-Range "${seek.contentRange}" answers Range "${seek.range}"`);
}

test('presenter', async (t) => {
  const fx = await t.fixture();
  const server = await t.serve(fx.home);
  const { url } = server;
  const prices = fx.prices;

  await t.step('the content route: a video seek is a Range request answered 206', async () => {
    const page = await t.newPage();
    const seen = watchContent(page);
    await page.goto(`${url}/kiosk`);  // any page of the server's origin
    await page.evaluate((src) => {
      const v = document.createElement('video');
      v.id = 'probe';
      v.preload = 'metadata';
      v.muted = true;
      v.src = src;
      document.body.append(v);
    }, `/content/${fx.video.id}`);
    assertSeekRequest(await seekNearEnd(page, '#probe', seen), 'plain <video>');
    await page.close();
  });

  const page = await t.newPage();
  const seen = watchContent(page);

  await t.step('search as you type finds the price sheet', async () => {
    const r = await page.goto(`${url}/`);
    assertEqual(r.status(), 200, 'GET /');
    assertEqual(new URL(page.url()).pathname, '/', 'the presenter page\'s path (not a redirect)');
    assert(await page.locator('#viewer').isHidden(), 'the viewer is hidden before anything is opened');
    await page.locator('#search').pressSequentially('EMEA pri', { delay: 40 });
    const card = page.locator(`#results .card[data-asset="${prices.id}"]`);
    // Results of the shorter prefixes typed first come and go: wait for the
    // list of the whole query (the price sheet, and not the video).
    const others = page.locator(`#results .card:not([data-asset="${prices.id}"])`);
    await waitFor(async () => (await card.count()) === 1 && (await others.count()) === 0,
                  `the results of "EMEA pri" showing only ${prices.id}`);
    assert(await card.isVisible(), `the card of ${prices.id} is visible`);
    assertEqual(await card.getAttribute('data-version'), String(prices.version), 'the card\'s version');
    assertEqual(await card.getAttribute('data-state'), 'ok', 'the card\'s state');
    assertEqual((await card.locator('.title').textContent()).trim(), prices.title, 'the card\'s title');
    await t.screenshot(page, 'search');
  });

  await t.step('opening it shows the PDF from /content (200) in the viewer', async () => {
    const content = `/content/${prices.id}@${prices.version}`;
    const [resp] = await Promise.all([
      page.waitForResponse((r) => decodeURIComponent(new URL(r.url()).pathname) === content),
      page.locator(`#results .card[data-asset="${prices.id}"] button.open`).click(),
    ]);
    assertEqual(resp.status(), 200, `GET ${content}`);
    assertEqual(resp.headers()['content-type'], 'application/pdf', `content type of ${content}`);
    await page.locator('#viewer').waitFor({ state: 'visible' });
    assert((await page.textContent('#viewer-title')).includes(prices.title), 'the viewer\'s title');
    assert(await page.locator('#banner').isHidden(), 'no banner on the current version');
    const iframe = page.locator('iframe#pdf');
    assertEqual(decodeURIComponent(new URL(await iframe.getAttribute('src'), url).pathname), content, 'iframe#pdf src');
    // A frame the browser refused to show (X-Frame-Options, CSP) ends on an error page.
    const frame = await (await iframe.elementHandle()).contentFrame();
    await waitFor(() => frame.url().includes('/content/'), `the iframe showing ${content} (it is at ${frame.url()})`);
    await t.screenshot(page, 'pdf-open');
  });

  await t.step('the viewer\'s older version: its banner says it was replaced', async () => {
    await page.locator(`#versions button.version[data-version="${prices.old_version}"]`).click();
    const banner = page.locator('#banner');
    await banner.waitFor({ state: 'visible' });
    const text = (await banner.textContent()).trim();
    assert(text.includes(`version ${prices.version}`), `the banner mentions version ${prices.version}: "${text}"`);
    assert(!(await page.locator('iframe#pdf').count()), 'a blocked version is not shown');
  });

  await t.step('a deep link to the superseded version: the banner names the newer one, its content is refused', async () => {
    const old = `${prices.id}@${prices.old_version}`;
    await page.goto(`${url}/?open=${old}`);
    const banner = page.locator('#banner');
    await banner.waitFor({ state: 'visible' });
    const text = (await banner.textContent()).trim();
    assert(text.includes(`version ${prices.version}`), `the banner mentions version ${prices.version}: "${text}"`);
    await t.screenshot(page, 'superseded-banner');
    const shown = seen.filter((s) => s.path === `/content/${old}`);
    assert(shown.every((s) => s.status === 403), `the page's requests for ${old} were refused: ${JSON.stringify(shown)}`);
    const direct = await page.request.get(`${url}/content/${old}`);
    assertEqual(direct.status(), 403, `GET /content/${old}`);
    const decision = await direct.json();
    assertEqual(decision.reason, 'superseded', `the refusal's reason (${JSON.stringify(decision)})`);
  });

  await t.step('the video plays from /content and a seek is a Range request answered 206', async () => {
    await page.goto(`${url}/?open=${fx.video.id}@${fx.video.version}`);
    const video = page.locator('video#video');
    await video.waitFor({ state: 'visible' });
    const src = decodeURIComponent(new URL(await video.getAttribute('src'), url).pathname);
    assertEqual(src, `/content/${fx.video.id}@${fx.video.version}`, 'video#video src');
    assertSeekRequest(await seekNearEnd(page, 'video#video', seen), 'presenter video');
    await t.screenshot(page, 'video-seeked');
  });

  const comment = 'Needs subtitles for the Madrid show';
  const wish = 'A two-minute cut of the demo';
  await t.step('feedback and a content request from the viewer are saved', async () => {
    await page.selectOption('form#feedback select[name="rating"]', '4');
    await page.fill('form#feedback textarea[name="comment"]', comment);
    await page.check('form#feedback input[name="needs_update"]');
    const [fb] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/api/feedback'),
      page.click('form#feedback button[type="submit"]'),
    ]);
    assertEqual(fb.status(), 200, 'POST /api/feedback');
    await waitFor(async () => (await page.textContent('#feedback-status')).trim(), '#feedback-status text');
    await page.fill('form#request textarea[name="text"]', wish);
    const [rq] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/api/request'),
      page.click('form#request button[type="submit"]'),
    ]);
    assertEqual(rq.status(), 200, 'POST /api/request');
    await waitFor(async () => (await page.textContent('#request-status')).trim(), '#request-status text');
    await t.screenshot(page, 'feedback-sent');
  });

  const note = 'Demo booked for Tuesday';
  await t.step('my leads: the lead assigned to this rep is listed, and its follow-up is recorded', async () => {
    const lead = fx.lead;
    await page.goto(`${url}/`);
    const item = page.locator(`#lead-list li.lead[data-lead="${lead.id}"]`);
    await item.waitFor({ state: 'visible' });
    assertEqual(await page.locator('#lead-list li.lead').count(), 1, 'leads listed');
    const who = (await item.locator('.lead-who').textContent()).trim();
    assert(who.includes(lead.name) && who.includes(lead.email), `the lead names its person: "${who}"`);
    assertEqual(await item.getAttribute('data-state'), 'open', 'the lead\'s state');
    await t.screenshot(page, 'my-leads');
    // Without the page's CSRF token the follow-up is refused and nothing is recorded.
    const forged = await page.request.post(`${url}/api/leads/${lead.id}/followup`,
      { data: { outcome: 'called' }, headers: { 'Content-Type': 'application/json' } });
    assertEqual(forged.status(), 403, 'a follow-up POST without the CSRF token');
    await item.locator('select[name="outcome"]').selectOption('meeting');
    await item.locator('input[name="note"]').fill(note);
    const [resp] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === `/api/leads/${lead.id}/followup`),
      item.locator('button[type="submit"]').click(),
    ]);
    assertEqual(resp.status(), 200, 'POST the follow-up');
    await waitFor(async () => (await item.getAttribute('data-state')) === 'done', 'the lead shown as followed up');
    assert((await item.locator('.lead-state').textContent()).includes('meeting'), 'the outcome is shown');
    const unknown = await page.evaluate(async (csrf) => (await fetch('/api/leads/L-NOTASSIGNED/followup', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ outcome: 'called' }) })).status,
      await page.locator('meta[name="csrf-token"]').getAttribute('content'));
    assertEqual(unknown, 404, 'a follow-up of a lead not assigned here');
    await t.screenshot(page, 'lead-followed-up');
  });

  await t.step('after the server stops, the journal holds the feedback and the request', async () => {
    await server.child.stop();
    const shown = await t.outpostJson(fx.home, ['journal', 'show', '--limit', '1000']);
    const events = Array.isArray(shown) ? shown : shown.events;
    assert(Array.isArray(events), `journal show --json lists events: ${JSON.stringify(shown).slice(0, 300)}`);
    const types = events.map((e) => e.type);
    const feedback = events.filter((e) => e.type === 'asset.feedback');
    assertEqual(feedback.length, 1, `asset.feedback events (types: ${types.join(', ')})`);
    assertEqual(events.filter((e) => e.type === 'content.request').length, 1, 'content.request events');
    const followUps = events.filter((e) => e.type === 'lead.followed_up');
    assertEqual(followUps.length, 1, 'lead.followed_up events');
    const opened = events.filter((e) => e.type === 'asset.opened');
    assert(opened.length >= 2, `the PDF and the video were opened (asset.opened: ${opened.length})`);
  });
});
