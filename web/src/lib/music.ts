/** Keys, the Camelot wheel and the arithmetic of previews (tempo ratio, key shift). */

export const PITCH_CLASSES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
const FLATS: Record<string, string> = { Db: "C#", Eb: "D#", Gb: "F#", Ab: "G#", Bb: "A#" };

export type Mode = "major" | "minor";
export interface Key {
  tonic: number; // pitch class, 0 = C
  mode: Mode;
}

/** Camelot code of a key: the number on the wheel, A for minor, B for major. */
export function camelot(key: Key): string {
  const majorTonic = key.mode === "major" ? key.tonic : (key.tonic + 3) % 12;
  return `${((7 * majorTonic + 7) % 12) + 1}${key.mode === "minor" ? "A" : "B"}`;
}

/** The key of a Camelot code ("8A" is A minor), or null. */
export function fromCamelot(code: string): Key | null {
  const m = /^(1[0-2]|[1-9])([AB])$/i.exec(code.trim());
  if (!m) return null;
  const n = Number(m[1]);
  // (7t + 7) % 12 + 1 = n  ⇔  t = 7 (n - 8) mod 12  (7 is its own inverse mod 12)
  const majorTonic = (((7 * (n - 8)) % 12) + 12) % 12;
  const minor = m[2].toUpperCase() === "A";
  return { tonic: minor ? (majorTonic + 9) % 12 : majorTonic, mode: minor ? "minor" : "major" };
}

/** A key name as the API writes it ("A minor", "F# major"), or null. */
export function parseKeyName(name: string | null | undefined): Key | null {
  if (!name) return null;
  const m = /^([A-G])([#b]?)\s*(major|minor|maj|min|m)?$/i.exec(name.trim());
  if (!m) return null;
  let note = m[1].toUpperCase() + (m[2] ?? "");
  note = FLATS[note] ?? note;
  const tonic = PITCH_CLASSES.indexOf(note);
  if (tonic < 0) return null;
  const word = (m[3] ?? "major").toLowerCase();
  return { tonic, mode: word === "major" || word === "maj" ? "major" : "minor" };
}

export function keyName(key: Key): string {
  return `${PITCH_CLASSES[key.tonic]} ${key.mode}`;
}

export function shortKeyName(key: Key): string {
  return PITCH_CLASSES[key.tonic] + (key.mode === "minor" ? "m" : "");
}

/** Harmonically compatible codes: itself, ±1 on the wheel (same letter), the relative key. */
export function compatibleCodes(code: string): string[] {
  const m = /^(1[0-2]|[1-9])([AB])$/i.exec(code.trim());
  if (!m) return [];
  const n = Number(m[1]);
  const letter = m[2].toUpperCase();
  const wrap = (v: number) => ((v - 1 + 12) % 12) + 1;
  return [`${n}${letter}`, `${wrap(n - 1)}${letter}`, `${wrap(n + 1)}${letter}`, `${n}${letter === "A" ? "B" : "A"}`];
}

/** Every Camelot code, wheel order: 1A..12A, then 1B..12B. */
export const CAMELOT_CODES = [..."AB"].flatMap((l) =>
  Array.from({ length: 12 }, (_, i) => `${i + 1}${l}`),
);

/**
 * Semitones to move `from` so it sits in `to` (the same mode: relative keys share notes),
 * the smallest shift, in -6..+5.
 */
export function semitonesBetween(from: Key, to: Key): number {
  const target = to.mode === from.mode ? to.tonic : (to.tonic + (to.mode === "minor" ? 3 : 9)) % 12;
  let shift = (((target - from.tonic) % 12) + 12) % 12;
  if (shift > 5) shift -= 12;
  return shift;
}

/**
 * The playback rate that plays a loop of `sampleBpm` at `projectBpm`, taking half or double
 * time when that is the smaller change (a 70 BPM loop in a 140 BPM project plays as it is).
 */
export function tempoRatio(sampleBpm: number, projectBpm: number): number {
  if (!(sampleBpm > 0) || !(projectBpm > 0)) return 1;
  const candidates = [projectBpm / sampleBpm, projectBpm / (sampleBpm * 2), (projectBpm * 2) / sampleBpm];
  return candidates.reduce((best, r) => (Math.abs(Math.log2(r)) < Math.abs(Math.log2(best)) ? r : best));
}

/** Gain (linear) that brings a sample of `lufs` to `targetLufs`, limited to ±`maxDb`. */
export function loudnessGain(lufs: number | null | undefined, targetLufs = -18, maxDb = 12): number {
  if (lufs === null || lufs === undefined || !Number.isFinite(lufs)) return 1;
  const db = Math.max(-maxDb, Math.min(maxDb, targetLufs - lufs));
  return 10 ** (db / 20);
}
