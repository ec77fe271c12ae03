import { html, type SafeHtml } from '@lapse/shared/http/page';
import type { CredentialProviderType } from '@lapse/shared/contracts/directory.v1';
import type { JobWave } from '../../bulk-expiry/bulk-job-waves';
import type { BulkJob } from '../../bulk-expiry/bulk-jobs';
import { errorList, PROVIDER_LABELS, when } from '../console.pages';

export interface ExpiryPlan {
  readonly perProvider: readonly { provider: CredentialProviderType; total: number }[];
  readonly total: number;
  readonly delegatedIncluded: boolean;
  /** AD/LDAP users the expiry leaves out (when the org does not delegate password reset). */
  readonly delegatedLeftOut: number;
}

const users = (count: number) => `${count} ${count === 1 ? 'user' : 'users'}`;

export function confirmExpiryMain(plan: ExpiryPlan, csrf: string, errors: readonly string[] = []): SafeHtml {
  const delegated = plan.delegatedIncluded
    ? html`<p>Active Directory and LDAP (delegated authentication) users are <strong>included</strong>: the org delegates password reset to Lapse. Their directory agent applies the expiry.</p>`
    : html`<p>Active Directory and LDAP (delegated authentication) users are <strong>left out</strong> (${users(plan.delegatedLeftOut)}): their passwords belong to their directory, and the org does not delegate password reset.</p>`;
  return html`<p><a href="/admin/people">People</a></p>
<h1>Expire Passwords</h1>
${errorList(errors)}
<p class="notice" role="status" id="summary">This will expire the passwords of <strong>${users(plan.total)}</strong>.</p>
<table><caption class="muted">Users whose password will expire, per provider</caption>
<thead><tr><th scope="col">Provider</th><th scope="col">Users</th></tr></thead>
<tbody>${plan.perProvider.map((row) => html`<tr><td>${PROVIDER_LABELS[row.provider] ?? row.provider}</td><td>${row.total}</td></tr>`)}</tbody></table>
${delegated}
<p>They keep their sessions and must change their password at next sign-in.</p>
<form method="post" action="/admin/people/expire-passwords">
<input type="hidden" name="csrf" value="${csrf}">
<label for="reason">Reason (shown in the System Log; optional)</label>
<input id="reason" name="reason" type="text" maxlength="500">
<p><button type="submit" class="danger" id="confirm">Expire Passwords</button> <a class="button secondary" href="/admin/people">Cancel</a></p>
</form>`;
}

/**
 * `expired` counts towards `total`; `skipped` are users the fan-out visited and left (not targeted, or changed
 * meanwhile), so the bar follows the expired users and is full once the job completes.
 */
export function progressText(job: Pick<BulkJob, 'total' | 'expired' | 'skipped'>): string {
  return `${job.expired} of ${users(job.total)} expired, ${job.skipped} skipped.`;
}

function barValue(job: Pick<BulkJob, 'status' | 'total' | 'expired'>): number {
  return job.status === 'COMPLETED' ? Math.max(job.total, 1) : Math.min(job.expired, job.total);
}

const STATUS_TEXT = { RUNNING: 'Running', COMPLETED: 'Completed' } as const;

const WAVE_STATE_TEXT = {
  PENDING: 'Pending',
  RUNNING: 'Running',
  COMPLETED: 'Completed',
  CANCELLED: 'Cancelled',
} as const;

/** A staged job's waves, as they were when the page was sent. */
function wavesTable(waves: readonly JobWave[]): SafeHtml | string {
  if (waves.length === 0) return '';
  return html`<h2 id="waves-heading">Waves</h2>
<table id="waves" aria-labelledby="waves-heading"><caption class="muted">Each wave's users must change their password from its start.</caption>
<thead><tr><th scope="col">Wave</th><th scope="col">Users</th><th scope="col">Starts</th><th scope="col">State</th></tr></thead>
<tbody>${waves.map(
    (wave) =>
      html`<tr><td>${wave.wave}</td><td>${wave.size}</td><td>${when(wave.startsAt)}</td><td>${WAVE_STATE_TEXT[wave.state]}</td></tr>`,
  )}</tbody></table>`;
}

export function jobMain(job: BulkJob, waves: readonly JobWave[] = []): SafeHtml {
  return html`<p><a href="/admin/jobs">Bulk expiry jobs</a></p>
<h1>Password expiry job</h1>
<div id="job" data-status="${job.status}" data-progress="/admin/jobs/${job.id}/progress">
<p>Status: <strong id="job-status">${STATUS_TEXT[job.status]}</strong></p>
<label for="progress">Progress</label>
<progress id="progress" max="${Math.max(job.total, 1)}" value="${barValue(job)}">${progressText(job)}</progress>
<p id="counts" role="status" aria-live="polite">${progressText(job)}</p>
</div>
<dl class="facts">
<dt>Providers</dt><dd>${job.providers.map((provider) => PROVIDER_LABELS[provider] ?? provider).join(', ')}</dd>
<dt>Passwords changed before</dt><dd>${when(job.cutoff)}</dd>
<dt>Started</dt><dd>${when(job.createdAt)}</dd>
<dt>Completed</dt><dd id="completed">${when(job.completedAt, 'Not yet')}</dd>
${job.reason ? html`<dt>Reason</dt><dd>${job.reason}</dd>` : ''}
</dl>
${wavesTable(waves)}`;
}

/** Polls the job's progress each second until it completes (the page shows the state it was sent with). */
export const PROGRESS_SCRIPT = html`(() => {
  const root = document.getElementById('job');
  if (!root || root.dataset.status === 'COMPLETED') return;
  const bar = document.getElementById('progress');
  const counts = document.getElementById('counts');
  const status = document.getElementById('job-status');
  const users = (n) => n + (n === 1 ? ' user' : ' users');
  const tick = async () => {
    try {
      const response = await fetch(root.dataset.progress, { headers: { accept: 'application/json' } });
      if (response.ok) {
        const job = await response.json();
        const text = job.expired + ' of ' + users(job.total) + ' expired, ' + job.skipped + ' skipped.';
        bar.max = Math.max(job.total, 1);
        bar.value = job.status === 'COMPLETED' ? bar.max : Math.min(job.expired, job.total);
        bar.textContent = text;
        counts.textContent = text;
        if (job.status === 'COMPLETED') {
          status.textContent = 'Completed';
          document.getElementById('completed').textContent = job.completedText;
          return;
        }
      }
    } catch {}
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 500);
})();`;

export function jobsMain(jobs: readonly BulkJob[]): SafeHtml {
  return html`<h1>Bulk expiry jobs</h1>
<p><a href="/admin/people/expire-passwords">Expire Passwords</a> (People → More Actions)</p>
<table><caption class="muted">${jobs.length === 0 ? 'No job yet.' : 'The latest jobs, newest first.'}</caption>
<thead><tr><th scope="col">Started</th><th scope="col">Status</th><th scope="col">Providers</th><th scope="col">Progress</th></tr></thead>
<tbody>${jobs.map(
    (
      job,
    ) => html`<tr><td><a href="/admin/jobs/${job.id}">${when(job.createdAt)}</a></td><td>${STATUS_TEXT[job.status]}</td>
<td>${job.providers.map((provider) => PROVIDER_LABELS[provider] ?? provider).join(', ')}</td><td>${progressText(job)}</td></tr>`,
  )}</tbody></table>`;
}
