/** Shared helpers of the unit tests. */
import { expect } from 'vitest';
import { ValidationError } from '../../lambdas/core/errors.js';

/** The ValidationError `act` throws (fails the test when it throws nothing, or something else). */
export function rejection(act: () => unknown): ValidationError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}
