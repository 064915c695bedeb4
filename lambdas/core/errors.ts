/**
 * Typed domain errors. Each maps to one HTTP status and a stable snake_case
 * `code` (see the contract's error shape); the HTTP error middleware is the only
 * place that turns them into responses. Anything else becomes a generic 500.
 */

/** One problem with the input, located by a path such as `events[3].actor.id`. */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

/** Base class: an error that is safe to show to the caller. */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: readonly ErrorDetail[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: the request is malformed; `details` lists every problem found. */
export class ValidationError extends DomainError {
  constructor(message: string, details?: readonly ErrorDetail[], code = 'validation_error') {
    super(400, code, message, details);
  }
}

/** 401: no valid token (unknown, malformed, expired or revoked). */
export class UnauthorizedError extends DomainError {
  constructor(message = 'The bearer token is missing, invalid, expired or revoked.') {
    super(401, 'unauthorized', message);
  }
}

/** 403: a valid token without the scope this operation needs. */
export class ForbiddenError extends DomainError {
  constructor(scope: string) {
    super(403, 'forbidden', `This token lacks the '${scope}' scope.`);
  }
}

/** 404: absent in this tenant (also for other tenants' ids: no existence leak). */
export class NotFoundError extends DomainError {
  constructor(what: string) {
    super(404, 'not_found', `${what} was not found.`);
  }
}

/** 413: the body exceeds the documented size limit. */
export class PayloadTooLargeError extends DomainError {
  constructor(message: string) {
    super(413, 'payload_too_large', message);
  }
}

/** 503: a dependency stayed throttled after retries; the caller may retry (writes are idempotent). */
export class ServiceUnavailableError extends DomainError {
  constructor(message: string) {
    super(503, 'service_unavailable', message);
  }
}
