import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsEmail, IsString, MaxLength, ValidateNested, getMetadataStorage } from 'class-validator';
import { ValidationFailedError } from '../errors';
import { OKTA_VALIDATION, memoizeValidationMetadata, oktaValidationPipe } from './validation';

class Profile {
  @IsString()
  @MaxLength(5)
  firstName!: string;
}

class WorkProfile extends Profile {
  @IsEmail()
  email!: string;
}

class Body {
  @ValidateNested({ each: true })
  @Type(() => WorkProfile)
  profiles!: WorkProfile[];
}

const badBody = {
  profiles: [
    { firstName: 'Ada', email: 'ada@example.com' },
    { firstName: 'Bartholomew', email: 'not-an-email' },
    { firstName: 7, email: 'cy@example.com' },
  ],
};

async function refusal(value: unknown, pipe: ValidationPipe): Promise<string[]> {
  try {
    await pipe.transform(value, { type: 'body', metatype: Body });
  } catch (error) {
    if (error instanceof ValidationFailedError) return [...error.causes];
    throw error;
  }
  return [];
}

describe('memoizeValidationMetadata', () => {
  it('refuses a body of nested, inherited objects with the same causes after the rules are memoized', async () => {
    const storage = getMetadataStorage();
    const lookup = storage.getTargetValidationMetadatas;
    // The causes as class-validator finds them itself, before the pipe memoizes the rules.
    const unmemoized = await refusal(badBody, new ValidationPipe(OKTA_VALIDATION));
    expect(unmemoized).toEqual([
      'profiles.1.email: email must be an email',
      'profiles.1.firstName: firstName must be shorter than or equal to 5 characters',
      'profiles.2.firstName: firstName must be shorter than or equal to 5 characters',
      'profiles.2.firstName: firstName must be a string',
    ]);

    const pipe = oktaValidationPipe();

    expect(storage.getTargetValidationMetadatas).not.toBe(lookup);
    expect(await refusal(badBody, pipe)).toEqual(unmemoized);
    expect(await refusal(badBody, pipe)).toEqual(unmemoized);
    expect(await refusal({ profiles: [{ firstName: 'Ada', email: 'ada@example.com' }] }, pipe)).toEqual([]);
  });

  it('gives a class defined after memoizing its own rules and those it inherits', async () => {
    memoizeValidationMetadata();
    class LaterProfile extends WorkProfile {
      @IsString()
      title!: string;
    }
    const rules = getMetadataStorage().getTargetValidationMetadatas(LaterProfile, '', false, false);
    expect(rules.map((rule) => rule.propertyName).sort()).toEqual([
      'email',
      'firstName',
      'firstName',
      'title',
    ]);
    // The parent's answer, kept earlier, does not gain the child's rule.
    const parent = getMetadataStorage().getTargetValidationMetadatas(WorkProfile, '', false, false);
    expect(parent.map((rule) => rule.propertyName).sort()).toEqual(['email', 'firstName', 'firstName']);
  });
});
