import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { DomainError } from '@lapse/shared';
import type { AdminRole } from '@lapse/shared/http/admin-auth';
import { html, type SafeHtml } from '@lapse/shared/http/page';
import type { Request, Response } from 'express';
import { type ApiToken, AdminTokensService } from '../../admin-tokens/admin-tokens.service';
import { isUserId } from '../../user/read-models/directory-users.projection';
import { canManageOrg, ConsoleGate, consoleCaller, formField, ROLE_NAMES } from '../console-gate';
import { sendConsolePage, sendSuperAdminOnly, signInAgain } from '../console-response';
import type { ConsoleAdmin } from '../console-session.store';
import { errorList, when } from '../console.pages';
import { COPY_SCRIPT } from '../people/people.pages';

const ROLES: readonly AdminRole[] = ['SUPER_ADMIN', 'USER_ADMIN', 'READ_ONLY_ADMIN'];

function tokensMain(
  tokens: readonly ApiToken[],
  csrf: string,
  notices: { created?: ApiToken & { token: string }; revoked?: boolean; errors?: readonly string[] },
): SafeHtml {
  const created = notices.created
    ? html`<section class="notice" aria-labelledby="created-heading"><h2 id="created-heading">Token “${notices.created.name}” created</h2>
<p>Copy it now: this is the only time it is shown. Use it as <code>Authorization: SSWS &lt;token&gt;</code>.</p>
<p><span class="secret" id="temp-password">${notices.created.token}</span>
<button type="button" class="secondary" id="copy" hidden>Copy</button> <span id="copied" role="status" class="ok"></span></p></section>`
    : '';
  const rows = tokens.map(
    (
      token,
    ) => html`<tr><td>${token.name}</td><td>${ROLE_NAMES[token.role]}</td><td>${when(token.created)}</td><td>${token.createdBy}</td>
<td><form method="post" action="/admin/tokens/${token.id}/revoke"><input type="hidden" name="csrf" value="${csrf}">
<button type="submit" class="danger" aria-label="Revoke ${token.name}">Revoke</button></form></td></tr>`,
  );
  return html`<h1>API tokens</h1>
${created}
${notices.revoked ? html`<p class="notice" role="status">The token was revoked.</p>` : ''}
${errorList(notices.errors ?? [])}
<h2>Create a token</h2>
<form method="post" action="/admin/tokens" class="filters">
<input type="hidden" name="csrf" value="${csrf}">
<div><label for="name">Name</label><input id="name" name="name" type="text" maxlength="100" required></div>
<div><label for="role">Role</label><select id="role" name="role">${ROLES.map(
    (role) =>
      html`<option value="${role}"${role === 'READ_ONLY_ADMIN' ? html` selected` : ''}>${ROLE_NAMES[role]}</option>`,
  )}</select></div>
<div><button type="submit" id="create-token">Create token</button></div>
</form>
<h2>Active tokens</h2>
<table><caption class="muted">${tokens.length === 0 ? 'No token besides the bootstrap ADMIN_API_TOKEN.' : 'The bootstrap ADMIN_API_TOKEN is not listed.'}</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Created</th><th scope="col">Created by</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

/** API tokens (super administrators only): create (shown once) and revoke, through the API's service. */
@Controller('admin/tokens')
export class ConsoleApiTokensHttpController {
  constructor(
    private readonly gate: ConsoleGate,
    private readonly tokens: AdminTokensService,
  ) {}

  @Get()
  async list(@Req() request: Request, @Res() response: Response): Promise<void> {
    const admin = await this.gate.admin(request);
    if (!admin) return signInAgain(request, response);
    if (!canManageOrg(admin)) return this.superOnly(response, admin);
    await this.send(response, admin, { revoked: request.query.revoked === '1' });
  }

  @Post()
  async create(@Req() request: Request, @Res() response: Response): Promise<void> {
    const admin = await this.gate.admin(request);
    if (!admin) return signInAgain(request, response);
    if (!canManageOrg(admin)) return this.superOnly(response, admin);
    const problem = this.gate.formProblem(request, admin.sessionId);
    if (problem) return this.send(response, admin, { errors: [problem] }, 403);
    const name = formField(request, 'name', 200).trim();
    const role = formField(request, 'role', 20) as AdminRole;
    const errors = [
      ...(name.length === 0 ? ['Name: enter a name for the token.'] : []),
      ...(name.length > 100 ? ['Name: at most 100 characters.'] : []),
      ...(ROLES.includes(role) ? [] : ['Role: choose a role.']),
    ];
    if (errors.length > 0) return this.send(response, admin, { errors }, 400);
    const created = await this.tokens.create(name, role, consoleCaller(admin, request));
    await this.send(response, admin, { created });
  }

  @Post(':id/revoke')
  async revoke(@Param('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const admin = await this.gate.admin(request);
    if (!admin) return signInAgain(request, response);
    if (!canManageOrg(admin)) return this.superOnly(response, admin);
    const problem = this.gate.formProblem(request, admin.sessionId);
    if (problem) return this.send(response, admin, { errors: [problem] }, 403);
    try {
      if (!isUserId(id)) throw new DomainError('E0000007', 'Not found: Token not found');
      await this.tokens.revoke(id, consoleCaller(admin, request));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return this.send(
        response,
        admin,
        { errors: ['That token does not exist or was already revoked.'] },
        404,
      );
    }
    response.redirect(303, '/admin/tokens?revoked=1');
  }

  private async send(
    response: Response,
    admin: ConsoleAdmin,
    notices: Parameters<typeof tokensMain>[2],
    status = 200,
  ): Promise<void> {
    sendConsolePage(
      response,
      this.gate,
      admin,
      {
        title: 'API tokens',
        section: 'tokens',
        main: tokensMain(await this.tokens.list(), this.gate.formToken(admin.sessionId), notices),
        script: notices.created ? COPY_SCRIPT : undefined,
      },
      status,
    );
  }

  private superOnly(response: Response, admin: ConsoleAdmin): void {
    sendSuperAdminOnly(response, this.gate, admin, {
      title: 'API tokens',
      section: 'tokens',
      action: 'manage API tokens',
    });
  }
}
