// Page layout in headless Chromium (issue 17), driven by puppeteer-core
// (deploy/install-deps.sh --with-ui puts it in build-tools/ui). Run by the demo
// test (tests/app/cli_test.cpp) against the running demo:
//
//   node ui_pages_check.mjs --base http://127.0.0.1:PORT --out DIR PATH...
//
// For each PATH, at a 1280 × 900 viewport: the page is no wider than the
// viewport (document.documentElement.scrollWidth <= 1280), and a page with a
// lineage picture has its legend and a picture scaled into the page. Then
// pan and zoom on the first /ui/products/ path under the pages' own CSP, dark
// mode (prefers-color-scheme) and the print style of the first
// /ui/deprecations/ path. Prints
// one line per check ("ok" or "FAIL"); exits 1 if any failed. A full-page
// screenshot of each goes to DIR.

import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const puppeteer = require(
  process.env.TRIBUTARY_PUPPETEER ??
    path.join(here, "../../build-tools/ui/node_modules/puppeteer-core"));

const argv = process.argv.slice(2);
const option = (name) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const base = option("base");
const out = option("out");
const crawl = Number(option("crawl") ?? 0);
const paths = argv.filter((a, i) => !a.startsWith("--") && !argv[i - 1]?.startsWith("--"));
const axeSource = path.join(
  process.env.TRIBUTARY_AXE ?? path.join(here, "../../build-tools/ui/node_modules/axe-core"),
  "axe.min.js");

let failed = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failed += 1;
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  // The pages forbid scripts (Content-Security-Policy); axe-core is injected
  // by the test only.
  await page.setBypassCSP(true);
  for (const [i, target] of paths.entries()) {
    const response = await page.goto(base + target, { waitUntil: "load" });
    check(response.status() === 200, `${target}: 200`);
    const layout = await page.evaluate(() => {
      const svg = document.querySelector(".svg svg");
      return {
        width: document.documentElement.scrollWidth,
        picture: svg !== null,
        pictureWidth: svg ? svg.getBoundingClientRect().width : 0,
        legend: document.querySelector("figure.legend") !== null,
      };
    });
    check(layout.width <= 1280, `${target}: ${layout.width} px wide (at most 1280)`);
    if (layout.picture) {
      check(layout.legend, `${target}: the lineage picture has a legend`);
      check(layout.pictureWidth <= 1280, `${target}: the picture is ${layout.pictureWidth} px wide`);
    }
    await page.screenshot({ path: path.join(out, `page-${i}.png`), fullPage: true });
  }

  // axe-core on every page reached from PATHs by following the UI's links (at
  // most --crawl pages): no serious or critical violation.
  if (crawl > 0) {
    const seen = new Set(paths);
    const queue = [...paths];
    let checked = 0;
    let serious = 0;
    let historyLinks = 0;
    while (queue.length > 0 && checked < crawl) {
      const target = queue.shift();
      const response = await page.goto(base + target, { waitUntil: "load" });
      if (response.status() !== 200) {
        check(false, `${target}: ${response.status()}`);
        continue;
      }
      await page.addScriptTag({ path: axeSource });
      const found = await page.evaluate(async () => {
        const r = await window.axe.run(document, { resultTypes: ["violations"] });
        return {
          violations: r.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}: ` +
                 `${v.nodes.slice(0, 2).map((n) => n.target.join(" ")).join(", ")})`),
          links: [...document.querySelectorAll("a[href]")].map((a) => a.getAttribute("href")),
        };
      });
      checked += 1;
      for (const v of found.violations) {
        serious += 1;
        console.log(`FAIL axe ${target}: ${v}`);
      }
      for (const href of found.links) {
        // A product's history links each instant's change: ten of those will do.
        if (href.includes("/history?") && ++historyLinks > 10) continue;
        if ((href === "/" || href.startsWith("/ui/")) && !seen.has(href)) {
          seen.add(href);
          queue.push(href);
        }
      }
    }
    check(serious === 0, `axe-core: ${checked} pages, ${serious} serious or critical violations`);
  }

  // Pan and zoom under the pages' own Content-Security-Policy (a fresh page
  // that does not bypass it): the script runs, the wheel zooms, a drag pans,
  // Reset restores the view. Then the team highlight and the health colours.
  const pictured = paths.find((p) => p.startsWith("/ui/products/")) ?? paths[0];
  const strict = await browser.newPage();
  await strict.setViewport({ width: 1280, height: 900 });
  const blocked = [];
  strict.on("console", (m) => { if (m.type() === "error") blocked.push(m.text()); });
  await strict.goto(base + pictured, { waitUntil: "load" });
  const viewBox = () => strict.$eval(".svg svg", (svg) => svg.getAttribute("viewBox"));
  const home = await viewBox();
  check(await strict.$(".zoom button") !== null,
        `${pictured}: the pan-and-zoom controls are there (the script ran under the CSP)`);
  check(blocked.length === 0, `${pictured}: no console errors (${blocked.join("; ")})`);
  await strict.$eval(".svg svg", (svg) => svg.scrollIntoView());
  const box = await (await strict.$(".svg svg")).boundingBox();
  const x = box.x + box.width / 2;
  const y = box.y + Math.min(box.height / 2, 300);
  await strict.mouse.move(x, y);
  await strict.mouse.wheel({ deltaY: -200 });
  const zoomed = await viewBox();
  const width = (v) => Number(v.split(/\s+/)[2]);
  check(width(zoomed) < width(home), `${pictured}: the wheel zooms in (${home} -> ${zoomed})`);
  await strict.mouse.down();
  await strict.mouse.move(x + 60, y + 20, { steps: 5 });
  await strict.mouse.up();
  const panned = await viewBox();
  check(panned !== zoomed && width(panned) === width(zoomed), `${pictured}: a drag pans (${panned})`);
  await strict.screenshot({ path: path.join(out, "zoomed.png") });
  await strict.click(".zoom button[aria-label='Reset the view']");
  const numbers = (v) => v.trim().split(/\s+/).map(Number);
  const reset = numbers(await viewBox());
  check(numbers(home).every((n, i) => Math.abs(n - reset[i]) < 0.01),
        `${pictured}: Reset restores the view`);
  await strict.close();

  // Dark mode follows prefers-color-scheme; printing drops the header and forms
  // (the deprecation board prints as a plain table).
  const first = base + paths[0];
  const background = () =>
    page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const luminance = (rgb) => {
    const [r, g, b] = rgb.match(/\d+/g).map(Number);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "dark" }]);
  await page.goto(first, { waitUntil: "load" });
  const dark = await background();
  check(luminance(dark) < 60, `dark mode: the page is dark (${dark})`);
  await page.screenshot({ path: path.join(out, "dark.png") });
  await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "light" }]);
  await page.goto(first, { waitUntil: "load" });
  const light = await background();
  check(luminance(light) > 200, `light mode: the page is light (${light})`);
  const board = paths.find((p) => p.startsWith("/ui/deprecations/")) ?? paths[0];
  await page.goto(base + board, { waitUntil: "load" });
  await page.emulateMediaType("print");
  const printed = await page.evaluate(() => ({
    header: getComputedStyle(document.querySelector("header")).display,
    tables: document.querySelectorAll("main table").length,
  }));
  check(printed.header === "none", `${board} printed: no header`);
  check(printed.tables > 0, `${board} printed: its tables remain`);
  await page.pdf({ path: path.join(out, "board.pdf") });
  await page.emulateMediaType("screen");
} finally {
  await browser.close();
}
process.exitCode = failed === 0 ? 0 : 1;
