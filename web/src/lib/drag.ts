import { absoluteAudioUrl, type Sample } from "../api/client";

const MIME: Record<string, string> = {
  wav: "audio/wav",
  wave: "audio/wav",
  aif: "audio/aiff",
  aiff: "audio/aiff",
  flac: "audio/flac",
  ogg: "audio/ogg",
  mp3: "audio/mpeg",
};

/**
 * Start a native drag of a sample's file, for dropping into a DAW or the desktop: Chromium
 * turns `DownloadURL` (mime:name:url) into a real file on drop; others get the URL.
 */
export function dragSample(event: React.DragEvent, sample: Sample): void {
  const url = absoluteAudioUrl(sample.id);
  const ext = sample.name.split(".").pop()?.toLowerCase() ?? "";
  const mime = MIME[ext] ?? "application/octet-stream";
  event.dataTransfer.effectAllowed = "copy";
  event.dataTransfer.setData("DownloadURL", `${mime}:${sample.name}:${url}`);
  event.dataTransfer.setData("text/uri-list", url);
  event.dataTransfer.setData("text/plain", url);
}
