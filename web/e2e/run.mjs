// The end-to-end suite: the built app in Debian's Chromium against a real `samplemind serve`
// on a generated demo library. Each step saves a screenshot under e2e/screenshots/.
//   node e2e/run.mjs            (make test runs it after `vite build`)
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, run, samplemindCommand, startFakeLlm, startServer, WEB } from "./harness.mjs";

const SHOTS = join(WEB, "e2e", "screenshots");
mkdirSync(SHOTS, { recursive: true });

const results = [];
let page;
const errors = [];

async function step(name, body) {
  const started = Date.now();
  try {
    await body();
    results.push([name, true, Date.now() - started]);
    console.log(`  ok   ${name} (${Date.now() - started} ms)`);
  } catch (exc) {
    results.push([name, false, Date.now() - started]);
    console.log(`  FAIL ${name}: ${exc?.stack ?? exc}`);
    await page?.screenshot({ path: join(SHOTS, `failed-${name.replace(/\W+/g, "-")}.png`) }).catch(() => {});
  }
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const shot = (name) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
const audioTime = () => page.evaluate(() => document.getElementById("preview-audio")?.currentTime ?? -1);

console.log("e2e: generating and scanning the demo library…");
// The AI provider is a protocol-faithful fake OpenAI server on 127.0.0.1 (tests/ai/serve_fake.py).
const llm = await startFakeLlm();
const server = await startServer({
  env: llm.env,
  prepare: async (ctx) => {
    const demo = join(ctx.base, "demo-library");
    run(samplemindCommand(), ["demo", demo], ctx.env);
    run(samplemindCommand(), ["scan", demo], ctx.env);
    ctx.folders = [demo];
    ctx.demo = demo;
  },
});
const browser = await launchBrowser();
page = await browser.context.newPage();
page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
page.on("console", (message) => {
  if (message.type() === "error" && !/Failed to load resource.*(400|404|409)/.test(message.text())) errors.push(`console: ${message.text()}`);
});
const url = (path) => `${server.url}${path}`;

try {
  await step("browse the library", async () => {
    await page.goto(url("/"));
    await page.getByRole("row", { name: /Kick_Punchy_01/ }).waitFor();
    const rows = await page.locator(".table-row[data-sample-id]").count();
    check(rows === 30, `expected the 30 demo samples, saw ${rows}`);
    await page.getByRole("columnheader", { name: /BPM/ }).getByRole("button").click();
    await page.waitForURL(/sort=bpm/);
    const first = await page.locator(".table-row[data-sample-id] .num").first().textContent();
    check(first && Number(first) < 110, `sorted by BPM the slowest loop comes first, got ${first}`);
    await shot("01-library");
  });

  await step("play a preview (the audio element's time advances)", async () => {
    await page.goto(url("/"));
    const row = page.getByRole("row", { name: /Loop_Chords_120_Am/ });
    await row.click();
    await page.waitForFunction(() => (document.getElementById("preview-audio")?.currentTime ?? 0) > 0.3, null, { timeout: 10_000 });
    const t1 = await audioTime();
    await page.waitForTimeout(600);
    const t2 = await audioTime();
    check(t2 > t1, `currentTime did not advance: ${t1} → ${t2}`);
    check((await page.getByRole("button", { name: "Pause preview" }).count()) === 1, "the player shows pause while playing");
    await shot("02-preview-playing");
    // keyboard: arrow down moves and (since it plays) previews the next row; space pauses
    const table = page.getByTestId("sample-table");
    await table.focus();
    await page.keyboard.press("ArrowDown");
    await page.waitForTimeout(300);
    await page.keyboard.press(" ");
    await page.waitForTimeout(200);
    check(await page.evaluate(() => document.getElementById("preview-audio").paused), "space pauses the preview");
  });

  await step("tempo sync and key shift of a loop (independent, through SoundTouch)", async () => {
    await page.goto(url("/search?q=Loop_Chords_120"));
    await page.getByRole("row", { name: /Loop_Chords_120_Am/ }).click();
    await page.getByLabel("Tempo sync").check();
    await page.getByLabel("Project BPM").fill("126");
    await page.getByLabel("Project key").selectOption("10A"); // B minor: +2 from A minor
    await page.waitForFunction(() => {
      const a = document.getElementById("preview-audio");
      return Math.abs(a.playbackRate - 1.05) < 0.001 && a.preservesPitch === false && !a.paused;
    }, null, { timeout: 10_000 });
    const label = await page.locator(".rate").textContent();
    check(/×1\.050/.test(label) && /\+2 st/.test(label) && !/not available/.test(label), `player says: ${label}`);
    const t1 = await audioTime();
    await page.waitForTimeout(500);
    check((await audioTime()) > t1, "it keeps playing through the pitch shifter");
    await shot("02b-tempo-key");
    await page.getByLabel("Tempo sync").uncheck();
    await page.getByLabel("Project key").selectOption("");
    await page.getByRole("button", { name: "Pause preview" }).click();
  });

  await step("search with filters (the URL holds the query)", async () => {
    await page.goto(url("/search"));
    const box = page.getByTestId("search-input");
    await box.fill("kick");
    await page.waitForURL(/q=kick/);
    await page.getByRole("row", { name: /Kick_Deep_02/ }).waitFor();
    let rows = await page.locator(".table-row[data-sample-id]").count();
    check(rows >= 3 && rows < 30, `"kick" finds the kicks, saw ${rows}`);
    await box.fill("");
    await page.getByRole("radio", { name: "Loops" }).click();
    await page.getByLabel("BPM from").fill("115");
    await page.getByLabel("BPM to").fill("145");
    await page.waitForURL(/kind=loop/);
    await page.waitForURL(/bpm_max=145/);
    await page.getByRole("row", { name: /Trap_Loop_140bpm/ }).waitFor();
    const names = await page.locator(".table-row[data-sample-id] .col-name").allTextContents();
    check(!names.some((n) => /DnB_Loop_174/.test(n)), `174 BPM is outside 115..145: ${names}`);
    await page.getByLabel("Half / double time").check();
    await page.getByRole("row", { name: /DnB_Loop_174/ }).waitFor({ timeout: 5000 }).catch(() => {});
    await page.getByRole("checkbox", { name: /^8A Am/ }).click();
    await page.waitForURL(/key=8A/);
    const query = await page.getByTestId("composed-query").textContent();
    check(query.includes("is:loop") && query.includes("key:8A") && query.includes("bpm:57.5..72.5"), `composed query: ${query}`);
    await shot("03-search-filters");
    // a bookmark restores the search
    const bookmarked = page.url();
    await page.goto(url("/"));
    await page.goto(bookmarked);
    check((await page.getByRole("checkbox", { name: /^8A Am/ }).getAttribute("aria-checked")) === "true", "the key came back from the URL");
    // autocomplete and a query error pointing at its token
    await box.fill("");
    await box.type("bp");
    await page.getByRole("option", { name: /bpm:/ }).waitFor();
    await page.keyboard.press("Tab");
    await box.type("fast");
    await page.locator(".query-error").waitFor();
    await shot("04-search-error");
  });

  let sampleUrl = "";
  await step("open a sample", async () => {
    await page.goto(url("/search?q=Loop_Chords_120"));
    await page.getByRole("row", { name: /Loop_Chords_120_Am/ }).waitFor();
    await page.getByTestId("sample-table").focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/samples\/\d+$/);
    sampleUrl = page.url();
    await page.getByRole("heading", { name: "Loop_Chords_120_Am.wav" }).waitFor();
    await page.locator("[data-testid=waveform] div").first().waitFor();
    const table = await page.locator("table.analysis").textContent();
    check(/BPM/.test(table) && /120/.test(table), "BPM 120 is shown");
    check(/A minor \(8A\)/.test(table), `the key with its Camelot code: ${table.slice(0, 300)}`);
    check(/filename|audio|duration/.test(table), "values say their source");
    await page.getByRole("button", { name: "Play", exact: true }).click();
    await page.waitForFunction(() => document.getElementById("preview-audio").currentTime > 0.2);
    await shot("05-sample");
  });

  await step("find similar sounds", async () => {
    await page.goto(sampleUrl);
    const list = page.getByTestId("similar-list");
    await list.waitFor();
    const overall = await list.locator("li").count();
    check(overall >= 5, `similar sounds listed: ${overall}`);
    const before = await list.locator("li a").allTextContents();
    await page.getByRole("radio", { name: "rhythm" }).click();
    await page.waitForFunction((first) => document.querySelector("[data-testid=similar-list] li a")?.textContent !== first || true, before[0]);
    await page.waitForTimeout(500);
    await list.waitFor();
    await shot("06-similar");
  });

  await step("edit tags (kept on the server)", async () => {
    await page.goto(sampleUrl);
    await page.getByLabel("New tags (comma separated)").fill("e2e-dark, Warm ");
    await page.getByRole("button", { name: "Add", exact: true }).first().click();
    await page.getByRole("button", { name: "Remove tag e2e-dark" }).waitFor();
    await page.reload();
    await page.getByRole("button", { name: "Remove tag warm" }).waitFor();
    await page.getByRole("button", { name: "Remove tag e2e-dark" }).click();
    await page.getByRole("button", { name: "Remove tag e2e-dark" }).waitFor({ state: "detached" });
    await page.getByRole("button", { name: /Add to favourites/ }).click();
    await page.getByRole("button", { name: /Remove from favourites/ }).waitFor();
    await page.getByLabel("Add to collection").fill("E2E kit");
    await page.getByRole("button", { name: "Add", exact: true }).nth(1).click();
    await page.getByRole("link", { name: "E2E kit" }).waitFor();
    await shot("07-tags");
  });

  await step("run a scan with live progress", async () => {
    // a new file, so the scan has something to analyze
    copyFileSync(join(server.demo ?? join(server.base, "demo-library"), "Drums", "Kicks", "Kick_Punchy_01.wav"), join(server.base, "demo-library", "Kick_Copy_E2E.wav"));
    await page.goto(url("/scan"));
    await page.getByRole("button", { name: "Scan all folders" }).click();
    const progress = page.getByTestId("scan-progress");
    await progress.waitFor();
    const seen = new Set();
    const deadline = Date.now() + 120_000;
    for (;;) {
      const status = await progress.getAttribute("data-status").catch(() => null);
      if (status) seen.add(status);
      if (status === "done" || status === "failed") break;
      check(Date.now() < deadline, "the scan did not finish in 2 minutes");
      await page.waitForTimeout(100);
    }
    check(seen.has("running") && seen.has("done"), `saw ${[...seen]}`);
    const text = await progress.textContent();
    check(/added\s*1/.test(text) && /unchanged\s*30/.test(text), `summary: ${text}`);
    await shot("08-scan");
  });

  await step("view the sound map", async () => {
    await page.goto(url("/map"));
    const map = page.getByTestId("sound-map");
    await map.waitFor({ timeout: 60_000 });
    const points = Number(await map.getAttribute("data-points"));
    check(points === 31, `31 analyzed samples on the map, saw ${points}`);
    const box = await map.boundingBox();
    // hover across the map until a point is under the pointer: its name shows, and it plays
    let found = false;
    for (let gx = 0.1; gx < 0.95 && !found; gx += 0.04) {
      for (let gy = 0.1; gy < 0.95 && !found; gy += 0.04) {
        await page.mouse.move(box.x + box.width * gx, box.y + box.height * gy);
        found = (await page.locator(".map-tip").count()) > 0;
      }
    }
    check(found, "hovering finds a point");
    await page.waitForFunction(() => document.getElementById("preview-audio").currentTime > 0, null, { timeout: 5000 });
    await shot("09-map");
    // lasso everything into a collection
    await page.keyboard.down("Shift");
    await page.mouse.move(box.x + 2, box.y + 2);
    await page.mouse.down();
    for (const [x, y] of [[box.width - 2, 2], [box.width - 2, box.height - 2], [2, box.height - 2], [2, 4]]) {
      await page.mouse.move(box.x + x, box.y + y, { steps: 4 });
    }
    await page.mouse.up();
    await page.keyboard.up("Shift");
    await page.getByText("31 selected").waitFor();
    await page.getByLabel("New collection name").fill("Whole map");
    await page.getByRole("button", { name: "Make collection" }).click();
    await page.getByText(/Collection “Whole map” made with 31 samples/).waitFor();
    await shot("10-map-lasso");
  });

  await step("stats, upload and the help overlay", async () => {
    await page.goto(url("/stats"));
    await page.getByRole("heading", { name: "BPM of loops" }).waitFor();
    await page.getByRole("img", { name: /8A Am: \d+ samples/ }).waitFor();
    await shot("11-stats");
    await page.goto(url("/upload"));
    await page.getByLabel("Choose audio files to analyze").setInputFiles(join(server.base, "demo-library", "Leads", "Pluck_Bright_E4.wav"));
    await page.locator(".upload[data-status=done]").waitFor({ timeout: 60_000 });
    check(/E4/.test(await page.locator(".upload").textContent()), "the upload's root note");
    await shot("12-upload");
    await page.keyboard.press("?");
    await page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor();
    await shot("13-help");
    await page.keyboard.press("Escape");
  });

  await step("installs as an app: the shell from the service worker, the API past it", async () => {
    await page.goto(url("/"));
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await page.getByRole("row", { name: /Kick_Punchy_01/ }).waitFor();
    const seen = await page.evaluate(() => ({
      controlled: !!navigator.serviceWorker.controller,
      api: performance
        .getEntriesByType("resource")
        .filter((e) => new URL(e.name).pathname.startsWith("/api/"))
        .map((e) => e.workerMatchedSourceType),
    }));
    check(seen.controlled, "the page is controlled by the service worker after a reload");
    check(seen.api.length > 0 && seen.api.every((source) => source === "network"), `API requests routed to the network, not through the worker: ${seen.api}`);
  });

  await step("laptop size (1366×768) and 1280×800", async () => {
    for (const [w, h] of [[1366, 768], [1280, 800]]) {
      await page.setViewportSize({ width: w, height: h });
      await page.goto(sampleUrl);
      await page.getByTestId("similar-list").waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      check(!overflow, `no horizontal scrolling at ${w}×${h}`);
      await shot(`14-sample-${w}x${h}`);
    }
    await page.goto(url("/search?kind=loop"));
    await page.getByRole("row", { name: /Loop/ }).first().waitFor();
    await shot("15-search-1280x800");
  });

  await step("AI: natural-language search (rules, then a model)", async () => {
    await page.goto(url("/"));
    await page.getByRole("navigation", { name: "Views" }).getByRole("link", { name: "AI" }).click();
    await page.waitForURL(/\/ai$/);
    const tabs = page.getByRole("navigation", { name: "AI features" });
    await tabs.getByRole("link", { name: "Kit builder" }).waitFor();
    check((await tabs.getByRole("link").count()) === 5, "every feature is configured: five tabs");
    const box = page.getByLabel("What are you looking for?");
    await box.fill("dark 808 in F minor around 140");
    await box.press("Enter");
    await page.waitForURL(/\/ai\/search\?text=dark/);
    const query = await page.getByTestId("nl-query").textContent();
    check(query.includes("808") && query.includes("key:Fm") && query.includes("bpm:~140"), `the rules' query: ${query}`);
    check(/rules/.test(await page.getByTestId("nl-source").textContent()), "made by the rules");
    await shot("16-ai-search-rules");
    await box.fill("ethereal textures for a film");
    await box.press("Enter");
    await page.getByTestId("nl-source").filter({ hasText: "model" }).waitFor();
    check((await page.getByTestId("nl-query").textContent()) === "pad", "the model's query");
    await page.getByRole("link", { name: /Pad_Warm_Am/ }).waitFor();
    await shot("17-ai-search-model");
    await page.getByRole("link", { name: "Open in Search" }).click();
    await page.waitForURL(/\/search\?q=pad/);
    await page.getByRole("row", { name: /Pad_Warm_Am/ }).waitFor();
  });

  await step("AI: describe a sample (tags with source ai)", async () => {
    await page.goto(url("/search?q=Kick_Punchy_01"));
    await page.getByRole("row", { name: /Kick_Punchy_01/ }).waitFor();
    await page.getByTestId("sample-table").focus();
    await page.keyboard.press("Enter");
    await page.getByRole("link", { name: "Describe with AI" }).click();
    await page.waitForURL(/\/ai\/describe\?sample=\d+/);
    await page.getByRole("button", { name: /^Describe/ }).first().click();
    const card = page.getByTestId("ai-description");
    await card.getByText(/punchy, tight kick/).waitFor();
    const tags = await card.getByTitle("source: ai").allTextContents();
    check(tags.includes("punchy") && tags.includes("house"), `ai tags: ${tags}`);
    await shot("18-ai-describe");
  });

  await step("AI: advice streams token by token (and cancels)", async () => {
    await page.goto(url("/ai/advice"));
    await page.getByLabel("Samples to ask about (query)").fill("kick");
    await page.getByLabel("Samples to ask about (query)").press("Enter");
    await page.getByRole("checkbox", { name: /Choose Kick_Punchy_01/ }).check();
    await page.getByLabel("Question").fill("How do I make it sit with the 808?");
    await page.getByRole("button", { name: "Ask" }).click();
    const log = page.getByRole("log", { name: "Advice" });
    const lengths = [];
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
      const [status, text] = await Promise.all([log.getAttribute("data-status"), log.textContent()]);
      if (status === "running" && text.length && !text.startsWith("Waiting")) lengths.push(text.length);
      if (status && status !== "running") break;
      await page.waitForTimeout(60);
    }
    const growing = [...new Set(lengths)];
    check(growing.length >= 4, `the text grew while streaming: ${lengths.join(",")}`);
    check(growing.every((n, i) => i === 0 || n > growing[i - 1]), `lengths only grow: ${growing}`);
    await log.and(page.locator("[data-status=done]")).waitFor();
    check(/sidechain/.test(await log.textContent()), "the whole advice arrived");
    await page.getByTestId("ai-route").getByText("openai:gpt-4o").waitFor();
    await shot("19-ai-advice");
    // another question (the same one would come from the response cache at once)
    await page.getByLabel("Question").fill("And with a snare on top?");
    await page.getByRole("button", { name: "Ask" }).click();
    await page.waitForFunction(() => (document.querySelector("[data-testid=advice-text]")?.textContent ?? "").length > 12);
    await page.getByRole("button", { name: "Cancel" }).click();
    await log.and(page.locator("[data-status=cancelled]")).waitFor();
    const cut = (await log.textContent()).length;
    await page.waitForTimeout(400);
    check((await log.textContent()).length === cut, "nothing arrives after Cancel");
  });

  await step("AI: kit builder (slots, play, collection, zip)", async () => {
    await page.goto(url("/ai/kit"));
    await page.getByLabel("Kit brief").fill("lo-fi hip hop kit, dusty");
    await page.getByRole("button", { name: "Build kit" }).click();
    const table = page.getByRole("table", { name: "Kit Dusty lo-fi kit" });
    await table.waitFor({ timeout: 30_000 });
    const roles = await table.getByRole("rowheader").allTextContents();
    check(roles.length >= 3 && roles.includes("kick"), `slots: ${roles}`);
    const reasons = await table.locator("tbody td:nth-child(3)").allTextContents();
    check(reasons.every((r) => r.length > 5), `every slot has a reason: ${reasons}`);
    await table.getByRole("button", { name: /^Play / }).first().click();
    await page.waitForFunction(() => document.getElementById("preview-audio").currentTime > 0, null, { timeout: 5000 });
    await shot("20-ai-kit");
    const href = await page.getByRole("link", { name: "Download kit (.zip)" }).getAttribute("href");
    const zip = await fetch(url(href));
    const bytes = new Uint8Array(await zip.arrayBuffer());
    check(zip.headers.get("content-type") === "application/zip" && bytes[0] === 0x50 && bytes[1] === 0x4b, "the kit downloads as a zip");
    await page.getByLabel("Collection name").fill("E2E lofi kit");
    await page.getByRole("button", { name: "Save as collection" }).click();
    await page.getByRole("link", { name: "E2E lofi kit" }).click();
    await page.waitForURL(/collection/);
    await page.locator(".table-row[data-sample-id]").first().waitFor();
    const rows = await page.locator(".table-row[data-sample-id]").count();
    check(rows === roles.length, `the collection holds the kit: ${rows} of ${roles.length}`);
  });

  await step("AI: cost dashboard", async () => {
    await page.goto(url("/ai/costs"));
    const costs = page.getByTestId("ai-costs");
    await costs.waitFor();
    const tasks = await page.getByRole("list", { name: "Spend by task" }).getByRole("listitem").allTextContents();
    for (const task of ["nl_search", "describe", "advise", "kit"]) check(tasks.some((t) => t.startsWith(task)), `${task} is in ${tasks}`);
    check(/\$0\.\d+|\$\d/.test(await page.getByTestId("ai-total").textContent()), "a total in dollars");
    check((await page.getByTestId("ai-budget").getAttribute("data-reached")) === "false", "the $5 budget is not reached");
    await page.getByText("Projection: what a month of requests would cost").click();
    await page.getByRole("table", { name: "Projected monthly cost" }).getByText("baseline").waitFor();
    await shot("21-ai-costs");
  });

  await step("no errors in the page", async () => {
    check(errors.length === 0, errors.join("\n"));
  });
} finally {
  await browser.close();
  await server.stop();
  llm.stop();
}

const failed = results.filter(([, ok]) => !ok).length;
writeFileSync(join(SHOTS, "results.json"), JSON.stringify(results, null, 1));
console.log(`e2e: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
