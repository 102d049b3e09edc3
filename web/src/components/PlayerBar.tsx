/** The transport at the bottom: what plays, progress, loop, tempo sync, key shift, meters. */
import { Link } from "wouter";
import { formatBpm, formatDuration } from "../lib/format";
import { CAMELOT_CODES, fromCamelot, shortKeyName } from "../lib/music";
import { usePlayer } from "../store/player";
import { Meters } from "./Meters";

export function PlayerBar() {
  const p = usePlayer();
  const sample = p.current;
  const progress = p.duration ? p.currentTime / p.duration : 0;
  return (
    <footer className="player" aria-label="Preview player">
      <button
        type="button"
        className="play"
        onClick={() => p.toggle()}
        disabled={!sample}
        aria-label={p.playing ? "Pause preview" : "Play preview"}
        title="Play / pause (Space)"
      >
        {p.playing ? "❚❚" : "▶"}
      </button>
      <div className="player-info">
        {sample ? (
          <Link href={`/samples/${sample.id}`} className="player-name" title={sample.path}>
            {sample.name}
          </Link>
        ) : (
          <span className="muted">Nothing playing: click a sample, or press Space on one</span>
        )}
        <input
          type="range"
          className="seek"
          aria-label="Position"
          min={0}
          max={1000}
          value={Math.round(progress * 1000)}
          disabled={!sample || !p.duration}
          onChange={(e) => p.seek((Number(e.target.value) / 1000) * p.duration)}
        />
        <span className="time" data-testid="player-time">
          {formatDuration(p.currentTime)} / {formatDuration(p.duration)}
        </span>
        {p.error && <span className="error-text" role="alert">{p.error}</span>}
      </div>
      <label className="toggle" title="Loop (L)">
        <input type="checkbox" checked={p.loop} onChange={(e) => p.setLoop(e.target.checked)} /> Loop
      </label>
      <label className="toggle" title="Match loudness: previews play at about -18 LUFS">
        <input type="checkbox" checked={p.matchLoudness} onChange={(e) => p.setMatchLoudness(e.target.checked)} /> Match loudness
      </label>
      <label className="compact" title="Tempo sync: loops play at the project BPM">
        <input
          type="checkbox"
          aria-label="Tempo sync"
          checked={p.projectBpm !== null}
          onChange={(e) => p.setProjectBpm(e.target.checked ? 120 : null)}
        />
        Sync
        <input
          type="number"
          aria-label="Project BPM"
          min={40}
          max={300}
          step={1}
          value={p.projectBpm ?? 120}
          disabled={p.projectBpm === null}
          onChange={(e) => p.setProjectBpm(Number(e.target.value) || 120)}
        />
        BPM
      </label>
      <label className="compact" title="Key shift: repitch into the project key">
        Key
        <select
          aria-label="Project key"
          value={p.projectKey ?? ""}
          onChange={(e) => p.setProjectKey(e.target.value || null)}
        >
          <option value="">off</option>
          {CAMELOT_CODES.map((code) => {
            const key = fromCamelot(code);
            return (
              <option key={code} value={code}>
                {code} {key ? shortKeyName(key) : ""}
              </option>
            );
          })}
        </select>
      </label>
      <span className="rate" aria-live="polite" title="Playback rate and shift applied">
        {p.rate !== 1 ? `×${p.rate.toFixed(3)}` : ""}
        {p.keyShift && !p.keyShiftBlocked ? ` ${p.keyShift > 0 ? "+" : ""}${p.keyShift} st` : ""}
        {p.keyShiftBlocked ? " key shift needs AudioWorklet (not available)" : ""}
        {sample?.is_loop && sample.bpm ? ` · ${formatBpm(sample.bpm)} BPM` : ""}
      </span>
      <label className="compact" title="Volume">
        <input
          type="range"
          aria-label="Volume"
          min={0}
          max={1}
          step={0.01}
          value={p.volume}
          onChange={(e) => p.setVolume(Number(e.target.value))}
        />
      </label>
      <Meters />
    </footer>
  );
}
