import { readFileSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * For browser specs: Debian's Chromium (CHROMIUM_PATH, default /usr/bin/chromium) driven by playwright-core,
 * never a downloaded browser; no sandbox (CI runs as root in a container) and nothing that calls home.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Gives `page` the specs' 8 s wait and collects into `problems` what went wrong in it: script errors and
 * console errors (a CSP refusal is one). Refused API calls (401, 403) are logged by Chromium as failed
 * loads: those are expected and left out.
 */
export function collectProblems(page: Page, problems: string[]): Page {
  page.setDefaultTimeout(8_000);
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return page;
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core in `page` (which must come from a context created with `bypassCSP: true`, or the pages' CSP
 * refuses the injected script) and returns its serious and critical violations, each as
 * `label: rule (impact) at selectors`.
 */
export async function seriousAxeViolations(page: Page, label: string): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  // A string, run in the page: the specs are compiled without the DOM's types.
  const found = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((result) =>
    result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      nodes: violation.nodes.map((node) => node.target.join(' ')),
    })))`)) as { id: string; impact: string; nodes: string[] }[];
  return found
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${label}: ${violation.id} (${violation.impact}) at ${violation.nodes.join(', ')}`);
}
