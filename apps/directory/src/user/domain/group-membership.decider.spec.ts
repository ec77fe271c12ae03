import { DeciderSpecification } from '@lapse/shared/testing/decider-specification';
import { created, LOGIN, statusChanged, T1, T2 } from '../../testing/user-history';
import { userDecider } from './user.decider';
import type { UserAddedToGroup, UserEvent, UserRemovedFromGroup } from './user.events';
import { groupIdsOf } from './user.state';

const spec = DeciderSpecification.for(userDecider);
const FINANCE = '5d7c2f7e-2a53-4c39-9f0e-5d5b7d3c1a11';
const SALES = '6e8d3a8f-3b64-4d4a-8a1f-6e6c8e4d2b22';

const added = (groupId: string, at = T1): UserAddedToGroup => ({
  type: 'UserAddedToGroup',
  schemaVersion: 1,
  data: { login: LOGIN, groupId, addedAt: at },
});
const removed = (groupId: string, at = T2): UserRemovedFromGroup => ({
  type: 'UserRemovedFromGroup',
  schemaVersion: 1,
  data: { login: LOGIN, groupId, removedAt: at },
});
const fold = (history: UserEvent[]) => history.reduce(userDecider.evolve, userDecider.initialState());

describe('group memberships in the user stream', () => {
  it('records that the user joined a group', () => {
    spec
      .given([created()])
      .when({ type: 'AddUserToGroup', groupId: FINANCE, at: T1 })
      .then([added(FINANCE)]);
  });

  it('records nothing when the user is a member already (Okta answers 204 either way)', () => {
    spec
      .given([created(), added(FINANCE)])
      .when({ type: 'AddUserToGroup', groupId: FINANCE, at: T2 })
      .thenNothingHappened();
  });

  it('records that the user left a group, and nothing for a group they are not in', () => {
    const history = [created(), added(FINANCE)];
    spec
      .given(history)
      .when({ type: 'RemoveUserFromGroup', groupId: FINANCE, at: T2 })
      .then([removed(FINANCE)]);
    spec.given(history).when({ type: 'RemoveUserFromGroup', groupId: SALES, at: T2 }).thenNothingHappened();
  });

  it('keeps the memberships in order through status changes, and drops the one left', () => {
    const history: UserEvent[] = [
      created(),
      added(FINANCE),
      added(SALES),
      statusChanged('SUSPEND', 'ACTIVE', 'SUSPENDED', T2),
    ];
    expect(groupIdsOf(fold(history))).toEqual([FINANCE, SALES]);
    expect(groupIdsOf(fold([...history, removed(FINANCE)]))).toEqual([SALES]);
    expect(fold([created(), added(FINANCE), removed(FINANCE)])).not.toHaveProperty('groupIds');
  });

  it('adds the groups given at creation after the user is created (Okta groupIds)', () => {
    const events = spec
      .given([])
      .when({
        type: 'CreateUser',
        userId: 'u-1',
        profile: { login: LOGIN, email: LOGIN, firstName: null, lastName: null, mobilePhone: null },
        provider: { type: 'OKTA', name: 'OKTA' },
        password: null,
        activate: false,
        expirePassword: false,
        groupIds: [FINANCE, SALES, FINANCE],
        at: T1,
      })
      .events();
    expect(events.map((event) => event.type)).toEqual([
      'UserCreated',
      'UserAddedToGroup',
      'UserAddedToGroup',
      'CredentialStateRecorded',
    ]);
    expect(groupIdsOf(events.reduce(userDecider.evolve, userDecider.initialState()))).toEqual([
      FINANCE,
      SALES,
    ]);
  });
});
