// The booth kiosk in a real browser: a visitor fills and sends the lead
// form; the lead is in the journal, the next visitor sees an empty form with
// nothing of the previous one in the page or in the history; a mistyped
// address is refused next to the field and stores nothing.
import { test, assert, assertEqual } from './lib/harness.mjs';

const visitor = {
  email: 'ana.lima@example.com',
  name: 'Ana Lima',
  company: 'Hospital Sao Joao',
};

const PIN = '4711';

test('kiosk', async (t) => {
  const fx = await t.fixture();
  // The server holds the home: the CLI reads it before and after (it is
  // "busy" meanwhile); while it runs, the staff view counts the leads.
  assertEqual(totalLeads(await t.outpostJson(fx.home, ['lead', 'count'])), 0, 'leads in the fresh fixture');
  const server = await t.serve(fx.home, ['--staff-pin', PIN]);
  const { url } = server;
  const staff = await t.newPage();
  const queuedLeads = async () => {
    await staff.goto(`${url}/kiosk/staff`);
    await staff.fill('input[name="pin"]', PIN);
    await Promise.all([staff.waitForResponse((r) => r.request().method() === 'POST'), staff.click('button[type="submit"]')]);
    return Number(await staff.textContent('#queued-leads'));
  };
  const page = await t.newPage();

  await t.step('fill and send the form: 303 to the thank-you, one lead in the journal', async () => {
    const response = await page.goto(`${url}/kiosk`);
    assertEqual(response.status(), 200, 'GET /kiosk status');
    assert(await page.locator('input[name="f.email"]').isVisible(), 'the form has an email field');
    await page.fill('input[name="f.email"]', visitor.email);
    await page.fill('input[name="f.name"]', visitor.name);
    await page.fill('input[name="f.company"]', visitor.company);
    await page.check('input[name="q.timeline"][value="now"]');
    await page.check('input[name="consent"]');
    await t.screenshot(page, 'form-filled');
    const [post] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/kiosk'),
      page.click('button[type="submit"]'),
    ]);
    assertEqual(post.status(), 303, 'POST /kiosk status');
    await page.waitForURL(`${url}/kiosk/thanks`);
    assert((await page.textContent('h1')).includes('Thank you'), 'the thank-you page says thank you');
    const thanks = await page.content();
    for (const v of Object.values(visitor)) assert(!thanks.includes(v), `the thank-you page must not contain "${v}"`);
    assert(!page.url().includes('ana'), `the thank-you URL carries nothing of the lead: ${page.url()}`);
    await t.screenshot(page, 'thank-you');
    assertEqual(await queuedLeads(), 1, 'leads in the staff view after one visitor');
    const html = await staff.content();
    for (const v of Object.values(visitor)) assert(!html.includes(v), `the staff view must not contain "${v}"`);
    await t.screenshot(staff, 'staff-view');
  });

  await t.step('the next visitor: an empty form, no PII in the page or the history', async () => {
    await page.goto(`${url}/kiosk`);
    await assertFormEmpty(page, 'a new /kiosk');
    await t.screenshot(page, 'next-visitor');
    // Back through the history: the thank-you, then the form the visitor filled.
    await page.goBack();
    await page.goBack();
    assert(new URL(page.url()).pathname === '/kiosk', `two steps back is the filled form's page, not ${page.url()}`);
    await page.waitForLoadState('load');
    await assertFormEmpty(page, 'the form reached with the back button');
    await t.screenshot(page, 'history-back');
  });

  await t.step('a mistyped address: 422, the error next to the email field, nothing stored', async () => {
    const page2 = await t.newPage();
    await page2.goto(`${url}/kiosk`);
    // "carla@example" passes the browser's own check (type=email) but not
    // the server's (the domain needs a dot): the server must say so.
    await page2.fill('input[name="f.email"]', 'carla@example');
    await page2.fill('input[name="f.name"]', 'Carla Diaz');
    await page2.check('input[name="consent"]');
    const [post] = await Promise.all([
      page2.waitForResponse((r) => r.request().method() === 'POST'),
      page2.click('button[type="submit"]'),
    ]);
    assertEqual(post.status(), 422, 'POST /kiosk with an invalid email');
    const error = page2.locator('input[name="f.email"] ~ .error');
    assertEqual(await error.count(), 1, 'error lines next to the email field');
    assert(await error.isVisible(), 'the email error is visible');
    const text = await error.textContent();
    assert(/not a valid email/.test(text), `the email error says what is wrong: "${text}"`);
    assertEqual(await page2.locator('.error[role="alert"]').count(), 1, 'the summary alert');
    assertEqual(await page2.inputValue('input[name="f.email"]'), 'carla@example', 'the email is kept to correct it');
    await t.screenshot(page2, 'invalid-email');
    assertEqual(await queuedLeads(), 1, 'leads in the staff view after a refused form');

    // The browser itself refuses an address without a domain: no request at all.
    let posted = false;
    page2.on('request', (r) => { if (r.method() === 'POST') posted = true; });
    await page2.fill('input[name="f.email"]', 'carla@');
    await page2.click('button[type="submit"]');
    await page2.waitForTimeout(500);
    assert(!posted, 'a form with "carla@" must not be sent by the browser');
    assert(!(await page2.$eval('input[name="f.email"]', (e) => e.validity.valid)), 'the browser marks "carla@" invalid');
  });

  await t.step('a badge scan with consent: one more lead, sealed like the others', async () => {
    const page3 = await t.newPage();
    await page3.goto(`${url}/kiosk`);
    await page3.fill('#badge', 'B-7731');
    await page3.check('input[name="badge-consent"]');
    const [post] = await Promise.all([
      page3.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/kiosk/badge'),
      page3.click('#badge-form button[type="submit"]'),
    ]);
    assertEqual(post.status(), 303, 'POST /kiosk/badge');
    await page3.waitForURL(`${url}/kiosk/thanks`);
    assert(!(await page3.content()).includes('B-7731'), 'the thank-you page does not show the badge');
    assertEqual(await queuedLeads(), 2, 'leads in the staff view after a badge scan');
    // Without consent the server refuses it (the browser's own check bypassed), naming the checkbox.
    await page3.goto(`${url}/kiosk`);
    const refused = await page3.evaluate(async () => {
      const form = new FormData(document.getElementById('badge-form'));
      form.set('badge', 'B-7732');
      const r = await fetch('/kiosk/badge', { method: 'POST', body: new URLSearchParams(form) });
      return { status: r.status, text: await r.text() };
    });
    assertEqual(refused.status, 422, 'a badge without consent');
    assert(refused.text.includes('must be accepted'), 'the consent error is shown');
    assertEqual(await queuedLeads(), 2, 'leads after a refused badge');
    await t.screenshot(page3, 'badge-form');
  });

  await t.step('after the server stops, the journal holds exactly the two leads', async () => {
    await server.child.stop();
    const count = await t.outpostJson(fx.home, ['lead', 'count']);
    assertEqual(totalLeads(count), 2, `leads in the journal (${JSON.stringify(count)})`);
    assertEqual(count.shows?.[0]?.repeat_visits, 0, 'repeat visits');
  });
});

// `outpost lead count --json`: {shows: [{show, leads, repeat_visits}], leads, undelivered}.
function totalLeads(doc) {
  assert(typeof doc.leads === 'number', `lead count JSON has "leads": ${JSON.stringify(doc)}`);
  return doc.leads;
}

async function assertFormEmpty(page, where) {
  for (const name of ['f.email', 'f.name', 'f.company']) {
    assertEqual(await page.inputValue(`input[name="${name}"]`), '', `${name} on ${where}`);
  }
  assert(!(await page.isChecked('input[name="consent"]')), `consent unchecked on ${where}`);
  assert(!(await page.isChecked('input[name="q.timeline"][value="now"]')), `timeline unanswered on ${where}`);
  const html = await page.content();
  for (const v of Object.values(visitor)) assert(!html.includes(v), `the page HTML on ${where} contains "${v}"`);
}
