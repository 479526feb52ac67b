// An error caused by the user's input (a file, a flag): its message names the file, the field and the fix.
// The CLI prints it without a stack trace and exits 1.
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
