// Samverkan reference client: plain JavaScript against the public API under /api/v1, same
// origin only. Every text that comes from the API is put in the page with textContent, never
// as HTML. No inline scripts or styles (the server's Content-Security-Policy forbids them).

const API = '/api/v1';
const TOKEN_KEY = 'samverkan.token';
const CHECK_DELAY_MS = 300;

const CATEGORY = {
  recept: 'Receptförnyelse', provtagning: 'Provtagning', uppfoljning: 'Uppföljning', bokning: 'Bokning',
};
const STATUS = {
  sent: 'Oläst', read: 'Läst', answered: 'Besvarat', closed: 'Avslutat', cancelled: 'Makulerat',
};
const OUTCOME = { utfort: 'Utfört', ej_utfort: 'Ej utfört', kontakt_behovs: 'Kontakt behövs' };
const CANCEL_REASON = { wrong_patient: 'Fel patient', wrong_recipient: 'Fel mottagare', other: 'Annat' };
const PROFESSION = {
  lakare: 'läkare', sjukskoterska: 'sjuksköterska', fysioterapeut: 'fysioterapeut',
  arbetsterapeut: 'arbetsterapeut', dietist: 'dietist', barnmorska: 'barnmorska',
};
const UNIT_KIND = {
  kommun: 'Kommunal hemsjukvård', narsjukvard: 'Närsjukvård', psykiatri: 'Psykiatrisk öppenvård',
  specialist: 'Specialistmottagning',
};
const DETAIL_LABELS = {
  drug_name: 'Läkemedel', strength: 'Styrka', dosage: 'Dosering', atc_code: 'ATC-kod', npl_id: 'NPL-id',
  kind: 'Typ', analyses: 'Analyser', requested_date: 'Önskat datum', fasting: 'Fastande',
  sampled_by: 'Provtagning görs av', visit_type: 'Typ av besök', location: 'Plats',
  preferred_dates: 'Önskade datum', reason: 'Anledning', measurements: 'Mätvärden', request: 'Begäran',
};
const DETAIL_VALUES = {
  fornyelse: 'Förnyelse', nyforskrivning: 'Nyförskrivning', kommun: 'Kommunen', region: 'Regionen',
  arskontroll: 'Årskontroll', lakarbesok: 'Läkarbesök', hembesok: 'Hembesök', mottagning: 'Mottagningen',
};
const MEASURE = {
  blodtryck: 'Blodtryck', vikt: 'Vikt', blodsocker: 'Blodsocker', puls: 'Puls', saturation: 'Saturation',
  temperatur: 'Temperatur',
};
const STREAM_EVENTS = ['message.created', 'message.read', 'message.replied', 'message.closed', 'message.cancelled'];

const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------------------------------------
// Formatting

const dateTimeFmt = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Europe/Stockholm', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric',
  hour: '2-digit', minute: '2-digit',
});
const shortFmt = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Europe/Stockholm', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit',
});
function when(iso) { return iso ? dateTimeFmt.format(new Date(iso)) : '–'; }
function whenShort(iso) { return iso ? shortFmt.format(new Date(iso)) : '–'; }
function pnr(n) { return n && n.length === 12 ? `${n.slice(0, 8)}-${n.slice(8)}` : (n || ''); }
function patientText(p) { return p ? `${p.name || 'Namn saknas'} (${pnr(p.personal_identity_number)})` : ''; }
function windowText(m) {
  return `Svar förväntas från ${when(m.reply_expected_from)}, senast ${when(m.reply_due_by)}.`;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || ['href', 'id', 'role', 'type', 'value', 'for', 'scope'].includes(k)) e.setAttribute(k, v === true ? '' : String(v));
    else e[k] = v;
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// ------------------------------------------------------------------------------------------
// State

const state = {
  token: null,
  me: null,
  view: null,            // 'inbox' | 'outbox' | 'message' | 'compose'
  messageId: null,
  messages: new Map(),   // id -> { etag, data }
  summary: null,
  summaryEtag: null,
  listCursor: null,
  stream: null,
  lastSeq: null,
  reconnectTimer: null,
  reconnectDelay: 1000,
  refreshTimer: null,
};

// ------------------------------------------------------------------------------------------
// The API

class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

async function api(method, path, { body, headers = {}, allow304 = false } = {}) {
  const h = { Accept: 'application/json', 'Accept-Language': 'sv', ...headers };
  if (state.token) h.Authorization = `Bearer ${state.token}`;
  const init = { method, headers: h, cache: 'no-store', credentials: 'same-origin' };
  if (body !== undefined) {
    h['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(API + path, init);
  } catch (e) {
    throw new ApiError(0, { title: 'Nätverksfel', detail: 'Servern svarar inte. Kontrollera anslutningen och försök igen.' });
  }
  const etag = res.headers.get('ETag');
  if (res.status === 304 && allow304) return { status: 304, etag, data: null };
  const type = res.headers.get('Content-Type') || '';
  let data = null;
  if (type.includes('json')) {
    try { data = await res.json(); } catch (e) { data = null; }
  }
  if (!res.ok) {
    if (res.status === 401 && state.me) {
      expired(data);
    }
    throw new ApiError(res.status, data);
  }
  return { status: res.status, etag, data };
}

function expired(problem) {
  signOut();
  showProblem({
    title: 'Inloggningen gäller inte längre',
    detail: (problem && problem.detail) || 'Logga in igen med en giltig token.',
  });
}

// ------------------------------------------------------------------------------------------
// Notices and problems

function notice(text) {
  $('notice').textContent = text;
}

function showProblem(problem, extra) {
  const box = $('problem');
  box.replaceChildren();
  delete box.dataset.code;
  if (!problem) { box.hidden = true; return; }
  if (problem.code) box.dataset.code = problem.code;
  box.append(el('p', { class: 'problem-title', text: problem.title || 'Något gick fel' }));
  if (problem.detail) box.append(el('p', { text: problem.detail }));
  if (extra) box.append(el('p', { text: extra }));
  if (Array.isArray(problem.violations) && problem.violations.length) {
    const ul = el('ul');
    for (const v of problem.violations) {
      ul.append(el('li', { 'data-code': v.code, text: `${v.message} (${v.field})` }));
    }
    box.append(ul);
  }
  if (problem.request_id) box.append(el('p', { class: 'hint', text: `Referens: ${problem.request_id}` }));
  box.hidden = false;
}

function clearMessages() { notice(''); showProblem(null); }

function problemOf(e) {
  if (e instanceof ApiError) {
    if (e.status === 412) {
      return {
        ...e.problem,
        title: 'Meddelandet har ändrats',
        detail: 'Någon annan har ändrat meddelandet sedan du öppnade det, så inget gjordes. '
          + 'Meddelandet har laddats om: kontrollera det och försök igen.',
      };
    }
    return e.problem && e.problem.title ? e.problem : { title: `Fel (${e.status})`, detail: e.message };
  }
  return { title: 'Något gick fel', detail: String(e && e.message ? e.message : e) };
}

// ------------------------------------------------------------------------------------------
// Sign-in

async function signIn(token) {
  state.token = token;
  try {
    const { data } = await api('GET', '/me');
    state.me = data;
  } catch (e) {
    state.token = null;
    state.me = null;
    sessionStorage.removeItem(TOKEN_KEY);
    showProblem(problemOf(e));
    show('signin');
    return false;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  const me = state.me;
  const prof = me.profession ? (PROFESSION[me.profession] || me.profession) : null;
  const unit = me.unit ? me.unit.name : (me.unit_hsa_id || 'ingen enhet');
  $('who-text').textContent = `Inloggad: ${me.name || me.sub}${prof ? `, ${prof}` : ''} – ${unit}`;
  $('who').hidden = false;
  $('app').hidden = false;
  $('token').value = '';
  connectStream();
  refreshSummary();
  if (!location.hash || location.hash === '#') location.hash = '#inkorg';
  else route();
  return true;
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  state.me = null;
  state.messages.clear();
  state.summary = null;
  state.summaryEtag = null;
  state.lastSeq = null;
  closeStream();
  $('who').hidden = true;
  $('app').hidden = true;
  show('signin');
}

// ------------------------------------------------------------------------------------------
// Views

function show(view) {
  for (const id of ['view-signin', 'view-list', 'view-message', 'view-compose']) $(id).hidden = true;
  const section = view === 'signin' ? 'view-signin'
    : view === 'message' ? 'view-message'
      : view === 'compose' ? 'view-compose' : 'view-list';
  $(section).hidden = false;
  for (const [tab, v] of [['tab-inbox', 'inbox'], ['tab-outbox', 'outbox'], ['tab-compose', 'compose']]) {
    if (v === view) $(tab).setAttribute('aria-current', 'page');
    else $(tab).removeAttribute('aria-current');
  }
  document.body.dataset.view = view;
}

function route() {
  if (!state.me) { show('signin'); return; }
  const hash = decodeURIComponent(location.hash.replace(/^#/, ''));
  const prev = state.view;
  if (hash.startsWith('meddelande/')) {
    state.view = 'message';
    state.messageId = hash.slice('meddelande/'.length);
    show('message');
    loadMessage(state.messageId, { focus: true });
  } else if (hash === 'ny') {
    state.view = 'compose';
    show('compose');
    openCompose(prev !== 'compose');
  } else {
    state.view = hash === 'utkorg' ? 'outbox' : 'inbox';
    show(state.view);
    loadList();
  }
}

// ------------------------------------------------------------------------------------------
// Summary (badges)

async function refreshSummary() {
  if (!state.token) return;
  try {
    const headers = state.summaryEtag ? { 'If-None-Match': state.summaryEtag } : {};
    const res = await api('GET', '/messages/summary', { headers, allow304: true });
    if (res.status !== 304) {
      state.summary = res.data;
      state.summaryEtag = res.etag;
    }
    renderBadges();
  } catch (e) {
    if (e.status !== 401) showProblem(problemOf(e));
  }
}

function setBadge(id, count, shown, spoken) {
  // The count is read out with the tab's name ("Inkorg 1 oläst"): the badge is part of the link.
  const b = $(id);
  b.dataset.count = String(count);
  b.replaceChildren(shown);
  if (spoken) b.append(el('span', { class: 'sr-only', text: spoken }));
  b.hidden = count === 0;
}

function renderBadges() {
  const s = state.summary;
  if (!s) return;
  const unread = s.inbox.unread;
  const overdueIn = s.inbox.overdue;
  const overdueOut = s.outbox.overdue;
  setBadge('badge-unread', unread, String(unread), unread === 1 ? ' oläst' : ' olästa');
  setBadge('badge-overdue', overdueIn, `${overdueIn} försenade`, ' att besvara');
  setBadge('badge-outbox-overdue', overdueOut, `${overdueOut} försenade`, ' svar');
  const parts = [`${unread} olästa i inkorgen`];
  if (overdueIn) parts.push(`${overdueIn} försenade i inkorgen`);
  if (overdueOut) parts.push(`${overdueOut} försenade svar i utkorgen`);
  $('badges').textContent = parts.join(', ') + '.';
  if (state.view === 'inbox' || state.view === 'outbox') renderCounts();
}

function renderCounts() {
  const s = state.summary;
  if (!s) return;
  const box = state.view === 'outbox' ? s.outbox : s.inbox;
  const p = $('list-counts');
  p.replaceChildren();
  const n = (count, one, many) => `${count} ${count === 1 ? one : many}`;
  p.append(`${n(box.total, 'meddelande', 'meddelanden')}: ${n(box.unread, 'oläst', 'olästa')}, `
    + `${n(box.read, 'läst', 'lästa')}, ${n(box.answered, 'besvarat', 'besvarade')}, `
    + `${n(box.closed, 'avslutat', 'avslutade')}, ${n(box.cancelled, 'makulerat', 'makulerade')}. `);
  const overdue = el('span', { id: 'overdue-count', 'data-count': box.overdue, text: `${n(box.overdue, 'försenat', 'försenade')}.` });
  p.append(overdue);
}

// ------------------------------------------------------------------------------------------
// Mailbox lists

function listQuery(cursor) {
  const q = new URLSearchParams({ box: state.view === 'outbox' ? 'outbox' : 'inbox', limit: '50' });
  const status = $('filter-status').value;
  if (status) q.set('status', status);
  if ($('filter-overdue').checked) q.set('overdue', 'true');
  if (cursor) q.set('cursor', cursor);
  return q;
}

let listGeneration = 0;
async function loadList({ more = false } = {}) {
  const gen = ++listGeneration;
  const outbox = state.view === 'outbox';
  $('list-h').textContent = outbox ? 'Utkorg' : 'Inkorg';
  $('list-caption').textContent = outbox ? 'Skickade meddelanden' : 'Mottagna meddelanden';
  $('list-party').textContent = outbox ? 'Till' : 'Från';
  renderCounts();
  try {
    const { data } = await api('GET', `/messages?${listQuery(more ? state.listCursor : null)}`);
    if (gen !== listGeneration) return;
    const body = $('list-body');
    if (!more) body.replaceChildren();
    for (const m of data.items) body.append(listRow(m, outbox));
    state.listCursor = data.next_cursor || null;
    $('list-more').hidden = !state.listCursor;
    $('list-empty').hidden = body.children.length > 0;
    $('list').hidden = body.children.length === 0;
    document.body.dataset.listLoaded = String(Date.now());
  } catch (e) {
    if (e.status !== 401) showProblem(problemOf(e));
  }
}

function listRow(m, outbox) {
  const link = el('a', { href: `#meddelande/${encodeURIComponent(m.id)}`, text: m.subject });
  const subjectCell = el('td', {}, link);
  if (m.status === 'sent' && !outbox) subjectCell.append(' ', el('span', { class: 'tag unread', text: 'Ny' }));
  const party = outbox ? m.recipient.unit_name : `${m.sender.name || m.sender.hsa_id}, ${m.sender.unit_name}`;
  const statusCell = el('td', { class: 'status' }, el('span', { class: 'status-text', text: STATUS[m.status] || m.status }));
  if (m.overdue) statusCell.append(' ', el('span', { class: 'tag overdue', text: 'Försenat' }));
  const replies = m.replies || [];
  const last = replies.length ? replies[replies.length - 1] : null;
  if (last && last.outcome) statusCell.append(el('div', { class: 'hint outcome', text: OUTCOME[last.outcome] || last.outcome }));
  const windowCell = el('td', { class: 'reply-window' },
    el('span', { text: `från ${whenShort(m.reply_expected_from)}` }), el('br'),
    el('span', { text: `senast ${whenShort(m.reply_due_by)}` }));
  return el('tr', { 'data-id': m.id, 'data-status': m.status, 'data-overdue': String(!!m.overdue) },
    subjectCell,
    el('td', { text: CATEGORY[m.category] || m.category }),
    el('td', { text: patientText(m.patient) }),
    el('td', { text: party }),
    statusCell,
    el('td', { text: whenShort(m.sent_at) }),
    windowCell);
}

// ------------------------------------------------------------------------------------------
// One message

async function fetchMessage(id) {
  const cached = state.messages.get(id);
  const headers = cached && cached.etag ? { 'If-None-Match': cached.etag } : {};
  const res = await api('GET', `/messages/${encodeURIComponent(id)}`, { headers, allow304: true });
  if (res.status === 304 && cached) return cached;
  const entry = { etag: res.etag, data: res.data };
  state.messages.set(id, entry);
  return entry;
}

async function loadMessage(id, { focus = false } = {}) {
  try {
    const entry = await fetchMessage(id);
    if (state.view !== 'message' || state.messageId !== id) return;
    renderMessage(entry.data);
    if (focus) $('msg-h').focus();
  } catch (e) {
    if (e.status !== 401) showProblem(problemOf(e));
  }
}

function dlAppend(dl, label, value, attrs = {}) {
  dl.append(el('dt', { text: label }), el('dd', { ...attrs, text: value }));
}

function detailValue(key, v) {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'boolean') return v ? 'Ja' : 'Nej';
  if (Array.isArray(v)) {
    if (key === 'measurements') return v.map(measurementText).join('; ');
    return v.join(', ');
  }
  if (typeof v === 'object') {
    if (key === 'request') {
      const what = (v.measure || []).map((x) => MEASURE[x] || x).join(', ');
      return `${what}, ${v.frequency}, till och med ${v.until}`;
    }
    return JSON.stringify(v);
  }
  return DETAIL_VALUES[v] || String(v);
}

function measurementText(m) {
  const at = whenShort(m.measured_at);
  switch (m.type) {
    case 'blodtryck': return `Blodtryck ${m.systolic}/${m.diastolic} mmHg${m.pulse ? `, puls ${m.pulse}` : ''} (${at})`;
    case 'vikt': return `Vikt ${m.kg} kg (${at})`;
    case 'blodsocker': return `Blodsocker ${m.mmol_per_l} mmol/l (${at})`;
    case 'puls': return `Puls ${m.bpm}/min (${at})`;
    case 'saturation': return `Saturation ${m.percent} % (${at})`;
    case 'temperatur': return `Temperatur ${m.celsius} °C (${at})`;
    default: return `${m.type} (${at})`;
  }
}

function renderMessage(m) {
  const me = state.me;
  const myUnit = me.unit ? me.unit.id : null;
  const isRecipient = m.recipient.unit_id === myUnit;
  const isSender = m.sender.unit_id === myUnit;
  const view = $('view-message');
  view.dataset.id = m.id;
  view.dataset.status = m.status;
  $('msg-back').setAttribute('href', isSender && !isRecipient ? '#utkorg' : '#inkorg');
  $('msg-back').textContent = isSender && !isRecipient ? 'Tillbaka till utkorgen' : 'Tillbaka till inkorgen';
  $('msg-h').textContent = m.subject;
  $('msg-h').setAttribute('tabindex', '-1');

  const facts = $('msg-facts');
  facts.replaceChildren();
  dlAppend(facts, 'Kategori', CATEGORY[m.category] || m.category);
  dlAppend(facts, 'Status', STATUS[m.status] || m.status, { id: 'msg-status', 'data-status': m.status });
  dlAppend(facts, 'Patient', patientText(m.patient));
  const prof = m.sender.profession ? `, ${PROFESSION[m.sender.profession] || m.sender.profession}` : '';
  dlAppend(facts, 'Från', `${m.sender.name || m.sender.hsa_id}${prof}, ${m.sender.unit_name}`);
  dlAppend(facts, 'Till', m.recipient.unit_name);
  dlAppend(facts, 'Skickat', when(m.sent_at));
  if (m.read_at) dlAppend(facts, 'Läst', when(m.read_at));
  if (m.answered_at) dlAppend(facts, 'Besvarat', when(m.answered_at));
  if (m.closed_at) dlAppend(facts, 'Avslutat', when(m.closed_at));
  if (m.cancelled_at) {
    const c = m.cancellation;
    const why = c ? `${CANCEL_REASON[c.reason] || c.reason}${c.comment ? ` – ${c.comment}` : ''}` : '';
    dlAppend(facts, 'Makulerat', `${when(m.cancelled_at)}${why ? ` (${why})` : ''}`);
  }

  const win = $('msg-window');
  win.textContent = windowText(m) + (m.overdue ? ' Svaret är försenat.' : '');
  win.dataset.overdue = String(!!m.overdue);

  $('msg-body').textContent = m.body;

  const details = $('msg-details');
  details.replaceChildren();
  const order = Object.keys(DETAIL_LABELS);
  const rank = (k) => (order.includes(k) ? order.indexOf(k) : order.length);
  const entries = Object.entries(m.details || {}).sort(([a], [b]) => rank(a) - rank(b));
  for (const [k, v] of entries) {
    const text = detailValue(k, v);
    if (text !== null) dlAppend(details, DETAIL_LABELS[k] || k, text);
  }

  const thread = $('msg-thread');
  thread.replaceChildren();
  for (const r of m.replies || []) {
    const rprof = r.profession ? `, ${PROFESSION[r.profession] || r.profession}` : '';
    const li = el('li', { 'data-outcome': r.outcome || '' },
      el('p', { class: 'meta', text: `${r.name || r.hsa_id}${rprof}, ${r.unit.unit_name} – ${when(r.created_at)}` }));
    if (r.outcome) li.append(el('p', { class: 'outcome', text: `Utfall: ${OUTCOME[r.outcome] || r.outcome}` }));
    li.append(el('p', { class: 'text', text: r.body }));
    thread.append(li);
  }
  $('msg-thread-empty').hidden = (m.replies || []).length > 0;

  const history = $('msg-history');
  history.replaceChildren();
  for (const h of m.history || []) {
    const from = h.from_status ? `${STATUS[h.from_status] || h.from_status} → ` : '';
    const li = el('li', {}, el('span', { text: `${from}${STATUS[h.to_status] || h.to_status}` }),
      el('span', { class: 'meta', text: ` – ${when(h.at)}, ${h.actor_hsa_id}` }));
    if (h.note) li.append(el('span', { class: 'meta', text: ` (${CANCEL_REASON[h.note] || h.note})` }));
    history.append(li);
  }

  // What the caller may do now (the server decides; these follow the contract's rules).
  const open = m.status !== 'closed' && m.status !== 'cancelled';
  $('act-read').hidden = !(isRecipient && m.status === 'sent');
  $('act-close').hidden = !(m.status === 'answered' && me.legitimerad);
  const mayReply = open && me.legitimerad && (isRecipient || (isSender && m.status === 'answered'));
  const replyForm = $('reply-form');
  const wasHidden = replyForm.hidden;
  replyForm.hidden = !mayReply;
  if (mayReply && wasHidden) {
    $('reply-body').value = '';
    $('reply-outcome').value = '';
    clearFieldMessages(replyForm);
  }
  $('cancel-form').hidden = !(isSender && m.status === 'sent' && me.legitimerad);
}

async function lifecycle(action, { body, button } = {}) {
  const id = state.messageId;
  const cached = state.messages.get(id);
  const headers = { 'Idempotency-Key': crypto.randomUUID() };
  if (cached && cached.etag) headers['If-Match'] = cached.etag;
  clearMessages();
  if (button) button.disabled = true;
  try {
    const res = await api('POST', `/messages/${encodeURIComponent(id)}/${action}`, { body, headers });
    state.messages.set(id, { etag: res.etag, data: res.data });
    if (state.messageId === id) renderMessage(res.data);
    refreshSummary();
    return res.data;
  } catch (e) {
    if (e.status === 412) {
      state.messages.delete(id);
      await loadMessage(id);
    }
    if (e.status !== 401) {
      const p = problemOf(e);
      showProblem(p);
      // Field problems are shown beside the fields; anything else only at the top: bring it in view.
      if (!(Array.isArray(p.violations) && p.violations.length)) $('problem').scrollIntoView({ block: 'nearest' });
    }
    throw e;
  } finally {
    if (button) button.disabled = false;
  }
}

function clearFieldMessages(scope) {
  for (const box of scope.querySelectorAll('.msgs')) box.replaceChildren();
  for (const inp of scope.querySelectorAll('[aria-invalid]')) inp.removeAttribute('aria-invalid');
}

function replyFieldMessages(problem) {
  const form = $('reply-form');
  clearFieldMessages(form);
  for (const v of (problem && problem.violations) || []) {
    const target = v.field === 'outcome' ? 'reply-outcome' : 'reply-body';
    $(`${target}-msgs`).append(violationEl(v, `reply-${v.code}`));
    $(target).setAttribute('aria-invalid', 'true');
  }
}

// ------------------------------------------------------------------------------------------
// Compose

const compose = {
  patient: null,
  lookedUp: null,
  touched: new Set(),
  submitted: false,
  checkTimer: null,
  checkSeq: 0,
  windowTimer: null,
  recipientTimer: null,
  measurementFields: [], // index in details.measurements -> { type, inputs: {field: elementId} }
};

function fieldElements() {
  // field name -> element, from data-field attributes in the form (measurements are mapped
  // separately, by the index they got in the draft).
  const map = new Map();
  for (const e of $('compose').querySelectorAll('input[data-field], select[data-field], textarea[data-field], .checks[data-field]')) {
    map.set(e.dataset.field, e);
  }
  return map;
}

function category() { return $('c-category').value; }

function showCategory() {
  for (const fs of document.querySelectorAll('fieldset.details')) fs.hidden = fs.dataset.category !== category();
}

function strOrNull(id) {
  const v = $(id).value.trim();
  return v === '' ? null : v;
}

function numOrNull(id) {
  const v = $(id).value.trim();
  if (v === '') return null;
  const n = Number(v.replace(',', '.'));
  return Number.isFinite(n) ? n : null;
}

function buildDetails() {
  switch (category()) {
    case 'recept': {
      const d = {
        drug_name: $('d-drug_name').value, strength: $('d-strength').value, dosage: $('d-dosage').value,
        kind: $('d-kind').value,
      };
      const atc = strOrNull('d-atc_code');
      if (atc) d.atc_code = atc;
      const npl = strOrNull('d-npl_id');
      if (npl) d.npl_id = npl;
      return d;
    }
    case 'provtagning': {
      const d = {
        analyses: $('d-analyses').value.split(',').map((s) => s.trim()).filter((s) => s !== ''),
        fasting: $('d-fasting').checked, sampled_by: $('d-sampled_by').value,
      };
      const date = strOrNull('d-requested_date');
      if (date) d.requested_date = date;
      return d;
    }
    case 'uppfoljning': {
      compose.measurementFields = [];
      const local = strOrNull('m-measured_at');
      const at = local ? new Date(local).toISOString() : new Date().toISOString();
      const measurements = [];
      const add = (m, inputs) => { measurements.push({ ...m, measured_at: at }); compose.measurementFields.push({ type: m.type, inputs }); };
      const sys = numOrNull('m-systolic');
      const dia = numOrNull('m-diastolic');
      if (sys !== null && dia !== null) {
        const m = { type: 'blodtryck', systolic: sys, diastolic: dia };
        const pulse = numOrNull('m-bp_pulse');
        if (pulse !== null) m.pulse = pulse;
        add(m, { systolic: 'm-systolic', diastolic: 'm-diastolic', pulse: 'm-bp_pulse', measured_at: 'm-measured_at' });
      }
      const simple = [['vikt', 'kg'], ['blodsocker', 'mmol_per_l'], ['puls', 'bpm'], ['saturation', 'percent'], ['temperatur', 'celsius']];
      for (const [type, key] of simple) {
        const v = numOrNull(`m-${key}`);
        if (v !== null) add({ type, [key]: v }, { [key]: `m-${key}`, measured_at: 'm-measured_at' });
      }
      const d = {};
      if (measurements.length) d.measurements = measurements;
      const measure = [...document.querySelectorAll('#r-measure input:checked')].map((c) => c.value);
      const frequency = $('r-frequency').value;
      const until = strOrNull('r-until');
      if (measure.length || frequency.trim() || until) {
        d.request = { measure, frequency, until: until || '' };
      }
      return d;
    }
    case 'bokning': {
      const d = { visit_type: $('d-visit_type').value, location: $('d-location').value, reason: $('d-reason').value };
      const dates = ['d-date1', 'd-date2'].map(strOrNull).filter((x) => x);
      if (dates.length) d.preferred_dates = dates;
      return d;
    }
    default: return {};
  }
}

function buildDraft() {
  const draft = {
    subject: $('c-subject').value,
    body: $('c-body').value,
    details: buildDetails(),
  };
  if (compose.patient) draft.patient_id = compose.patient.id;
  const recipient = $('c-recipient').value;
  if (recipient) draft.recipient_unit_id = recipient;
  return draft;
}

function violationEl(v, id) {
  const p = el('p', { class: 'violation', id, 'data-code': v.code, 'data-violation-field': v.field });
  p.append(el('span', { class: 'violation-code', text: v.code }), el('span', { class: 'violation-message', text: v.message }));
  return p;
}

// Where a violation's `field` is shown: the element of that field, else the closest parent
// field (`details.request.measure` before `details.request`), else the list above the button.
function targetOf(field, fields) {
  const m = /^details\.measurements\[(\d+)\](?:\.(\w+))?/.exec(field);
  if (m) {
    const entry = compose.measurementFields[Number(m[1])];
    const id = entry && (entry.inputs[m[2]] || Object.values(entry.inputs)[0]);
    return id ? $(id) : $('d-uppfoljning');
  }
  if (field === 'details.request.measure' || field.startsWith('details.request.measure[')) return $('r-measure');
  let f = field;
  while (f) {
    if (fields.has(f)) return fields.get(f);
    if (f === 'details.measurements' || f === 'details' || f === 'details.request') {
      return category() === 'uppfoljning' ? $('d-uppfoljning') : null;
    }
    const cut = Math.max(f.lastIndexOf('.'), f.lastIndexOf('['));
    f = cut > 0 ? f.slice(0, cut) : '';
  }
  return null;
}

function msgsBoxOf(target) {
  if (!target) return $('c-other-msgs');
  if (target.id === 'c-pnr') return $('c-patient_id-msgs');
  return $(`${target.id}-msgs`) || $('c-other-msgs');
}

function shownField(field, target) {
  if (compose.submitted) return true;
  if (!target) return true;
  if (target.id === 'c-recipient' || field === 'patient_id') return compose.touched.has(field) || compose.touched.has(target.id);
  return compose.touched.has(target.id);
}

function renderViolations(violations) {
  const form = $('compose');
  const fields = fieldElements();
  fields.set('patient_id', $('c-pnr'));
  clearFieldMessages(form);
  let shown = 0;
  let n = 0;
  for (const v of violations) {
    const target = targetOf(v.field, fields);
    if (!shownField(v.field, target)) continue;
    const box = msgsBoxOf(target);
    box.append(violationEl(v, `${box.id}-${n++}`));
    shown++;
    if (target && target.matches && target.matches('input, select, textarea')) target.setAttribute('aria-invalid', 'true');
    else if (target && target.id === 'r-measure') for (const c of target.querySelectorAll('input')) c.setAttribute('aria-invalid', 'true');
  }
  return shown;
}

function setCheckStatus(stateName, text) {
  const p = $('c-check');
  p.dataset.state = stateName;
  p.textContent = text;
}

function scheduleCheck() {
  clearTimeout(compose.checkTimer);
  compose.checkTimer = setTimeout(runCheck, CHECK_DELAY_MS);
}

async function runCheck() {
  const seq = ++compose.checkSeq;
  const draft = buildDraft();
  setCheckStatus('checking', 'Kontrollerar …');
  try {
    const { data } = await api('POST', `/messages/${category()}/validate`, { body: draft });
    if (seq !== compose.checkSeq) return; // a newer check is on its way
    const shown = renderViolations(data.violations);
    const hidden = data.violations.length - shown;
    if (data.valid) setCheckStatus('ok', 'Kontrollen hittade inga problem.');
    else if (shown === 0) setCheckStatus('incomplete', `Utkastet är inte klart än (${hidden} fält återstår).`);
    else setCheckStatus('problems', `Kontrollen hittade ${shown} problem${hidden ? ` (och ${hidden} ej ifyllda fält)` : ''}. Se meddelandena vid fälten.`);
    if (!draft.patient_id || !draft.recipient_unit_id) {
      $('c-check').textContent += ' Texterna är kontrollerade; inskrivning och mottagare kontrolleras när patient och mottagare är valda.';
    }
  } catch (e) {
    if (seq !== compose.checkSeq) return;
    setCheckStatus('error', 'Kontrollen kunde inte göras just nu.');
    if (e.status && e.status !== 401) showProblem(problemOf(e));
  }
}

async function refreshWindow() {
  try {
    const { data } = await api('GET', '/reply-window');
    $('c-window').textContent = `Skickas meddelandet nu förväntas svar från ${when(data.reply_expected_from)}, senast ${when(data.reply_due_by)}.`;
  } catch (e) {
    $('c-window').textContent = '';
  }
}

async function loadRecipients() {
  const q = new URLSearchParams({ category: category(), limit: '200' });
  const text = $('c-recipient-q').value.trim();
  if (text) q.set('q', text);
  const kind = $('c-recipient-kind').value;
  if (kind) q.set('kind', kind);
  try {
    const { data } = await api('GET', `/recipients?${q}`);
    const select = $('c-recipient');
    const before = select.value;
    select.replaceChildren(el('option', { value: '', text: data.items.length ? 'Välj mottagare' : 'Ingen mottagare matchar' }));
    for (const u of data.items) {
      const o = el('option', { value: u.id, text: `${u.name} (${UNIT_KIND[u.kind] || u.kind})` });
      o.dataset.hsaId = u.hsa_id;
      select.append(o);
    }
    if ([...select.options].some((o) => o.value === before)) select.value = before;
    else if (data.items.length === 1) select.value = data.items[0].id;
    document.body.dataset.recipientsLoaded = String(data.items.length);
    if (select.value !== before) scheduleCheck();
  } catch (e) {
    if (e.status !== 401) showProblem(problemOf(e));
  }
}

async function findPatient() {
  const number = $('c-pnr').value.trim();
  if (compose.patient && number === compose.lookedUp) return; // already found (change, then click)
  compose.lookedUp = number;
  const msgs = $('c-pnr-msgs');
  msgs.replaceChildren();
  $('c-pnr').removeAttribute('aria-invalid');
  compose.patient = null;
  $('c-patient').textContent = '';
  if (!number) return;
  try {
    const { data } = await api('POST', '/patients/lookup', { body: { personal_identity_number: number } });
    compose.patient = data;
    const e = data.current_enrollment;
    const enrolled = e ? `inskriven i ${e.municipality_name}s hemsjukvård sedan ${e.start_date}` : 'inte inskriven i kommunal hemsjukvård i dag';
    $('c-patient').textContent = `Vald patient: ${patientText(data)}, ${enrolled}.`;
    $('c-patient').dataset.patientId = data.id;
    compose.touched.add('patient_id');
  } catch (e) {
    const p = e.problem || {};
    if (Array.isArray(p.violations) && p.violations.length) {
      p.violations.forEach((v, i) => msgs.append(violationEl(v, `c-pnr-msgs-${i}`)));
    } else if (e.status === 404) {
      msgs.append(violationEl({ code: p.code || 'NOT_FOUND', field: 'personal_identity_number', message: p.detail || 'Ingen patient med det numret.' }, 'c-pnr-msgs-0'));
    } else if (e.status !== 401) {
      showProblem(problemOf(e));
    }
    if (msgs.children.length) $('c-pnr').setAttribute('aria-invalid', 'true');
  }
  scheduleCheck();
}

function openCompose(fresh) {
  if (fresh) {
    compose.submitted = false;
    loadRecipients();
    setCheckStatus('idle', '');
  }
  showCategory();
  refreshWindow();
  clearInterval(compose.windowTimer);
  compose.windowTimer = setInterval(() => { if (state.view === 'compose') refreshWindow(); }, 60000);
  $('compose-h').setAttribute('tabindex', '-1');
}

function resetCompose() {
  $('compose').reset();
  compose.patient = null;
  compose.touched.clear();
  compose.submitted = false;
  $('c-patient').textContent = '';
  clearFieldMessages($('compose'));
  setCheckStatus('idle', '');
  showCategory();
}

async function sendCompose(ev) {
  ev.preventDefault();
  clearMessages();
  compose.submitted = true;
  clearTimeout(compose.checkTimer);
  compose.checkSeq++; // a check still on its way must not overwrite the send's answer
  const draft = buildDraft();
  const missing = [];
  if (!draft.patient_id) missing.push('patient (hämta patienten med personnumret)');
  if (!draft.recipient_unit_id) missing.push('mottagare');
  if (missing.length) {
    showProblem({ title: 'Meddelandet är inte klart', detail: `Välj ${missing.join(' och ')}.` });
    runCheck();
    return;
  }
  const button = $('c-send');
  button.disabled = true;
  const key = crypto.randomUUID();
  const send = () => api('POST', `/messages/${category()}`, { body: draft, headers: { 'Idempotency-Key': key } });
  try {
    let res;
    try {
      res = await send();
    } catch (e) {
      if (e.status !== 0) throw e;
      res = await send(); // the network failed: the same key makes the retry safe
    }
    const m = res.data;
    state.messages.set(m.id, { etag: res.etag, data: m });
    resetCompose();
    notice(`Meddelandet ”${m.subject}” har skickats till ${m.recipient.unit_name}. ${windowText(m)}`);
    refreshSummary();
    location.hash = '#utkorg';
  } catch (e) {
    const p = problemOf(e);
    if (Array.isArray(p.violations)) renderViolations(p.violations);
    if (e.status !== 401) showProblem(p);
    setCheckStatus('problems', 'Meddelandet skickades inte. Se problemen ovan och vid fälten.');
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------------------------------------
// The live stream

function setLive(stateName, text) {
  const p = $('live');
  p.dataset.state = stateName;
  p.textContent = text;
  document.body.dataset.stream = stateName;
}

function closeStream() {
  clearTimeout(state.reconnectTimer);
  state.reconnectTimer = null;
  if (state.stream) {
    state.stream.close();
    state.stream = null;
  }
  setLive('closed', 'Ej ansluten');
}

function scheduleReconnect() {
  if (!state.token || state.reconnectTimer) return;
  const delay = state.reconnectDelay;
  state.reconnectDelay = Math.min(state.reconnectDelay * 2, 30000);
  setLive('reconnecting', 'Återansluter …');
  state.reconnectTimer = setTimeout(() => { state.reconnectTimer = null; connectStream(); }, delay);
}

async function connectStream() {
  if (!state.token) return;
  if (state.stream) { state.stream.close(); state.stream = null; }
  let ticket;
  try {
    ({ data: ticket } = await api('POST', '/stream-tickets'));
  } catch (e) {
    if (e.status === 401 || e.status === 403) {
      setLive('closed', 'Ingen liveuppdatering');
      return;
    }
    scheduleReconnect();
    return;
  }
  if (!state.token) return;
  // A ticket is single-use, so the browser's own reconnect (same URL) cannot work: on an error
  // we close, take a new ticket and continue after the last event we saw (`after=`).
  const q = new URLSearchParams({ ticket: ticket.ticket });
  if (state.lastSeq !== null) q.set('after', String(state.lastSeq));
  const es = new EventSource(`${API}/messages/stream?${q}`);
  state.stream = es;
  es.addEventListener('open', () => {
    if (state.stream !== es) return;
    state.reconnectDelay = 1000;
    setLive('open', 'Live');
    scheduleRefresh(null); // anything that happened before the stream opened
  });
  for (const type of STREAM_EVENTS) es.addEventListener(type, (ev) => onChange(es, ev));
  es.addEventListener('token-expired', () => {
    es.close();
    if (state.stream === es) state.stream = null;
    setLive('closed', 'Inloggningen har gått ut');
    expired({ detail: 'Din token har gått ut. Logga in igen.' });
  });
  es.addEventListener('error', () => {
    if (state.stream !== es) return;
    es.close();
    state.stream = null;
    scheduleReconnect();
  });
}

function onChange(es, ev) {
  if (state.stream !== es) return;
  const seq = Number(ev.lastEventId);
  if (Number.isFinite(seq)) state.lastSeq = seq;
  let change = null;
  try { change = JSON.parse(ev.data); } catch (e) { change = null; }
  scheduleRefresh(change);
}

const pendingChanges = [];
function scheduleRefresh(change) {
  pendingChanges.push(change);
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(applyChanges, 100);
}

function applyChanges() {
  const changes = pendingChanges.splice(0);
  refreshSummary();
  const all = changes.includes(null);
  if (state.view === 'inbox' || state.view === 'outbox') {
    const box = state.view;
    if (all || changes.some((c) => c && c.mailbox === box)) loadList();
  } else if (state.view === 'message' && state.messageId) {
    if (all || changes.some((c) => c && c.message_id === state.messageId)) loadMessage(state.messageId);
  }
}

// ------------------------------------------------------------------------------------------
// Wiring

function init() {
  $('signin-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearMessages();
    const token = $('token').value.trim().replace(/^Bearer\s+/i, '').replace(/^['"]|['"]$/g, '');
    if (!token) {
      showProblem({ title: 'Ingen token', detail: 'Klistra in en token först.' });
      $('token').focus();
      return;
    }
    signIn(token);
  });
  $('sign-out').addEventListener('click', () => { clearMessages(); signOut(); notice('Du är utloggad.'); });
  window.addEventListener('hashchange', () => { clearMessages(); route(); });

  $('filter-status').addEventListener('change', () => loadList());
  $('filter-overdue').addEventListener('change', () => loadList());
  $('list-more').addEventListener('click', () => loadList({ more: true }));

  $('act-read').addEventListener('click', (ev) => lifecycle('read', { button: ev.currentTarget })
    .then(() => notice('Meddelandet är kvitterat som läst.')).catch(() => {}));
  $('act-close').addEventListener('click', (ev) => lifecycle('close', { button: ev.currentTarget })
    .then(() => notice('Ärendet är avslutat.')).catch(() => {}));
  $('reply-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = { body: $('reply-body').value };
    const outcome = $('reply-outcome').value;
    if (outcome) body.outcome = outcome;
    lifecycle('replies', { body, button: $('reply-send') })
      .then(() => { clearFieldMessages($('reply-form')); $('reply-body').value = ''; notice('Svaret är skickat.'); })
      .catch((e) => replyFieldMessages(e.problem));
  });
  $('cancel-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = { reason: $('cancel-reason').value };
    const comment = $('cancel-comment').value.trim();
    if (comment) body.comment = comment;
    lifecycle('cancel', { body, button: $('cancel-send') })
      .then(() => notice('Meddelandet är makulerat.'))
      .catch((e) => {
        const form = $('cancel-form');
        clearFieldMessages(form);
        for (const v of (e.problem && e.problem.violations) || []) {
          const target = v.field === 'comment' ? 'cancel-comment' : 'cancel-reason';
          $(`${target}-msgs`).append(violationEl(v, `cancel-${v.code}`));
          $(target).setAttribute('aria-invalid', 'true');
        }
      });
  });

  const form = $('compose');
  form.addEventListener('submit', sendCompose);
  form.addEventListener('input', (ev) => {
    const t = ev.target;
    if (t.id === 'c-pnr') return; // looked up on change / with the button
    if (t.id === 'c-recipient-q') { clearTimeout(compose.recipientTimer); compose.recipientTimer = setTimeout(loadRecipients, CHECK_DELAY_MS); return; }
    if (t.closest('#r-measure')) compose.touched.add('r-measure');
    if (t.id) compose.touched.add(t.id);
    scheduleCheck();
  });
  form.addEventListener('change', (ev) => {
    const t = ev.target;
    if (t.id === 'c-category') { showCategory(); loadRecipients(); }
    if (t.id === 'c-recipient-kind') { loadRecipients(); return; }
    if (t.id === 'c-pnr') { findPatient(); return; }
    if (t.id && t.id !== 'c-recipient-q') { compose.touched.add(t.id); scheduleCheck(); }
  });
  $('c-pnr-find').addEventListener('click', findPatient);
  $('c-pnr').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') { ev.preventDefault(); findPatient(); }
  });

  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved);
  else show('signin');
  document.body.dataset.ready = 'true';
}

init();
