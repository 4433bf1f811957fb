// A small single-page app: History API routes, a login that tags the chat's visitor, a logout
// that resets it, and a checkout page without chat (the widget is destroyed there and started
// again when the visitor leaves). The widget lives across route changes: it is started once,
// not per page.
import { init } from 'webchat';

// Where the chat backend is. The defaults are devserver's (`cargo xtask demo`); query
// parameters override them once (?api=…&token=…&campaign=…&ws=…) and are kept for the tab.
const DEFAULTS = {
  apiUrl: 'http://127.0.0.1:8080/api/app.php/chatbot/v1/',
  apiToken: 'webchat-dev-token',
  campaign: 'Tm1dyqk5Nvq5TibLRSyJUkJX2kawLsHX',
  websocketUrl: 'ws://127.0.0.1:8080/xmpp-websocket',
};
const query = new URLSearchParams(location.search);
const saved = JSON.parse(sessionStorage.getItem('spa-config') || '{}');
const config = {
  ...DEFAULTS,
  ...saved,
  ...(query.has('api') && { apiUrl: query.get('api') }),
  ...(query.has('token') && { apiToken: query.get('token') }),
  ...(query.has('campaign') && { campaign: query.get('campaign') }),
  ...(query.has('ws') && { websocketUrl: query.get('ws') }),
};
sessionStorage.setItem('spa-config', JSON.stringify(config));

// The app's base path (where index.html lives), so routes work under any prefix.
const base = new URL('.', import.meta.url).pathname;
const view = document.getElementById('view');
const who = document.getElementById('who');

// What the end-to-end test reads.
const app = (window.__spa = { cv: null, route: null, log: [] });

let chat = null; // the API object while the widget runs
let starting = null;

async function startChat() {
  if (chat || starting) return starting;
  starting = init({ ...config, visitorIds: 'persistent' })
    .then((cv) => {
      chat = app.cv = cv;
      cv.on('message', (m) => app.log.push(`${m.direction}: ${m.text}`));
      const user = currentUser();
      if (user) cv.user.tag(user);
      return cv;
    })
    .catch((e) => {
      view.insertAdjacentHTML('beforeend', '<p role="alert">The chat is unavailable.</p>');
      console.warn(e.message);
    })
    .finally(() => {
      starting = null;
    });
  return starting;
}

async function stopChat() {
  await starting;
  chat?.destroy();
  chat = app.cv = null;
}

function currentUser() {
  return JSON.parse(localStorage.getItem('spa-user') || 'null');
}

function showUser() {
  const user = currentUser();
  who.textContent = user ? `Signed in as ${user.firstname} ${user.lastname}` : 'Not signed in';
}

const ROUTES = {
  '': () => `<h1>Fresh coffee, delivered</h1><p>Questions? The chat in the corner is staffed.</p>`,
  products: () => `<h1>Products</h1><ul><li>Espresso beans</li><li>Filter blend</li><li>Decaf</li></ul>`,
  account: () =>
    currentUser()
      ? `<h1>Account</h1><p>Hello, ${escapeHtml(currentUser().firstname)}.</p>
         <button type="button" id="logout">Log out</button>`
      : `<h1>Account</h1>
         <form id="login">
           <label>Email <input name="email" type="email" required autocomplete="email" /></label>
           <label>First name <input name="firstname" required /></label>
           <label>Last name <input name="lastname" required /></label>
           <button type="submit">Log in</button>
         </form>`,
  checkout: () => `<h1>Checkout</h1><p>No distractions here: the chat is switched off on this page.</p>`,
};

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function routeOf(pathname) {
  const r = pathname.startsWith(base) ? pathname.slice(base.length) : '';
  return r in ROUTES ? r : '';
}

async function render() {
  const route = routeOf(location.pathname);
  app.route = route;
  view.innerHTML = ROUTES[route]();
  showUser();
  document.title = `Northwind Coffee${route ? ` · ${route}` : ''}`;
  if (route === 'checkout') await stopChat();
  else await startChat();
}

document.addEventListener('click', (e) => {
  const link = e.target.closest('a[data-route]');
  if (!link) return;
  e.preventDefault();
  history.pushState(null, '', base + link.dataset.route);
  render();
});

// A real site's login answers with the user and the signature its server computed with the
// campaign's identity secret (see "Signed identity" in webchat's README). This demo has no
// server of its own: devserver's demo signer (`cargo xtask demo`) stands in for it.
async function logIn(user) {
  const signer = new URL('/demo/identity-signature', config.apiUrl);
  const res = await fetch(signer, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ campaign_id: config.campaign, email: user.email }),
  });
  if (!res.ok) throw new Error(`the login server answered ${res.status}`);
  const { signature } = await res.json();
  return { ...user, signature };
}

view.addEventListener('submit', async (e) => {
  if (e.target.id !== 'login') return;
  e.preventDefault();
  const form = new FormData(e.target);
  let user = {
    email: form.get('email'),
    firstname: form.get('firstname'),
    lastname: form.get('lastname'),
  };
  try {
    user = await logIn(user);
  } catch (err) {
    // Still logged in to the shop; the chat shows the user as unverified, without history.
    console.warn(`login: no chat signature (${err.message})`);
  }
  localStorage.setItem('spa-user', JSON.stringify(user));
  chat?.user.tag(user); // the agent sees who this is; the user's history comes back
  render();
});

view.addEventListener('click', (e) => {
  if (e.target.id !== 'logout') return;
  localStorage.removeItem('spa-user');
  chat?.user.reset(); // ends the chat, empties the window, new anonymous visitor
  render();
});

window.addEventListener('popstate', render);
render();
