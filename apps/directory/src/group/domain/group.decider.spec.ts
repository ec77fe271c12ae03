import { NotFoundError } from '@lapse/shared/core';
import { DeciderSpecification } from '@lapse/shared/testing/decider-specification';
import { groupDecider } from './group.decider';
import type { GroupCreated, GroupDeleted, GroupProfileUpdated } from './group.events';

const groupId = '5d7c2f7e-2a53-4c39-9f0e-5d5b7d3c1a11';
const T1 = '2026-12-01T00:00:00.000Z';
const T2 = '2026-12-02T00:00:00.000Z';
const finance = { name: 'Finance', description: 'Money people' };
const created: GroupCreated = {
  type: 'GroupCreated',
  schemaVersion: 1,
  data: { groupId, profile: finance, createdAt: T1 },
};
const deleted: GroupDeleted = {
  type: 'GroupDeleted',
  schemaVersion: 1,
  data: { groupId, name: 'Finance', deletedAt: T2 },
};
const spec = DeciderSpecification.for(groupDecider);

describe('the group decider', () => {
  it('creates a group with its profile', () => {
    spec.given([]).when({ type: 'CreateGroup', groupId, profile: finance, at: T1 }).then([created]);
  });

  describe('when the group exists', () => {
    it('replaces its profile whole', () => {
      const profile = { name: 'Finance EU', description: null };
      const updated: GroupProfileUpdated = {
        type: 'GroupProfileUpdated',
        schemaVersion: 1,
        data: { groupId, profile, updatedAt: T2 },
      };
      const when = spec.given([created]).when({ type: 'UpdateGroupProfile', profile, at: T2 });
      when.then([updated]);
      expect(when.stateAfter()).toMatchObject({
        status: 'ACTIVE',
        profile,
        createdAt: T1,
        lastUpdatedAt: T2,
      });
    });

    it('records nothing when the profile is the same', () => {
      spec
        .given([created])
        .when({ type: 'UpdateGroupProfile', profile: finance, at: T2 })
        .thenNothingHappened();
    });

    it('deletes it, naming it', () => {
      spec.given([created]).when({ type: 'DeleteGroup', at: T2 }).then([deleted]);
    });
  });

  describe('when the group was deleted', () => {
    it('refuses to update or delete it, as a group that is not there', () => {
      spec
        .given([created, deleted])
        .when({ type: 'UpdateGroupProfile', profile: finance, at: T2 })
        .thenThrows(NotFoundError);
      spec.given([created, deleted]).when({ type: 'DeleteGroup', at: T2 }).thenThrows(NotFoundError);
    });
  });

  it('refuses to update a group that was never created', () => {
    spec.given([]).when({ type: 'DeleteGroup', at: T2 }).thenThrows(NotFoundError);
  });
});
