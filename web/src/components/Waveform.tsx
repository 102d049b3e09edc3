/**
 * The sample's waveform (WaveSurfer.js, drawn from the API's cached peaks: nothing is
 * decoded in the browser), following the shared preview player: click to play from there,
 * drag to make a loop region.
 */
import { useEffect, useRef, useState } from "react";
import WaveSurfer from "wavesurfer.js";
import RegionsPlugin, { type Region } from "wavesurfer.js/dist/plugins/regions.esm.js";
import type { Sample, Waveform as Peaks } from "../api/client";
import { formatDuration } from "../lib/format";
import { usePlayer } from "../store/player";

export function Waveform({ sample, peaks }: { sample: Sample; peaks: Peaks }) {
  const container = useRef<HTMLDivElement>(null);
  const wavesurfer = useRef<WaveSurfer | null>(null);
  const region = useRef<Region | null>(null);
  const [loopRegion, setLoopRegion] = useState<{ start: number; end: number } | null>(null);

  useEffect(() => {
    if (!container.current) return;
    const regions = RegionsPlugin.create();
    const ws = WaveSurfer.create({
      container: container.current,
      // A silent stand-in: the shared player makes the sound; this only draws.
      media: document.createElement("audio"),
      peaks: peaks.peaks,
      duration: peaks.duration_s,
      height: 128,
      waveColor: "#4b6b85",
      progressColor: "#5ec8ff",
      cursorColor: "#e6e8eb",
      barWidth: 2,
      barGap: 1,
      barRadius: 1,
      normalize: true,
      interact: true,
      plugins: [regions],
    });
    wavesurfer.current = ws;
    regions.enableDragSelection({ color: "rgba(94, 200, 255, 0.18)" });
    regions.on("region-created", (created) => {
      for (const other of regions.getRegions()) if (other !== created) other.remove();
      region.current = created;
      setLoopRegion({ start: created.start, end: created.end });
      usePlayer.getState().setLoop(true);
    });
    regions.on("region-updated", (updated) => {
      region.current = updated;
      setLoopRegion({ start: updated.start, end: updated.end });
    });
    regions.on("region-clicked", (clicked, event) => {
      event.stopPropagation();
      usePlayer.getState().play(sample, clicked.start);
    });
    ws.on("interaction", (time) => {
      const player = usePlayer.getState();
      if (player.current?.id === sample.id) player.seek(time);
      else player.play(sample, time);
    });
    return () => {
      region.current = null;
      ws.destroy();
      wavesurfer.current = null;
    };
  }, [peaks, sample]);

  // Follow the player: progress, and the loop region.
  useEffect(
    () =>
      usePlayer.subscribe((state) => {
        const ws = wavesurfer.current;
        if (!ws) return;
        const mine = state.current?.id === sample.id;
        const time = mine ? state.currentTime : 0;
        if (Math.abs(ws.getCurrentTime() - time) > 0.01) ws.setTime(time);
        const r = region.current;
        if (mine && r && state.loop && state.playing && (time >= r.end || time < r.start - 0.25)) {
          state.seek(r.start);
        }
      }),
    [sample],
  );

  return (
    <div className="waveform-wrap">
      <div ref={container} className="waveform" aria-label={`Waveform of ${sample.name}; click to play from a point, drag to loop a region`} role="img" data-testid="waveform" />
      <div className="waveform-foot muted small">
        {loopRegion ? (
          <>
            Loop region {formatDuration(loopRegion.start)} – {formatDuration(loopRegion.end)}{" "}
            <button
              type="button"
              className="link"
              onClick={() => {
                region.current?.remove();
                region.current = null;
                setLoopRegion(null);
              }}
            >
              clear
            </button>
          </>
        ) : (
          "Click to play from a point; drag across to loop a region."
        )}
      </div>
    </div>
  );
}
