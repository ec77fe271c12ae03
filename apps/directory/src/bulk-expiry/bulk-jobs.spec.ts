import { sliceRanges } from './bulk-jobs';
import { previousUuid } from './bulk-expiry.worker';

describe('bulk-expiry slices', () => {
  it('split the user-id space into disjoint ranges that cover it', () => {
    expect(sliceRanges(2)).toEqual([
      { low: '00000000-0000-0000-0000-000000000000', high: '80000000-0000-0000-0000-000000000000' },
      { low: '80000000-0000-0000-0000-000000000000', high: null },
    ]);
    expect(sliceRanges(1)).toEqual([{ low: '00000000-0000-0000-0000-000000000000', high: null }]);
  });

  it('start just below their low bound so the bound itself is included', () => {
    expect(previousUuid('80000000-0000-0000-0000-000000000000')).toBe('7fffffff-ffff-ffff-ffff-ffffffffffff');
    expect(previousUuid('00000000-0000-0000-0000-000000000000')).toBe('00000000-0000-0000-0000-000000000000');
  });
});
