// How the Typing Tutor names its sound files, restated from its source
// (typing-tutor/public/src/scene_main.js, SceneMain.preload):
//
//   const en = data.english.replace(/ /g,'_')      // every space -> '_' ; nothing else
//   const jp = data.romaji                          // unchanged (spaces stay spaces)
//   this.load.audio(en, `audio/en/${en}.mp3`)
//   this.load.audio(jp, `audio/jp/${jp}.mp3`)
//
// No lowercasing, no trimming, no punctuation removal; the names are case-sensitive on
// the http-server that serves typing-tutor/public. SceneMain.create() then throws
// "Sounds are missing..." (and the game never starts) if any of them did not load.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function tutorAudioFiles(word) {
  const english = String(word.english ?? '');
  const romaji = String(word.romaji ?? '');
  return [`en/${english.replace(/ /g, '_')}.mp3`, `jp/${romaji}.mp3`];
}

// Sorted relative paths ("en/eat.mp3") of every file under audioDir (byte order).
export function listAudio(audioDir) {
  const out = [];
  const walk = (dir, rel) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(full).isDirectory()) walk(full, r);
      else out.push(r);
    }
  };
  walk(audioDir, '');
  return out.sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : Buffer.from(a) > Buffer.from(b) ? 1 : 0));
}

// Words of `words` whose sound files are not in `audioSet`: [{word, missing: [...]}].
export function wordsWithoutAudio(words, audioSet) {
  const bad = [];
  for (const w of words) {
    const missing = tutorAudioFiles(w).filter((f) => !audioSet.has(f));
    if (missing.length) bad.push({ word: w, missing });
  }
  return bad;
}

// Why the tutor could not show a word at all (besides audio): JpWord.set() walks
// word.parts (max 8 blocks, each romaji an array that JpWordBlock joins), and a word
// is only answerable if its romaji can be typed: the game keeps keys a-z and space.
export function wordShapeProblems(w) {
  const p = [];
  if (typeof w.id !== 'number') p.push('id is not a number');
  for (const k of ['kanji', 'romaji', 'english']) if (typeof w[k] !== 'string' || !w[k]) p.push(`${k} missing`);
  if (!Array.isArray(w.parts) || w.parts.length === 0) p.push('parts missing/empty (JpWord.set calls word.parts.forEach)');
  else {
    if (w.parts.length > 8) p.push(`${w.parts.length} parts (the tutor has 8 blocks)`);
    w.parts.forEach((part, i) => {
      if (!part || typeof part.kanji !== 'string') p.push(`parts[${i}].kanji missing`);
      if (!part || !Array.isArray(part.romaji)) p.push(`parts[${i}].romaji is not an array`);
    });
  }
  if (typeof w.romaji === 'string' && !/^[a-z ]+$/.test(w.romaji)) p.push(`romaji "${w.romaji}" cannot be typed (the tutor keeps only a-z and space, lowercased)`);
  return p;
}
