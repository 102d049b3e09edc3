import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "wouter";
import { api, unwrap, type AnalyzeResponse, type SimilarPage } from "../api/client";
import { invalidateLibrary } from "../api/hooks";
import { ErrorState } from "../components/States";
import { formatBpm, formatDuration, formatNumber } from "../lib/format";
import { camelot } from "../lib/music";

interface Item {
  id: number;
  file: File;
  status: "analyzing" | "done" | "failed" | "adding" | "added";
  result?: AnalyzeResponse;
  similar?: SimilarPage;
  error?: unknown;
}

const form = (file: File) => {
  const data = new FormData();
  data.append("file", file, file.name);
  return data;
};

function analyze(file: File, add: boolean) {
  return unwrap(
    api.POST("/api/audio/analyze", {
      params: { query: { level: "standard", add } },
      body: { file: file as unknown as string },
      bodySerializer: () => form(file),
    }),
  ) as Promise<AnalyzeResponse>; // openapi-fetch widens the sample type's tuples to arrays
}

function similarTo(file: File) {
  return unwrap(
    api.POST("/api/similar", {
      params: { query: { n: 8 } },
      body: { file: file as unknown as string },
      bodySerializer: () => form(file),
    }),
  );
}

let nextId = 1;

export function UploadView() {
  const [items, setItems] = useState<Item[]>([]);
  const [over, setOver] = useState(false);
  const client = useQueryClient();
  const patch = (id: number, change: Partial<Item>) => setItems((all) => all.map((i) => (i.id === id ? { ...i, ...change } : i)));

  const accept = (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) {
      const item: Item = { id: nextId++, file, status: "analyzing" };
      setItems((all) => [item, ...all]);
      analyze(file, false).then(
        (result) => patch(item.id, { status: "done", result }),
        (error) => patch(item.id, { status: "failed", error }),
      );
    }
  };

  const add = (item: Item) => {
    patch(item.id, { status: "adding" });
    analyze(item.file, true).then(
      (result) => {
        patch(item.id, { status: "added", result });
        invalidateLibrary(client);
      },
      (error) => patch(item.id, { status: "failed", error }),
    );
  };

  const findSimilar = (item: Item) =>
    similarTo(item.file).then(
      (similar) => patch(item.id, { similar }),
      (error) => patch(item.id, { error }),
    );

  return (
    <section className="view view-upload" aria-labelledby="upload-title">
      <h1 id="upload-title">Upload</h1>
      <label
        className={`dropzone${over ? " over" : ""}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          accept(e.dataTransfer.files);
        }}
      >
        <input type="file" accept="audio/*,.wav,.aif,.aiff,.flac,.ogg,.mp3" multiple onChange={(e) => accept(e.target.files)} aria-label="Choose audio files to analyze" />
        <strong>Drop audio files here</strong>
        <span className="muted">or click to choose. They are analyzed, not added to the library unless you ask.</span>
      </label>
      <ul className="uploads">
        {items.map((item) => (
          <li key={item.id} className="panel upload" data-status={item.status}>
            <div className="upload-head">
              <strong>{item.file.name}</strong>
              <span className="badge">{item.status}</span>
              {item.status === "done" && (
                <>
                  <button type="button" onClick={() => add(item)}>Add to library</button>
                  <button type="button" onClick={() => void findSimilar(item)}>Find similar in library</button>
                </>
              )}
              {item.status === "added" && item.result?.sample && <Link href={`/samples/${item.result.sample.id}`}>Open in library</Link>}
            </div>
            {item.status === "analyzing" || item.status === "adding" ? (
              <progress aria-label={`Analyzing ${item.file.name}`} />
            ) : null}
            {item.error !== undefined && <ErrorState error={item.error} />}
            {item.result && <Summary result={item.result} />}
            {item.similar && (
              <ol className="list">
                {item.similar.items.map((hit) => (
                  <li key={hit.sample.id}>
                    <Link href={`/samples/${hit.sample.id}`}>{hit.sample.name}</Link> <span className="muted small">{Math.round(hit.score * 100)} %</span>
                  </li>
                ))}
              </ol>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Summary({ result }: { result: AnalyzeResponse }) {
  const a = result.analysis;
  const facts: Array<[string, string]> = [
    ["Kind", a.loop ? (a.loop.is_loop ? `loop${a.loop.bars ? `, ${a.loop.bars} bars` : ""}` : "one-shot") : "–"],
    ["BPM", a.tempo && a.loop?.is_loop ? `${formatBpm(a.tempo.bpm)} (${a.tempo.source})` : "–"],
    ["Key", a.key ? `${camelot(a.key.key)} (${a.key.source})` : "–"],
    ["Root", a.pitch?.note ?? "–"],
    ["Loudness", formatNumber(a.loudness?.loudness_lufs, 1, "LUFS")],
    ["Length", formatDuration(a.audio.duration_s)],
  ];
  return (
    <dl className="summary">
      {facts.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
