/** A send that did not go through. `permanent` failures are not retried. The message never holds a secret. */
export class SendFailure extends Error {
  constructor(
    message: string,
    readonly permanent = false,
  ) {
    super(message);
    this.name = 'SendFailure';
  }
}
