/** VROOM's status codes for a problem we cannot build: 2 input error, 3 routing error (no matrix). */
export class ModelError extends Error {
  readonly code: 2 | 3;
  constructor(code: 2 | 3, message: string) {
    super(message);
    this.name = 'ModelError';
    this.code = code;
  }
}
