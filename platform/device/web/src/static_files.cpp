// The static files, compiled in: the kiosk's script (reset after a
// thank-you and after idling, so the next visitor sees nothing of the
// previous one), the presenter's script and the shared style sheet.
#include "static_files.hpp"

#include <array>
#include <utility>

namespace outpost::web {

namespace {

constexpr std::string_view kiosk_js = R"JS('use strict';
// Outpost kiosk: nothing of one visitor may be left for the next.
(function () {
  var IDLE_MS = 120000;
  var form = document.getElementById('lead-form');
  if (form) {
    // Coming back through the browser's history must not show old input.
    window.addEventListener('pageshow', function (e) { if (e.persisted) form.reset(); });
    var timer = null;
    var restart = function () {
      if (timer) clearTimeout(timer);
      timer = setTimeout(function () { window.location.replace('/kiosk'); }, IDLE_MS);
    };
    ['input', 'keydown', 'pointerdown'].forEach(function (t) { document.addEventListener(t, restart); });
    restart();
  }
})();
)JS";

constexpr std::string_view presenter_js = R"JS('use strict';
// Outpost presenter: search as you type, cards that state the gate's
// decision plainly, a viewer (PDF inline, video with Range seeking from the
// encrypted cache), presentations with page tracking, feedback, content
// requests and pin for offline. All text goes in with textContent.
(function () {
  const TYPING_MS = 120;   // a keystroke's search (not journaled)
  const SETTLE_MS = 1500;  // the query the user settles on (journaled)
  const csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
  const $ = (id) => document.getElementById(id);

  async function api(method, url, body) {
    const init = { method: method, headers: {}, credentials: 'same-origin' };
    if (method !== 'GET') init.headers['X-CSRF-Token'] = csrf;
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    try {
      const r = await fetch(url, init);
      const doc = await r.json().catch(() => ({}));
      return { ok: r.ok, status: r.status, doc: doc };
    } catch (e) {
      return { ok: false, status: 0, doc: { error: 'the device server did not answer' } };
    }
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function when(iso) {
    const t = new Date(iso);
    return isNaN(t) ? iso : t.toLocaleString();
  }

  // The gate's decision in plain words: {state, text}. latest is the newest
  // version the catalog knows of the asset.
  function describe(d, latest) {
    if (d.allowed) {
      if (d.in_grace) return { state: 'grace', text: 'Replaced by version ' + latest + ': usable until ' + when(d.grace_ends) };
      if (d.update_pending) return { state: 'update-pending', text: 'Update pending: version ' + d.update_pending + ' is not on this device yet' };
      return { state: 'ok', text: 'Ready' };
    }
    switch (d.reason) {
      case 'superseded':
        return { state: 'superseded', text: d.version && latest > d.version ? 'Version ' + d.version + ' was replaced by version ' + latest + ': do not use it' : 'Replaced by a newer version: do not use it' };
      case 'revoked': return { state: 'withdrawn', text: 'Withdrawn by marketing: do not use it' };
      case 'expired': return { state: 'expired', text: 'Expired: do not use it' };
      case 'not-downloaded': return { state: 'not-downloaded', text: 'Not downloaded yet: keep it offline to fetch it at the next sync' };
      case 'stale-catalog': return { state: 'blocked', text: 'Blocked: this device has been offline too long; sync to use it' };
      case 'not-yet-valid': return { state: 'blocked', text: 'Not valid yet' };
      case 'integrity': return { state: 'blocked', text: 'The copy on this device is damaged; it will be fetched again' };
      default: return { state: 'blocked', text: d.message || 'Not available' };
    }
  }

  // ---- search
  const query = { text: '', facets: {} };
  let searchSeq = 0;
  let lastTotal = 0;
  let typingTimer = null;
  let settleTimer = null;

  async function runSearch(typing) {
    const seq = ++searchSeq;
    const p = new URLSearchParams();
    p.set('q', query.text);
    Object.keys(query.facets).forEach((f) => p.append('facet', f + ':' + query.facets[f]));
    p.set('limit', '50');
    if (typing) p.set('typing', '1');
    const r = await api('GET', '/api/search?' + p.toString());
    if (seq !== searchSeq) return;  // a newer search is on its way
    if (!r.ok) {
      $('summary').textContent = r.doc.error || 'Search failed';
      return;
    }
    lastTotal = r.doc.total;
    renderFacets(r.doc.facets);
    renderResults(r.doc);
  }

  function renderFacets(facets) {
    const box = $('facets');
    box.replaceChildren();
    facets.forEach((f) => {
      const b = el('button', 'facet', f.facet + ': ' + f.value + ' (' + f.count + ')');
      b.type = 'button';
      b.dataset.facet = f.facet;
      b.dataset.value = f.value;
      const on = query.facets[f.facet] === f.value;
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
      b.addEventListener('click', () => {
        if (on) delete query.facets[f.facet];
        else query.facets[f.facet] = f.value;
        runSearch(false);
      });
      box.append(b);
    });
  }

  function renderResults(doc) {
    const list = $('results');
    list.replaceChildren();
    const n = doc.hits.length;
    $('summary').textContent = n === 0 ? 'Nothing found' : (doc.total_is_estimate ? 'About ' : '') + doc.total + (doc.total === 1 ? ' document' : ' documents');
    doc.hits.forEach((hit) => {
      const said = describe(hit.decision, hit.version);
      const li = el('li', 'card');
      li.dataset.asset = hit.asset;
      li.dataset.version = String(hit.decision.version || hit.version);
      li.dataset.state = said.state;
      li.append(el('span', 'kind', hit.kind), el('h3', 'title', hit.title), el('p', 'status', said.text));
      const open = el('button', 'open', said.state === 'ok' || said.state === 'update-pending' || said.state === 'grace' ? 'Open' : 'Details');
      open.type = 'button';
      open.addEventListener('click', () => {
        api('POST', '/api/search/choice', { q: query.text, facets: query.facets, result_count: lastTotal, asset: hit.asset });
        openAsset(hit.asset, null);
      });
      li.append(open);
      list.append(li);
    });
  }

  $('search').addEventListener('input', (e) => {
    query.text = e.target.value;
    clearTimeout(typingTimer);
    clearTimeout(settleTimer);
    typingTimer = setTimeout(() => runSearch(true), TYPING_MS);
    if (query.text.trim() !== '') settleTimer = setTimeout(() => runSearch(false), SETTLE_MS);
  });
  $('search').addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    clearTimeout(typingTimer);
    clearTimeout(settleTimer);
    runSearch(false);
  });

  // ---- viewer
  const open = { asset: null, version: null, kind: null, pinned: false };
  let presentation = null;  // {id, page}

  function contentUrl() { return '/content/' + encodeURIComponent(open.asset) + '@' + open.version; }

  function showBanner(text, state) {
    const b = $('banner');
    b.textContent = text;
    b.dataset.state = state;
    b.hidden = false;
  }

  async function openAsset(asset, version) {
    await endPresentation();
    const sel = version ? asset + '@' + version : asset;
    const r = await api('GET', '/api/assets/' + encodeURIComponent(sel));
    $('library').hidden = true;
    $('viewer').hidden = false;
    $('stage').replaceChildren();
    $('versions').replaceChildren();
    $('banner').hidden = true;
    $('feedback-status').textContent = '';
    $('request-status').textContent = '';
    if (!r.ok) {
      $('viewer-title').textContent = asset;
      showBanner(r.doc.error || 'Cannot open ' + sel, 'blocked');
      setPresentable(false);
      return;
    }
    const releases = r.doc.releases.slice().sort((a, b) => b.version - a.version);
    const latest = releases[0].version;
    const d = r.doc.decision;
    const shownVersion = d.version || version || latest;
    const rel = releases.find((x) => x.version === shownVersion) || releases[0];
    Object.assign(open, { asset: asset, version: shownVersion, kind: r.doc.media_type === 'application/pdf' ? 'pdf' : rel.kind, pinned: r.doc.pinned });
    $('viewer-title').textContent = rel.title + ' (version ' + shownVersion + ')';
    const said = describe(d, latest);
    $('viewer').dataset.state = said.state;
    if (said.state !== 'ok') showBanner(said.text, said.state);
    renderPin();
    renderVersions(releases, shownVersion, latest);
    setPresentable(d.allowed);
    if (!d.allowed) return;
    const media = r.doc.media_type || '';
    if (media === 'application/pdf') {
      const f = el('iframe');
      f.id = 'pdf';
      f.title = rel.title;
      f.src = contentUrl();
      $('stage').append(f);
    } else if (media.startsWith('video/')) {
      const v = el('video');
      v.id = 'video';
      v.controls = true;
      v.preload = 'metadata';
      v.src = contentUrl();
      $('stage').append(v);
    } else if (rel.kind === 'form') {
      $('stage').append(el('p', 'hint', 'This is a lead form: the booth kiosk shows it at /kiosk.'));
    } else {
      const a = el('a', 'download', 'Download ' + rel.title);
      a.href = contentUrl();
      a.setAttribute('download', '');
      $('stage').append(a);
    }
  }

  function renderVersions(releases, shown, latest) {
    const list = $('versions');
    releases.forEach((rel) => {
      const li = el('li');
      const b = el('button', 'version', 'Version ' + rel.version + (rel.version === latest ? ' (newest)' : ''));
      b.type = 'button';
      b.dataset.version = String(rel.version);
      if (rel.version === shown) b.setAttribute('aria-current', 'true');
      b.addEventListener('click', () => openAsset(open.asset, rel.version));
      li.append(b, el('span', 'note', ' valid from ' + when(rel.valid_from) + (rel.note ? ': ' + rel.note : '')));
      list.append(li);
    });
  }

  function renderPin() {
    const b = $('pin');
    b.setAttribute('aria-pressed', open.pinned ? 'true' : 'false');
    b.textContent = open.pinned ? 'Kept offline' : 'Keep offline';
  }

  $('pin').addEventListener('click', async () => {
    const r = await api('POST', '/api/pin', { asset: open.asset, pinned: !open.pinned });
    if (r.ok) {
      open.pinned = r.doc.pinned;
      renderPin();
    } else {
      showBanner(r.doc.error || 'Could not change the offline setting', 'blocked');
    }
  });

  $('close').addEventListener('click', async () => {
    await endPresentation();
    $('stage').replaceChildren();  // stops a playing video
    $('viewer').hidden = true;
    $('library').hidden = false;
    $('search').focus();
  });

  // ---- presentations
  function setPresentable(allowed) {
    $('present').disabled = !allowed;
    const paged = presentation !== null && open.kind === 'pdf';
    $('page-prev').disabled = !paged || presentation.page <= 1;
    $('page-next').disabled = !paged;
    $('present-end').disabled = presentation === null;
    $('page-number').textContent = paged ? 'Page ' + presentation.page : '';
  }

  $('present').addEventListener('click', async () => {
    await endPresentation();
    const r = await api('POST', '/api/presentations', { asset: open.asset, version: open.version });
    if (!r.ok) {
      showBanner((r.doc.decision && describe(r.doc.decision, open.version).text) || r.doc.error || 'Cannot present', 'blocked');
      return;
    }
    presentation = { id: r.doc.id, page: 1 };
    $('present-status').textContent = 'Presenting';
    setPresentable(true);
  });

  async function showPage(page) {
    if (!presentation || page < 1) return;
    const r = await api('POST', '/api/presentations/' + encodeURIComponent(presentation.id) + '/page', { page: page });
    if (!r.ok) {
      $('present-status').textContent = r.doc.error || 'Page not recorded';
      return;
    }
    presentation.page = page;
    const f = $('pdf');
    if (f) f.src = contentUrl() + '#page=' + page;
    setPresentable(true);
  }
  $('page-next').addEventListener('click', () => presentation && showPage(presentation.page + 1));
  $('page-prev').addEventListener('click', () => presentation && showPage(presentation.page - 1));

  async function endPresentation() {
    if (!presentation) return;
    const id = presentation.id;
    presentation = null;
    const r = await api('POST', '/api/presentations/' + encodeURIComponent(id) + '/end');
    $('present-status').textContent = r.ok ? 'Presented for ' + Math.round(r.doc.duration_ms / 1000) + ' s' : (r.doc.error || '');
    setPresentable(!$('present').disabled);
  }
  $('present-end').addEventListener('click', () => endPresentation());

  // Leaving the page ends a presentation in progress (a beacon cannot set
  // headers, so the CSRF token rides in its form body).
  window.addEventListener('pagehide', () => {
    if (!presentation) return;
    navigator.sendBeacon('/api/presentations/' + encodeURIComponent(presentation.id) + '/end', new URLSearchParams({ csrf: csrf }));
    presentation = null;
  });

  // ---- widgets
  $('feedback').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = e.target;
    const r = await api('POST', '/api/feedback', {
      asset: open.asset, version: open.version, rating: Number(form.rating.value),
      comment: form.comment.value, needs_update: form.needs_update.checked,
    });
    $('feedback-status').textContent = r.ok ? 'Thank you: your feedback is saved and goes to marketing at the next sync.' : (r.doc.error || 'Not saved');
    if (r.ok) form.reset();
  });

  $('request').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = e.target;
    const r = await api('POST', '/api/request', { text: form.text.value, asset: open.asset });
    $('request-status').textContent = r.ok ? 'Request saved: marketing gets it at the next sync.' : (r.doc.error || 'Not saved');
    if (r.ok) form.reset();
  });

  // ---- start: the whole library, or the version a link names (?open=ID@N)
  const wanted = new URLSearchParams(window.location.search).get('open');
  runSearch(true);
  if (wanted) {
    const at = wanted.lastIndexOf('@');
    const version = at > 0 ? Number(wanted.slice(at + 1)) : null;
    openAsset(at > 0 ? wanted.slice(0, at) : wanted, version && version > 0 ? version : null);
  }

  // ---- my leads (a rep device's assigned leads; shown only when it has some)
  const OUTCOMES = ['called', 'meeting', 'no-answer', 'disqualified'];

  function leadItem(lead) {
    const li = el('li', 'lead');
    li.dataset.lead = lead.lead;
    li.dataset.state = lead.follow_up ? 'done' : lead.overdue ? 'overdue' : 'open';
    const who = el('p', 'lead-who');
    who.append(el('strong', '', lead.name || lead.email || lead.lead));
    if (lead.email) who.append(el('span', 'lead-email', ' ' + lead.email));
    li.append(who);
    const state = lead.follow_up ? 'Followed up: ' + lead.follow_up.outcome
      : (lead.overdue ? 'Overdue since ' : 'Due ') + (lead.due_at ? when(lead.due_at) : '-');
    li.append(el('p', 'lead-state', state + ' \u00b7 ' + (lead.shows || []).join(', ')));
    if (lead.follow_up) return li;
    const form = el('form', 'lead-followup');
    const outcome = el('select');
    outcome.name = 'outcome';
    outcome.setAttribute('aria-label', 'Outcome');
    for (const o of OUTCOMES) {
      const option = el('option', '', o);
      option.value = o;
      outcome.append(option);
    }
    const note = el('input');
    note.name = 'note';
    note.maxLength = 4000;
    note.placeholder = 'Note (optional)';
    note.setAttribute('aria-label', 'Note');
    const record = el('button', '', 'Record follow-up');
    record.type = 'submit';
    const status = el('span', 'lead-status');
    status.setAttribute('aria-live', 'polite');
    form.append(outcome, note, record, status);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      record.disabled = true;
      const r = await api('POST', '/api/leads/' + encodeURIComponent(lead.lead) + '/followup',
        { outcome: outcome.value, note: note.value });
      if (r.ok) {
        await loadLeads();
      } else {
        status.textContent = r.doc.error || 'Not recorded';
        record.disabled = false;
      }
    });
    li.append(form);
    return li;
  }

  async function loadLeads() {
    const r = await api('GET', '/api/leads');
    const leads = r.ok && Array.isArray(r.doc.leads) ? r.doc.leads : [];
    $('leads').hidden = leads.length === 0;
    $('lead-list').replaceChildren(...leads.map(leadItem));
    const overdue = leads.filter((l) => l.overdue && !l.follow_up).length;
    $('leads-summary').textContent = leads.length + ' assigned to you' + (overdue ? ', ' + overdue + ' overdue' : '') +
      '. Follow-ups reach marketing at the next sync.';
  }
  loadLeads();
})();
)JS";

constexpr std::string_view outpost_css = R"CSS(body { font-family: system-ui, sans-serif; margin: 0; background: #f5f6f8; color: #1b1f24; }
main { max-width: 40rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.8rem; }
.field, .question, .consent { margin: 1rem 0; }
label { display: block; font-weight: 600; margin-bottom: .3rem; }
input[type=text], input[type=email], input[type=tel], input[type=number], input[type=password], select {
  width: 100%; font-size: 1.2rem; padding: .6rem; box-sizing: border-box; border: 1px solid #9aa4b2; border-radius: .4rem; }
.question label, .consent label { font-weight: 400; }
.required { color: #b3261e; }
.error { color: #b3261e; font-weight: 600; }
.consent-text { background: #fff; padding: .8rem; border-radius: .4rem; }
.consent-version { font-size: .85rem; color: #57606a; }
button { font-size: 1.3rem; padding: .8rem 2rem; border: 0; border-radius: .5rem; background: #0b5cad; color: #fff; }
.staff-link { margin-top: 3rem; font-size: .8rem; text-align: right; }
dt { font-weight: 600; margin-top: .8rem; }
main:has(> .presenter) { max-width: 72rem; }
#search { width: 100%; font-size: 1.3rem; padding: .7rem; box-sizing: border-box; border: 1px solid #9aa4b2; border-radius: .5rem; }
#facets { display: flex; flex-wrap: wrap; gap: .4rem; margin: .6rem 0; }
.facet, .version, .viewer-head button, #present-bar button { font-size: 1rem; padding: .5rem .9rem; background: #e6eaf0; color: #1b1f24; }
.facet[aria-pressed=true], #pin[aria-pressed=true] { background: #0b5cad; color: #fff; }
#results { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); gap: .8rem; }
.card { background: #fff; border-radius: .6rem; padding: 1rem; border-left: .4rem solid #2e7d32; display: flex; flex-direction: column; gap: .4rem; }
.card h3 { margin: 0; font-size: 1.15rem; }
.card .kind { font-size: .8rem; text-transform: uppercase; color: #57606a; }
.card .status { margin: 0; flex: 1; }
.card[data-state=update-pending], .card[data-state=grace], .card[data-state=not-downloaded] { border-left-color: #b26a00; }
.card[data-state=superseded], .card[data-state=withdrawn], .card[data-state=expired], .card[data-state=blocked] { border-left-color: #b3261e; }
.card button.open { font-size: 1.1rem; padding: .6rem; }
.viewer-head { display: flex; align-items: center; gap: 1rem; }
.viewer-head h2 { flex: 1; margin: .5rem 0; }
.banner { padding: .8rem 1rem; border-radius: .5rem; background: #fdecea; color: #8c1d18; font-weight: 600; margin: .6rem 0; }
.banner[data-state=update-pending], .banner[data-state=grace], .banner[data-state=not-downloaded] { background: #fff4e0; color: #7a4800; }
#stage iframe { width: 100%; height: 70vh; border: 1px solid #9aa4b2; border-radius: .4rem; background: #fff; }
#stage video { width: 100%; max-height: 70vh; background: #000; border-radius: .4rem; }
#present-bar { display: flex; align-items: center; gap: .5rem; margin: .6rem 0; }
#versions { list-style: none; padding: 0; }
#versions li { margin: .3rem 0; }
.version[aria-current=true] { outline: 2px solid #0b5cad; }
.widgets { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem; margin-top: 1rem; }
.widgets form { background: #fff; padding: 1rem; border-radius: .6rem; }
.widgets textarea { width: 100%; box-sizing: border-box; font-size: 1rem; }
label.inline { font-weight: 400; margin: .5rem 0; }
button:disabled { opacity: .4; cursor: default; }
#lead-list { list-style: none; padding: 0; display: grid; gap: .6rem; }
.lead { background: #fff; border-radius: .6rem; padding: .8rem 1rem; border-left: .4rem solid #0b5cad; }
.lead[data-state=overdue] { border-left-color: #b3261e; }
.lead[data-state=done] { border-left-color: #2e7d32; }
.lead p { margin: .2rem 0; }
.lead-email { color: #57606a; }
.lead-followup { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin-top: .4rem; }
.lead-followup input { flex: 1; min-width: 10rem; font-size: 1rem; }
)CSS";

constexpr std::array<std::pair<std::string_view, StaticFile>, 3> files{{
    {"/static/kiosk.js", {"text/javascript; charset=utf-8", kiosk_js}},
    {"/static/presenter.js", {"text/javascript; charset=utf-8", presenter_js}},
    {"/static/outpost.css", {"text/css; charset=utf-8", outpost_css}},
}};

}  // namespace

const StaticFile* static_file(std::string_view path) {
  for (const auto& [name, file] : files) {
    if (name == path) return &file;
  }
  return nullptr;
}

}  // namespace outpost::web
