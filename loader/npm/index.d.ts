// Types for the webchat API: the same object for `import { init } from 'webchat'` and for the
// script tag's global (`window.CV`, renamed with data-global).

/** Options of {@link init}. Unknown keys are ignored. */
export interface WebchatOptions {
  /** The Public API base URL, e.g. "https://host/api/app.php/chatbot/v1/". */
  apiUrl: string;
  /** The API token, sent as `X-API-TOKEN`. */
  apiToken: string;
  /** The campaign id. */
  campaign: string;
  /** The XMPP WebSocket URL (`ws://` or `wss://`). */
  websocketUrl: string;
  /**
   * The XMPP server's HTTP-Bind (BOSH) URL, e.g. `https://host/http-bind`. When a WebSocket cannot
   * be opened or dies before its stream opened (a proxy, an antivirus), the chat goes over BOSH
   * for the rest of the visit.
   */
  boshUrl?: string;
  /** "session" (default): a new visitor per browser session; "persistent": kept in localStorage. */
  visitorIds?: 'session' | 'persistent';
  /** A language tag (e.g. "de", "pt-BR", "zh-TW") that wins over the campaign's language, or
   * "auto" for the first of the browser's languages the widget has. */
  language?: string;
  /** A CSS selector or element: an inline chat inside it instead of the floating one. */
  container?: string | HTMLElement;
  /** The floating widget's corner. Default "bottom-right". */
  position?: 'bottom-right' | 'bottom-left';
  /** The floating widget's z-index. Default 2147483647 (the maximum). */
  zIndex?: number | string;
  /** Visibility rules (a JSON string or an object); see the README's visibility section. */
  visibility?: string | object;
  /**
   * Keys of the campaign's livechat configuration that win over the campaign's, key by key
   * (an object or its JSON string; `null` for a key is its default). An unknown key or a value
   * of the wrong type rejects `init`. See the README's "Livechat configuration".
   */
  livechat?: string | WebchatLivechat;
}

/** A department of the pre-chat form. */
export interface WebchatDepartment {
  /** What the chat is routed by. */
  id: string;
  /** What the visitor reads (the id when blank). */
  name?: string;
}

/** The livechat configuration's keys (the campaign's `webchat` object). */
export interface WebchatLivechat {
  /** A pre-chat form when the window opens and no user is tagged. Default false. */
  registrationForm?: boolean | null;
  /** The form asks for a name. Default true. */
  nameFieldRegistrationForm?: boolean | null;
  /** The form asks for an email address. Default true. */
  emailFieldRegistrationForm?: boolean | null;
  /** The form has an optional "How can we help?" field, sent as the first message. Default false. */
  messageFieldRegistrationForm?: boolean | null;
  /** Departments the visitor chooses from. Default none. */
  departments?: WebchatDepartment[] | null;
  /** The visitor may change department until the first message. Default false. */
  allowSwitchingDepartments?: boolean | null;
  /** Launcher and header colour while no agent is available (`#rrggbb`). */
  offlineColor?: string | null;
  /** Header title while no agent is available. */
  offlineTitle?: string | null;
  /** The text above the offline form. */
  offlineMessage?: string | null;
  /** What the window says while offline without a form. */
  offlineUnavailableMessage?: string | null;
  /** Offline, the visitor leaves name, email and a message. Default false. */
  displayOfflineForm?: boolean | null;
  /** Shown once the offline message was accepted. */
  offlineSuccessMessage?: string | null;
  /** Proactive greetings (not shown by this version). */
  triggers?: object[] | null;
  /** A system notice when the chat has ended. */
  conversationFinishedMessage?: string | null;
  /** After the chat, offer the transcript (download, and a copy by email where offered). Default false. */
  transcript?: boolean | null;
  /** The text offering the transcript. */
  transcriptMessage?: string | null;
  /** A short chime for agent messages while the window is closed (once the visitor has
   *  interacted with the page; browsers allow no sound before). Default false. */
  sound?: boolean | null;
}

/** The user attached with `user.tag`. */
export interface WebchatUser {
  /** Required: identifies the user and is shown to the agent. */
  email: string;
  firstname?: string;
  lastname?: string;
  /** The host system's id for the user (wins over the email as the identity). */
  id?: string | number;
  /** Free labels shown to the agent. */
  labels?: string[];
  /** The agent this user should be routed to when that agent is signed in (signed users only). */
  assignedUser?: string;
  /**
   * Proof from your server that this is your logged-in user: the 64 hex digits of
   * HMAC-SHA256(campaign identity secret, id ?? email.trim().toLowerCase()). Without it the
   * user is shown to the agent as unverified, gets no history and no assigned agent.
   */
  signature?: string;
}

/** `chat.state()`. */
export type ChatState =
  | 'loading' // script tag only: the widget has not loaded yet
  | 'offline' // no agent available
  | 'idle' // ready: the first message starts a chat
  | 'connecting'
  | 'chatting'
  | 'reconnecting'
  | 'ended'
  | 'blocked'
  | 'unavailable' // the campaign could not be used (see the console)
  | 'destroyed';

/**
 * Why the widget is shown or hidden: the rule that decided (`rule:openingHours` …), all rules
 * hold (`rules`), no rules (`default`), unreadable rules (`invalid`), the operator's override
 * from the customer's server (`rest`), the page's `chat.show()`/`hide()` (`api`), or a chat
 * going on, which is never hidden (`chat`).
 */
export type VisibilityReason =
  | 'default' | 'rules' | 'invalid' | 'rest' | 'api' | 'chat' | `rule:${string}`;

/** The `detail` each event's handler receives. */
export interface WebchatEvents {
  ready: Record<string, never>;
  open: Record<string, never>;
  close: Record<string, never>;
  'chat:started': { sessionId: string };
  'chat:ended': { by: 'visitor' | 'agent' | 'blocked' };
  message: { direction: 'visitor' | 'agent'; sender: string; text: string; id: string };
  'agent:typing': { typing: boolean };
  'survey:submitted': { result: string; comment: string | null };
  'cobrowsing:requested': Record<string, never>;
  'cobrowsing:accepted': { accepted: true };
  'cobrowsing:denied': { accepted: false };
  visibility: { visible: boolean; reason: VisibilityReason };
  /** Agent messages not yet read changed (0 once the window opens); also from another tab. */
  unread: { count: number };
  /** A proactive greeting (a `triggers` entry) was shown, dismissed or accepted. */
  greeting: { id: string; action: 'shown' | 'dismissed' | 'accepted' };
  error: { message: string };
}

export type WebchatEvent = keyof WebchatEvents;

/** The API object. Bad calls throw a TypeError with one clear message. */
export interface Webchat {
  user: {
    /** Attaches a logged-in user: the agent sees who it is and the user's history comes back. */
    tag(user: WebchatUser): void;
    /** On logout: ends the chat, empties the window, forgets the user, new visitor id. */
    reset(): void;
  };
  chat: {
    /** Opens the chat window (and shows a hidden widget). */
    open(): void;
    /** Minimises the window; the chat goes on. */
    close(): void;
    toggle(): void;
    /** Shows the widget whatever the visibility rules say (until `auto()`). */
    show(): void;
    /** Hides the widget whatever the visibility rules say (until `auto()`). */
    hide(): void;
    /** Gives visibility back to the rules. */
    auto(): void;
    isOpen(): boolean;
    state(): ChatState;
  };
  /** Calls `handler(detail)` each time `event` happens. Unknown events throw. */
  on<E extends WebchatEvent>(event: E, handler: (detail: WebchatEvents[E]) => void): void;
  /** Removes a handler added with `on`. */
  off<E extends WebchatEvent>(event: E, handler: (detail: WebchatEvents[E]) => void): void;
  /** Ends a live chat properly and removes everything the widget added. Harmless twice. */
  destroy(): void;
  /** The visitor id (sent as `tracker_id`); undefined after destroy. */
  readonly visitorId: string | undefined;
}

/** Loads the WebAssembly (once) and starts a widget. Rejects with an Error naming a bad option. */
export function init(options: WebchatOptions): Promise<Webchat>;

/** The events `on`/`off` accept. */
export const EVENTS: readonly WebchatEvent[];

/** The script tag's global: the same API, plus `load()`; calls before load are queued. */
export interface WebchatGlobal extends Webchat {
  /** Loads and starts the widget now (the loader otherwise waits for idle time). */
  load(): Promise<Webchat>;
}

declare global {
  interface Window {
    CV?: WebchatGlobal;
  }
}
