import { describe, expect, it } from "vitest";
import { camelot, compatibleCodes, fromCamelot, loudnessGain, parseKeyName, semitonesBetween, tempoRatio, CAMELOT_CODES } from "./music";

describe("Camelot", () => {
  it("codes the keys as the API does", () => {
    expect(camelot({ tonic: 9, mode: "minor" })).toBe("8A");
    expect(camelot({ tonic: 0, mode: "major" })).toBe("8B");
    expect(camelot({ tonic: 8, mode: "minor" })).toBe("1A"); // G#m
    expect(camelot({ tonic: 4, mode: "major" })).toBe("12B");
  });
  it("round-trips every code", () => {
    for (const code of CAMELOT_CODES) expect(camelot(fromCamelot(code)!)).toBe(code);
    expect(fromCamelot("13A")).toBeNull();
  });
  it("reads the API's key names and short names", () => {
    expect(parseKeyName("A minor")).toEqual({ tonic: 9, mode: "minor" });
    expect(parseKeyName("F# major")).toEqual({ tonic: 6, mode: "major" });
    expect(parseKeyName("Bbm")).toEqual({ tonic: 10, mode: "minor" });
    expect(parseKeyName("H minor")).toBeNull();
  });
  it("lists compatible keys: itself, neighbours, relative", () => {
    expect(compatibleCodes("8A")).toEqual(["8A", "7A", "9A", "8B"]);
    expect(compatibleCodes("12B")).toEqual(["12B", "11B", "1B", "12A"]);
  });
});

describe("preview arithmetic", () => {
  it("shifts by the smallest interval, relative keys counting as the same", () => {
    expect(semitonesBetween({ tonic: 9, mode: "minor" }, { tonic: 11, mode: "minor" })).toBe(2);
    expect(semitonesBetween({ tonic: 9, mode: "minor" }, { tonic: 0, mode: "major" })).toBe(0);
    expect(semitonesBetween({ tonic: 0, mode: "major" }, { tonic: 10, mode: "major" })).toBe(-2);
    expect(semitonesBetween({ tonic: 0, mode: "major" }, { tonic: 6, mode: "major" })).toBe(-6);
  });
  it("syncs tempo through half and double time", () => {
    expect(tempoRatio(120, 126)).toBeCloseTo(1.05);
    expect(tempoRatio(70, 140)).toBeCloseTo(1); // half time plays as it is
    expect(tempoRatio(170, 87)).toBeCloseTo(1.0235, 3);
    expect(tempoRatio(0, 120)).toBe(1);
  });
  it("matches loudness within limits", () => {
    expect(loudnessGain(-18)).toBeCloseTo(1);
    expect(loudnessGain(-12)).toBeCloseTo(10 ** (-6 / 20));
    expect(loudnessGain(-60)).toBeCloseTo(10 ** (12 / 20)); // capped at +12 dB
    expect(loudnessGain(null)).toBe(1);
  });
});
