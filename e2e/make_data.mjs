#!/usr/bin/env node
// Writes e2e/data/ from a checkout of the portal's repository
// (github.com/ExamProCo/free-genai-bootcamp-2025, BOOTCAMP_DIR, default /work/ext/bootcamp):
//   data/typing_tutor_audio.txt        <- the files under typing-tutor/public/audio
//   data/portal_seed_vocabulary.json   <- lang-portal/backend-flask/seed/data_verbs.json and
//                                         data_adjectives.json (group names as the portal's
//                                         lib/db.py seeds them: "Core Verbs", "Core Adjectives")
// and prints every seed word whose sound file the tutor would not find.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listAudio, tutorAudioFiles, wordsWithoutAudio, wordShapeProblems } from './lib/tutor_audio.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const bootcamp = process.env.BOOTCAMP_DIR || '/work/ext/bootcamp';
const seedDir = join(bootcamp, 'lang-portal/backend-flask/seed');
const audioDir = join(bootcamp, 'typing-tutor/public/audio');
const SEEDS = [
  ['Core Verbs', 'data_verbs.json'],
  ['Core Adjectives', 'data_adjectives.json'],
];

const audio = listAudio(audioDir);
mkdirSync(join(here, 'data'), { recursive: true });
writeFileSync(join(here, 'data/typing_tutor_audio.txt'), audio.join('\n') + '\n');
const audioSet = new Set(audio);

const groups = SEEDS.map(([name, file]) => {
  const words = JSON.parse(readFileSync(join(seedDir, file), 'utf8')).map((w) => ({
    kanji: w.kanji,
    romaji: w.romaji,
    english: w.english,
    parts: (w.parts || []).map((p) => ({ kanji: p.kanji, romaji: p.romaji })),
  }));
  return { name, words };
});
// The shape is [{name, words: [{kanji, romaji, english, parts: [{kanji, romaji: [...]}]}]}].
writeFileSync(join(here, 'data/portal_seed_vocabulary.json'), JSON.stringify(groups, null, 2) + '\n');

let problems = 0;
console.log(`${audio.length} audio files; seed: ${groups.map((g) => `${g.name} ${g.words.length}`).join(', ')}`);
for (const g of groups) {
  for (const { word, missing } of wordsWithoutAudio(g.words, audioSet)) {
    problems++;
    console.log(`NO AUDIO  ${g.name}: ${word.kanji} ${word.romaji} "${word.english}" -> missing ${missing.join(', ')}`);
  }
  for (const w of g.words) {
    const p = wordShapeProblems({ id: 0, ...w });
    if (p.length) { problems++; console.log(`SHAPE     ${g.name}: ${w.kanji} ${w.romaji}: ${p.join('; ')}`); }
  }
}
const used = new Set(groups.flatMap((g) => g.words.flatMap(tutorAudioFiles)));
const unused = audio.filter((f) => !used.has(f));
console.log(`audio files no seed word uses (${unused.length}): ${unused.join(' ')}`);
console.log(problems ? `${problems} seed word problem(s)` : 'every seed word has both sound files');
