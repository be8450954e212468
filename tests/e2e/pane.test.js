// The task pane in headless Chromium against the real bridge (sandbox) and its LOX24
// simulator. The tests run in order on one bridge: setup first, then the legacy key,
// compose, send and history build on what the earlier ones stored.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as h from "./harness.js";

let bridge;
let browser;

/** Console messages about the Content-Security-Policy, collected from every page. */
const cspViolations = [];

before(async () => {
  bridge = await h.startBridge();
  browser = await h.openBrowser(bridge);
});

after(async () => {
  await browser?.close();
  await bridge?.stop();
});

/**
 * A pane page: outside Office (CDN unreachable) unless a mail seed is given.
 * @param {object | null} mail seed for office-mock.js
 * @param {import("playwright-core").BrowserContext} [context]
 */
async function openPane(mail = null, context = browser.context) {
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) {
      cspViolations.push(message.text());
    }
  });
  if (mail) {
    await h.mockOffice(page, mail);
  } else {
    await h.blockOffice(page);
  }
  await page.goto(`${bridge.url}/taskpane.html`);
  return page;
}

const status = (page) => page.locator("#status");

/** Waits until `locator` shows `pattern`; a timeout reports what it showed instead. */
async function expectText(locator, pattern) {
  try {
    await locator.filter({ hasText: pattern }).first().waitFor({ timeout: Number(process.env.PANE_E2E_WAIT_MS ?? 10_000) });
  } catch (error) {
    const shown = await locator.allTextContents().catch(() => []);
    const message = `expected ${pattern}, the pane shows ${JSON.stringify(shown)}`;
    throw new Error(message, { cause: error });
  }
}

async function assertNoHorizontalScroll(page) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.equal(overflow, 0, "the pane scrolls sideways");
}

async function smsPosts() {
  const log = await h.simRequests(bridge.simUrl);
  return log.filter((r) => r.method === "POST" && r.path === "/sms");
}

test("first run: a wrong key is refused in plain words, the right one shows the account", async () => {
  const page = await openPane();
  await page.locator("#view-setup").waitFor();
  await assertNoHorizontalScroll(page);

  await page.getByLabel("API key").fill("100000:00000000000000000000000000000000");
  await page.getByRole("button", { name: "Verify & save" }).click();
  await expectText(status(page), /LOX24 does not accept this key/);
  assert.equal(await page.getByLabel("API key").getAttribute("aria-invalid"), "true");
  await h.screenshot(page, "setup-wrong-key");

  await page.getByLabel("API key").fill(h.SANDBOX_TOKEN);
  await page.getByLabel("Name for this key (optional)").fill("office");
  await page.getByRole("button", { name: "Verify & save" }).click();
  await expectText(page.locator("#setup-done-key"), /Key “office” \(.*2b3c\) is ready/);
  await expectText(page.locator("#setup-done-balance"), /Balance: /);
  await expectText(page.locator("#setup-done-services"), /Services: .*direct/);
  await h.screenshot(page, "setup-done");

  const shown = await page.evaluate(() => [
    document.body.innerText,
    ...[...document.querySelectorAll("input")].map((input) => input.value),
  ]);
  assert.ok(!shown.join("\n").includes("5a4db0c3e1f2a3b4c5d6e7f8091a2b3c"), "the key is shown");

  await page.getByRole("button", { name: "Write an SMS" }).click();
  await page.locator("#view-compose").waitFor();
  await page.close();
});

test("an account password key raises the legacy banner, whose action adds a new key", async () => {
  const page = await openPane();
  await page.locator("#view-compose").waitFor();
  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByRole("button", { name: "Add a key" }).click();
  await page.getByLabel("Client ID").fill(h.LEGACY_CLIENT);
  await page.getByLabel("API key").fill(h.LEGACY_PASSWORD);
  await page.getByLabel("This is my LOX24 account password").check();
  await page.getByRole("button", { name: "Verify & save" }).click();
  await expectText(status(page), /added and active/);

  const banner = page.locator('#banner-list li[data-code="legacy_password"]');
  await expectText(banner, /comes from your LOX24 account password/);
  await expectText(page.locator("#key-list"), /Made from the account password/);
  await h.screenshot(page, "settings-legacy-banner");

  await banner.getByRole("button", { name: "Add a new key" }).click();
  await page.locator("#settings-form-slot input").first().waitFor();

  await page.getByRole("button", { name: "Use: office" }).click();
  await expectText(status(page), /Remove the old password key/);
  await banner.waitFor({ state: "detached" });
  await page.close();
});

test("inside a mail: numbers from the body are offered, the selection fills the text", async () => {
  const body = [
    "Hello team,",
    "",
    "please text the driver on +49 170 1234567 or the office at 030 12345678.",
    "",
    "-- ",
    "Jane Doe",
    "Mobile 0171 7654321",
    "",
    "On Monday, Bob wrote:",
    "> old quoted text",
  ].join("\n");
  const page = await openPane({
    mode: "compose",
    displayLanguage: "en-US",
    subject: "Driver",
    body,
    selection: "The delivery arrives at 3 pm.",
  });
  await page.locator("#view-compose").waitFor();
  assert.equal(await page.getByLabel("Message").inputValue(), "The delivery arrives at 3 pm.");

  const offers = page.locator("#mail-number-list button");
  await offers.first().waitFor();
  assert.deepEqual(await offers.allTextContents(), [
    "+49 170 1234567",
    "030 12345678",
    "0171 7654321",
  ]);
  await page.getByRole("button", { name: "Add +49 170 1234567" }).click();
  await expectText(page.locator("#recipient-chips"), /\+491701234567/);

  await page.getByRole("button", { name: "Use the mail's text" }).click();
  await expectText(status(page), /without quoted replies and signature/);
  assert.equal(
    await page.getByLabel("Message").inputValue(),
    "Hello team,\n\nplease text the driver on +49 170 1234567 or the office at 030 12345678.",
  );
  await h.screenshot(page, "compose-in-mail");
  await page.close();

  const reading = await openPane({
    mode: "read",
    subject: "Call back",
    body: "Please call back.",
    phoneEntities: ["+43 660 1234567"],
  });
  await reading.locator("#mail-number-list button").first().waitFor();
  assert.deepEqual(await reading.locator("#mail-number-list button").allTextContents(), [
    "+43 660 1234567",
  ]);
  await reading.close();
});

test("the counter shows GSM, curly quotes and emoji, and the rewrite says what changed", async () => {
  const page = await openPane();
  await page.locator("#view-compose").waitFor();
  const text = page.getByLabel("Message");
  const counter = async () =>
    (await page.locator("#counter span").allTextContents()).join(" | ");

  await text.fill("Hello world");
  await expectText(page.locator("#counter"), /11 characters/);
  assert.equal(await counter(), "Standard characters | 11 characters | 1 SMS | 149 left");
  assert.ok(await page.locator("#unicode-note").isHidden());

  await text.fill("Say “hello”");
  await expectText(page.locator("#counter"), /Unicode/);
  assert.equal(await counter(), "Unicode | 11 characters | 1 SMS | 59 left");
  assert.deepEqual(await page.locator("#unicode-marked mark").allTextContents(), ["“", "”"]);
  await h.screenshot(page, "compose-unicode");

  await page.getByRole("button", { name: "Replace them where possible" }).click();
  await expectText(page.locator("#counter"), /Standard characters/);
  assert.equal(await text.inputValue(), 'Say "hello"');
  assert.equal(await counter(), "Standard characters | 11 characters | 1 SMS | 149 left");
  assert.deepEqual(await page.locator("#rewrite-changes li").allTextContents(), [
    '“ → " (1×)',
    '” → " (1×)',
  ]);

  await text.fill("Party 🎉");
  await expectText(page.locator("#counter"), /Unicode/);
  assert.equal(await counter(), "Unicode | 8 characters | 1 SMS | 62 left");
  assert.ok(await page.getByRole("button", { name: "Replace them where possible" }).isHidden());
  await text.fill("");
  await page.close();
});

test("a send to three numbers with one invalid: a double click sends each valid one once", async () => {
  await h.clearSimRequests(bridge.simUrl);
  const page = await openPane();
  await page.locator("#view-compose").waitFor();

  await page.getByLabel("To", { exact: true }).fill("+49 170 1234567; 0171 7654321, 12");
  await page.getByLabel("To", { exact: true }).press("Enter");
  const chips = page.locator("#recipient-chips li");
  await expectText(chips.nth(2), /too short/);
  assert.equal(await chips.count(), 3);
  assert.match(await chips.nth(0).textContent(), /\+491701234567/);
  assert.match(await chips.nth(1).textContent(), /\+491717654321/);
  assert.ok((await chips.nth(2).getAttribute("class")).includes("invalid"));

  await page.getByLabel("Message").fill("The delivery arrives at 3 pm.");
  await page.getByLabel("Sender ID", { exact: true }).fill("Dispatch");
  await expectText(page.locator("#counter"), /29 characters/);
  await h.screenshot(page, "compose");

  await page.getByRole("button", { name: "Send", exact: true }).dblclick();
  await page.locator("#view-results").waitFor();
  await expectText(page.locator("#results-summary"), /Sent to 2 of 3 recipients/);
  const results = page.locator("#results-list > li");
  assert.equal(await results.count(), 3);
  assert.match(await results.nth(0).textContent(), /Sent.*LOX24 ID:\s*[0-9a-f-]{36}/);
  assert.match(await results.nth(1).textContent(), /Sent.*LOX24 ID:/);
  assert.match(await results.nth(2).textContent(), /Not sent.*too short/);
  assert.equal(await page.getByRole("button", { name: "Try again for 1" }).count(), 1);
  await assertNoHorizontalScroll(page);
  await h.screenshot(page, "results");

  const posts = await smsPosts();
  const phones = posts.map((p) => JSON.parse(p.body).phone).sort();
  assert.deepEqual(phones, ["+491701234567", "+491717654321"]);
  assert.equal(await page.evaluate(() => localStorage.getItem("sms-bridge.sender")), "Dispatch");

  await page.getByRole("button", { name: "Try again for 1" }).click();
  await page.locator("#view-compose").waitFor();
  assert.equal(await chips.count(), 1);
  assert.equal(await page.getByLabel("Message").inputValue(), "The delivery arrives at 3 pm.");
  await page.close();
});

test("history shows each recipient with its delivery status, refreshed from LOX24", async () => {
  const page = await openPane();
  await page.locator("#view-compose").waitFor();
  await page.getByRole("button", { name: "History" }).click();
  const first = page.locator("#history-list > li").first();
  await expectText(first, /The delivery arrives at 3 pm/);
  await first.getByRole("button", { name: "Refresh status" }).click();
  await expectText(status(page), /Status updated/);
  await h.screenshot(page, "history");
  await page.close();
});

test("a resend after a reload answers the first send and sends nothing again", async () => {
  await h.clearSimRequests(bridge.simUrl);
  await h.simMisbehave(bridge.simUrl, { action: "delay", method: "POST", path: "/sms", delay_ms: 1500 });
  const page = await openPane();
  await page.locator("#view-compose").waitFor();
  await page.getByLabel("To", { exact: true }).fill("+49 151 23456789");
  await page.getByLabel("To", { exact: true }).press("Enter");
  await page.getByLabel("Message").fill("Reload test");
  await page.getByLabel("Sender ID", { exact: true }).fill("Dispatch");
  await page.getByRole("button", { name: "Send", exact: true }).click();

  while ((await smsPosts()).length === 0) {
    await page.waitForTimeout(50);
  }
  await page.reload();
  await page.locator("#view-compose").waitFor();
  assert.equal(await page.getByLabel("Message").inputValue(), "Reload test");
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await page.locator("#view-results").waitFor();
  await expectText(page.locator("#results-list"), /\+4915123456789/);
  assert.equal((await smsPosts()).length, 1);
  await page.close();
});

test("after a send cut off by a reload, the bridge still reaches LOX24", async () => {
  const page = await openPane();
  await page.locator("#view-compose").waitFor();
  await page.getByRole("button", { name: "History" }).click();
  const first = page.locator("#history-list > li").first();
  await expectText(first, /Reload test/);
  await first.getByRole("button", { name: "Refresh status" }).click();
  await expectText(status(page), /Status updated/);
  await expectText(first, /Sent/);
  await page.close();
});

test("the pane speaks German for a German Outlook and a German browser", async () => {
  const inOutlook = await openPane({
    mode: "read",
    displayLanguage: "de-DE",
    subject: "Rückruf",
    body: "Bitte unter 0170 1234567 zurückrufen.",
  });
  await inOutlook.locator("#view-compose").waitFor();
  assert.equal(await inOutlook.locator("html").getAttribute("lang"), "de");
  await inOutlook.getByLabel("An", { exact: true }).waitFor();
  await inOutlook.getByRole("button", { name: "Senden", exact: true }).waitFor();
  await inOutlook.getByRole("button", { name: "Text der E-Mail übernehmen" }).waitFor();
  await inOutlook.getByLabel("Nachricht").fill("Grüße „aus“ Köln");
  await expectText(inOutlook.locator("#counter"), /Unicode/);
  await expectText(inOutlook.locator("#counter"), /noch \d+/);
  await h.screenshot(inOutlook, "compose-de");
  await inOutlook.getByRole("button", { name: "Verlauf" }).click();
  await expectText(inOutlook.locator("#history-list"), /Gesendet/);
  await inOutlook.close();

  const german = await h.openBrowser(bridge, { locale: "de-DE" });
  try {
    const tab = await openPane(null, german.context);
    await tab.getByRole("button", { name: "Einstellungen" }).click();
    await expectText(tab.locator("#view-settings"), /Land für nationale Nummern/);
    await h.screenshot(tab, "settings-de");
  } finally {
    await german.close();
  }
});

test("no page broke the Content-Security-Policy", () => {
  assert.deepEqual(cspViolations, []);
});
