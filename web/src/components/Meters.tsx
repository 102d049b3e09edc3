/** Live spectrum analyser and level meter, drawn from the engine's AnalyserNode. */
import { useEffect, useRef } from "react";
import { engine, levels } from "../audio/engine";
import { usePlayer } from "../store/player";

export function Meters() {
  const playing = usePlayer((s) => s.playing);
  const spectrumRef = useRef<HTMLCanvasElement>(null);
  const meterRef = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const analyser = engine().analyser;
    const spectrum = spectrumRef.current?.getContext("2d");
    const meter = meterRef.current?.getContext("2d");
    if (!spectrum || !meter) return;
    const clear = () => {
      spectrum.clearRect(0, 0, spectrum.canvas.width, spectrum.canvas.height);
      meter.clearRect(0, 0, meter.canvas.width, meter.canvas.height);
    };
    if (!playing || !analyser) {
      clear();
      return;
    }
    const bins = new Uint8Array(analyser.frequencyBinCount);
    const wave = new Float32Array(analyser.fftSize);
    let peakHold = -120;
    let frame = 0;
    const draw = () => {
      frame = requestAnimationFrame(draw);
      const { width, height } = spectrum.canvas;
      analyser.getByteFrequencyData(bins);
      spectrum.clearRect(0, 0, width, height);
      // Log-spaced bars from 30 Hz to Nyquist.
      const bars = 48;
      const nyquist = analyser.context.sampleRate / 2;
      const barWidth = width / bars;
      for (let b = 0; b < bars; b++) {
        const lo = 30 * (nyquist / 30) ** (b / bars);
        const hi = 30 * (nyquist / 30) ** ((b + 1) / bars);
        const i0 = Math.floor((lo / nyquist) * bins.length);
        const i1 = Math.max(i0 + 1, Math.floor((hi / nyquist) * bins.length));
        let v = 0;
        for (let i = i0; i < i1 && i < bins.length; i++) v = Math.max(v, bins[i]);
        const h = (v / 255) * height;
        spectrum.fillStyle = `hsl(${195 - (v / 255) * 60}, 85%, ${45 + (v / 255) * 20}%)`;
        spectrum.fillRect(b * barWidth + 1, height - h, barWidth - 2, h);
      }
      const { peakDb, rmsDb } = levels(analyser, wave);
      peakHold = Math.max(peakDb, peakHold - 0.5);
      const mw = meter.canvas.width;
      const mh = meter.canvas.height;
      const x = (db: number) => Math.max(0, Math.min(1, (db + 60) / 60)) * mw;
      meter.clearRect(0, 0, mw, mh);
      meter.fillStyle = "#1d2329";
      meter.fillRect(0, 0, mw, mh);
      meter.fillStyle = "#3fb68b";
      meter.fillRect(0, 0, x(rmsDb), mh / 2 - 1);
      meter.fillStyle = peakDb > -1 ? "#ff5d5d" : "#7dd3a8";
      meter.fillRect(0, mh / 2 + 1, x(peakDb), mh / 2 - 1);
      meter.fillStyle = "#ffffff";
      meter.fillRect(x(peakHold) - 1, 0, 2, mh);
      meterRef.current?.setAttribute("aria-valuenow", String(Math.round(peakDb)));
    };
    draw();
    return () => {
      cancelAnimationFrame(frame);
      clear();
    };
  }, [playing]);

  return (
    <div className="meters">
      <canvas ref={spectrumRef} width={240} height={36} className="spectrum" role="img" aria-label="Spectrum analyser" />
      <canvas
        ref={meterRef}
        width={120}
        height={12}
        className="level"
        role="meter"
        aria-label="Level (dBFS, RMS above, peak below)"
        aria-valuemin={-60}
        aria-valuemax={0}
      />
    </div>
  );
}
