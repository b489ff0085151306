// The interactive API documentation as an administrator uses it, in Debian's
// Chromium driven by playwright-core: open /api/v2/docs, authorise with the
// tenant's token, run "GET /Users" from the page and see the user created
// beforehand in the rendered response. Also checks that the page makes no
// request to any other host (everything is served by the edge, no CDN) and
// that the pasted token survives a reload (persistAuthorization).
//
// Run by scripts/checks/browser.sh, which starts the stack and creates the
// user. Environment: DOCS_URL (http://127.0.0.1:PORT/api/v2/docs),
// SCIM_TOKEN, EXPECT_USERNAME, SCREENSHOT (a .png path), CHROMIUM
// (default /usr/bin/chromium). Exits non-zero on any failure.
import { chromium } from 'playwright-core';

const docsUrl = need('DOCS_URL');
const token = need('SCIM_TOKEN');
const userName = need('EXPECT_USERNAME');
const screenshot = need('SCREENSHOT');
// Every wait is bounded; a slow CI machine gets generous but finite time.
const STEP_MS = 30_000;

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`docs.spec.mjs: ${name} is not set`);
    process.exit(2);
  }
  return v;
}

function step(text) {
  console.log(`  - ${text}`);
}

const origin = new URL(docsUrl).origin;
const problems = [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  timeout: STEP_MS,
});
let page;
try {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 1000 },
  });
  page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith('data:')) {
      problems.push(`request to another host: ${url}`);
    }
  });

  step(`open ${docsUrl}`);
  const response = await page.goto(docsUrl, { waitUntil: 'load' });
  if (!response || response.status() !== 200) {
    throw new Error(`the page answered ${response && response.status()}`);
  }
  await page.locator('.swagger-ui .info .title').filter({ hasText: 'SCIM' })
      .waitFor();

  step('authorise with the token (Authorization: Bearer)');
  await page.locator('.scheme-container button.authorize').click();
  const modal = page.locator('.modal-ux');
  await modal.waitFor();
  const bearer = modal.locator('.auth-container').filter({
    hasText: 'bearerAuth',
  });
  await bearer.locator('input').first().fill(token);
  // Swagger UI's buttons carry aria-labels ("Apply credentials") that differ
  // from their text, so they are found by class and text.
  await bearer.locator('button.authorize').filter({ hasText: 'Authorize' })
      .click();
  await bearer.locator('button').filter({ hasText: 'Logout' }).waitFor();
  await bearer.locator('button.btn-done').click();
  await modal.waitFor({ state: 'detached' });

  step('expand GET /Users, Try it out, Execute');
  const op = page.locator('#operations-Users-listUsers');
  await op.locator('.opblock-summary').first().click();
  await op.locator('button.try-out__btn').filter({ hasText: 'Try it out' })
      .click();
  await op.locator('button.execute').click();

  step(`wait for ${userName} in the rendered response`);
  const live = op.locator('.live-responses-table');
  await live.locator('.response-col_status').filter({ hasText: '200' })
      .first().waitFor();
  await live.locator('.response-col_description').getByText(userName, {
    exact: false,
  }).first().waitFor();
  const requestUrl = await op.locator('.request-url').first().innerText();
  if (!requestUrl.includes(`${origin}/scim/v2/Users`)) {
    throw new Error(`the page called ${requestUrl}, not this server`);
  }
  // The request URL, the status and the body with the user, in one view.
  await op.locator('.request-url').first().evaluate((el) => {
    el.scrollIntoView({ block: 'start' });
    window.scrollBy(0, -80);
  });
  await page.screenshot({ path: screenshot });
  step(`screenshot: ${screenshot}`);

  step('reload: the token is kept (persistAuthorization)');
  await page.reload({ waitUntil: 'load' });
  await page.locator('.scheme-container button.authorize.locked').waitFor();

  if (problems.length > 0) throw new Error(problems.join('\n'));
  console.log(`docs page OK: GET /Users from the page listed ${userName}`);
} catch (e) {
  if (page) {
    const failure = screenshot.replace(/\.png$/, '') + '-failure.png';
    await page.screenshot({ path: failure, fullPage: true }).catch(() => {});
    console.error(`failure screenshot: ${failure}`);
  }
  console.error(String(e && e.stack ? e.stack : e));
  if (problems.length > 0) console.error(problems.join('\n'));
  await browser.close();
  process.exit(1);
}
await browser.close();
