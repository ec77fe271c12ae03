import { nextLink } from './api-client';

describe('the next page of an Okta list (the Link header\'s rel="next")', () => {
  it('is read from the header Lapse sends', () => {
    expect(
      nextLink(
        '<http://lapse/api/v1/users?limit=2>; rel="self", <http://lapse/api/v1/users?limit=2&after=b>; rel="next"',
      ),
    ).toBe('http://lapse/api/v1/users?limit=2&after=b');
  });

  it('is absent on the last page or without the header', () => {
    expect(nextLink('<http://lapse/api/v1/users?limit=2>; rel="self"')).toBeNull();
    expect(nextLink(null)).toBeNull();
  });
});
