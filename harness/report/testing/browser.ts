// Headless Debian Chromium through playwright-core, for the report tests and for looking at pages by hand:
// opens a file:// page with the network cut off, and records console errors, page errors and any request that
// is not a file:// load.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.LONGPROXY_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissingReason(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `Chromium not found at ${CHROMIUM_PATH} (CI installs Debian's chromium; apt-get install chromium)`;
}

export interface OpenedPage {
  page: Page;
  consoleErrors: string[];
  pageErrors: string[];
  /** Requests for anything but file:// URLs (there must be none: the pages are self-contained). */
  networkRequests: string[];
}

export interface ReportBrowser {
  open(file: string, viewport?: { width: number; height: number }): Promise<OpenedPage>;
  close(): Promise<void>;
}

export async function launchReportBrowser(): Promise<ReportBrowser> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'longproxy-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
  });
  const browser: Browser | null = context.browser();
  return {
    async open(file, viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      const opened: OpenedPage = { page, consoleErrors: [], pageErrors: [], networkRequests: [] };
      page.on('console', (m) => {
        if (m.type() === 'error') opened.consoleErrors.push(m.text());
      });
      page.on('pageerror', (err) => opened.pageErrors.push(String(err)));
      // Any request that leaves file:// is recorded and refused.
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        opened.networkRequests.push(url);
        return route.abort();
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      return opened;
    },
    async close() {
      await context.close();
      await browser?.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
