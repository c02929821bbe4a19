/**
 * The Mini App's vocabulary: the JSON API's route table (the extension point where more panels plug in), what a
 * handler gets and returns, and the panels the dashboard lists. Plain data; the server in `server.ts` does the HTTP.
 */
import type { ChatUser, Role } from '../bot/ports.js';

/** The signed-in user of a request, read fresh from the user directory (a role change applies at once). */
export type WebUser = ChatUser;

/** What a route handler gets: the validated session's user, the path parameters and the parsed JSON body. */
export interface ApiRequest {
  /** The session's user; `null` only on `auth: 'public'` routes. */
  user: WebUser | null;
  /** The session token of the request (`auth: 'session'` routes), e.g. to end it. */
  sessionToken: string | null;
  /** The user's name: the directory's, else the one Telegram gave at sign-in. */
  displayName: string | null;
  /** `:name` segments of the route's path, URI-decoded. */
  params: Readonly<Record<string, string>>;
  /** Query parameters (GET routes). */
  query: URLSearchParams;
  /** The parsed JSON body of a POST (an object); `{}` for GET. */
  body: Readonly<Record<string, unknown>>;
}

/** A handler's answer: JSON, or bytes (a chart image) with their content type. */
export type ApiResponse =
  | { status: number; json: unknown }
  | { status: number; bytes: Uint8Array; contentType: string };

/**
 * One JSON API route. The built-in routes are in `api-routes.ts`; P&L, copy-quality and chart endpoints are added as
 * more entries of the same table (`WebAppOptions.routes`). Every `POST` is state-changing: it needs a JSON body
 * (`{}` at least), passes the origin checks, and runs as the session's user, never as a user id from the page.
 */
export interface ApiRoute {
  method: 'GET' | 'POST';
  /** Absolute path; `:name` segments match one path segment, e.g. `/api/followers/:id/pause`. */
  path: string;
  /** `session` (default): a valid session is required. `public`: none (the login routes only). */
  auth?: 'session' | 'public';
  /** Roles allowed at all (default: every role); ownership is checked in the handler. */
  roles?: readonly Role[];
  handle(request: ApiRequest): Promise<ApiResponse> | ApiResponse;
}

/** A panel's content as a panel route returns it; the page renders each kind without knowing the panel. */
export type PanelData =
  | { kind: 'stats'; items: { label: string; value: string; tone?: 'good' | 'bad' | 'neutral' }[]; note?: string }
  | { kind: 'table'; columns: string[]; rows: string[][]; note?: string }
  /** `src` is an API path (GET, same origin) that answers with the image bytes; the page fetches it with the session. */
  | { kind: 'image'; src: string; alt: string; note?: string }
  /** Several images, e.g. one chart per follower; each `src` as `image`'s. */
  | { kind: 'images'; images: { src: string; alt: string }[]; note?: string };

/**
 * A dashboard panel. With `source: null` it is a placeholder the page shows as "not available yet"; set `source` to
 * the path of a GET route (in the same route table) that answers with `PanelData` for the signed-in user.
 */
export interface DashboardPanel {
  id: string;
  title: string;
  source: string | null;
  /** One line shown under the title (what the panel will show). */
  description: string;
}

/** A refusal with its HTTP status; the page shows `message`. */
export class WebError extends Error {
  override readonly name = 'WebError';
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}
