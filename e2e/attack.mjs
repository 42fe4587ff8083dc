#!/usr/bin/env node
// The cross-site proof in a real browser (issue 17): a page of another origin tries every
// write and read of a running studycore; nothing may change and nothing may be readable.
// Then the portal's unmodified frontend is driven to show it still works. See README.md.
//
// It owns ports 5000 (studycore), 5173 (Vite), 8080 (a Typing Tutor stand-in) and 9000 (the
// attacker, on 127.0.0.2), so it runs in a private network namespace, as root:
//
//   unshare -n bash -c 'ip link set lo up; NODE_PATH=<dir>/node_modules node e2e/attack.mjs'
//
//   VENV_BIN       where `studycore` and `python` are (default: the repository's .venv/bin)
//   BOOTCAMP_DIR   checkout of ExamProCo/free-genai-bootcamp-2025 with
//                  lang-portal/frontend-react (npm ci done) and typing-tutor/public
//                  (default /work/ext/bootcamp)
//   CHROMIUM       browser binary (default /usr/bin/chromium)
//   RUN_TIMEOUT_S  bound on the whole run (default 300)
//
// Exit code: 0 PASS, 1 FAIL, 2 could not run. The report (every attempt, the server's
// request log) is written to e2e/screenshots/attack/.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const puppeteer = require('puppeteer-core');

const HERE = dirname(fileURLToPath(import.meta.url));
const VENV_BIN = process.env.VENV_BIN || join(resolve(HERE, '..'), '.venv/bin');
const BOOTCAMP_DIR = process.env.BOOTCAMP_DIR || '/work/ext/bootcamp';
const FRONTEND_DIR = join(BOOTCAMP_DIR, 'lang-portal/frontend-react');
const TUTOR_DIR = join(BOOTCAMP_DIR, 'typing-tutor/public');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const RUN_TIMEOUT_MS = 1000 * Number(process.env.RUN_TIMEOUT_S || 300);
const OUT = join(HERE, 'screenshots/attack');

const API = 'http://127.0.0.1:5000';
// The attacker's page: a name that is not loopback, served from 127.0.0.2 (Chromium maps it).
const ATTACKER = 'http://attacker.test:9000';
// DNS rebinding: a foreign name that now resolves to the learner's 127.0.0.1.
const REBOUND = 'http://rebind.test:5000';
const FRONTEND = 'http://localhost:5173';
const TUTOR = 'http://localhost:8080';
// Chromium's local-network-access protection would block a public page's requests to
// loopback by itself: off, so that every attempt really reaches studycore (names of
// Chromium 120-156; an unknown name is ignored).
const LOCAL_NETWORK_FEATURES = [
  'LocalNetworkAccessChecks', 'LocalNetworkAccessChecksWebSockets', 'PrivateNetworkAccessSendPreflights',
  'PrivateNetworkAccessRespectPreflightResults', 'BlockInsecurePrivateNetworkRequests',
  'BlockInsecurePrivateNetworkRequestsFromPrivate', 'BlockInsecurePrivateNetworkRequestsFromUnknown',
];
const REFUSALS = {
  origin: { status: 403, error: 'Origin not allowed: add it to CORS_ORIGINS' },
  host: { status: 400, error: 'Host not allowed: add it to TRUSTED_HOSTS' },
};
// A body each write accepts (the tests' VALID_BODIES), by view: what the attacker would send.
const PAYLOADS = {
  create_study_session: (ids) => ({ group_id: ids.group_id, study_activity_id: ids.activity_id }),
  review_word: () => ({ correct: true }),
  review: (ids) => ({ word_id: ids.word_id, correct: true }), // the Typing Tutor's answer
  review_batch: (ids) => ({ reviews: [{ word_id: ids.word_id, is_correct: true }] }), // before issue 16
  reset: () => null,
};
const view = (route) => route.endpoint.split('.').pop();

// ---------------------------------------------------------------- bookkeeping
const t0 = Date.now();
const log = (...a) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const failures = [];
const attempts = []; // {phase, route, kind, logged, page}
const children = [];
const servers = [];
let browser = null;

function check(ok, what) {
  if (!ok) { failures.push(what); log('FAIL:', what); }
  return ok;
}

async function waitFor(fn, { timeout = 10000, interval = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    const value = await fn().catch(() => null);
    if (value) return value;
    await sleep(interval);
  }
  throw new Error(`timeout after ${timeout} ms waiting for ${what}`);
}

async function http(method, url, body) {
  const res = await fetch(url, {
    method,
    headers: method === 'GET' ? {} : { 'Content-Type': 'application/json' },
    body: body == null ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10000),
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

function run(command, args, env = {}) {
  const done = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60000 });
  if (done.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${done.stderr || done.error}`);
  return done.stdout;
}

function start(name, command, args, { cwd, env = {} } = {}) {
  const logFile = join(OUT, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
  closeSync(fd);
  child.on('exit', () => { child.exited = true; });
  children.push(child);
  log(`started ${name} (pid ${child.pid}), log ${logFile}`);
  return child;
}

async function stop(child) {
  if (child.exited) return;
  try { process.kill(-child.pid, 'SIGTERM'); } catch { return; }
  await waitFor(async () => child.exited, { timeout: 10000, what: `pid ${child.pid} to stop` })
    .catch(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } });
}

// ---------------------------------------------------------------- studycore and its log
const SERVER_LOG = join(OUT, 'studycore.log');
const REQUEST_LINE = / INFO web\.requests (\S+) (\S+) (\d{3}) /;

/** The request lines studycore logged so far: [{method, path, status}]. */
function requestLog() {
  return readFileSync(SERVER_LOG, 'utf8').split('\n').map((line) => REQUEST_LINE.exec(line))
    .filter(Boolean).map(([, method, path, status]) => ({ method, path, status: Number(status) }));
}

async function startStudycore(databaseUrl, env = {}) {
  const environment = { DATABASE_URL: databaseUrl, LOG_LEVEL: 'INFO', CORS_ORIGINS: '', TRUSTED_HOSTS: '', ...env };
  const server = start('studycore', join(VENV_BIN, 'studycore'),
    ['serve', '--host', '127.0.0.1', '--port', '5000', '--workers', '1', '--threads', '8'], { env: environment });
  await waitFor(() => http('GET', `${API}/healthz`).then((r) => r.status === 200), { timeout: 30000, what: 'studycore' });
  return server;
}

/** Rows per table, every session and every count, read from the database itself. */
function databaseState(databaseUrl) {
  // The rows, not only their numbers: a reset then a new session with one answer keeps
  // the counts (and, where ids are reused, even the ids), never the creation times.
  return run(join(VENV_BIN, 'python'), ['-I', '-c', `
import json, sys
from sqlalchemy import func, select
from studycore import open_database
from studycore.models import Base, StudySession, WordReviewItem
database = open_database(sys.argv[1])
with database.sessions() as session:
    state = {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}
    state["sessions"] = [[i, str(t)] for i, t in session.execute(select(StudySession.id, StudySession.created_at).order_by(StudySession.id))]
    state["answers"] = [list(r) for r in session.execute(select(WordReviewItem.study_session_id, WordReviewItem.word_id,
        WordReviewItem.correct, WordReviewItem.wrong).order_by(WordReviewItem.study_session_id, WordReviewItem.word_id))]
print(json.dumps(state, sort_keys=True))
database.dispose()`, databaseUrl]).trim();
}

/** Every route of the app, walked from its URL map: [{method, rule, endpoint}]. */
function appRoutes(databaseUrl) {
  return JSON.parse(run(join(VENV_BIN, 'python'), ['-I', '-c', `
import json, sys
from studycore_web import create_app
app = create_app({"DATABASE_URL": sys.argv[1]})
print(json.dumps([{"method": m, "rule": r.rule, "endpoint": r.endpoint}
                  for r in app.url_map.iter_rules() if r.endpoint != "static"
                  for m in sorted(r.methods - {"HEAD", "OPTIONS"})]))
app.extensions["studycore"].dispose()`, databaseUrl]));
}

// ---------------------------------------------------------------- the attacker's server
function serve(host, port, handler) {
  return new Promise((resolveServer, reject) => {
    const server = createServer(handler);
    server.on('error', reject);
    server.listen(port, host, () => { servers.push(server); resolveServer(server); });
  });
}

const ATTACK_PAGE = '<!doctype html><title>an attacker</title><iframe name="sink" hidden></iframe>';
// The Typing Tutor stand-in: the tutor's own answer-sending code (src/player_data.js,
// unmodified), called as its game calls it, for the session "Launch Now" opened it with.
const TUTOR_PAGE = `<!doctype html><title>tutor stand-in</title>
<script>
window.Data = { study_session_id: new URLSearchParams(location.search).get('session_id') };
window.logged = []; // what send_review logs: the answer it got, or its error
for (const level of ['log', 'error']) {
  const original = console[level];
  console[level] = (...args) => { window.logged.push(args.map((a) => (a instanceof Error ? String(a) : a))); original(...args); };
}
</script>
<script src="/src/player_data.js"></script>
<script>(async () => {
  const session = await (await fetch('http://127.0.0.1:5000/api/study-sessions/' + Data.study_session_id)).json();
  await new PlayerData().send_review(session.words[0].id, true);
  document.title = 'answered';
})();</script>`;

// ---------------------------------------------------------------- the attempts (in the page)
// Each runs in the attacker's page and says what the page could see.
const WRITE_ATTEMPTS = {
  'no-cors fetch, no body': (url) => fetch(url, { method: 'POST', mode: 'no-cors' })
    .then((r) => ({ type: r.type, status: r.status }), (e) => ({ error: String(e) })),
  'no-cors fetch, text/plain JSON body': (url, json) => fetch(url, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: json })
    .then((r) => ({ type: r.type, status: r.status }), (e) => ({ error: String(e) })),
  'form post, text/plain': (url, json) => {
    // The classic JSON-by-form trick: the body is name=value, shaped to parse as JSON.
    const form = Object.assign(document.createElement('form'), { method: 'POST', action: url, enctype: 'text/plain', target: 'sink' });
    const input = Object.assign(document.createElement('input'), { name: json === '{}' ? '{"x":"' : `${json.slice(0, -1)},"x":"`, value: '"}' });
    form.append(input); document.body.append(form); form.submit(); form.remove();
    return { submitted: true };
  },
  'form post, urlencoded': (url, json) => {
    const form = Object.assign(document.createElement('form'), { method: 'POST', action: url, target: 'sink' });
    for (const [name, value] of Object.entries(JSON.parse(json))) {
      form.append(Object.assign(document.createElement('input'), { name, value: typeof value === 'object' ? JSON.stringify(value) : String(value) }));
    }
    document.body.append(form); form.submit(); form.remove();
    return { submitted: true };
  },
  sendBeacon: (url, json) => ({ queued: navigator.sendBeacon(url, json) }),
  'preflighted JSON fetch': (url, json) => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: json })
    .then(async (r) => ({ status: r.status, body: await r.text() }), (e) => ({ error: String(e) })),
};
const READ_ATTEMPT = (url) => fetch(url).then(async (r) => ({ status: r.status, body: await r.text() }), (e) => ({ error: String(e) }));

/** Run one attempt and wait until studycore logged what it should: the proof it arrived. */
async function attempt(page, phase, route, kind, fn, json, expected) {
  const seen = requestLog().length;
  const result = await page.evaluate(fn, route.url, json);
  const arrived = () => requestLog().slice(seen).filter((l) => l.path === route.path);
  const logged = await waitFor(async () => {
    const lines = arrived();
    return expected.every((e) => lines.some((l) => l.method === e.method)) && lines;
  }, { timeout: 5000, what: `${kind} ${route.path} in the request log` }).catch(() => arrived());
  if (kind === 'preflighted JSON fetch') await sleep(300); // a POST after the preflight would show by now
  const after = arrived();
  attempts.push({ phase, route: `${route.method} ${route.path}`, kind, logged: after, page: result });
  return { result, logged: logged || after };
}

async function attackFromAnotherOrigin(page, routes, databaseUrl, stateBefore) {
  await page.goto(`${ATTACKER}/`, { waitUntil: 'load' });
  check(new URL(page.url()).origin === ATTACKER, `the attacker page is at ${ATTACKER}`);
  for (const route of routes.filter((r) => r.method !== 'GET')) {
    const json = JSON.stringify(route.payload ?? {});
    for (const [kind, fn] of Object.entries(WRITE_ATTEMPTS)) {
      const preflighted = kind === 'preflighted JSON fetch';
      const expected = preflighted ? [{ method: 'OPTIONS' }] : [{ method: 'POST' }];
      const { result, logged } = await attempt(page, 'attack', route, kind, fn, json, expected);
      const where = `${kind} → ${route.method} ${route.path}`;
      if (preflighted) {
        check(logged.some((l) => l.method === 'OPTIONS'), `${where}: the preflight reached studycore`);
        check(!logged.some((l) => l.method === 'POST'), `${where}: the browser sent no POST after the refused preflight`);
        check('error' in result, `${where}: the page got an error, not a response (${JSON.stringify(result).slice(0, 120)})`);
      } else {
        const posts = logged.filter((l) => l.method === 'POST');
        check(posts.length === 1 && posts[0].status === REFUSALS.origin.status,
          `${where}: reached studycore once and was refused 403 (log: ${JSON.stringify(logged)})`);
      }
    }
  }
  for (const route of routes.filter((r) => r.method === 'GET')) {
    const { result, logged } = await attempt(page, 'attack', route, 'CORS fetch', READ_ATTEMPT, null, [{ method: 'GET' }]);
    const where = `CORS fetch → GET ${route.path}`;
    check(logged.some((l) => l.method === 'GET' && l.status === 200), `${where}: reached studycore (200)`);
    check('error' in result && !('body' in result), `${where}: nothing readable (${JSON.stringify(result).slice(0, 120)})`);
  }
  check(databaseState(databaseUrl) === stateBefore, 'the database is unchanged after every attempt from the attacker page');
}

async function attackByRebinding(page, routes, databaseUrl, stateBefore) {
  // The page's own name now points at 127.0.0.1: same origin as "the server", past CORS.
  const seen = requestLog().length;
  const answer = await page.goto(`${REBOUND}/dashboard/stats`, { waitUntil: 'load' });
  const document = await answer.json().catch(() => null);
  check(answer.status() === 400 && document?.error === REFUSALS.host.error, `DNS rebinding: ${REBOUND}/dashboard/stats is 400 "${document?.error}"`);
  const sameOrigin = await page.evaluate(async (paths) => Promise.all(paths.map(async ([method, path]) => {
    const r = await fetch(path, { method, headers: method === 'GET' ? {} : { 'Content-Type': 'application/json' } });
    return { method, path, status: r.status, body: await r.json() };
  })), routes.map((r) => [r.method, r.path]));
  for (const r of sameOrigin) {
    check(r.status === 400 && JSON.stringify(r.body) === JSON.stringify({ error: REFUSALS.host.error }),
      `DNS rebinding: same-origin ${r.method} ${r.path} is 400 with no data`);
  }
  const logged = requestLog().slice(seen);
  check(logged.length >= routes.length + 1 && logged.every((l) => l.status === 400), `DNS rebinding: all ${logged.length} requests reached studycore and were 400`);
  attempts.push({ phase: 'rebinding', route: `${routes.length} routes`, kind: 'same-origin fetch as rebind.test', logged, page: sameOrigin });
  check(databaseState(databaseUrl) === stateBefore, 'the database is unchanged after the rebinding page');
}

// ---------------------------------------------------------------- the portal's frontend
async function visit(page, path, text, apiAnswers, { calls = true } = {}) {
  const before = apiAnswers.length;
  await page.goto(`${FRONTEND}${path}`, { waitUntil: 'domcontentloaded', timeout: 30000 });
  const ready = async () => (!calls || apiAnswers.length > before) && page.evaluate((t) => document.body.innerText.includes(t), text);
  const shown = await waitFor(ready, { timeout: 20000, what: `"${text}" on ${path}` }).catch(() => false);
  await sleep(500);
  const errors = await page.$$eval('.text-red-500', (es) => es.map((e) => e.textContent.trim()).filter((t) => /error|fail|not found/i.test(t)));
  const answers = apiAnswers.slice(before);
  const bad = answers.filter((a) => a.status >= 400 || a.failed);
  check(shown && errors.length === 0 && bad.length === 0,
    `frontend ${path}: shows "${text}", ${answers.length} API answers${bad.length ? `, bad: ${JSON.stringify(bad)}` : ''}${errors.length ? `, errors: ${errors}` : ''}`);
  log(`frontend ${path}: "${text}" shown, ${answers.length} API answers`);
}

async function driveFrontend(databaseUrl, ids) {
  const page = await browser.newPage();
  const apiAnswers = [];
  const isApi = (url) => url.startsWith('http://localhost:5000/') || url.startsWith(`${API}/`);
  page.on('response', (r) => { if (isApi(r.url())) apiAnswers.push({ method: r.request().method(), url: r.url(), status: r.status() }); });
  page.on('requestfailed', (r) => { if (isApi(r.url())) apiAnswers.push({ method: r.method(), url: r.url(), failed: r.failure()?.errorText }); });
  page.on('dialog', (dialog) => { log(`alert: ${dialog.message()}`); dialog.accept(); });

  const words = (await http('GET', `${API}/words`)).json.words;
  const group = (await http('GET', `${API}/groups/${ids.group_id}`)).json;
  const activity = (await http('GET', `${API}/api/study-activities/${ids.activity_id}`)).json;
  const word = (await http('GET', `${API}/words/${ids.word_id}`)).json.word;
  await visit(page, '/dashboard', 'Last Study Session', apiAnswers);
  await visit(page, '/study-activities', activity.title, apiAnswers);
  await visit(page, `/study-activities/${ids.activity_id}`, activity.title, apiAnswers);
  await visit(page, '/words', words[0].kanji, apiAnswers);
  await visit(page, `/words/${ids.word_id}`, word.kanji, apiAnswers);
  await visit(page, '/groups', group.group_name, apiAnswers);
  await visit(page, `/groups/${ids.group_id}`, group.group_name, apiAnswers);
  await visit(page, '/sessions', group.group_name, apiAnswers);
  await visit(page, `/sessions/${ids.study_session_id}`, word.kanji, apiAnswers);

  // "Launch Now": the frontend's POST /study_sessions, then the tutor's answer from :8080.
  await visit(page, `/study-activities/${ids.activity_id}/launch`, 'Launch Now', apiAnswers);
  await page.click('button[role="combobox"]');
  await page.waitForSelector('[role="option"]', { timeout: 10000 });
  const option = await page.evaluateHandle((name) => [...document.querySelectorAll('[role="option"]')].find((o) => o.textContent.trim() === name), group.group_name);
  await option.click();
  const tutorTab = browser.waitForTarget((t) => t.url().startsWith(TUTOR), { timeout: 20000 });
  const sessionsBefore = JSON.parse(databaseState(databaseUrl)).study_sessions;
  const posted = apiAnswers.length;
  await (await page.evaluateHandle(() => [...document.querySelectorAll('button')].find((b) => b.textContent.includes('Launch Now')))).click();
  const tutorTarget = await tutorTab;
  const launched = new URL(tutorTarget.url());
  const newSession = Number(launched.searchParams.get('session_id'));
  await page.waitForFunction((s) => location.pathname === `/sessions/${s}`, { timeout: 15000 }, newSession).catch(() => null);
  const create = apiAnswers.slice(posted).find((a) => a.method === 'POST');
  check(create?.status === 201, `frontend "Launch Now": POST /study_sessions from ${FRONTEND} is 201 (${JSON.stringify(create)})`);
  check(JSON.parse(databaseState(databaseUrl)).study_sessions === sessionsBefore + 1 && new URL(page.url()).pathname === `/sessions/${newSession}`,
    `frontend "Launch Now": session ${newSession} written, the page moved to /sessions/${newSession}`);
  const tutorPage = await tutorTarget.page();
  const tutorLogged = await waitFor(() => tutorPage.evaluate(() => document.title === 'answered' && window.logged), { timeout: 15000, what: 'the tutor stand-in\'s answer' })
    .catch(() => null);
  const tutor = tutorLogged?.find((args) => args[0] === 'Review submitted:')?.[1] ?? { logged: tutorLogged };
  const tutorPost = requestLog().filter((l) => l.method === 'POST' && l.path === `/study_sessions/${newSession}/review`);
  check(tutorPost.length === 1 && tutorPost[0].status === 200 && !('error' in tutor),
    `Typing Tutor (its own player_data.js) from ${TUTOR}: its answer is counted (studycore answered ${tutorPost[0]?.status}: ${JSON.stringify(tutor).slice(0, 160)})`);
  attempts.push({ phase: 'frontend', route: `POST /study_sessions/${newSession}/review`, kind: 'the tutor\'s send_review', logged: tutorPost, page: tutor });
  await tutorPage.close();
  await page.bringToFront(); // a tab in the background paints no frames: clicks would wait

  // "Reset History" (Settings): the frontend's JSON POST with no body.
  await visit(page, '/settings', 'Reset History', apiAnswers, { calls: false });
  const reset = apiAnswers.length;
  await (await page.evaluateHandle(() => [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Reset History'))).click();
  await page.type('input[type="text"]', 'reset me');
  await (await page.evaluateHandle(() => [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Confirm Reset'))).click();
  await waitFor(async () => apiAnswers.slice(reset).find((a) => a.method === 'POST'), { timeout: 10000, what: 'the reset' }).catch(() => null);
  const resetAnswer = apiAnswers.slice(reset).find((a) => a.method === 'POST');
  check(resetAnswer?.status === 200 && JSON.parse(databaseState(databaseUrl)).study_sessions === 0,
    `frontend "Reset History": 200 and the history is empty (${JSON.stringify(resetAnswer)})`);
  await visit(page, '/dashboard', 'Last Study Session', apiAnswers);
  return apiAnswers;
}

// ---------------------------------------------------------------- the control
async function controlWithEveryOriginAllowed(page, databaseUrl, routes) {
  // CORS_ORIGINS='*' opens the API to every page: the same harness must then see the
  // attacker read data and reset the history, or its PASS above would prove nothing.
  await page.goto(`${ATTACKER}/`, { waitUntil: 'load' });
  await http('POST', `${API}/study_sessions`, PAYLOADS.create_study_session(routes.ids));
  const before = databaseState(databaseUrl);
  const read = await page.evaluate(READ_ATTEMPT, `${API}/dashboard/stats`);
  const reset = routes.list.find((r) => r.path === '/api/study-sessions/reset');
  const write = await page.evaluate(WRITE_ATTEMPTS['preflighted JSON fetch'], reset.url, '{}');
  const simple = await page.evaluate(WRITE_ATTEMPTS['no-cors fetch, text/plain JSON body'], reset.url, '{}');
  const after = databaseState(databaseUrl);
  check(read.status === 200 && read.body.includes('total_sessions'), `control (CORS_ORIGINS='*'): the attacker reads /dashboard/stats (${read.body?.slice(0, 60)})`);
  check(write.status === 200 && before !== after && JSON.parse(after).study_sessions === 0, 'control (CORS_ORIGINS=\'*\'): the attacker\'s preflighted JSON reset goes through and the harness sees the change');
  check(simple.type === 'opaque' && requestLog().at(-1).status === 400, 'control (CORS_ORIGINS=\'*\'): a simple text/plain reset is still 400 (Content-Type), even then');
  attempts.push({ phase: 'control', route: 'GET /dashboard/stats, POST /api/study-sessions/reset', kind: "CORS_ORIGINS='*'", logged: requestLog().slice(-4), page: { read: read.status, write: write.status, simple } });
}

// ---------------------------------------------------------------- main
function inPrivateNetwork() {
  // `unshare -n` leaves a loopback device only: nothing to clash with, nothing reachable.
  return Object.keys(networkInterfaces()).every((name) => name === 'lo');
}

async function main() {
  if (!inPrivateNetwork()) {
    console.error("run me in a private network namespace: unshare -n bash -c 'ip link set lo up; node e2e/attack.mjs'");
    process.exit(2);
  }
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const databaseUrl = `sqlite:///${join(OUT, 'attack.sqlite3')}`;
  run(join(VENV_BIN, 'studycore'), ['--database-url', databaseUrl, 'db', 'upgrade']);
  run(join(VENV_BIN, 'studycore'), ['--database-url', databaseUrl, 'demo']);
  let server = await startStudycore(databaseUrl);

  // The learner's history: a session with one answer (a program: no Origin).
  const activity = (await http('GET', `${API}/api/study-activities`)).json.find((a) => a.title === 'Typing Tutor');
  const created = (await http('POST', `${API}/study_sessions`, { group_id: 1, study_activity_id: activity.id })).json;
  const ids = { study_session_id: created.id, word_id: created.words[0].id, group_id: created.group_id, activity_id: activity.id };
  check((await http('POST', `${API}/study_sessions/${ids.study_session_id}/review`, { reviews: [{ word_id: ids.word_id, is_correct: true }] })).status === 200, 'the learner\'s own answer is counted');
  const list = appRoutes(databaseUrl).map((r) => {
    const path = r.rule.replace(/<(?:\w+:)?(\w+)>/g, (_, name) => String(ids[name]));
    const payload = r.method === 'GET' ? null : (PAYLOADS[view(r)] ?? (() => ({})))(ids);
    return { ...r, path, url: `${API}${path}`, payload };
  });
  check(list.some((r) => r.method === 'POST') && list.some((r) => r.method === 'GET'), `routes walked from the URL map: ${list.length}`);
  for (const r of list.filter((route) => route.method !== 'GET' && !(view(route) in PAYLOADS))) check(false, `no attacker payload for the new write ${r.endpoint}`);
  const stateBefore = databaseState(databaseUrl);
  log(`database before: ${stateBefore.slice(0, 160)}…`);

  await serve('127.0.0.2', 9000, (req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(ATTACK_PAGE));
  await serve('127.0.0.1', 8080, (req, res) => {
    if (req.url === '/src/player_data.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(readFileSync(join(TUTOR_DIR, 'src/player_data.js')));
    else res.writeHead(200, { 'Content-Type': 'text/html' }).end(TUTOR_PAGE);
  });
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--host-resolver-rules=MAP attacker.test 127.0.0.2, MAP rebind.test 127.0.0.1',
      // The attacker's server counts as a public website, as a real attacker's would.
      '--ip-address-space-overrides=127.0.0.2:9000=public',
      `--disable-features=${LOCAL_NETWORK_FEATURES.join(',')}`],
  });
  log(`Chromium ${await browser.version()}`);
  const page = await browser.newPage();

  await attackFromAnotherOrigin(page, list, databaseUrl, stateBefore);
  log(`attacks from ${ATTACKER}: ${attempts.length} attempts, database ${databaseState(databaseUrl) === stateBefore ? 'unchanged' : 'CHANGED'}`);
  await attackByRebinding(page, list, databaseUrl, stateBefore);

  const vite = start('vite', join(FRONTEND_DIR, 'node_modules/.bin/vite'), ['--port', '5173', '--strictPort', '--host', 'localhost'], { cwd: FRONTEND_DIR, env: { BROWSER: 'none' } });
  await waitFor(() => fetch(`${FRONTEND}/`).then((r) => r.ok), { timeout: 60000, interval: 500, what: 'vite' });
  const apiAnswers = await driveFrontend(databaseUrl, ids);
  await stop(vite);

  await stop(server);
  server = await startStudycore(databaseUrl, { CORS_ORIGINS: '*' });
  await controlWithEveryOriginAllowed(page, databaseUrl, { list, ids });
  await stop(server);

  writeFileSync(join(OUT, 'report.json'), JSON.stringify({ failures, attempts, frontend: apiAnswers }, null, 2));
  summarize(list);
}

function summarize(list) {
  const attack = attempts.filter((a) => a.phase === 'attack');
  const byKind = {};
  for (const a of attack) {
    const row = (byKind[a.kind] ??= { attempts: 0, reached: 0, statuses: {} });
    row.attempts += 1;
    if (a.logged.length) row.reached += 1;
    for (const l of a.logged) row.statuses[`${l.method} ${l.status}`] = (row.statuses[`${l.method} ${l.status}`] || 0) + 1;
  }
  console.log(`\n${list.filter((r) => r.method !== 'GET').length} write routes, ${list.filter((r) => r.method === 'GET').length} read routes (URL map), attacker page ${ATTACKER}`);
  console.log('attempt                               | tries | reached studycore | studycore answered');
  for (const [kind, row] of Object.entries(byKind)) {
    console.log(`${kind.padEnd(38)}| ${String(row.attempts).padStart(5)} | ${String(row.reached).padStart(17)} | ${JSON.stringify(row.statuses)}`);
  }
  console.log(`\n${failures.length ? `FAIL (${failures.length}):\n  ${failures.join('\n  ')}` : 'PASS'}  (report: ${join(OUT, 'report.json')})`);
}

const deadline = setTimeout(() => { console.error(`timeout after ${RUN_TIMEOUT_MS} ms`); cleanup().then(() => process.exit(2)); }, RUN_TIMEOUT_MS);
async function cleanup() {
  await browser?.close().catch(() => null);
  for (const s of servers) s.close();
  for (const child of children) await stop(child);
}

main()
  .then(async () => { clearTimeout(deadline); await cleanup(); process.exit(failures.length ? 1 : 0); })
  .catch(async (error) => { console.error(error); clearTimeout(deadline); await cleanup(); process.exit(2); });
