// The UI's writes in headless Chromium (DESIGN.md §5, issue 16), driven by
// puppeteer-core (deploy/install-deps.sh --with-ui puts it in build-tools/ui).
// Run by tests/e2e/ui_forms_test.cpp against a service it started:
//
//   node ui_forms_test.mjs --base http://127.0.0.1:PORT --out DIR
//       --token TOKEN --other-token TOKEN2
//
// Prints one line per check; exits 1 at the first failed one. Screenshots go
// to DIR. The C++ side then checks through the API and the catalog topic that
// exactly the one product the form published exists.

import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const puppeteer = require(
  process.env.TRIBUTARY_PUPPETEER ??
    path.join(here, "../../build-tools/ui/node_modules/puppeteer-core"));

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => {
    if (a.startsWith("--")) pairs.push([a.slice(2), all[i + 1]]);
    return pairs;
  }, []));
const base = args.base;
const out = args.out;

function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) {
    process.exitCode = 1;
    throw new Error(what);
  }
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let attacker;
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 900 });

  // Signed out, a form sends you to sign in, and back.
  await page.goto(`${base}/ui/products/new`);
  check(new URL(page.url()).pathname === "/ui/signin", "a form page asks a signed-out person to sign in");
  await page.screenshot({ path: path.join(out, "01-signin.png"), fullPage: true });

  await page.type("#f-token", "not-a-token");
  await Promise.all([page.waitForNavigation(), page.click("main button[type=submit]")]);
  check((await page.$eval("#e-token", (e) => e.textContent)).includes("not valid"),
        "a wrong token is refused next to the field");

  await page.type("#f-token", args.token);
  await Promise.all([page.waitForNavigation(), page.click("main button[type=submit]")]);
  check(new URL(page.url()).pathname === "/ui/products/new", "signed in, back to the form");
  const cookies = await page.cookies();
  const session = cookies.find((c) => c.name === "tributary_session");
  check(session !== undefined && session.httpOnly, "the session cookie is HttpOnly");
  check(session.sameSite === "Strict", "the session cookie is SameSite=Strict");
  check(session.expires > Date.now() / 1000 && session.expires < Date.now() / 1000 + 9 * 3600,
        "the session cookie expires within 9 hours");
  check(!(await page.content()).includes(args.token), "the token is never shown on a page");
  check(await page.evaluate(() => document.cookie === ""), "script cannot read the session cookie");
  await page.screenshot({ path: path.join(out, "02-publish-form.png"), fullPage: true });

  // Missing metadata: refused, the error next to its field, what was typed kept.
  await page.type("#f-product", "payments.settled");
  await page.type("#f-topic", "payments-settled");
  await page.type("#f-domain", "payments");
  await Promise.all([page.waitForNavigation(), page.click("main button[type=submit]")]);
  check((await page.$eval("#e-description", (e) => e.textContent)).includes("required"),
        "missing description: the error is shown next to the field");
  check((await page.$eval("#f-product", (e) => e.value)) === "payments.settled",
        "what was typed is kept");
  await page.screenshot({ path: path.join(out, "03-errors.png"), fullPage: true });

  await page.type("#f-description", "Settled payments, one per settlement");
  await page.$eval("#f-tags", (e) => { e.value = "finance, settled"; });
  await Promise.all([page.waitForNavigation(), page.click("main button[type=submit]")]);
  check(new URL(page.url()).pathname === "/ui/products/payments.settled",
        "published: the product's page");
  check((await page.content()).includes("Settled payments, one per settlement"),
        "the page shows what was published");
  await page.screenshot({ path: path.join(out, "04-published.png"), fullPage: true });

  // Forged posts, with the session cookie but without the CSRF token, or with
  // another session's: refused, nothing changed. (Pages run no script, their
  // CSP forbids it: the forger here is a plain HTTP client holding the cookie.)
  const cookie = `tributary_session=${session.value}`;
  const forge = async (csrf, product, quality = "raw") => {
    const r = await fetch(`${base}/ui/products/new`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
      body: `${csrf === null ? "" : `csrf=${csrf}&`}product=${product}&topic=forged&domain=x` +
            `&owner=payments&description=x&quality=${quality}&sla=tier-3&tags=x`,
    });
    return { status: r.status, text: await r.text() };
  };
  const forged = await forge(null, "forged.nocsrf");
  check(forged.status === 403 && forged.text.includes("CSRF"), "a POST without the CSRF token is refused (403)");

  const other = await browser.createBrowserContext();
  const otherPage = await other.newPage();
  await otherPage.goto(`${base}/ui/signin?next=/ui/products/new`);
  await otherPage.type("#f-token", args["other-token"]);
  await Promise.all([otherPage.waitForNavigation(), otherPage.click("main button[type=submit]")]);
  const otherCsrf = await otherPage.$eval("input[name=csrf]", (e) => e.value);
  const mine = await page.evaluate(() => document.querySelector("input[name=csrf]")?.value ?? "");
  check(otherCsrf.length === 64 && otherCsrf !== mine, "each session has its own CSRF token");
  const crossed = await forge(otherCsrf, "forged.othercsrf");
  check(crossed.status === 403, "a POST with another session's CSRF token is refused (403)");
  const control = await forge(mine, "forged.control", "bogus");
  check(control.status === 400 && control.text.includes("quality"),
        "the same post with this session's token reaches the API (control: a bad quality, 400)");
  await other.close();

  // Another site's page that posts a form here: the SameSite=Strict cookie is
  // not sent, so nothing is done even with a CSRF token.
  attacker = http.createServer((req, res) => {
    res.setHeader("Content-Type", "text/html");
    res.end(`<!DOCTYPE html><html><body><form id="f" method="post" action="${base}/ui/products/new">
      <input name="csrf" value="${mine}"><input name="product" value="forged.crosssite">
      <input name="topic" value="forged"><input name="domain" value="x"><input name="owner" value="payments">
      <input name="description" value="x"><input name="quality" value="raw"><input name="sla" value="tier-3">
      <input name="tags" value="x"></form><script>document.getElementById("f").submit()</script></body></html>`);
  });
  await new Promise((resolve) => attacker.listen(0, "localhost", resolve));
  const attack = await browser.newPage();
  await Promise.all([
    attack.waitForNavigation(),
    attack.goto(`http://localhost:${attacker.address().port}/`),
  ]);
  const attackText = await attack.content();
  check(!attack.url().includes("forged.crosssite") &&
        (attackText.includes("Sign in first") || attackText.includes("another site")),
        "another site's form is refused");
  await attack.screenshot({ path: path.join(out, "05-cross-site-refused.png"), fullPage: true });
  await attack.close();

  const products = (await (await fetch(`${base}/api/v1/products`)).json()).products.map((p) => p.name);
  check(JSON.stringify(products) === JSON.stringify(["payments.settled"]),
        "only the product the form published exists");

  // Sign out: the cookie goes, and forms ask to sign in again.
  await page.bringToFront();
  await page.goto(`${base}/ui/products/payments.settled`);
  await Promise.all([page.waitForNavigation(), page.click("header form button")]);
  check(!(await page.cookies()).some((c) => c.name === "tributary_session" && c.value !== ""),
        "signed out: the session cookie is cleared");
  await page.goto(`${base}/ui/products/new`);
  check(new URL(page.url()).pathname === "/ui/signin", "signed out: forms ask to sign in again");
  await page.screenshot({ path: path.join(out, "06-signed-out.png"), fullPage: true });
} catch (e) {
  if (!process.exitCode) {
    console.log(`FAIL ${e.message}`);
    process.exitCode = 1;
  }
} finally {
  attacker?.close();
  await browser.close();
}
