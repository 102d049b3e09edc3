/** UI state of the preview player (zustand): what plays, and how. */
import { create } from "zustand";
import { absoluteAudioUrl, audioUrl, type Sample } from "../api/client";
import { engine } from "../audio/engine";
import { fromCamelot, loudnessGain, parseKeyName, semitonesBetween, tempoRatio } from "../lib/music";

export interface PlayerState {
  current: Sample | null;
  playing: boolean;
  currentTime: number;
  duration: number;
  error: string | null;
  loop: boolean;
  matchLoudness: boolean;
  volume: number;
  /** Tempo sync: play loops at this BPM (null: off). */
  projectBpm: number | null;
  /** Key shift: repitch into this Camelot key (null: off). */
  projectKey: string | null;
  /** Rate applied now, the key shift, and whether the shift could not be applied here. */
  rate: number;
  keyShift: number;
  keyShiftBlocked: boolean;
  play: (sample: Sample, from?: number) => void;
  toggle: (sample?: Sample) => void;
  stop: () => void;
  seek: (seconds: number) => void;
  setLoop: (loop: boolean) => void;
  setMatchLoudness: (on: boolean) => void;
  setVolume: (volume: number) => void;
  setProjectBpm: (bpm: number | null) => void;
  setProjectKey: (code: string | null) => void;
}

/**
 * How a sample plays under the project settings: tempo sync stretches loops to the project
 * BPM (pitch kept); a key shift moves a loop's pitch through the pitch shifter (`stretch`,
 * its length kept or synced) and repitches a one-shot like a sampler (its length changes).
 */
export function playback(sample: Sample | null, projectBpm: number | null, projectKey: string | null) {
  let rate = 1;
  let preserve = true;
  let keyShift = 0;
  let stretch = 0; // semitones for the pitch shifter
  const synced = projectBpm !== null && sample?.is_loop && sample.bpm;
  if (synced) rate = tempoRatio(sample.bpm as number, projectBpm);
  const from = parseKeyName(sample?.key) ?? null;
  const to = projectKey ? fromCamelot(projectKey) : null;
  if (from && to) {
    keyShift = semitonesBetween(from, to);
    if (keyShift !== 0 && sample?.is_loop) stretch = keyShift;
    else if (keyShift !== 0) {
      rate = 2 ** (keyShift / 12);
      preserve = false;
    }
  }
  return { rate, preserve, keyShift, stretch };
}

export const usePlayer = create<PlayerState>((set, get) => {
  let subscribed = false;
  const ensure = () => {
    const e = engine();
    if (!subscribed) {
      subscribed = true;
      e.subscribe((s) => set({ playing: s.playing, currentTime: s.currentTime, duration: s.duration, error: s.error }));
    }
    return e;
  };
  const apply = () => {
    const { current, projectBpm, projectKey } = get();
    const p = playback(current, projectBpm, projectKey);
    const e = ensure();
    set({ rate: p.rate, keyShift: p.keyShift, keyShiftBlocked: false });
    if (p.stretch === 0) {
      e.setRate(p.rate, p.preserve);
      return;
    }
    e.setRate(p.rate, true); // until the pitch shifter is ready: tempo now, key next
    void e.setTempoAndPitch(p.rate, p.stretch).then((ok) => {
      if (get().current?.id === current?.id) set({ keyShiftBlocked: !ok });
    });
  };
  return {
    current: null,
    playing: false,
    currentTime: 0,
    duration: 0,
    error: null,
    loop: false,
    matchLoudness: true,
    volume: 0.9,
    projectBpm: null,
    projectKey: null,
    rate: 1,
    keyShift: 0,
    keyShiftBlocked: false,
    play: (sample, from = 0) => {
      const e = ensure();
      set({ current: sample, error: null });
      e.setLoop(get().loop);
      apply();
      const gain = get().matchLoudness ? loudnessGain(sample.loudness_lufs) : 1;
      void e.play(audioUrl(sample.id), { from, gain });
    },
    toggle: (sample) => {
      const { current, playing } = get();
      if (sample && sample.id !== current?.id) return get().play(sample);
      if (!current) return;
      if (playing) ensure().pause();
      else get().play(current, ensure().element.ended ? 0 : ensure().element.currentTime);
    },
    stop: () => ensure().stop(),
    seek: (seconds) => ensure().seek(seconds),
    setLoop: (loop) => {
      ensure().setLoop(loop);
      set({ loop });
    },
    setMatchLoudness: (matchLoudness) => set({ matchLoudness }),
    setVolume: (volume) => {
      ensure().setVolume(volume);
      set({ volume });
    },
    setProjectBpm: (projectBpm) => {
      set({ projectBpm });
      apply();
    },
    setProjectKey: (projectKey) => {
      set({ projectKey });
      apply();
    },
  };
});

export { absoluteAudioUrl };
