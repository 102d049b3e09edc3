import { describe, expect, it } from "vitest";
import type { Sample } from "../api/client";
import { playback } from "./player";

const loop = { id: 1, name: "Loop.wav", is_loop: true, bpm: 120, key: "A minor" } as Sample;
const shot = { id: 2, name: "Pluck.wav", is_loop: false, bpm: null, key: "C major" } as Sample;

describe("playback under project settings", () => {
  it("plays as recorded when nothing is set", () => {
    expect(playback(loop, null, null)).toEqual({ rate: 1, preserve: true, keyShift: 0, stretch: 0 });
  });
  it("stretches loops to the project tempo, keeping pitch", () => {
    const p = playback(loop, 126, null);
    expect(p.rate).toBeCloseTo(1.05);
    expect(p.preserve).toBe(true);
  });
  it("never tempo-syncs a one-shot", () => {
    expect(playback(shot, 140, null).rate).toBe(1);
  });
  it("repitches into the project key like a sampler", () => {
    const p = playback(shot, null, "10B"); // D major: +2 semitones
    expect(p.keyShift).toBe(2);
    expect(p.rate).toBeCloseTo(2 ** (2 / 12));
    expect(p.preserve).toBe(false);
    expect(p.stretch).toBe(0);
  });
  it("shifts a loop's key through the pitch shifter, tempo-synced or not", () => {
    const synced = playback(loop, 126, "10A"); // B minor from A minor
    expect(synced.rate).toBeCloseTo(1.05); // tempo from the stretch
    expect(synced.stretch).toBe(2); // pitch from the shifter: independent
    const unsynced = playback(loop, null, "7A"); // D minor: +5, the smaller of +5 and -7
    expect(unsynced.rate).toBe(1);
    expect(unsynced.stretch).toBe(5);
  });
});
