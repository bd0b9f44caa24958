#!/usr/bin/env python3
# Fills a hub.db (made by `outpost-hub init`) with N synthetic events, as a
# hub would hold them after ingest: for timing `outpost-hub report`.
# Usage: gen_report_store.py HUB_HOME/hub.db N   (BENCHMARKS.md, "Hub reports")
# The payloads are written in clear, as a build before sealing at rest kept
# them; the script then drops the store's key check, so the hub's next open
# seals them in place (docs/security.md, "Hub at rest"). Hence a fresh home
# only: no statement and no event in it yet.
import os, random, sqlite3, struct, sys

def mp(v):
    if isinstance(v, bool): return b'\xc3' if v else b'\xc2'
    if isinstance(v, int):
        if v < 128: return bytes([v])
        if v < 2**16: return b'\xcd' + struct.pack('>H', v)
        if v < 2**32: return b'\xce' + struct.pack('>I', v)
        return b'\xcf' + struct.pack('>Q', v)
    if isinstance(v, str):
        b = v.encode()
        if len(b) < 32: return bytes([0xa0 | len(b)]) + b
        return b'\xd9' + bytes([len(b)]) + b
    if isinstance(v, bytes): return b'\xc4' + bytes([len(v)]) + v
    if isinstance(v, dict):
        return bytes([0x80 | len(v)]) + b''.join(mp(k) + mp(x) for k, x in v.items())
    raise TypeError(v)

db_path, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(7)
db = sqlite3.connect(db_path)
db.execute('PRAGMA journal_mode=WAL')
if db.execute('SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM statements)').fetchone()[0]:
    sys.exit('gen_report_store.py: %s already holds statements or events; use a fresh `outpost-hub init` home' % db_path)
devices = ['tab-%03d' % i for i in range(200)]
journals = {d: os.urandom(16) for d in devices}
seqs = {d: 0 for d in devices}
assets = ['asset-%03d' % i for i in range(500)]
queries = ['pricing', 'case study', 'emea deck', 'roadmap', 'security', 'unicorn'] + ['q%d' % i for i in range(300)]
t0 = 1_770_000_000_000
span = 90 * 86400 * 1000
kinds = (['asset.opened'] * 35 + ['presentation.started'] * 5 + ['page.viewed'] * 25 + ['presentation.ended'] * 5 +
         ['asset.blocked'] * 5 + ['search.performed'] * 15 + ['asset.feedback'] * 3 + ['content.request'] * 1 +
         ['lead.captured'] * 5 + ['sync.completed'] * 1)
open_pres = {d: [] for d in devices}
rows = []
h = os.urandom(32)
for i in range(n):
    d = rnd.choice(devices)
    t = t0 + i * span // n
    k = rnd.choice(kinds)
    a, v = rnd.choice(assets), rnd.randint(1, 3)
    if k == 'asset.opened': p = {'asset': a, 'version': v}
    elif k == 'presentation.started':
        pid = 'p%d' % i; open_pres[d].append(pid); p = {'presentation': pid, 'asset': a, 'version': v}
    elif k == 'page.viewed':
        p = {'presentation': open_pres[d][-1] if open_pres[d] else 'px', 'page': rnd.randint(1, 30), 'dwell_ms': 4000}
    elif k == 'presentation.ended':
        p = {'presentation': open_pres[d].pop() if open_pres[d] else 'px', 'duration_ms': rnd.randint(1000, 3600000), 'pages': 5}
    elif k == 'asset.blocked': p = {'asset': a, 'version': v, 'reason': rnd.choice(['superseded', 'revoked', 'expired'])}
    elif k == 'search.performed':
        p = {'query': rnd.choice(queries), 'results': rnd.randint(0, 5)}
        if rnd.random() < 0.3: p['chosen'] = a
    elif k == 'asset.feedback': p = {'asset': a, 'version': v, 'rating': rnd.randint(1, 5), 'comment': 'ok, fine', 'needs_update': rnd.random() < 0.2}
    elif k == 'content.request': p = {'text': 'Case study for hospitals'}
    elif k == 'lead.captured':
        p = {'form': 'booth-form', 'form_version': 1, 'show': rnd.choice(['rsa-2027', 'mwc-2027']), 'dedupe_key': os.urandom(32),
             'score': 10, 'consent_version': '2027-01', 'sealed': os.urandom(120)}
    else: p = {'catalog_seq': 5, 'events_sent': 10, 'chunks_fetched': 0, 'bytes_received': 0, 'duration_ms': 10}
    seqs[d] += 1
    rows.append((journals[d], seqs[d], (t << 16), k, mp(p), h, h, d, t + 60000))
    if len(rows) == 100000:
        db.executemany('INSERT INTO events VALUES(?,?,?,?,?,?,?,?,?)', rows); db.commit(); rows = []
db.executemany('INSERT INTO events VALUES(?,?,?,?,?,?,?,?,?)', rows)
db.execute("DELETE FROM meta WHERE key = 'at_rest'")  # the next open seals what was written
db.commit()
print(db.execute('SELECT count(*) FROM events').fetchone()[0])
