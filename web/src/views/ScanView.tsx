import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { Job } from "../api/client";
import { invalidateLibrary, useFolders, useJobs, useStartScan } from "../api/hooks";
import { Empty, ErrorState, Loading } from "../components/States";
import { formatDuration } from "../lib/format";

/** Follow a job live over server-sent events (the API's /api/jobs/{id}/events). */
function useJobEvents(jobId: string | null): Job | null {
  const [job, setJob] = useState<Job | null>(null);
  const client = useQueryClient();
  useEffect(() => {
    if (!jobId) return;
    const source = new EventSource(`/api/jobs/${encodeURIComponent(jobId)}/events`);
    const onData = (event: MessageEvent<string>) => setJob(JSON.parse(event.data) as Job);
    source.addEventListener("progress", onData);
    source.addEventListener("end", (event) => {
      onData(event as MessageEvent<string>);
      source.close();
      invalidateLibrary(client);
    });
    source.onerror = () => source.close();
    return () => source.close();
  }, [jobId, client]);
  return job;
}

export function ScanView() {
  const folders = useFolders();
  const jobs = useJobs();
  const start = useStartScan();
  const [extra, setExtra] = useState<string[]>([]);
  const [draft, setDraft] = useState("");
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const running = jobs.data?.find((j) => j.status === "running") ?? null;
  const [jobId, setJobId] = useState<string | null>(null);
  const live = useJobEvents(jobId ?? running?.id ?? null);
  const job = (live ?? (jobId ? null : jobs.data?.[0] ?? null)) as Job | null;

  const known = [...(folders.data ?? []).map((f) => f.path), ...extra.filter((p) => !(folders.data ?? []).some((f) => f.path === p))];
  const selected = known.filter((p) => chosen.has(p));

  const scan = (list: string[] | null) =>
    start.mutate(list, {
      onSuccess: (started) => {
        setJobId(started.id);
        setExtra([]);
      },
    });

  return (
    <section className="view view-scan" aria-labelledby="scan-title">
      <h1 id="scan-title">Scan</h1>
      <div className="scan-grid">
        <section className="panel" aria-labelledby="folders-title">
          <h2 id="folders-title">Folders</h2>
          {folders.isPending ? (
            <Loading />
          ) : folders.isError ? (
            <ErrorState error={folders.error} onRetry={() => void folders.refetch()} />
          ) : known.length === 0 ? (
            <Empty title="No folders yet">Add a folder of samples below (a path on the machine running SampleMind).</Empty>
          ) : (
            <ul className="folders">
              {known.map((path) => {
                const f = folders.data?.find((x) => x.path === path);
                return (
                  <li key={path}>
                    <label>
                      <input
                        type="checkbox"
                        checked={chosen.has(path)}
                        onChange={(e) => {
                          const next = new Set(chosen);
                          if (e.target.checked) next.add(path);
                          else next.delete(path);
                          setChosen(next);
                        }}
                      />{" "}
                      <code>{path}</code>
                    </label>
                    {f?.configured && <span className="badge">configured</span>}
                    {f && !f.exists && <span className="badge warn">not found</span>}
                    {!f && <span className="badge new">new</span>}
                  </li>
                );
              })}
            </ul>
          )}
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              const path = draft.trim();
              if (!path) return;
              setExtra((x) => (x.includes(path) ? x : [...x, path]));
              setChosen((c) => new Set(c).add(path));
              setDraft("");
            }}
          >
            <input aria-label="Folder path on the server" placeholder="/home/me/Samples" value={draft} onChange={(e) => setDraft(e.target.value)} />
            <button type="submit" disabled={!draft.trim()}>Add folder</button>
          </form>
          <div className="actions">
            <button type="button" className="primary" disabled={!!running || start.isPending || selected.length === 0} onClick={() => scan(selected)}>
              Scan {selected.length ? `${selected.length} selected` : "selected"}
            </button>
            <button type="button" disabled={!!running || start.isPending || (folders.data ?? []).length === 0} onClick={() => scan(null)}>
              Scan all folders
            </button>
          </div>
          {start.isError && <ErrorState error={start.error} />}
        </section>
        <section className="panel" aria-labelledby="progress-title" aria-live="polite">
          <h2 id="progress-title">Progress</h2>
          {!job ? (
            <Empty title="No scan yet">Scans index new and changed files, then analyze them; unchanged files cost a stat.</Empty>
          ) : (
            <JobProgress job={job} />
          )}
        </section>
      </div>
    </section>
  );
}

function JobProgress({ job }: { job: Job }) {
  const fraction = job.total ? Math.min(1, job.done / job.total) : null;
  const elapsed = ((job.finished_at ? Date.parse(job.finished_at) : Date.now()) - Date.parse(job.started_at)) / 1000;
  const s = job.summary;
  return (
    <div className="job" data-testid="scan-progress" data-status={job.status}>
      <p>
        <strong>{job.status === "running" ? (job.phase === "index" ? "Indexing files" : "Analyzing") : job.status === "done" ? "Done" : job.status}</strong>{" "}
        <span className="muted">{job.roots.join(", ")}</span>
      </p>
      <progress max={job.total ?? undefined} value={job.total ? job.done : undefined} aria-label="Scan progress" />
      <p className="muted small">
        {job.done.toLocaleString("en")}
        {job.total ? ` / ${job.total.toLocaleString("en")}` : ""} {fraction !== null ? `(${Math.round(fraction * 100)} %)` : ""} ·{" "}
        {formatDuration(elapsed)}
        {job.current ? ` · ${job.current.split("/").pop()}` : ""}
      </p>
      {s && (
        <dl className="summary">
          {(["added", "updated", "moved", "unchanged", "missing", "analyzed", "failed"] as const).map((k) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{s[k]}</dd>
            </div>
          ))}
        </dl>
      )}
      {job.error && <ErrorState error={new Error(job.error.message)} />}
      {s && s.failures.length > 0 && (
        <section aria-labelledby="failures-title">
          <h3 id="failures-title">Failures</h3>
          <table className="failures">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Code</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {s.failures.map(([path, code, message]) => (
                <tr key={path}>
                  <td title={path}>{path.split("/").pop()}</td>
                  <td><code>{code}</code></td>
                  <td>{message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}
