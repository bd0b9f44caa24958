// The rep's presenter page (/) in a real browser: search as you type finds
// the price sheet, opening it shows the PDF from /content; a deep link to the
// superseded version shows the banner naming the newer version and its
// content is refused; the video plays from the encrypted cache and a seek is
// a Range request answered 206.
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
  const { url } = await t.serve(fx.home);
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
    await card.waitFor({ state: 'visible' });
    assertEqual(await card.count(), 1, `cards of ${prices.id}`);
    assertEqual(await card.getAttribute('data-version'), String(prices.version), 'the card\'s version');
    assertEqual(await card.getAttribute('data-state'), 'ok', 'the card\'s state');
    assertEqual((await card.locator('.title').textContent()).trim(), prices.title, 'the card\'s title');
    assert(!(await page.locator(`#results .card[data-asset="${fx.video.id}"]`).count()), 'the video does not match "EMEA pri"');
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
});
