/** The REST shapes the widget reads besides messages (those are the client core's `Message`, `Page`). */
export interface Conversation {
  id: string;
  userId: string | null;
  guestId: string | null;
  status: string;
}

export interface FieldError {
  field: string;
  message: string;
}

export type Envelope<T> = { success: true; data: T } | { success: false; message: string; errors?: FieldError[] };

/** Who the widget speaks for: a guest (id kept in localStorage) or a signed-in user. */
export type Me = { type: 'guest'; id: string } | { type: 'user' | 'admin'; id: string | null; token: string };

export interface WidgetOptions {
  /** Origin (optionally with a path prefix) of the support server; default: where the script came from. */
  apiUrl?: string;
  /** A user's JWT; without one the visitor is a guest. */
  token?: string;
  /** Conversation type: general (default), onboarding or call_request. */
  type?: string;
  /** Panel title. */
  title?: string;
  /** Open the panel right away. */
  open?: boolean;
  /** The server's ATTACHMENT_MAX_BYTES if it is not the default 10 MB: larger files are refused before they upload. */
  maxFileBytes?: number;
  /** How long (ms) a guest waits for an answer before replies by email are offered; 60 s. */
  emailPromptAfterMs?: number;
}
