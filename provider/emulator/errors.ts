/**
 * emnify-style error bodies. The codes are the documented ones; the wording of messages is ours
 * (emnify's exact texts are mostly undocumented), except where the docs quote a message.
 */
import { STATUS_CODES } from "node:http";

export interface ApiErrorBody {
  error_code: number;
  error_token: string;
  message: string;
  errors?: FieldError[];
}

/** One entry of `errors[]` in a 422 answer. */
export interface FieldError {
  error_code: number;
  error_token: string;
  message: string;
  field: string;
}

export function errorBody(code: number, token: string, message: string): ApiErrorBody {
  return { error_code: code, error_token: token, message };
}

export const badRequest = (message: string) => errorBody(1000, "BadRequest", message);
export const invalidToken = (message: string) => errorBody(1102, "InvalidToken", message);
export const tokenExpired = () => errorBody(1103, "TokenExpired", "Token expired");
export const forbidden = (message: string) => errorBody(1104, "Forbidden", message);
export const tooManyRequests = (message = "Rate limit exceeded") => errorBody(1105, "TooManyRequests", message);
export const notFound = (message: string) => errorBody(1201, "NotFound", message);
/** Seen in emnify's recorded traffic: an id in the path that does not exist answers 404 with this. */
export const noSuchReference = (message: string) => errorBody(1401, "InvalidReference", message);
/** Seen in emnify's recorded traffic for an id that is not a whole number (status 400). */
export const idNotALong = () => badRequest("Cannot parse parameter id as Long");
/** The documented example for updating one's own organisation. */
export const ownOrganisationNotAllowed = () => errorBody(1406, "NotAllowed", "Updating of own organisation not allowed.");
/** emnify's API gateway answers a missing, bad or expired JWT with only a message. */
export const GATEWAY_UNAUTHORIZED = { message: "Unauthorized" } as const;
export const GATEWAY_UNAUTHORIZED_HEADERS = { "x-amzn-errortype": "UnauthorizedException" } as const;

export function validationFailed(errors: FieldError[], message = "Validation failed"): ApiErrorBody {
  return { ...errorBody(1400, "InputValidationFailed", message), errors };
}

export function invalidFormat(field: string, message: string): FieldError {
  return { error_code: 1403, error_token: "InvalidFormat", message, field };
}

export function invalidReference(field: string, message: string): FieldError {
  return { error_code: 1401, error_token: "InvalidReference", message, field };
}

export function required(field: string): FieldError {
  return { error_code: 1402, error_token: "Required", message: `${field} is required`, field };
}

/**
 * The body a "status" fault answers when the rule names none: emnify's own error body for the
 * statuses it documents, and the bare `{"message": ...}` its API gateway sends for 5xx.
 */
export function defaultBodyForStatus(status: number): unknown {
  switch (status) {
    case 400:
      return badRequest("Bad request");
    case 401:
      return { ...GATEWAY_UNAUTHORIZED };
    case 403:
      return forbidden("Forbidden");
    case 404:
      return notFound("Not found");
    case 422:
      return validationFailed([]);
    case 429:
      return tooManyRequests();
    case 504:
      return { message: "Endpoint request timed out" };
    default:
      return { message: STATUS_CODES[status] ?? `HTTP ${status}` };
  }
}
