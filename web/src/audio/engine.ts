/**
 * The preview engine: one <audio> element (it streams with byte ranges, so a preview starts
 * before the file is loaded) through Web Audio: a gain that matches loudness, then an
 * AnalyserNode the spectrum and the level meter read, then the speakers.
 *
 * Tempo sync plays a loop at the project's BPM with the browser's pitch-preserving
 * time-stretch (`preservesPitch`). A key shift of a loop goes through SoundTouch in an
 * AudioWorklet (loaded on first use), so tempo and key are independent: the element plays at
 * the tempo ratio with its pitch free, and the worklet sets the pitch. A one-shot is repitched
 * like a sampler does (rate 2^(n/12)); the player decides which (store/player.ts).
 */

export interface EngineState {
  playing: boolean;
  currentTime: number;
  duration: number;
  error: string | null;
}

type Listener = (state: EngineState) => void;

/** The part of SoundTouchNode the engine uses. */
interface SoundTouchNodeLike extends AudioNode {
  readonly playbackRate: AudioParam;
  readonly pitchSemitones: AudioParam;
}

export class AudioEngine {
  readonly element: HTMLAudioElement;
  private context: AudioContext | null = null;
  private gain: GainNode | null = null;
  private analyserNode: AnalyserNode | null = null;
  private source: MediaElementAudioSourceNode | null = null;
  private stretch: SoundTouchNodeLike | null = null;
  private stretchLoading: Promise<SoundTouchNodeLike | null> | null = null;
  private routedThroughStretch = false;
  private listeners = new Set<Listener>();
  private matchedGain = 1;
  private masterVolume = 0.9;

  constructor(element?: HTMLAudioElement) {
    this.element = element ?? document.createElement("audio");
    this.element.preload = "auto";
    this.element.id = this.element.id || "preview-audio";
    if (!this.element.isConnected) {
      this.element.hidden = true;
      document.body.appendChild(this.element);
    }
    for (const event of ["play", "pause", "ended", "timeupdate", "durationchange", "loadedmetadata", "seeked"]) {
      this.element.addEventListener(event, () => this.emit());
    }
    this.element.addEventListener("error", () => this.emit("This file cannot be played here."));
  }

  /** Build the Web Audio graph (on a user gesture: browsers start audio contexts only then). */
  private ensureGraph(): void {
    if (this.context || typeof AudioContext === "undefined") return;
    try {
      const context = new AudioContext({ latencyHint: "interactive" });
      const source = context.createMediaElementSource(this.element);
      const gain = context.createGain();
      const analyser = context.createAnalyser();
      analyser.fftSize = 2048;
      analyser.smoothingTimeConstant = 0.75;
      source.connect(gain);
      gain.connect(analyser).connect(context.destination);
      this.source = source;
      this.context = context;
      this.gain = gain;
      this.analyserNode = analyser;
      this.applyGain();
    } catch {
      this.context = null; // no Web Audio: the element still plays, at its own volume
    }
  }

  get analyser(): AnalyserNode | null {
    return this.analyserNode;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(error: string | null = null): void {
    const state: EngineState = {
      playing: !this.element.paused && !this.element.ended,
      currentTime: this.element.currentTime || 0,
      duration: Number.isFinite(this.element.duration) ? this.element.duration : 0,
      error,
    };
    for (const listener of this.listeners) listener(state);
  }

  /** Load `url` (if it is not the current one) and play from `from` seconds. */
  async play(url: string, { from = 0, gain = 1 }: { from?: number; gain?: number } = {}): Promise<void> {
    this.ensureGraph();
    this.matchedGain = gain;
    this.applyGain();
    const absolute = new URL(url, window.location.href).href;
    if (this.element.src !== absolute) {
      this.element.src = absolute;
    }
    if (from >= 0) this.element.currentTime = from;
    if (this.context?.state === "suspended") await this.context.resume();
    try {
      await this.element.play();
    } catch (exc) {
      if (!(exc instanceof DOMException && exc.name === "AbortError")) {
        this.emit(exc instanceof Error ? exc.message : "playback failed");
      }
    }
  }

  pause(): void {
    this.element.pause();
  }

  stop(): void {
    this.element.pause();
    this.element.currentTime = 0;
    this.emit();
  }

  seek(seconds: number): void {
    this.element.currentTime = Math.max(0, seconds);
  }

  setLoop(loop: boolean): void {
    this.element.loop = loop;
  }

  setVolume(volume: number): void {
    this.masterVolume = volume;
    this.applyGain();
  }

  /** `rate` with the pitch kept (tempo sync) or not (a sampler's repitch). */
  setRate(rate: number, preservePitch: boolean): void {
    this.route(false);
    this.element.preservesPitch = preservePitch;
    this.element.playbackRate = Math.max(0.25, Math.min(4, rate));
  }

  /**
   * Play at `rate` (tempo) shifted by `semitones`, independently, through SoundTouch.
   * Resolves false when that cannot be done here (no AudioWorklet): the caller falls back.
   */
  async setTempoAndPitch(rate: number, semitones: number): Promise<boolean> {
    this.ensureGraph();
    const stretch = await this.loadStretch();
    if (!stretch) return false;
    const clamped = Math.max(0.25, Math.min(4, rate));
    this.element.preservesPitch = false; // SoundTouch corrects the pitch, not the browser
    this.element.playbackRate = clamped;
    stretch.playbackRate.value = clamped;
    stretch.pitchSemitones.value = semitones;
    this.route(true);
    return true;
  }

  private loadStretch(): Promise<SoundTouchNodeLike | null> {
    const context = this.context;
    if (!context || typeof AudioWorkletNode === "undefined") return Promise.resolve(null);
    this.stretchLoading ??= (async () => {
      try {
        const [{ SoundTouchNode }, processor] = await Promise.all([
          import("@soundtouchjs/audio-worklet"),
          import("@soundtouchjs/audio-worklet/processor?url"),
        ]);
        await SoundTouchNode.register(context, processor.default);
        this.stretch = new SoundTouchNode({ context });
        return this.stretch;
      } catch {
        return null;
      }
    })();
    return this.stretchLoading;
  }

  private route(throughStretch: boolean): void {
    const { source, gain, stretch } = this;
    if (!source || !gain || throughStretch === this.routedThroughStretch) return;
    source.disconnect();
    stretch?.disconnect();
    if (throughStretch && stretch) {
      source.connect(stretch);
      stretch.connect(gain);
    } else {
      source.connect(gain);
    }
    this.routedThroughStretch = throughStretch && !!stretch;
  }

  private applyGain(): void {
    if (this.gain && this.context) {
      this.gain.gain.setTargetAtTime(this.matchedGain * this.masterVolume, this.context.currentTime, 0.01);
      this.element.volume = 1;
    } else {
      this.element.volume = Math.min(1, this.matchedGain * this.masterVolume);
    }
  }
}

let shared: AudioEngine | null = null;

/** The app's one engine (created on first use). */
export function engine(): AudioEngine {
  shared ??= new AudioEngine();
  return shared;
}

/** Peak and RMS level (dBFS) of what the analyser hears now. */
export function levels(analyser: AnalyserNode, buffer: Float32Array<ArrayBuffer>): { peakDb: number; rmsDb: number } {
  analyser.getFloatTimeDomainData(buffer);
  let peak = 0;
  let sum = 0;
  for (const v of buffer) {
    const a = Math.abs(v);
    if (a > peak) peak = a;
    sum += v * v;
  }
  const toDb = (x: number) => (x > 1e-6 ? 20 * Math.log10(x) : -120);
  return { peakDb: toDb(peak), rmsDb: toDb(Math.sqrt(sum / buffer.length)) };
}
