import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { requiredRoles } from '@lapse/shared/http/admin-auth';
import { LARGE_BODY_ROUTES } from '@lapse/shared/http/configure-app';
import { BulkExpiryHttpController } from './bulk-expiry/bulk-expiry.http.controller';
import { ImportUsersHttpController } from './user/import-users/import-users.http.controller';

/** The POST handlers that own the large-body routes. */
const handlers = [
  [BulkExpiryHttpController, BulkExpiryHttpController.prototype.expireAll],
  [ImportUsersHttpController, ImportUsersHttpController.prototype.import],
] as const;

const pathOf = (controller: object, handler: object) =>
  `/${Reflect.getMetadata(PATH_METADATA, controller)}/${Reflect.getMetadata(PATH_METADATA, handler)}`;

describe('the routes that take large bodies', () => {
  it('are the POST routes these handlers serve, and nothing else', () => {
    for (const [, handler] of handlers)
      expect(Reflect.getMetadata(METHOD_METADATA, handler)).toBe(RequestMethod.POST);
    expect(Object.keys(LARGE_BODY_ROUTES).sort()).toEqual(
      handlers.map(([controller, handler]) => pathOf(controller, handler)).sort(),
    );
  });

  it("parse large bodies for exactly the roles each handler's @RequireRole allows", () => {
    for (const [controller, handler] of handlers) {
      const route = LARGE_BODY_ROUTES[pathOf(controller, handler)];
      expect([...route.roles].sort()).toEqual([...(requiredRoles(handler) ?? [])].sort());
      expect(route.roles).not.toContain('READ_ONLY_ADMIN');
    }
  });
});
