// Renders public/icon.svg to the PNG sizes the web manifest lists (run once after changing
// the icon: node scripts/icons.mjs; the PNGs are committed).
import { readFileSync } from "node:fs";
import { launchBrowser } from "../e2e/harness.mjs";

const svg = readFileSync(new URL("../public/icon.svg", import.meta.url), "utf8");
const browser = await launchBrowser();
const page = await browser.context.newPage();
for (const size of [192, 512]) {
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(`<style>html,body{margin:0;background:transparent}</style>${svg.replace("<svg ", `<svg width="${size}" height="${size}" `)}`);
  await page.screenshot({ path: new URL(`../public/icon-${size}.png`, import.meta.url).pathname, omitBackground: true });
}
await browser.close();
