#!/usr/bin/env node
// The real-client loop: the portal's unmodified React frontend and its Typing Tutor,
// in headless Chromium, against a running studycore server. See README.md.
//
//   STUDYCORE_URL  where this script checks studycore itself (default http://127.0.0.1:5000).
//                  The two clients have their server hard-coded: the frontend calls
//                  http://localhost:5000, the tutor http://127.0.0.1:5000.
//   BOOTCAMP_DIR   checkout of github.com/ExamProCo/free-genai-bootcamp-2025 (default
//                  /work/ext/bootcamp) with lang-portal/frontend-react (npm ci done) and
//                  typing-tutor/public.
//   TUTOR_GROUP    group to launch the tutor with, by id or exact name (default: the first
//                  group of the launch page whose /words/raw the tutor can play).
//   MIN_CORRECT    correct answers to type before quitting the game (default 4; plus 1 miss).
//   GAME_TIMEOUT_S bound on the game phase (default 180). RUN_TIMEOUT_S bounds everything (600).
//   CHROMIUM       browser binary (default /usr/bin/chromium).
//
// Exit code: 0 PASS, 1 FAIL, 2 could not run (setup/timeout).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { listAudio, tutorAudioFiles, wordShapeProblems } from './lib/tutor_audio.mjs';

const require = createRequire(import.meta.url);
const puppeteer = require('puppeteer-core');

const HERE = dirname(fileURLToPath(import.meta.url));
const STUDYCORE_URL = (process.env.STUDYCORE_URL || 'http://127.0.0.1:5000').replace(/\/+$/, '');
const BOOTCAMP_DIR = process.env.BOOTCAMP_DIR || '/work/ext/bootcamp';
const FRONTEND_DIR = join(BOOTCAMP_DIR, 'lang-portal/frontend-react');
const TUTOR_DIR = join(BOOTCAMP_DIR, 'typing-tutor/public');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FRONTEND = 'http://localhost:5173';
const TUTOR_ORIGIN = 'http://localhost:8080';
const MIN_CORRECT = Number(process.env.MIN_CORRECT || 4);
const GAME_TIMEOUT_MS = 1000 * Number(process.env.GAME_TIMEOUT_S || 180);
const RUN_TIMEOUT_MS = 1000 * Number(process.env.RUN_TIMEOUT_S || 600);
const OUT = join(HERE, 'screenshots');
const PHASER_FILE = join(HERE, 'node_modules/phaser/dist/phaser.min.js');
// Both clients' API hosts: the frontend's and the tutor's (they differ).
const API_ORIGINS = ['http://localhost:5000', 'http://127.0.0.1:5000'];
const REVIEW_PATH = /^\/study_sessions\/(\d+)\/review\/?$/;

// ---------------------------------------------------------------- bookkeeping
const t0 = Date.now();
const log = (...a) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const failures = [];      // strings: why the run fails
const warnings = [];      // strings: worth knowing, not a failure
const consoleMsgs = [];   // {tab, type, text}
const pageErrors = [];    // {tab, text}
const failedRequests = []; // {tab, method, url, error}
const badResponses = [];  // {method, url, status, body}
const reviewPosts = [];   // what the tutor tab sent: {seq, sessionId, body, word_id, correct, contentType, status, response}
const interceptLog = [];  // first requests seen by the browser-level interceptor, per tab
const apiCalls = [];      // every request either client made to studycore: {method, path, status}
let shotNo = 0;
let phaserServed = 0;
const children = [];
let browser = null;

function fail(msg) { failures.push(msg); log('FAIL:', msg); }
function warn(msg) { warnings.push(msg); log('warn:', msg); }

async function withTimeout(promise, ms, what) {
  let timer;
  try {
    return await Promise.race([
      promise,
      new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`timeout after ${ms} ms: ${what}`)), ms); }),
    ]);
  } finally { clearTimeout(timer); }
}

async function waitFor(fn, { timeout = 10000, interval = 200, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try { last = await fn(); if (last) return last; } catch (e) { if (e.fatal) throw e; last = e; }
    await sleep(interval);
  }
  throw new Error(`timeout after ${timeout} ms waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`);
}

async function http(method, url, body, timeout = 10000) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeout);
  try {
    const res = await fetch(url, {
      method, signal: ctl.signal,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json, text };
  } finally { clearTimeout(timer); }
}

async function shot(page, name, opts = {}) {
  const file = join(OUT, `${String(++shotNo).padStart(2, '0')}-${name}.png`);
  try {
    // A tab in the background may never paint, and its screenshot then waits forever.
    await withTimeout(page.bringToFront(), 5000, `bring ${name} to front`);
    await withTimeout(page.screenshot({ path: file, fullPage: opts.fullPage ?? true }), 20000, `screenshot ${name}`);
    log('screenshot', file);
  } catch (e) { warn(`screenshot ${name} failed: ${e.message}`); }
  return file;
}

// ---------------------------------------------------------------- servers
function start(name, cmd, args, cwd) {
  const logFile = join(OUT, `${name}.log`);
  const fd = openSync(logFile, 'w');
  const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, BROWSER: 'none' } });
  closeSync(fd);
  child.on('exit', (code, signal) => { child.exited = true; if (!child.stopping) log(`${name} exited early (code ${code}, signal ${signal}); see ${logFile}`); });
  children.push({ name, child });
  log(`started ${name} (pid ${child.pid}): ${cmd} ${args.join(' ')}  [log ${logFile}]`);
  return child;
}

async function stopAll() {
  for (const { name, child } of children.reverse()) {
    if (child.exited) continue;
    child.stopping = true;
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
    const end = Date.now() + 4000;
    while (!child.exited && Date.now() < end) await sleep(100);
    if (!child.exited) { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }
    log(`stopped ${name}`);
  }
  children.length = 0;
}

async function portAnswers(url) {
  try { const r = await http('GET', url, undefined, 2000); return r.status; } catch { return 0; }
}

// ---------------------------------------------------------------- browser-level interception
// One CDP session on the browser target with Fetch.enable: it pauses the requests of
// every tab, including the very first (document) request of the tab that "Launch Now"
// opens with window.open, which a per-page hook attached after the tab exists can miss.
async function interceptEverything(b) {
  const phaserUrl = tutorPhaserUrl();
  const phaserBody = readFileSync(PHASER_FILE).toString('base64');
  const cdp = await b.target().createCDPSession();
  const byId = new Map();
  cdp.on('Fetch.requestPaused', async (ev) => {
    const { requestId, request, resourceType } = ev;
    const url = request.url;
    try {
      if (ev.responseStatusCode !== undefined || ev.responseErrorReason !== undefined) {
        // Response stage (studycore's answers only).
        const status = ev.responseStatusCode;
        const entry = byId.get(ev.networkId || requestId) || byId.get(requestId);
        let body = null;
        if (status !== undefined && (status < 200 || status >= 300 || entry)) {
          try {
            const r = await cdp.send('Fetch.getResponseBody', { requestId });
            body = r.base64Encoded ? Buffer.from(r.body, 'base64').toString('utf8') : r.body;
          } catch { /* no body */ }
        }
        body = body && body.trim();
        if (entry) { entry.status = status ?? `error ${ev.responseErrorReason}`; entry.response = body && body.slice(0, 400); }
        { const u = new URL(url); apiCalls.push({ method: request.method, origin: u.origin, path: u.pathname + u.search, status: status ?? ev.responseErrorReason, type: ev.resourceType }); }
        if (status === undefined || status < 200 || status >= 300) {
          badResponses.push({ method: request.method, url, status: status ?? ev.responseErrorReason, body: body && body.slice(0, 300) });
        }
        await cdp.send('Fetch.continueRequest', { requestId });
        return;
      }
      // Request stage: every request of every tab.
      const u = new URL(url);
      if (resourceType === 'Document' && url.startsWith(TUTOR_ORIGIN)) {
        interceptLog.push({ what: 'tutor tab document request intercepted', url, frameId: ev.frameId });
      }
      if (url === phaserUrl) {
        phaserServed++;
        await cdp.send('Fetch.fulfillRequest', {
          requestId, responseCode: 200, body: phaserBody,
          responseHeaders: [
            { name: 'Content-Type', value: 'application/javascript; charset=utf-8' },
            { name: 'Access-Control-Allow-Origin', value: '*' },
            { name: 'Cache-Control', value: 'no-store' },
          ],
        });
        return;
      }
      const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
      if (!loopback && !['data:', 'blob:', 'about:', 'chrome:', 'devtools:'].includes(u.protocol)) {
        failedRequests.push({ tab: '?', method: request.method, url, error: 'blocked by the harness: not loopback (no internet here)' });
        await cdp.send('Fetch.failRequest', { requestId, errorReason: 'BlockedByClient' });
        return;
      }
      if (request.method === 'POST' && API_ORIGINS.includes(u.origin) && REVIEW_PATH.test(u.pathname)) {
        let parsed = null;
        const raw = request.postData ?? (request.postDataEntries || []).map((e) => Buffer.from(e.bytes || '', 'base64').toString('utf8')).join('');
        try { parsed = JSON.parse(raw); } catch { /* not JSON */ }
        const headers = Object.fromEntries(Object.entries(request.headers || {}).map(([k, v]) => [k.toLowerCase(), v]));
        const entry = {
          seq: reviewPosts.length + 1, t: ((Date.now() - t0) / 1000).toFixed(1), url,
          sessionId: Number(REVIEW_PATH.exec(u.pathname)[1]), body: raw,
          word_id: parsed?.word_id, correct: parsed?.correct,
          contentType: headers['content-type'], status: null, response: null,
        };
        reviewPosts.push(entry);
        byId.set(ev.networkId || requestId, entry);
        byId.set(requestId, entry);
        log(`tutor sent POST ${u.pathname} ${raw}`);
      }
      await cdp.send('Fetch.continueRequest', { requestId });
    } catch (e) {
      if (!/Invalid InterceptionId|Target closed|Session closed|No resource/i.test(e.message)) warn(`interceptor: ${url}: ${e.message}`);
    }
  });
  await cdp.send('Fetch.enable', {
    patterns: [
      { urlPattern: '*', requestStage: 'Request' },
      ...API_ORIGINS.map((o) => ({ urlPattern: `${o}/*`, requestStage: 'Response' })),
    ],
  });
  return cdp;
}

function tutorPhaserUrl() {
  const html = readFileSync(join(TUTOR_DIR, 'index.html'), 'utf8');
  const m = /<script[^>]+src="(https?:\/\/[^"]*phaser[^"]*)"/i.exec(html);
  if (!m) throw new Error('no phaser <script src> in typing-tutor/public/index.html');
  return m[1];
}

function watchPage(page, tab) {
  page.on('console', (m) => {
    const text = m.text();
    consoleMsgs.push({ tab: tab(), type: m.type(), text, url: m.location()?.url || '' });
  });
  page.on('pageerror', (e) => { pageErrors.push({ tab: tab(), text: String(e?.message || e) }); log(`page error (${tab()}): ${e?.message || e}`); });
  page.on('requestfailed', (r) => {
    const error = r.failure()?.errorText || '?';
    if (error.includes('BLOCKED_BY_CLIENT')) return; // already listed by the interceptor
    failedRequests.push({ tab: tab(), method: r.method(), url: r.url(), error });
    const e = reviewPosts.find((p) => p.url === r.url() && p.status === null && r.method() === 'POST');
    if (e) e.status = `failed ${error}`;
  });
  page.on('response', (r) => {
    const u = r.url();
    if (API_ORIGINS.some((o) => u.startsWith(o))) return; // the interceptor records studycore's
    if (r.status() >= 400) badResponses.push({ method: r.request().method(), url: u, status: r.status(), body: null });
  });
}

// Console errors that fail the run: all but a missing favicon (neither client has one at
// every path) and React's development warnings.
const ignorableConsoleError = (m) => (/^Failed to load resource/.test(m.text) && /\/favicon\.ico$/.test(m.url)) || /^Warning: /.test(m.text);

const tabName = (page) => () => {
  const u = page.url();
  return u.startsWith(TUTOR_ORIGIN) ? 'tutor' : u.startsWith(FRONTEND) ? 'frontend' : u || 'blank';
};

// ---------------------------------------------------------------- studycore preflight
async function preflight() {
  const acts = await http('GET', `${STUDYCORE_URL}/api/study-activities`);
  if (acts.status !== 200 || !Array.isArray(acts.json)) throw new Error(`GET /api/study-activities: ${acts.status} ${acts.text.slice(0, 200)}`);
  const activity = acts.json.find((a) => /typing tutor/i.test(a.title || '')) || acts.json[0];
  if (!activity) throw new Error('studycore has no study activity');
  if (!String(activity.launch_url || '').startsWith(TUTOR_ORIGIN)) warn(`activity "${activity.title}" launch_url is ${activity.launch_url}, the tutor is served at ${TUTOR_ORIGIN}`);
  const launch = await http('GET', `${STUDYCORE_URL}/api/study-activities/${activity.id}/launch`);
  if (launch.status !== 200) throw new Error(`GET /api/study-activities/${activity.id}/launch: ${launch.status}`);
  const audio = new Set(listAudio(join(TUTOR_DIR, 'audio')));
  const groups = [];
  for (const g of launch.json.groups || []) {
    const raw = await http('GET', `${STUDYCORE_URL}/groups/${g.id}/words/raw`);
    const problems = [];
    let words = [];
    if (raw.status !== 200) problems.push(`GET /groups/${g.id}/words/raw answered ${raw.status}`);
    else if (!raw.json || !Array.isArray(raw.json.words)) problems.push('/words/raw body has no "words" array');
    else {
      words = raw.json.words;
      if (!words.length) problems.push('no words');
      if (typeof raw.json.group_name !== 'string') problems.push('no "group_name" (the tutor shows it in its info bar)');
      for (const w of words) {
        const missing = tutorAudioFiles(w).filter((f) => !audio.has(f));
        if (missing.length) problems.push(`${w.kanji} ${w.romaji}: no sound ${missing.join(', ')}`);
        for (const p of wordShapeProblems(w)) problems.push(`${w.kanji ?? w.id}: ${p}`);
      }
    }
    groups.push({ id: g.id, name: g.name, words, problems });
  }
  return { activity, groups };
}

// ---------------------------------------------------------------- the tutor
const READ_STATE = (scene) => {
  const sys = scene.sys;
  const game = sys.game;
  const review = game.scene.getScene('SceneReview');
  const out = {
    active: sys.isActive(), reviewActive: !!(review && review.sys.isActive()),
    fps: Math.round(game.loop.actualFps), renderer: game.renderer && game.renderer.type, // 1 canvas, 2 webgl
    missingText: scene.missing_text ? scene.missing_text.text : null,
  };
  if (!scene.word_manager || !scene.missle) {
    out.ready = false;
    out.missing = scene.missing_text ? scene.missing_text.text : null;
    return out;
  }
  out.ready = true;
  out.mode = scene.mode;
  out.userInput = scene.userInput;
  out.hitline = game.config.height - 80;
  out.missile = { firing: scene.missle.firing, targetId: scene.missle.firing && scene.missle.word ? scene.missle.word.wordId : null };
  out.words = scene.word_manager.words.map((w, slot) => ({
    slot, falling: w.falling, targeted: w.targeted, wordId: w.wordId, dIndex: w.d_index, romaji: w.romaji, kanji: w.kanji, y: Math.round(w.y),
  }));
  out.correction = scene.mode === 'correction'
    ? { romaji: scene.correction_box.word.romaji, english: scene.correction_box.word.english, input: scene.correction_box.userInput }
    : null;
  // eslint-disable-next-line no-undef
  out.player = { score: _player_data.score, correct: _player_data.correct_words.length, failed: _player_data.failed_words.length };
  out.skylineLeft = scene.skyline.filter((b) => !b.hit).length;
  return out;
};

const typeable = (r) => typeof r === 'string' && /^[a-z ]+$/.test(r) && !r.includes('q'); // 'q' quits the game

async function playTutor(tutor, game) {
  // The scene instance, found without touching the game's code or globals: every object
  // whose prototype is SceneMain.prototype (CDP Runtime.queryObjects).
  const tutorError = () => pageErrors.find((e) => e.tab === 'tutor');
  const scene = await waitFor(async () => {
    if (tutorError()) throw Object.assign(new Error(`the tutor threw: ${tutorError().text}`), { fatal: true });
    const ready = await tutor.evaluate(() => typeof SceneMain === 'function' && typeof Phaser === 'object' && typeof Data === 'object' && !!Data);
    if (!ready) return null;
    const words = await tutor.evaluate(() => Array.isArray(Data.words) ? null : JSON.stringify(Data).slice(0, 300));
    if (words !== null) throw Object.assign(new Error(`the tutor's Data (the body of GET /groups/<id>/words/raw) has no "words" array: ${words}`), { fatal: true });
    const proto = await tutor.evaluateHandle(() => SceneMain.prototype);
    const arr = await tutor.queryObjects(proto);
    const n = await arr.evaluate((a) => a.length);
    if (!n) return null;
    return tutor.evaluateHandle((a) => a[0], arr);
  }, { timeout: 30000, interval: 500, what: 'the tutor to load Phaser, its words and SceneMain' });
  game.data = await tutor.evaluate(() => ({ group_name: Data.group_name, study_session_id: Data.study_session_id, words: Data.words.length, phaser: Phaser.VERSION }));
  log(`tutor loaded: Phaser ${game.data.phaser}, group "${game.data.group_name}", ${game.data.words} words, session ${game.data.study_session_id}`);

  let st = await waitFor(async () => {
    const s = await scene.evaluate(READ_STATE);
    if (s.missing || s.missingText) throw Object.assign(new Error(`the game says: ${s.missing || s.missingText}`), { fatal: true });
    if (tutorError()) throw Object.assign(new Error(`the tutor threw: ${tutorError().text}`), { fatal: true });
    return s.ready && s.words.some((w) => w.falling) ? s : null;
  }, { timeout: 30000, interval: 250, what: 'the first falling word' }).catch(async (e) => {
    const s = await scene.evaluate(READ_STATE).catch(() => null);
    throw new Error(`${e.message}${s && s.missing ? ` — the game says: ${s.missing}` : ''}`);
  });
  game.renderer = st.renderer === 1 ? 'canvas' : st.renderer === 2 ? 'webgl' : String(st.renderer);
  await sleep(2500); // let the first word come into view (it starts above the canvas)
  await shot(tutor, 'tutor-first-word', { fullPage: false });
  st = await scene.evaluate(READ_STATE);

  const victim = st.words.find((w) => w.falling);
  game.victim = { wordId: victim.wordId, kanji: victim.kanji, romaji: victim.romaji };
  log(`leaving "${victim.kanji}" (${victim.romaji}, word ${victim.wordId}) to fall unanswered: that is the miss`);
  let victimAlive = true;
  const fpsSamples = [];
  const typed = [];
  let corrections = 0;
  let shotCorrection = false;
  let shotPlaying = false;
  let lastFireAt = 0;
  const end = Date.now() + GAME_TIMEOUT_MS;

  while (Date.now() < end) {
    st = await scene.evaluate(READ_STATE);
    if (!st.active) { warn(`SceneMain stopped by itself (review scene active: ${st.reviewActive})`); break; }
    fpsSamples.push(st.fps);
    const sentTrue = reviewPosts.filter((p) => p.correct === true).length;
    const sentFalse = reviewPosts.filter((p) => p.correct === false).length;
    if (victimAlive && (sentFalse > 0 || st.mode === 'correction' || !st.words.some((w) => w.falling && w.slot === victim.slot && w.dIndex === victim.dIndex))) {
      victimAlive = false;
    }

    if (st.mode === 'correction') {
      if (!shotCorrection) { shotCorrection = true; await shot(tutor, 'tutor-miss-correction-box', { fullPage: false }); }
      // The player must type the missed word's romaji and Enter to go on (CorrectionBox.input).
      const c = st.correction;
      if (!/^[a-z ]+$/.test(c.romaji || '')) { fail(`cannot type the correction "${c.romaji}"`); break; }
      await tutor.keyboard.press('Shift');
      await tutor.keyboard.type(c.romaji, { delay: 15 });
      await tutor.keyboard.press('Enter');
      corrections++;
      await waitFor(async () => (await scene.evaluate((s) => s.mode)) === 'falling', { timeout: 5000, interval: 100, what: 'the correction box to close' })
        .catch((e) => warn(`correction of "${c.romaji}": ${e.message}`));
      continue;
    }

    const done = !victimAlive && sentFalse >= 1 && sentTrue >= MIN_CORRECT && !st.missile.firing;
    if (done) break;

    if (!st.missile.firing && Date.now() - lastFireAt > 300) {
      const candidates = st.words.filter((w) => w.falling && !w.targeted && typeable(w.romaji) && w.y < st.hitline - 160
        // never the word left to fall, nor a twin of it (fire() shoots the lowest match)
        && !(victimAlive && (w.slot === victim.slot || w.romaji === victim.romaji)));
      candidates.sort((a, b) => b.y - a.y);
      const target = candidates[0];
      if (target) {
        await tutor.keyboard.press('Shift'); // SceneMain.falling_input: Shift clears the input
        await tutor.keyboard.type(target.romaji, { delay: 15 });
        await tutor.keyboard.press('Enter'); // fire() at the lowest word whose romaji equals the input
        lastFireAt = Date.now();
        const after = await scene.evaluate(READ_STATE);
        if (after.missile.firing) {
          typed.push({ wordId: target.wordId, kanji: target.kanji, romaji: target.romaji });
          log(`typed "${target.romaji}" + Enter -> missile at ${target.kanji} (word ${target.wordId})`);
          if (!shotPlaying) { shotPlaying = true; await shot(tutor, 'tutor-missile-fired', { fullPage: false }); }
        } else {
          warn(`typed "${target.romaji}" but the game fired nothing (input now "${after.userInput}")`);
        }
      }
    }
    await sleep(100);
  }
  if (Date.now() >= end) fail(`game phase timed out after ${GAME_TIMEOUT_MS / 1000}s (fps ~${median(fpsSamples)}): sent ${reviewPosts.length} answers`);

  // Freeze the game before reading studycore, so that no word lands (and no answer is
  // sent) between the check and closing the tab. The game's own way out, 'q', calls
  // scene.start('SceneReview'), but index.html registers only SceneMain, so it does
  // nothing; Phaser's public ScenePlugin.pause() stops update() and the spawn timer.
  await waitFor(async () => !(await scene.evaluate((s) => s.missle && s.missle.firing)), { timeout: 6000, what: 'the missile to land' }).catch(() => {});
  await scene.evaluate((s) => s.scene.pause());
  st = await scene.evaluate(READ_STATE);
  await waitFor(() => reviewPosts.every((p) => p.status !== null), { timeout: 10000, what: 'every answer POST to be answered' })
    .catch((e) => fail(e.message));
  game.player = st.player;
  game.fps = median(fpsSamples);
  game.corrections = corrections;
  game.typed = typed;
  await shot(tutor, 'tutor-paused-at-end', { fullPage: false });
}

const median = (a) => (a.length ? [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] : null);

// ---------------------------------------------------------------- the frontend
async function gotoFrontend(page, path, readySelectorOrFn, what) {
  await withTimeout(page.goto(`${FRONTEND}${path}`, { waitUntil: 'domcontentloaded', timeout: 30000 }), 35000, `goto ${path}`);
  if (typeof readySelectorOrFn === 'string') await page.waitForSelector(readySelectorOrFn, { timeout: 20000 });
  else await page.waitForFunction(readySelectorOrFn, { timeout: 20000, polling: 200 });
  await sleep(300);
  log(`frontend ${path}: ${what}`);
}

const textOf = (page, sel) => page.$eval(sel, (e) => e.textContent.trim()).catch(() => null);

async function readSessionTable(page) {
  return page.$$eval('table tbody tr', (rows) => rows.map((r) => {
    const c = [...r.querySelectorAll('td')].map((td) => td.textContent.trim());
    return { kanji: c[0], romaji: c[1], english: c[2], correct: Number(c[3]), wrong: Number(c[4]) };
  }));
}

async function readDashboard(page) {
  return page.evaluate(() => {
    const card = (title) => [...document.querySelectorAll('h2')].find((h) => h.textContent.trim() === title)?.closest('div.rounded-lg');
    const last = card('Last Study Session')?.innerText || '';
    const quick = card('Quick Stats')?.innerText || '';
    const progress = card('Study Progress')?.innerText || '';
    const num = (re, s) => { const m = re.exec(s); return m ? Number(m[1]) : null; };
    return {
      lastText: last.replace(/\s+/g, ' '), quickText: quick.replace(/\s+/g, ' '), progressText: progress.replace(/\s+/g, ' '),
      correct: num(/(\d+)\s*correct/, last), wrong: num(/(\d+)\s*wrong/, last),
      sessions: num(/Study Sessions\s*(\d+)/, quick),
    };
  });
}

// ---------------------------------------------------------------- main
async function main() {
  mkdirSync(OUT, { recursive: true });
  for (const f of readdirSync(OUT)) if (/\.(png|log|json)$/.test(f)) rmSync(join(OUT, f));
  for (const [what, p] of [['Chromium', CHROMIUM], ['frontend-react (BOOTCAMP_DIR)', join(FRONTEND_DIR, 'package.json')],
    ['frontend-react/node_modules (npm ci there)', join(FRONTEND_DIR, 'node_modules/.bin/vite')],
    ['typing-tutor/public (BOOTCAMP_DIR)', join(TUTOR_DIR, 'index.html')], ['e2e/node_modules (npm install in e2e/)', PHASER_FILE]]) {
    if (!existsSync(p)) throw Object.assign(new Error(`missing ${what}: ${p}`), { setup: true });
  }
  if (new URL(STUDYCORE_URL).port !== '5000') warn(`STUDYCORE_URL is ${STUDYCORE_URL}, but both clients call port 5000 (frontend: localhost:5000, tutor: 127.0.0.1:5000)`);

  // 1. studycore is up, and which groups the tutor can play.
  const health = await http('GET', `${STUDYCORE_URL}/healthz`).catch((e) => ({ status: 0, text: e.message }));
  if (health.status === 0) throw Object.assign(new Error(`studycore does not answer at ${STUDYCORE_URL}: ${health.text}`), { setup: true });
  if (health.status !== 200) warn(`GET /healthz: ${health.status} ${health.text.slice(0, 200)}`);
  const pre = await preflight();
  log(`activity ${pre.activity.id} "${pre.activity.title}" -> ${pre.activity.launch_url}; groups on its launch page:`);
  for (const g of pre.groups) log(`  group ${g.id} "${g.name}": ${g.words.length} raw words, ${g.problems.length ? `NOT playable: ${g.problems.slice(0, 4).join(' | ')}${g.problems.length > 4 ? ` (+${g.problems.length - 4} more)` : ''}` : 'playable'}`);
  const want = process.env.TUTOR_GROUP;
  let group = want ? pre.groups.find((g) => String(g.id) === want || g.name === want) : pre.groups.find((g) => !g.problems.length);
  if (!group) {
    if (want) throw Object.assign(new Error(`TUTOR_GROUP=${want} is not on the launch page`), { setup: true });
    group = pre.groups[0];
    fail(`no group on the launch page is playable by the tutor; trying "${group?.name}" anyway`);
    if (!group) throw new Error('the launch page offers no group');
  } else if (group.problems.length) fail(`group "${group.name}" is not playable: ${group.problems.slice(0, 5).join(' | ')}`);
  log(`chosen group ${group.id} "${group.name}"`);

  // 2. The two client servers.
  for (const [name, url] of [['vite', `${FRONTEND}/`], ['http-server', 'http://127.0.0.1:8080/index.html']]) {
    if (await portAnswers(url)) throw Object.assign(new Error(`something already answers at ${url} (${name}'s port): stop it first`), { setup: true });
  }
  start('vite', 'npx', ['vite', '--port', '5173', '--strictPort', '--host', 'localhost'], FRONTEND_DIR);
  start('http-server', process.execPath, [join(HERE, 'node_modules/http-server/bin/http-server'), TUTOR_DIR, '-p', '8080', '-a', '127.0.0.1', '-c-1', '--no-dotfiles'], HERE);
  await waitFor(() => portAnswers(`${FRONTEND}/`).then((s) => s === 200), { timeout: 60000, interval: 500, what: 'vite on :5173' });
  await waitFor(() => portAnswers('http://127.0.0.1:8080/index.html').then((s) => s === 200), { timeout: 30000, interval: 300, what: 'http-server on :8080' });
  log('frontend and tutor are served');

  // 3. Chromium.
  browser = await puppeteer.launch({
    executablePath: CHROMIUM, headless: true, protocolTimeout: 60000, timeout: 30000,
    defaultViewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-webgl', '--autoplay-policy=no-user-gesture-required', '--window-size=1400,900',
      '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'],
  });
  log(`browser: ${await browser.version()}`);
  await interceptEverything(browser);
  browser.on('targetcreated', async (t) => { if (t.type() === 'page') { const p = await t.page().catch(() => null); if (p) watchPage(p, tabName(p)); } });
  const page = (await browser.pages())[0] || (await browser.newPage());
  watchPage(page, tabName(page));

  // 4. Frontend: dashboard, activities, launch page.
  await gotoFrontend(page, '/dashboard', () => [...document.querySelectorAll('h2')].some((h) => h.textContent.includes('Last Study Session')) && !document.querySelector('.animate-pulse'), 'dashboard');
  const dashBefore = await readDashboard(page);
  await shot(page, 'dashboard-before');
  await gotoFrontend(page, '/study-activities', () => [...document.querySelectorAll('h3')].some((h) => /typing tutor/i.test(h.textContent)), 'study activities');
  await shot(page, 'study-activities');
  // The "Launch" link of the Typing Tutor card.
  const launchLink = await page.evaluateHandle((title) => {
    const card = [...document.querySelectorAll('h3')].find((h) => h.textContent.trim() === title)?.parentElement;
    return (card && [...card.querySelectorAll('a')].find((x) => x.textContent.trim() === 'Launch')) || null;
  }, pre.activity.title);
  const launchHref = await launchLink.evaluate((a) => a && a.getAttribute('href'));
  if (!launchHref) throw new Error(`no Launch link on the "${pre.activity.title}" card`);
  await Promise.all([page.waitForFunction((h) => location.pathname === h, { timeout: 10000 }, launchHref), launchLink.click()]);
  await page.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent.includes('Launch Now')), { timeout: 20000 });
  log(`frontend ${launchHref}: launch page`);
  await shot(page, 'launch-page');

  // 5. Choose the group in the Radix select, then "Launch Now".
  await page.click('button[role="combobox"]');
  await page.waitForSelector('[role="option"]', { timeout: 10000 });
  const options = await page.$$eval('[role="option"]', (os) => os.map((o) => o.textContent.trim()));
  const idx = options.indexOf(group.name);
  if (idx < 0) throw new Error(`group "${group.name}" not among the select's options: ${options.join(', ')}`);
  // Not full-page: Radix's Select closes itself when the window is resized.
  await shot(page, 'launch-select-open', { fullPage: false });
  const opt = await page.evaluateHandle((n) => [...document.querySelectorAll('[role="option"]')].find((o) => o.textContent.trim() === n) || null, group.name);
  if (!(await opt.evaluate((o) => !!o))) throw new Error(`the select closed before "${group.name}" could be clicked`);
  await opt.click();
  await page.waitForFunction((n) => document.querySelector('button[role="combobox"]')?.textContent.trim() === n, { timeout: 10000 }, group.name);
  await shot(page, 'launch-group-chosen');
  const tutorTarget = browser.waitForTarget((t) => t.type() === 'page' && t.url().startsWith(TUTOR_ORIGIN), { timeout: 20000 });
  const launchButton = await page.evaluateHandle(() => [...document.querySelectorAll('button')].find((b) => b.textContent.includes('Launch Now')));
  await launchButton.click();
  const target = await tutorTarget;
  const tutorUrl = new URL(target.url());
  const sessionId = Number(tutorUrl.searchParams.get('session_id'));
  const groupId = Number(tutorUrl.searchParams.get('group_id'));
  log(`"Launch Now" opened ${tutorUrl} (session ${sessionId}, group ${groupId})`);
  if (groupId !== group.id) fail(`the tutor was opened with group_id=${groupId}, the chosen group is ${group.id}`);
  if (!interceptLog.some((i) => i.url === target.url() || i.url.startsWith(`${TUTOR_ORIGIN}/?`))) fail('the tutor tab\'s first (document) request was not seen by the interceptor');
  await page.waitForFunction((s) => location.pathname === `/sessions/${s}`, { timeout: 15000 }, sessionId)
    .then(() => log(`the frontend tab went on to /sessions/${sessionId}`))
    .catch(() => fail(`the frontend did not navigate to /sessions/${sessionId} after Launch Now (at ${page.url()})`));
  await sleep(800);
  await shot(page, 'session-page-at-launch');

  // 6. Play.
  const tutor = await target.page();
  await tutor.bringToFront(); // the keyboard goes to the front tab
  const game = {};
  try {
    await playTutor(tutor, game);
  } catch (e) {
    fail(`tutor: ${e.message}`);
    await shot(tutor, 'tutor-failure', { fullPage: false });
  }
  if (phaserServed === 0) fail('the tutor never asked for Phaser from the CDN (interception did not run)');
  if (game.renderer && game.renderer !== 'canvas') warn(`the game runs with the ${game.renderer} renderer (expected canvas with --disable-webgl)`);
  await tutor.close().catch(() => {});
  await page.bringToFront();

  // 7. What the tab sent vs. studycore.
  const expected = new Map(); // word_id -> {correct, wrong}
  for (const p of reviewPosts) {
    if (p.sessionId !== sessionId) fail(`answer #${p.seq} went to session ${p.sessionId}, not ${sessionId}`);
    if (typeof p.word_id !== 'number' || typeof p.correct !== 'boolean') fail(`answer #${p.seq} body is not {word_id, correct}: ${p.body}`);
    if (!(typeof p.status === 'number' && p.status >= 200 && p.status < 300)) fail(`answer #${p.seq} ${p.body} -> ${p.status} ${p.response || ''}`);
    const e = expected.get(p.word_id) || { correct: 0, wrong: 0 };
    if (p.correct === true) e.correct++; else if (p.correct === false) e.wrong++;
    expected.set(p.word_id, e);
  }
  const sentCorrect = reviewPosts.filter((p) => p.correct === true).length;
  const sentWrong = reviewPosts.filter((p) => p.correct === false).length;
  if (sentCorrect < 1) fail('the tab sent no correct answer');
  if (sentWrong < 1) fail('the tab sent no wrong answer (miss)');
  if (game.player && (game.player.correct !== sentCorrect || game.player.failed !== sentWrong)) {
    warn(`the game counted ${game.player.correct} correct / ${game.player.failed} failed, the tab sent ${sentCorrect} / ${sentWrong}`);
  }

  const db = await http('GET', `${STUDYCORE_URL}/api/study-sessions/${sessionId}`);
  const perWord = [];
  if (db.status !== 200 || !Array.isArray(db.json?.words)) fail(`GET /api/study-sessions/${sessionId}: ${db.status} ${db.text.slice(0, 200)}`);
  else {
    const inSession = new Map(db.json.words.map((w) => [w.id, w]));
    for (const [wid] of expected) if (!inSession.has(wid)) fail(`the tab answered word ${wid}, which is not in session ${sessionId}`);
    for (const w of db.json.words) {
      const e = expected.get(w.id) || { correct: 0, wrong: 0 };
      const got = { correct: w.correct ?? w.correct_count, wrong: w.wrong ?? w.wrong_count };
      const ok = got.correct === e.correct && got.wrong === e.wrong;
      if (expected.has(w.id) || !ok) perWord.push({ id: w.id, kanji: w.kanji ?? w.word, romaji: w.romaji, sent: e, db: got, ok });
      if (!ok) fail(`word ${w.id} ${w.kanji ?? w.word}: tab sent ${e.correct}✓ ${e.wrong}✗, studycore has ${got.correct}✓ ${got.wrong}✗`);
    }
  }

  // 8. The frontend's session page (all its pages) and dashboard.
  const shown = [];
  let reviewItemsShown = null;
  try {
    await gotoFrontend(page, `/sessions/${sessionId}`, () => !!document.querySelector('table tbody') && [...document.querySelectorAll('h1')].some((h) => h.textContent.includes('Study Session Details')), `session ${sessionId}`);
    reviewItemsShown = await page.evaluate(() => [...document.querySelectorAll('h2')].find((h) => h.textContent.trim() === 'Review Items')?.nextElementSibling?.textContent.trim());
    for (let pg = 1; pg <= 100; pg++) {
      const rows = await readSessionTable(page);
      shown.push(...rows);
      await shot(page, `session-page-after-p${pg}`);
      const pager = await textOf(page, 'span.px-3.py-1.text-sm');
      const m = /Page (\d+) of (\d+)/.exec(pager || '');
      if (!m || Number(m[1]) >= Number(m[2])) break;
      const first = rows[0]?.kanji;
      const next = await page.evaluateHandle(() => [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Next'));
      await next.click();
      await page.waitForFunction((p, f) => /Page (\d+)/.exec(document.body.innerText)?.[1] === String(p) && document.querySelector('table tbody tr td')?.textContent.trim() !== f,
        { timeout: 15000 }, pg + 1, first);
    }
  } catch (e) { fail(`frontend session page: ${e.message}`); await shot(page, 'session-page-failure'); }
  const frontendChecks = [];
  for (const w of perWord) {
    const rows = shown.filter((r) => r.kanji === w.kanji && r.romaji === w.romaji);
    const row = rows[0];
    const ok = !!row && row.correct === w.sent.correct && row.wrong === w.sent.wrong;
    frontendChecks.push({ kanji: w.kanji, expected: w.sent, shown: row ? { correct: row.correct, wrong: row.wrong } : null, ok });
    if (!ok) fail(`session page shows ${w.kanji}: ${row ? `${row.correct}✓ ${row.wrong}✗` : 'no row'}, expected ${w.sent.correct}✓ ${w.sent.wrong}✗`);
  }
  const nonzeroShown = shown.filter((r) => (r.correct || r.wrong) && !perWord.some((w) => w.kanji === r.kanji && w.romaji === r.romaji));
  for (const r of nonzeroShown) fail(`session page shows ${r.kanji} with ${r.correct}✓ ${r.wrong}✗, the tab never answered it`);
  if (db.json?.words && shown.length !== db.json.words.length) warn(`session page lists ${shown.length} rows over its pages, studycore's session has ${db.json.words.length} words`);

  let dashAfter = null;
  try {
    await gotoFrontend(page, '/dashboard', () => [...document.querySelectorAll('h2')].some((h) => h.textContent.includes('Last Study Session')) && !document.querySelector('.animate-pulse'), 'dashboard');
    dashAfter = await readDashboard(page);
    await shot(page, 'dashboard-after');
    const recent = await http('GET', `${STUDYCORE_URL}/dashboard/recent-session`);
    if (recent.json?.id !== sessionId) warn(`/dashboard/recent-session is session ${recent.json?.id}, not ${sessionId} (another session is newer?)`);
    if (dashAfter.correct !== sentCorrect || dashAfter.wrong !== sentWrong) fail(`dashboard shows ${dashAfter.correct} correct / ${dashAfter.wrong} wrong, the tab sent ${sentCorrect} / ${sentWrong}`);
    if (dashBefore.sessions !== null && dashAfter.sessions !== null && dashAfter.sessions !== dashBefore.sessions + 1) warn(`dashboard "Study Sessions" went ${dashBefore.sessions} -> ${dashAfter.sessions}`);
  } catch (e) { fail(`frontend dashboard: ${e.message}`); }
  try {
    await gotoFrontend(page, '/sessions', () => !!document.querySelector('table tbody tr'), 'sessions list');
    const listed = await page.$$eval('table tbody tr td:first-child', (tds) => tds.map((t) => t.textContent.trim()));
    if (!listed.includes(String(sessionId))) fail(`/sessions does not list session ${sessionId} on its first page (${listed.join(', ')})`);
    await shot(page, 'sessions-list');
  } catch (e) { fail(`frontend sessions list: ${e.message}`); }

  // 9. The other pages that show what the session changed, each must render without its
  // red error line: the group, the words list, the missed word, the activity's sessions.
  const tour = [];
  const visit = async (path, h1, name, check) => {
    try {
      await gotoFrontend(page, path, () => !!document.querySelector('main h1') || !!document.querySelector('main .text-red-500.text-center'), name);
      const err = await textOf(page, 'main .text-red-500.text-center');
      const title = await textOf(page, 'main h1');
      const extra = !err && check ? await check() : null;
      tour.push({ path, ok: !err && (!h1 || title === h1) && !(extra && extra.problem), title, err, ...(extra || {}) });
      if (err) fail(`frontend ${path} shows the error "${err}"`);
      else if (h1 && title !== h1) fail(`frontend ${path}: heading "${title}", expected "${h1}"`);
      if (extra?.problem) fail(`frontend ${path}: ${extra.problem}`);
      await shot(page, name);
    } catch (e) { tour.push({ path, ok: false, err: e.message }); fail(`frontend ${path}: ${e.message}`); }
  };
  await visit('/groups', 'Word Groups', 'groups');
  await visit(`/groups/${group.id}`, group.name, 'group');
  await visit('/words', 'Words', 'words');
  const missed = reviewPosts.find((p) => p.correct === false)?.word_id;
  if (missed) {
    await visit(`/words/${missed}`, 'Word Details', 'missed-word', async () => {
      const api = await http('GET', `${STUDYCORE_URL}/words/${missed}`);
      const shownCorrect = Number(await textOf(page, 'main p.text-2xl.text-green-500'));
      const shownWrong = Number(await textOf(page, 'main p.text-2xl.text-red-500'));
      const w = api.json?.word || {};
      const problem = shownWrong < (expected.get(missed)?.wrong || 0) ? `word ${missed} shows ${shownWrong} wrong over all sessions, this session alone sent ${expected.get(missed)?.wrong}`
        : shownCorrect !== w.correct_count || shownWrong !== w.wrong_count ? `word ${missed} shows ${shownCorrect}✓ ${shownWrong}✗, GET /words/${missed} says ${w.correct_count}✓ ${w.wrong_count}✗` : null;
      return { shownCorrect, shownWrong, problem };
    });
  }
  await visit(`/study-activities/${pre.activity.id}`, pre.activity.title, 'activity', async () => {
    const ids = await page.$$eval('main table tbody tr td:first-child', (tds) => tds.map((t) => t.textContent.trim()));
    return ids.includes(String(sessionId)) ? null : { problem: `the activity page's sessions table does not list session ${sessionId} (${ids.join(', ') || 'no table'})` };
  });

  for (const e of pageErrors) fail(`uncaught error in the ${e.tab} tab: ${e.text.slice(0, 200)}`);
  for (const m of consoleMsgs.filter((c) => c.type === 'error' && !ignorableConsoleError(c))) fail(`console error in the ${m.tab} tab: ${m.text.slice(0, 200)}`);
  for (const r of failedRequests.filter((f) => API_ORIGINS.some((o) => f.url.startsWith(o)))) fail(`request to studycore failed: ${r.method} ${r.url} ${r.error}`);
  for (const r of badResponses.filter((b) => API_ORIGINS.some((o) => b.url.startsWith(o)))) fail(`studycore answered ${r.status}: ${r.method} ${r.url} ${r.body ? r.body.slice(0, 150) : ''}`);
  return { sessionId, groupId, group: { id: group.id, name: group.name }, pre, game, sentCorrect, sentWrong, perWord, frontendChecks, tour, shownRows: shown.length, reviewItemsShown, dashBefore, dashAfter };
}

// ---------------------------------------------------------------- report, cleanup
function summary(res, error) {
  const L = [];
  L.push('', '================ tutor_loop summary ================');
  L.push(`studycore ${STUDYCORE_URL}   frontend ${FRONTEND}   tutor ${TUTOR_ORIGIN}   bootcamp ${BOOTCAMP_DIR}`);
  if (res) {
    L.push(`session ${res.sessionId}, group ${res.group.id} "${res.group.name}"`);
    if (res.game.fps !== undefined) L.push(`game: Phaser ${res.game.data?.phaser}, renderer ${res.game.renderer}, ~${res.game.fps} fps, missed on purpose: ${res.game.victim?.kanji} (${res.game.victim?.romaji}), corrections typed: ${res.game.corrections}, game's own tally: ${JSON.stringify(res.game.player)}`);
    L.push(`Phaser served from e2e/node_modules for the CDN URL: ${phaserServed}x; tutor tab's first request intercepted: ${interceptLog.length ? 'yes' : 'NO'}`);
    L.push(`answers the tutor tab sent: ${reviewPosts.length} (${res.sentCorrect} correct, ${res.sentWrong} wrong)`);
    for (const p of reviewPosts) L.push(`  #${p.seq} t=${p.t}s POST /study_sessions/${p.sessionId}/review ${p.body}  [${p.contentType}] -> ${p.status}`);
    L.push('per word: sent by the tab | in studycore (GET /api/study-sessions/<id>) | on the frontend session page');
    for (const w of res.perWord) {
      const f = res.frontendChecks.find((x) => x.kanji === w.kanji);
      L.push(`  ${w.ok && f?.ok ? 'ok  ' : 'BAD '} word ${w.id} ${w.kanji} ${w.romaji}: sent ${w.sent.correct}✓ ${w.sent.wrong}✗ | db ${w.db.correct}✓ ${w.db.wrong}✗ | page ${f?.shown ? `${f.shown.correct}✓ ${f.shown.wrong}✗` : '—'}`);
    }
    L.push(`session page: ${res.shownRows} rows over its pages, "Review Items" shows ${res.reviewItemsShown}`);
    for (const v of res.tour || []) L.push(`  page ${v.path}: ${v.ok ? 'ok' : 'BAD'}${v.err ? ` (${v.err})` : ''}${v.shownWrong !== undefined ? ` — shows ${v.shownCorrect}✓ ${v.shownWrong}✗ over all sessions` : ''}`);
    if (res.dashAfter) L.push(`dashboard after: last session ${res.dashAfter.correct} correct / ${res.dashAfter.wrong} wrong; ${res.dashAfter.quickText}`);
    const notPlayable = res.pre.groups.filter((g) => g.problems.length);
    for (const g of notPlayable) L.push(`group not playable by the tutor: ${g.id} "${g.name}": ${g.problems.length} problem(s), e.g. ${g.problems.slice(0, 3).join(' | ')}`);
  }
  const calls = new Map();
  for (const c of apiCalls) {
    const k = `${c.method} ${c.origin}${c.path.replace(/\/\d+(?=\/|$|\?)/g, '/<id>').replace(/=\d+/g, '=N')} -> ${c.status}`;
    calls.set(k, (calls.get(k) || 0) + 1);
  }
  L.push(`requests to studycore made by the two clients (${apiCalls.length}; CORS preflights as far as Chromium sent them):`);
  for (const [k, n] of calls) L.push(`  ${n}x ${k}`);
  const errs = consoleMsgs.filter((m) => m.type === 'error');
  L.push(`console errors: ${errs.length}`);
  for (const m of errs.slice(0, 30)) L.push(`  [${m.tab}]${ignorableConsoleError(m) ? ' (ignored)' : ''} ${m.text.slice(0, 300)}${m.url ? ` @ ${m.url}` : ''}`);
  L.push(`page errors (uncaught): ${pageErrors.length}`);
  for (const m of pageErrors.slice(0, 20)) L.push(`  [${m.tab}] ${m.text.slice(0, 300)}`);
  L.push(`failed requests: ${failedRequests.length}`);
  for (const r of failedRequests.slice(0, 30)) L.push(`  [${r.tab}] ${r.method} ${r.url} ${r.error}`);
  L.push(`non-2xx responses: ${badResponses.length}`);
  for (const r of badResponses.slice(0, 30)) L.push(`  ${r.method} ${r.url} -> ${r.status} ${r.body ? r.body.replace(/\s+/g, ' ').slice(0, 200) : ''}`);
  for (const w of warnings) L.push(`warning: ${w}`);
  if (error) L.push(`ERROR: ${error.stack || error.message}`);
  for (const f of failures) L.push(`FAIL: ${f}`);
  const verdict = error ? (error.setup ? 'NOT RUN (setup)' : 'FAIL (error)') : failures.length ? 'FAIL' : 'PASS';
  L.push(`RESULT: ${verdict}${res ? ` — ${reviewPosts.length} answers sent (${res.sentCorrect}✓ ${res.sentWrong}✗), ${res.perWord.filter((w) => w.ok).length}/${res.perWord.length} words match in studycore, ${res.frontendChecks.filter((w) => w.ok).length}/${res.frontendChecks.length} on the session page` : ''}`);
  L.push(`screenshots and logs: ${OUT}`);
  console.log(L.join('\n'));
  try {
    writeFileSync(join(OUT, 'report.json'), JSON.stringify({ verdict, failures, warnings, reviewPosts, apiCalls, consoleMsgs, pageErrors, failedRequests, badResponses, interceptLog, result: res && { ...res, pre: { activity: res.pre.activity, groups: res.pre.groups.map((g) => ({ id: g.id, name: g.name, words: g.words.length, problems: g.problems })) } } }, null, 2));
  } catch { /* ignore */ }
  return error ? (error.setup ? 2 : 1) : failures.length ? 1 : 0;
}

async function cleanup() {
  if (browser) {
    const proc = browser.process();
    await withTimeout(browser.close(), 10000, 'browser.close').catch(() => { try { proc?.kill('SIGKILL'); } catch { /* gone */ } });
    browser = null;
  }
  await stopAll();
}

let finished = false;
async function run() {
  let res = null, error = null;
  const watchdog = setTimeout(async () => {
    if (finished) return;
    console.error(`RUN_TIMEOUT_S exceeded (${RUN_TIMEOUT_MS / 1000}s): stopping`);
    failures.push('the whole run timed out');
    summary(null, new Error('run timeout'));
    await cleanup();
    process.exit(2);
  }, RUN_TIMEOUT_MS);
  try { res = await main(); } catch (e) { error = e; }
  finished = true;
  await cleanup();
  clearTimeout(watchdog);
  process.exit(summary(res, error));
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, async () => { console.error(`${sig}: cleaning up`); await cleanup(); process.exit(2); });
run();
