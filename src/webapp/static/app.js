/* fxmirror Mini App: plain browser JavaScript, no build step, nothing loaded from elsewhere.
 *
 * Sign-in: Telegram's signed initData (window.Telegram.WebApp.initData when Telegram's script is present, else the
 * `tgWebAppData` parameter Telegram puts in the URL fragment) is exchanged for a short-lived session token, kept in
 * sessionStorage and sent as `Authorization: Bearer …`. The demo's one-time link (`#login=…`) does the same without
 * Telegram. Everything shown comes from the JSON API and is inserted as text, never as HTML. */
/* global window, document, fetch, sessionStorage, history, location, URL, URLSearchParams, setTimeout, clearTimeout, setInterval */
'use strict';

(function main() {
  const SESSION_KEY = 'fxmirror.session';
  const REFRESH_MS = 5000;
  const hash = new URLSearchParams(location.hash.slice(1));
  const tg = window.Telegram && window.Telegram.WebApp ? window.Telegram.WebApp : null;
  const initData = (tg && tg.initData) || hash.get('tgWebAppData') || '';
  const loginToken = hash.get('login');
  // Opened from Telegram: always sign in with this launch's initData (the user may differ from the stored session's).
  let token = initData ? null : sessionStorage.getItem(SESSION_KEY);
  let busy = false;
  let lastView = null;

  const $ = (id) => document.getElementById(id);

  // ── Telegram integration without its script ─────────────────────────────────────────────────────────────────

  function postEvent(type, data) {
    try {
      if (tg) return;
      const payload = JSON.stringify(data || {});
      if (window.TelegramWebviewProxy && typeof window.TelegramWebviewProxy.postEvent === 'function') {
        window.TelegramWebviewProxy.postEvent(type, payload);
      } else if (window.parent && window.parent !== window) {
        window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data || {} }), 'https://web.telegram.org');
      }
    } catch {
      // Not inside Telegram: nothing to tell.
    }
  }

  function applyTheme(params) {
    if (!params || typeof params !== 'object') return;
    const root = document.documentElement;
    for (const [key, value] of Object.entries(params)) {
      if (!/^[a-z_]{1,40}$/.test(key) || typeof value !== 'string' || !/^#[0-9a-fA-F]{3,8}$/.test(value)) continue;
      root.style.setProperty(`--tg-theme-${key.replace(/_/g, '-')}`, value);
    }
  }

  function themeFromHash() {
    try {
      return JSON.parse(hash.get('tgWebAppThemeParams') || 'null');
    } catch {
      return null;
    }
  }

  applyTheme(tg ? tg.themeParams : themeFromHash());
  if (tg) {
    tg.ready();
    tg.expand();
  } else {
    postEvent('web_app_ready');
    postEvent('web_app_expand');
  }

  // ── API ─────────────────────────────────────────────────────────────────────────────────────────────────────

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function api(method, path, body) {
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (method === 'POST') headers['Content-Type'] = 'application/json';
    const res = await fetch(new URL(path, document.baseURI), {
      method,
      headers,
      body: method === 'POST' ? JSON.stringify(body || {}) : undefined,
      credentials: 'omit',
      cache: 'no-store',
    });
    let json = null;
    try {
      json = await res.json();
    } catch {
      json = null;
    }
    if (!res.ok) throw new ApiError(res.status, (json && json.error) || 'error', (json && json.message) || `HTTP ${res.status}`);
    return json;
  }

  async function signIn() {
    let answer = null;
    if (loginToken) {
      // The link's token is single-use: drop it from the address so a reload does not offer it again.
      hash.delete('login');
      history.replaceState(null, '', `${location.pathname}${location.search}${hash.toString() ? `#${hash}` : ''}`);
      answer = await api('POST', 'api/demo-login', { token: loginToken });
    } else if (initData) {
      answer = await api('POST', 'api/session', { initData });
    } else {
      throw new ApiError(401, 'no_init_data', 'Open this dashboard from the fxmirror bot in Telegram: the menu button or /app.');
    }
    token = answer.token;
    sessionStorage.setItem(SESSION_KEY, token);
  }

  async function withSession(fn) {
    if (!token) await signIn();
    try {
      return await fn();
    } catch (err) {
      // A session that ended (expired, restarted server): sign in again once, if Telegram's initData is at hand.
      if (err instanceof ApiError && err.status === 401 && initData && !loginToken) {
        token = null;
        sessionStorage.removeItem(SESSION_KEY);
        await signIn();
        return fn();
      }
      throw err;
    }
  }

  // ── DOM helpers ─────────────────────────────────────────────────────────────────────────────────────────────

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof window.Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function lots(v) {
    return typeof v === 'number' ? v.toFixed(2) : '–';
  }

  function price(v) {
    if (typeof v !== 'number' || v === 0) return '–';
    return String(Number(v.toPrecision(8)));
  }

  function money(v) {
    if (typeof v !== 'number') return '–';
    const s = Math.abs(v).toFixed(2);
    return v > 0 ? `+${s}` : v < 0 ? `−${s}` : s;
  }

  function clock(ms) {
    const d = new Date(ms);
    return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  let toastTimer = null;
  function toast(text, isError) {
    const el = $('toast');
    el.textContent = text;
    el.className = isError ? 'toast error' : 'toast';
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => {
      el.hidden = true;
    }, 3500);
  }

  function showDenied(text) {
    $('loading').hidden = true;
    $('content').hidden = true;
    $('denied').hidden = false;
    $('denied-text').textContent = text;
  }

  // ── rendering ───────────────────────────────────────────────────────────────────────────────────────────────

  const STATE_LABEL = { copying: 'Copying', paused: 'Paused', stopped: 'Stopped', idle: 'Master paused' };

  function renderWho(user) {
    const who = $('who');
    who.replaceChildren(h('span', { class: 'name', text: user.name || `user ${user.id}` }), h('span', { class: 'role', text: user.role }));
    who.hidden = false;
  }

  function followerCard(f) {
    const masters = f.masters.map((m) => m.name).join(', ') || 'no master';
    const card = h(
      'article',
      { class: 'follower', 'data-follower': f.id, 'data-state': f.state },
      h('div', { class: 'row' }, h('div', { class: 'title' }, h('span', { class: f.streaming ? 'dot on' : 'dot', title: f.streaming ? 'connected' : 'not connected' }), f.name), h('span', { class: `pill ${f.state}`, text: STATE_LABEL[f.state] || f.state })),
      h('div', { class: 'meta', text: `copies ${masters} · ${f.sizingText} · ${f.openCopies} open cop${f.openCopies === 1 ? 'y' : 'ies'}` }),
      f.state === 'stopped' || f.state === 'idle' ? h('div', { class: 'reason', text: f.stateText }) : null,
    );
    if (f.canManage) {
      const paused = f.state === 'paused' || f.state === 'stopped';
      const input = h('input', { type: 'number', min: '0.01', max: '100', step: '0.01', inputmode: 'decimal', value: f.multiplier === null ? '' : String(f.multiplier), 'aria-label': `multiplier of ${f.name}`, placeholder: '×' });
      card.append(
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'button', class: paused ? '' : 'danger', 'data-action': paused ? 'resume' : 'pause', onclick: () => pauseOrResume(f, paused ? 'resume' : 'pause') }, paused ? 'Resume' : 'Pause'),
          h('div', { class: 'mult' }, h('span', { class: 'times', text: 'multiplier ×' }), input, h('button', { type: 'button', class: 'secondary', 'data-action': 'multiplier', onclick: () => changeMultiplier(f, input.value) }, 'Set')),
        ),
      );
    }
    return card;
  }

  function sideSpan(side) {
    return h('span', { class: side === 'buy' ? 'side-buy' : 'side-sell', text: side.toUpperCase() });
  }

  function copyLine(p) {
    return h(
      'div',
      { class: 'copy' },
      h('span', { class: 'who-copy', text: `↳ ${p.followerName}` }),
      h('span', { class: 'num' }, `${lots(p.volume)} ${p.symbol} @ ${price(p.openPrice)} `, h('span', { class: p.profit >= 0 ? 'profit-pos' : 'profit-neg', text: money(p.profit) })),
    );
  }

  function renderPositions(view) {
    const box = $('positions');
    const items = [];
    for (const g of view.positions) {
      const m = g.master;
      const stops = `${m.stopLoss ? `SL ${price(m.stopLoss)}` : ''}${m.stopLoss && m.takeProfit ? ' · ' : ''}${m.takeProfit ? `TP ${price(m.takeProfit)}` : ''}`;
      items.push(
        h(
          'div',
          { class: 'group', 'data-master-ticket': String(m.ticket) },
          h('div', { class: 'pos-line' }, h('span', { class: 'pos-main' }, sideSpan(m.side), ` ${lots(m.volume)} ${m.symbol}${m.kind === 'pending' ? ` pending @ ${price(m.openPrice)}` : ''}`), h('span', { class: 'num', text: `#${m.ticket}` })),
          h('div', { class: 'meta', text: `${m.masterName}${stops ? ` · ${stops}` : ''}` }),
          g.copies.length > 0 ? h('div', { class: 'copies' }, g.copies.map(copyLine)) : h('div', { class: 'meta', text: 'no copies' }),
        ),
      );
    }
    if (view.otherPositions.length > 0) {
      items.push(h('div', { class: 'group' }, h('div', { class: 'subhead', text: 'Not copies of an open master position' }), h('div', { class: 'copies' }, view.otherPositions.map(copyLine))));
    }
    if (items.length === 0) items.push(h('p', { class: 'empty', text: 'No open positions.' }));
    box.replaceChildren(...items);
    const n = view.positions.length;
    $('positions-count').textContent = n === 0 ? '' : `${n} master`;
  }

  function renderAlerts(view) {
    const list = $('alerts');
    if (view.alerts.length === 0) {
      list.replaceChildren(h('li', { class: 'empty', text: 'Nothing since the copier started.' }));
      return;
    }
    list.replaceChildren(...view.alerts.map((a) => h('li', { class: a.level }, h('time', { datetime: new Date(a.at).toISOString(), text: clock(a.at) }), a.text.split('\n').map(alertLine))));
  }

  /**
   * The chat's messages start their lines with an emoji (✅ filled, ⛔ rejected, …). The page shows those as its own
   * small coloured glyphs, so they look the same on every device and need no emoji font.
   */
  const LINE_ICONS = [
    ['✅', 'ok', '✓'],
    ['⛔', 'bad', '✕'],
    ['❌', 'bad', '✕'],
    ['❓', 'bad', '?'],
    ['⏭', 'skip', '»'],
    ['⏳', 'wait', '…'],
    ['◐', 'warn', '◐'],
    ['✏', 'info', '✎'],
    ['📋', 'master', '●'],
    ['⏱', 'time', '◷'],
    ['🔁', 'info', '⟳'],
    ['⏸', 'warn', '‖'],
    ['▶', 'ok', '▸'],
    ['🔌', 'bad', '!'],
    ['🛑', 'bad', '■'],
    ['📊', 'info', '≡'],
    ['⚠', 'warn', '!'],
  ];

  function alertLine(line) {
    for (const [emoji, kind, glyph] of LINE_ICONS) {
      if (line.startsWith(emoji)) {
        const rest = line.slice(emoji.length).replace(/^\uFE0F/, '').trimStart();
        return h('div', { class: 'line' }, h('span', { class: `glyph ${kind}`, 'aria-hidden': 'true', text: glyph }), h('span', { text: rest }));
      }
    }
    return h('div', { class: 'line' }, h('span', { class: 'glyph' }), h('span', { text: line }));
  }

  function renderMasters(view) {
    const rows = view.masters.map((m) =>
      h(
        'div',
        { class: 'follower' },
        h('div', { class: 'row' }, h('div', { class: 'title' }, h('span', { class: m.streaming ? 'dot on' : 'dot' }), m.name), h('span', { class: `pill ${m.paused ? 'paused' : 'copying'}`, text: m.paused ? 'Paused' : 'Live' })),
        h('div', { class: 'meta', text: m.lastEventAt ? `last trade event ${clock(m.lastEventAt)}` : 'no trade events yet' }),
      ),
    );
    $('masters').replaceChildren(...(rows.length > 0 ? rows : [h('p', { class: 'empty', text: 'No master set.' })]));
  }

  async function renderPanelData(panel, el) {
    try {
      const data = await api('GET', panel.source.replace(/^\//, ''));
      // Tables and pictures need the full width on a phone.
      if (data.kind !== 'stats') el.classList.add('wide');
      if (data.kind === 'stats') {
        el.append(h('div', { class: 'stats' }, data.items.map((i) => h('div', { class: 'stat' }, h('div', { class: 'label', text: i.label }), h('div', { class: `value ${i.tone || ''}`, text: i.value })))));
      } else if (data.kind === 'table') {
        el.append(h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, data.columns.map((c) => h('th', { text: c })))), h('tbody', {}, data.rows.map((r) => h('tr', {}, r.map((c) => h('td', { text: c }))))))));
      } else if (data.kind === 'image' || data.kind === 'images') {
        const images = data.kind === 'image' ? [{ src: data.src, alt: data.alt }] : data.images;
        const loaded = await Promise.all(images.map(async (i) => {
          const res = await fetch(new URL(i.src.replace(/^\//, ''), document.baseURI), { headers: { Authorization: `Bearer ${token}` }, credentials: 'omit' });
          if (!res.ok) return h('div', { class: 'soon', text: `${i.alt}: could not load (HTTP ${res.status})` });
          return h('img', { class: 'chart', alt: i.alt, src: URL.createObjectURL(await res.blob()) });
        }));
        el.append(...loaded);
      }
      if (data.note) el.append(h('div', { class: 'desc', text: data.note }));
    } catch (err) {
      el.append(h('div', { class: 'soon', text: `Could not load: ${err.message}` }));
    }
  }

  function renderPanels(view) {
    const box = $('panels');
    box.replaceChildren(
      ...view.panels.map((p, i) => {
        const el = h('section', { class: view.panels.length % 2 === 1 && i === view.panels.length - 1 ? 'panel wide' : 'panel', 'data-panel': p.id }, h('h2', { text: p.title }), h('div', { class: 'desc', text: p.description }));
        if (p.source) void renderPanelData(p, el);
        else el.append(h('div', { class: 'soon', text: 'Not available yet' }));
        return el;
      }),
    );
  }

  function render(view) {
    lastView = view;
    $('loading').hidden = true;
    $('denied').hidden = true;
    $('content').hidden = false;
    renderWho(view.user);
    const banner = $('banner');
    banner.hidden = !view.copier.halted && !view.copier.allPaused;
    banner.textContent = view.copier.halted ? `Copying halted: ${view.copier.halted}` : view.copier.allPaused ? 'All masters are paused: nothing is copied.' : '';
    $('followers').replaceChildren(...(view.followers.length > 0 ? view.followers.map(followerCard) : [h('p', { class: 'empty', text: view.user.role === 'owner' ? 'None of the followers is yours yet.' : 'No followers yet.' })]));
    $('followers-count').textContent = view.followers.length === 0 ? '' : String(view.followers.length);
    renderPositions(view);
    renderAlerts(view);
    renderMasters(view);
    // Panels fetch their own data: render them once, not on every refresh.
    if ($('panels').childElementCount === 0) renderPanels(view);
    $('updated').textContent = `Updated ${clock(view.now)}${view.user.role === 'viewer' ? ' · read only' : ''}`;
  }

  async function refresh() {
    const view = await withSession(() => api('GET', 'api/dashboard'));
    render(view);
  }

  function fail(err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403) && !lastView) {
      showDenied(err.message);
      return;
    }
    toast(err.message || String(err), true);
  }

  // ── actions ─────────────────────────────────────────────────────────────────────────────────────────────────

  async function act(fn) {
    if (busy) return;
    busy = true;
    try {
      await fn();
    } catch (err) {
      fail(err);
    } finally {
      busy = false;
    }
  }

  function pauseOrResume(f, verb) {
    void act(async () => {
      await withSession(() => api('POST', `api/followers/${encodeURIComponent(f.id)}/${verb}`, {}));
      toast(verb === 'pause' ? `${f.name} paused` : `${f.name} resumed`);
      await refresh();
    });
  }

  function previewList(rows) {
    if (rows.length === 0) return h('p', { class: 'hint', text: 'No recent master trades to preview.' });
    return h(
      'ul',
      { class: 'preview' },
      rows.map((r) =>
        h(
          'li',
          {},
          h('span', {}, `#${r.masterTicket} `, sideSpan(r.side), ` ${lots(r.masterVolume)} ${r.followerSymbol && r.followerSymbol !== r.symbol ? `${r.symbol}→${r.followerSymbol}` : r.symbol}`),
          r.volume === null ? h('span', { class: 'skip', text: `skipped: ${r.skipped || r.reasons[0] || ''}` }) : h('strong', { class: 'num', text: `→ ${lots(r.volume)}${r.rounded ? ' (rounded)' : ''}` }),
        ),
      ),
    );
  }

  /** Shows a dialog; resolves true for the main button, false for cancel or closing. */
  function dialog({ title, text, body, expiresAt, ok, cancel }) {
    const d = $('dialog');
    $('dialog-title').textContent = title;
    $('dialog-text').textContent = text;
    $('dialog-body').replaceChildren(body || '');
    const okButton = $('dialog-ok');
    const cancelButton = $('dialog-cancel');
    okButton.textContent = ok;
    cancelButton.hidden = !cancel;
    if (cancel) cancelButton.textContent = cancel;
    const expiry = $('dialog-expiry');
    let timer = null;
    const tick = () => {
      const left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
      expiry.textContent = left > 0 ? `Confirm within ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}.` : 'Expired: ask again.';
      okButton.disabled = left <= 0;
    };
    if (expiresAt) {
      tick();
      timer = setInterval(tick, 1000);
    } else {
      expiry.textContent = '';
      okButton.disabled = false;
    }
    return new Promise((resolve) => {
      const done = (value) => {
        if (timer) window.clearInterval(timer);
        okButton.onclick = null;
        cancelButton.onclick = null;
        d.onclose = null;
        if (d.open) d.close();
        resolve(value);
      };
      okButton.onclick = () => done(true);
      cancelButton.onclick = () => done(false);
      d.onclose = () => done(false);
      d.showModal();
    });
  }

  function changeMultiplier(f, raw) {
    void act(async () => {
      const value = String(raw).trim();
      if (value === '') throw new Error('Type a multiplier first, e.g. 0.5 or 2.');
      const answer = await withSession(() => api('POST', `api/followers/${encodeURIComponent(f.id)}/multiplier`, { multiplier: value }));
      if (answer.status === 'unchanged') {
        toast(`${f.name} already uses ${answer.nextText}.`);
        return;
      }
      if (answer.status === 'applied') {
        await dialog({ title: `${f.name}: ${answer.beforeText} → ${answer.nextText}`, text: 'Applied (smaller lots need no confirmation).', body: previewList(answer.preview), ok: 'OK' });
        await refresh();
        return;
      }
      const yes = await dialog({
        title: `${f.name}: ${answer.beforeText} → ${answer.nextText}`,
        text: 'Larger lots: confirm to apply. The last master trades under the new setting:',
        body: previewList(answer.preview),
        expiresAt: answer.confirmation.expiresAt,
        ok: 'Apply',
        cancel: 'Cancel',
      });
      const path = `api/confirmations/${encodeURIComponent(answer.confirmation.token)}/${yes ? 'apply' : 'cancel'}`;
      const result = await withSession(() => api('POST', path, {}));
      toast(yes ? `${f.name}: ${result.beforeText} → ${result.nextText}` : 'Cancelled; nothing was changed.');
      await refresh();
    });
  }

  // ── start ───────────────────────────────────────────────────────────────────────────────────────────────────

  refresh().catch(fail);
  setInterval(() => {
    const typing = document.activeElement && document.activeElement.tagName === 'INPUT';
    if (busy || typing || $('dialog').open || !lastView) return;
    refresh().catch(fail);
  }, REFRESH_MS);
})();
