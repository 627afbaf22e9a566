/** The one way the designer talks to the server: JSON over fetch (or a multipart form, for audio
 * uploads), with the session's CSRF token on every write, and the API's one error shape turned
 * into an ApiError. */
import type { ErrorBody } from "./types";

export class ApiError extends Error {
  readonly status: number;
  readonly body: ErrorBody | null;

  constructor(status: number, body: ErrorBody | null, fallback: string) {
    super(body?.errors?.map((e) => e.message).join("; ") || fallback);
    this.status = status;
    this.body = body;
  }
}

let csrf: string | null = null;

export function setCsrf(token: string | null): void {
  csrf = token;
}

export interface Answer<T> {
  body: T;
  headers: Headers;
  status: number;
}

export interface CallOptions {
  body?: unknown;
  /** A multipart/form-data body instead of JSON (the browser writes its boundary). */
  form?: FormData;
  ifMatch?: string;
  signal?: AbortSignal;
}

export async function call<T>(
  method: string,
  url: string,
  options: CallOptions = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined && !options.form) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  if (options.ifMatch) headers["If-Match"] = options.ifMatch;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: options.form ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, null, "The server does not answer. Is it running?");
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    throw new ApiError(
      response.status,
      body as ErrorBody | null,
      `${response.status} ${response.statusText}`,
    );
  }
  return { body: body as T, headers: response.headers, status: response.status };
}

export async function get<T>(url: string, signal?: AbortSignal): Promise<T> {
  return (await call<T>("GET", url, { signal })).body;
}

export async function post<T>(url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  return (await call<T>("POST", url, { body: body ?? {}, signal })).body;
}

/** A form (files and fields) POSTed as multipart/form-data, answered in JSON. */
export async function upload<T>(url: string, form: FormData, signal?: AbortSignal): Promise<T> {
  return (await call<T>("POST", url, { form, signal })).body;
}

/** An API path from its template, each part encoded: `{id}` whole (a `/` in it too), `{+id}`
 * segment by segment, keeping its slashes (prompt ids such as `menu/main`). */
export function path(template: string, ...parts: (string | number)[]): string {
  let i = 0;
  return template.replace(/\{(\+?)[^}]+\}/g, (_, keep: string) => {
    const part = String(parts[i++]);
    return keep ? part.split("/").map(encodeURIComponent).join("/") : encodeURIComponent(part);
  });
}
