// Samverkan statistics dashboard: plain JavaScript against GET /api/v1/statistics, same origin
// only. The charts are SVG drawn with DOM calls (no library); each has a table beside it with
// the same numbers. Every text from the API goes in with textContent, never as HTML. No inline
// scripts or styles (the server's Content-Security-Policy forbids them).

const API = '/api/v1';
const TOKEN_KEY = 'samverkan.statistik.token';
const SVG_NS = 'http://www.w3.org/2000/svg';

const CATEGORIES = [
  ['recept', 'Receptförnyelse'], ['provtagning', 'Provtagning'], ['uppfoljning', 'Uppföljning'],
  ['bokning', 'Bokning'],
];
const CATEGORY = Object.fromEntries(CATEGORIES);
// The routine's seven rules, in the API's reporting order.
const RULES = [
  ['AKUT', 'Akut ärende'],
  ['BILAGA', 'Bilaga eller inbäddat dokument'],
  ['NARKOTIKA', 'Narkotikaklassat läkemedel'],
  ['NYFORSKRIVNING', 'Nyförskrivning'],
  ['EJ_INSKRIVEN', 'Patienten är inte inskriven'],
  ['OGILTIG_MOTTAGARE', 'Ogiltig mottagare'],
  ['EJ_LEGITIMERAD', 'Ej legitimerad personal'],
];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'maj', 'jun', 'jul', 'aug', 'sep', 'okt', 'nov', 'dec'];

const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------------------------------------
// Formatting (Swedish: decimal comma, space between thousands)

const intFmt = new Intl.NumberFormat('sv-SE', { maximumFractionDigits: 0 });
const pctFmt = new Intl.NumberFormat('sv-SE', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const hourFmt = new Intl.NumberFormat('sv-SE', { maximumFractionDigits: 2 });
const int = (n) => intFmt.format(n);
const pct = (share) => (share === null || share === undefined ? '–' : `${pctFmt.format(share * 100)} %`);
const hours = (h) => (h === null || h === undefined ? '–' : hourFmt.format(h));
const monthName = (ym) => `${MONTHS[Number(ym.slice(5, 7)) - 1]} ${ym.slice(0, 4)}`;

/** Today in Stockholm, YYYY-MM-DD. */
function today() {
  const parts = new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit',
  }).formatToParts(new Date());
  const get = (t) => parts.find((p) => p.type === t).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The first day of the month `back` months before the month of `ymd`. */
function monthStart(ymd, back) {
  const index = Number(ymd.slice(0, 4)) * 12 + Number(ymd.slice(5, 7)) - 1 - back;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  return `${y}-${String(m).padStart(2, '0')}-01`;
}

/** Every YYYY-MM from the month of `from` to the month of `to`. */
function monthsBetween(from, to) {
  const out = [];
  let index = Number(from.slice(0, 4)) * 12 + Number(from.slice(5, 7)) - 1;
  const last = Number(to.slice(0, 4)) * 12 + Number(to.slice(5, 7)) - 1;
  while (index <= last && out.length < 120) {
    out.push(`${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`);
    index += 1;
  }
  return out;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

/** An SVG element; `text` sets its textContent (never markup). */
function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else e.setAttribute(k, String(v));
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

// ------------------------------------------------------------------------------------------
// State and the API

const state = { token: null, signedIn: false, units: new Map(), loading: 0 };

class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

async function request(path, accept = 'application/json') {
  const headers = { Accept: accept, 'Accept-Language': 'sv' };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  let res;
  try {
    res = await fetch(API + path, { headers, cache: 'no-store', credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, { title: 'Nätverksfel', detail: 'Servern svarar inte. Kontrollera anslutningen och försök igen.' });
  }
  if (!res.ok) {
    let problem = null;
    if ((res.headers.get('Content-Type') || '').includes('json')) {
      try { problem = await res.json(); } catch (e) { problem = null; }
    }
    if (res.status === 401 && state.signedIn) expired(problem);
    throw new ApiError(res.status, problem);
  }
  return res;
}

async function getJson(path) {
  const res = await request(path);
  return res.json();
}

function problemOf(e) {
  if (e instanceof ApiError) {
    if (e.status === 403 && e.problem && e.problem.code === 'ROLE_REQUIRED') {
      return { ...e.problem, title: 'Du saknar behörighet till statistiken' };
    }
    return e.problem && e.problem.title ? e.problem : { title: `Fel (${e.status})`, detail: e.message };
  }
  return { title: 'Något gick fel', detail: String(e && e.message ? e.message : e) };
}

function notice(text) { $('notice').textContent = text; }

function showProblem(problem) {
  const box = $('problem');
  box.replaceChildren();
  delete box.dataset.code;
  if (!problem) { box.hidden = true; return; }
  if (problem.code) box.dataset.code = problem.code;
  box.append(el('p', { class: 'problem-title', text: problem.title || 'Något gick fel' }));
  if (problem.detail) box.append(el('p', { text: problem.detail }));
  if (problem.request_id) box.append(el('p', { class: 'hint', text: `Referens: ${problem.request_id}` }));
  box.hidden = false;
}

function expired(problem) {
  signOut();
  showProblem({
    title: 'Inloggningen gäller inte längre',
    detail: (problem && problem.detail) || 'Logga in igen med en giltig token.',
  });
}

// ------------------------------------------------------------------------------------------
// Sign-in

/** Who the token says it is, for the header only (the server checks the token on every call).
    `/me` is not asked: it needs an acting unit, which a statistics token has none of. */
function tokenName(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(part.padEnd(Math.ceil(part.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims.name === 'string' ? claims.name : (typeof claims.sub === 'string' ? claims.sub : null);
  } catch (e) {
    return null;
  }
}

async function signIn(token) {
  state.token = token;
  try {
    // The cheapest question the dashboard may ask: one day's total. 401 for a wrong token,
    // 403 without the role statistik or admin.
    const t = today();
    await getJson(`/statistics?${query({ from: t, to: t }, '')}`);
  } catch (e) {
    state.token = null;
    state.signedIn = false;
    sessionStorage.removeItem(TOKEN_KEY);
    showProblem(problemOf(e));
    showSignIn();
    return false;
  }
  state.signedIn = true;
  sessionStorage.setItem(TOKEN_KEY, token);
  showProblem(null);
  $('who-text').textContent = `Inloggad: ${tokenName(token) || 'okänd användare'}`;
  $('who').hidden = false;
  $('view-signin').hidden = true;
  $('dashboard').hidden = false;
  $('token').value = '';
  document.body.dataset.view = 'dashboard';
  await load();
  return true;
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  state.signedIn = false;
  state.units = new Map();
  fillUnitSelect('');
  $('who').hidden = true;
  notice('');
  showSignIn();
}

function showSignIn() {
  $('dashboard').hidden = true;
  $('view-signin').hidden = false;
  document.body.dataset.view = 'signin';
}

// ------------------------------------------------------------------------------------------
// Filters

/** Units for the filter: those the statistics of the period name, as senders or receivers
    (the directory, `GET /units`, needs an acting unit, which a statistics token has none of).
    Units once seen stay in the list. */
function learnUnits(report) {
  let added = false;
  for (const g of report.groups) {
    for (const u of [g.key.sender_unit, g.key.recipient_unit]) {
      if (u && !state.units.has(u.id)) { state.units.set(u.id, u); added = true; }
    }
  }
  if (added) fillUnitSelect($('f-unit').value);
}

function fillUnitSelect(keep) {
  const select = $('f-unit');
  const units = [...state.units.values()].sort((a, b) => a.name.localeCompare(b.name, 'sv'));
  select.replaceChildren(el('option', { value: '', text: 'Alla enheter' }));
  for (const u of units) {
    select.append(el('option', { value: u.id, text: `${u.name} (${u.hsa_id})` }));
  }
  if (keep && state.units.has(keep)) select.value = keep;
}

function filters() {
  return {
    from: $('f-from').value,
    to: $('f-to').value,
    unit_id: $('f-unit').value,
    category: $('f-category').value,
  };
}

function query(f, groupBy) {
  const q = new URLSearchParams();
  if (f.from) q.set('from', f.from);
  if (f.to) q.set('to', f.to);
  if (groupBy) q.set('group_by', groupBy);
  if (f.unit_id) q.set('unit_id', f.unit_id);
  if (f.category) q.set('category', f.category);
  return q.toString();
}

function checkDates(f) {
  let ok = true;
  for (const [id, value] of [['f-from', f.from], ['f-to', f.to]]) {
    const bad = !/^\d{4}-\d{2}-\d{2}$/.test(value);
    if (bad) { $(id).setAttribute('aria-invalid', 'true'); ok = false; } else $(id).removeAttribute('aria-invalid');
  }
  if (ok && f.from > f.to) {
    $('f-from').setAttribute('aria-invalid', 'true');
    showProblem({ title: 'Perioden stämmer inte', detail: '”Från och med” ligger efter ”Till och med”.' });
    return false;
  }
  if (!ok) showProblem({ title: 'Perioden stämmer inte', detail: 'Ange båda datumen som ÅÅÅÅ-MM-DD.' });
  return ok;
}

function selectionText(f) {
  const unit = f.unit_id ? state.units.get(f.unit_id) : null;
  const unitText = f.unit_id ? (unit ? unit.name : f.unit_id) : 'alla enheter';
  const cat = f.category ? CATEGORY[f.category] || f.category : 'alla kategorier';
  return `Visar meddelanden skickade ${f.from} – ${f.to}; ${unitText}; ${cat}.`;
}

// ------------------------------------------------------------------------------------------
// Loading

async function load() {
  const f = filters();
  if (!checkDates(f)) return;
  showProblem(null);
  const ticket = ++state.loading;
  document.body.dataset.state = 'loading';
  $('f-show').disabled = true;
  try {
    const [months, categories, units, parties] = await Promise.all([
      getJson(`/statistics?${query(f, 'month')}`),
      getJson(`/statistics?${query(f, 'category')}`),
      getJson(`/statistics?${query(f, 'recipient_unit')}`),
      // Every unit of the period, for the unit filter.
      getJson(`/statistics?${query({ from: f.from, to: f.to }, 'sender_unit,recipient_unit')}`),
    ]);
    if (ticket !== state.loading) return;
    learnUnits(parties);
    renderKeyFigures(months);
    renderMonths(months, f);
    renderCategories(categories, f);
    renderUnits(units);
    renderRules(months);
    $('selection').textContent = selectionText(f);
    document.body.dataset.state = 'loaded';
    document.body.dataset.loaded = query(f, '');
  } catch (e) {
    if (ticket !== state.loading) return;
    document.body.dataset.state = 'error';
    if (e.status !== 401) showProblem(problemOf(e));
  } finally {
    if (ticket === state.loading) $('f-show').disabled = false;
  }
}

// ------------------------------------------------------------------------------------------
// Tables

function cell(text, cls) { return el('td', { class: cls, text }); }

function fillTable(id, rows) {
  const body = $(id).querySelector('tbody');
  body.replaceChildren(...rows);
}

// ------------------------------------------------------------------------------------------
// Chart parts

let chartCount = 0;

/** A chart's <svg>: role img, named by a title and described by a desc that points to the table. */
function chartSvg(width, height, title, tableId) {
  chartCount += 1;
  const id = `chart${chartCount}`;
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc`,
    'data-chart': id, preserveAspectRatio: 'xMinYMin meet',
  });
  root.append(svg('title', { id: `${id}-title`, text: title }));
  root.append(svg('desc', { id: `${id}-desc`, text: `Samma siffror finns i tabellen ${tableId}.` }));
  root.dataset.prefix = id;
  // The fill patterns: hatched (series b) and dotted (series c), so no series needs colour.
  const defs = svg('defs');
  const hatch = svg('pattern', {
    id: `${id}-hatch`, width: 7, height: 7, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)',
  });
  hatch.append(svg('rect', { class: 'p-bg', width: 7, height: 7 }));
  hatch.append(svg('line', { class: 'p-line', x1: 0, y1: 0, x2: 0, y2: 7 }));
  const dots = svg('pattern', { id: `${id}-dots`, width: 6, height: 6, patternUnits: 'userSpaceOnUse' });
  dots.append(svg('rect', { class: 'p-bg', width: 6, height: 6 }));
  dots.append(svg('circle', { class: 'p-dot', cx: 3, cy: 3, r: 1.3 }));
  defs.append(hatch, dots);
  root.append(defs);
  return root;
}

/** The fill of a series: a = solid (by class), b = hatched, c = dotted. */
function seriesFill(root, series) {
  const p = root.dataset.prefix;
  if (series === 'b') return `url(#${p}-hatch)`;
  if (series === 'c') return `url(#${p}-dots)`;
  return undefined;
}

/** A legend as an HTML list: a swatch of each series' mark and its name. */
function legend(items) {
  const ul = el('ul', { class: 'legend', 'aria-hidden': 'true' });
  for (const [kind, text] of items) {
    const sw = svg('svg', { viewBox: '0 0 36 16', focusable: 'false' });
    if (kind === 'line') {
      sw.append(svg('line', { class: 'c-line', x1: 2, y1: 8, x2: 34, y2: 8 }));
      sw.append(svg('circle', { class: 'c-point', cx: 18, cy: 8, r: 4.5 }));
    } else if (kind === 'goal') {
      sw.append(svg('line', { class: 'c-goal', x1: 1, y1: 8, x2: 35, y2: 8 }));
    } else {
      chartCount += 1;
      const id = `legend${chartCount}`;
      sw.dataset.prefix = id;
      const defs = svg('defs');
      if (kind === 'b') {
        const hatch = svg('pattern', {
          id: `${id}-hatch`, width: 7, height: 7, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)',
        });
        hatch.append(svg('rect', { class: 'p-bg', width: 7, height: 7 }));
        hatch.append(svg('line', { class: 'p-line', x1: 0, y1: 0, x2: 0, y2: 7 }));
        defs.append(hatch);
      } else if (kind === 'c') {
        const dots = svg('pattern', { id: `${id}-dots`, width: 6, height: 6, patternUnits: 'userSpaceOnUse' });
        dots.append(svg('rect', { class: 'p-bg', width: 6, height: 6 }));
        dots.append(svg('circle', { class: 'p-dot', cx: 3, cy: 3, r: 1.3 }));
        defs.append(dots);
      }
      sw.append(defs);
      sw.append(svg('rect', { class: `s-${kind}`, x: 2, y: 2, width: 32, height: 12, fill: seriesFill(sw, kind) }));
    }
    ul.append(el('li', {}, sw, el('span', { text })));
  }
  return ul;
}

/** A round axis for counts or hours from 0: [end, step], with 2–5 steps of 1, 2 or 5 × 10^k. */
function niceAxis(v, steps = 4) {
  if (!(v > 0)) return [1, 0.25];
  const raw = v / steps;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = 10 * mag;
  for (const m of [1, 2, 5]) { if (m * mag >= raw) { step = m * mag; break; } }
  return [step * Math.ceil(v / step), step];
}

// ------------------------------------------------------------------------------------------
// Key figures

function renderKeyFigures(report) {
  const t = report.total;
  $('kf-sent').textContent = int(t.sent);
  $('kf-share').textContent = pct(t.answered_in_time_share);
  const decided = t.answered + t.open_overdue;
  $('kf-share-of').textContent = decided
    ? `${int(t.answered_in_time)} av ${int(decided)} avgjorda (mål ${pct(report.goal_in_time_share)})`
    : 'Inga avgjorda meddelanden ännu';
  $('kf-overdue').textContent = int(t.open_overdue);
  const h = t.working_hours_to_answer;
  $('kf-median').textContent = h.median === null ? '–' : `${hours(h.median)} h`;
  $('kf-p90').textContent = h.p90 === null ? 'Inga svar' : `90:e percentilen ${hours(h.p90)} h (${int(h.answers)} svar)`;
}

// ------------------------------------------------------------------------------------------
// Share answered in time per month: a line against the goal, y axis 0–100 %

function renderMonths(report, f) {
  const byMonth = new Map(report.groups.map((g) => [g.key.month, g.figures]));
  const months = monthsBetween(f.from, f.to);
  const goal = report.goal_in_time_share;

  fillTable('table-months', months.map((m) => {
    const x = byMonth.get(m);
    return el('tr', { 'data-month': m },
      el('th', { scope: 'row', text: monthName(m) }),
      cell(x ? int(x.sent) : '0'),
      cell(x ? int(x.answered) : '0'),
      cell(x ? int(x.answered_in_time) : '0'),
      cell(x ? int(x.open_overdue) : '0'),
      cell(x ? pct(x.answered_in_time_share) : '–'));
  }));

  const W = 560; const H = 280;
  const L = 52; const R = 12; const T = 26; const B = 46;
  const pw = W - L - R; const ph = H - T - B;
  const root = chartSvg(W, H, 'Andel besvarade i tid per månad, mot målet', '”Andel besvarade i tid per månad”');
  const y = (v) => T + (1 - v) * ph;
  const x = (i) => L + ((i + 0.5) * pw) / months.length;
  root.dataset.y0 = String(y(0));
  root.dataset.y100 = String(y(1));
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    root.append(svg('line', { class: v === 0 ? 'c-axis' : 'c-grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    root.append(svg('text', { class: 'c-tick', x: L - 8, y: y(v) + 4, 'text-anchor': 'end', text: `${v * 100} %` }));
  }
  root.append(svg('line', { class: 'c-axis', x1: L, x2: L, y1: T, y2: T + ph }));
  const every = Math.ceil(months.length / 12);
  months.forEach((m, i) => {
    if (i % every === 0) {
      root.append(svg('text', { class: 'c-tick', x: x(i), y: T + ph + 18, 'text-anchor': 'middle', text: MONTHS[Number(m.slice(5, 7)) - 1] }));
      if (i === 0 || m.endsWith('-01')) {
        root.append(svg('text', { class: 'c-tick', x: x(i), y: T + ph + 34, 'text-anchor': 'middle', text: m.slice(0, 4) }));
      }
    }
  });
  // The goal: a dashed line with its value written at its end.
  root.append(svg('line', { class: 'c-goal', x1: L, x2: W - R, y1: y(goal), y2: y(goal) }));
  root.append(svg('text', {
    class: 'c-goal-label', x: W - R, y: y(goal) - 7, 'text-anchor': 'end', text: `Mål ${pct(goal)}`,
  }));
  // The line, broken where a month has no decided message.
  let points = [];
  const flush = () => {
    if (points.length > 1) root.append(svg('polyline', { class: 'c-line', points: points.join(' ') }));
    points = [];
  };
  const marks = [];
  months.forEach((m, i) => {
    const fig = byMonth.get(m);
    const share = fig ? fig.answered_in_time_share : null;
    if (share === null || share === undefined) { flush(); return; }
    points.push(`${x(i).toFixed(1)},${y(share).toFixed(1)}`);
    marks.push([i, share]);
  });
  flush();
  for (const [i, share] of marks) {
    root.append(svg('circle', { class: 'c-point', cx: x(i), cy: y(share), r: 5, 'data-month': months[i], 'data-share': share }));
    const below = share > 0.85;
    root.append(svg('text', {
      class: 'c-value', x: x(i), y: below ? y(share) + 20 : y(share) - 10, 'text-anchor': 'middle', text: pct(share),
    }));
  }
  if (!marks.length) {
    root.append(svg('text', { class: 'c-none', x: L + pw / 2, y: T + ph / 2, 'text-anchor': 'middle', text: 'Inga avgjorda meddelanden under perioden' }));
  }
  $('chart-months').replaceChildren(legend([['line', 'Andel besvarade i tid'], ['goal', `Mål (${pct(goal)})`]]), root);
}

// ------------------------------------------------------------------------------------------
// Volumes per category: sent (solid), answered (hatched), cancelled (dotted)

function renderCategories(report, f) {
  const byCat = new Map(report.groups.map((g) => [g.key.category, g.figures]));
  const cats = CATEGORIES.filter(([c]) => !f.category || c === f.category);
  const rows = cats.map(([c, name]) => {
    const x = byCat.get(c);
    return { c, name, sent: x ? x.sent : 0, answered: x ? x.answered : 0, cancelled: x ? x.cancelled.total : 0 };
  });
  fillTable('table-categories', rows.map((r) => el('tr', { 'data-category': r.c },
    el('th', { scope: 'row', text: r.name }), cell(int(r.sent)), cell(int(r.answered)), cell(int(r.cancelled)))));

  const W = 560; const H = 270;
  const L = 40; const R = 10; const T = 24; const B = 36;
  const pw = W - L - R; const ph = H - T - B;
  const root = chartSvg(W, H, 'Skickade, besvarade och återkallade meddelanden per kategori', '”Volymer per kategori”');
  const [max, step] = niceAxis(Math.max(4, ...rows.map((r) => r.sent)));
  const y = (v) => T + (1 - v / max) * ph;
  for (let i = 0; i * step <= max; i += 1) {
    const v = i * step;
    root.append(svg('line', { class: i === 0 ? 'c-axis' : 'c-grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    root.append(svg('text', { class: 'c-tick', x: L - 8, y: y(v) + 4, 'text-anchor': 'end', text: int(v) }));
  }
  const band = pw / rows.length;
  const barW = Math.min(48, (band * 0.8) / 3);
  rows.forEach((r, i) => {
    const x0 = L + i * band + (band - 3 * barW) / 2;
    [['a', r.sent], ['b', r.answered], ['c', r.cancelled]].forEach(([s, v], k) => {
      const bx = x0 + k * barW;
      root.append(svg('rect', {
        class: `s-${s}`, x: bx + 1, y: y(v), width: barW - 2, height: Math.max(0, y(0) - y(v)), fill: seriesFill(root, s),
      }));
      root.append(svg('text', { class: 'c-value', x: bx + barW / 2, y: y(v) - 5, 'text-anchor': 'middle', text: int(v) }));
    });
    root.append(svg('text', { class: 'c-label', x: L + i * band + band / 2, y: T + ph + 22, 'text-anchor': 'middle', text: r.name }));
  });
  $('chart-categories').replaceChildren(legend([['a', 'Skickade'], ['b', 'Besvarade'], ['c', 'Återkallade']]), root);
}

// ------------------------------------------------------------------------------------------
// Horizontal bars with their label above and their value at the end

function horizontalBars(title, tableName, items, series, unit) {
  const W = 560; const L = 4; const R = 76;
  const rowH = 22 + series.length * 20 + 10;
  const H = Math.max(60, items.length * rowH + 10);
  const root = chartSvg(W, H, title, tableName);
  const values = items.flatMap((it) => it.values.filter((v) => v !== null && v !== undefined));
  const [max] = niceAxis(Math.max(0, ...values));
  const pw = W - L - R;
  items.forEach((it, i) => {
    const top = 8 + i * rowH;
    root.append(svg('text', { class: 'c-label', x: L, y: top + 14, text: it.label }));
    series.forEach(([s, name], k) => {
      const v = it.values[k];
      const by = top + 22 + k * 20;
      if (v === null || v === undefined) {
        root.append(svg('text', { class: 'c-none', x: L, y: by + 13, text: `${name}: inga svar` }));
        return;
      }
      const w = (v / max) * pw;
      root.append(svg('rect', { class: `s-${s}`, x: L, y: by, width: Math.max(w, v > 0 ? 2 : 0), height: 16, fill: seriesFill(root, s) }));
      root.append(svg('text', { class: 'c-value', x: L + w + 6, y: by + 13, text: `${unit(v)}` }));
    });
    root.append(svg('line', { class: 'c-grid', x1: L, x2: W - 4, y1: top + rowH - 4, y2: top + rowH - 4 }));
  });
  return root;
}

// ------------------------------------------------------------------------------------------
// Working hours to answer per receiving unit: median (solid) and 90th percentile (hatched)

function renderUnits(report) {
  const groups = report.groups.filter((g) => g.key.recipient_unit && g.figures.sent > 0);
  $('units-empty').hidden = groups.length > 0;
  $('table-units').hidden = groups.length === 0;
  fillTable('table-units', groups.map((g) => {
    const u = g.key.recipient_unit; const h = g.figures.working_hours_to_answer;
    return el('tr', { 'data-unit': u.hsa_id },
      el('th', { scope: 'row', class: 'unit', text: u.name }), cell(int(g.figures.sent)), cell(int(h.answers)),
      cell(hours(h.median)), cell(hours(h.p90)));
  }));
  if (!groups.length) { $('chart-units').replaceChildren(); return; }
  const items = groups.map((g) => ({
    label: g.key.recipient_unit.name,
    values: [g.figures.working_hours_to_answer.median, g.figures.working_hours_to_answer.p90],
  }));
  const root = horizontalBars('Arbetstimmar till första svar per mottagande enhet: median och 90:e percentil',
    '”Arbetstimmar till svar per mottagande enhet”', items, [['a', 'Median'], ['b', '90:e percentilen']],
    (v) => `${hours(v)} h`);
  $('chart-units').replaceChildren(legend([['a', 'Median'], ['b', '90:e percentilen']]), root);
}

// ------------------------------------------------------------------------------------------
// Refusals per rule: all seven rules

function renderRules(report) {
  const refusals = report.total.refusals || {};
  const known = new Set(RULES.map(([c]) => c));
  const rules = [...RULES, ...Object.keys(refusals).filter((c) => !known.has(c)).map((c) => [c, c])];
  fillTable('table-rules', rules.map(([code, text]) => el('tr', { 'data-rule': code },
    el('th', { scope: 'row', text: code }), cell(text, 'text'), cell(int(refusals[code] || 0)))));
  const items = rules.map(([code, text]) => ({ label: `${code} – ${text}`, values: [refusals[code] || 0] }));
  const root = horizontalBars('Hur ofta varje regel stoppade ett meddelande eller svar', '”Stopp per regel”',
    items, [['a', 'Stopp']], (v) => int(v));
  $('chart-rules').replaceChildren(root);
}

// ------------------------------------------------------------------------------------------
// CSV download: the same selection, fetched with Accept: text/csv and saved as a file

async function downloadCsv() {
  const f = filters();
  if (!checkDates(f)) return;
  const button = $('csv-download');
  button.disabled = true;
  try {
    const res = await request(`/statistics?${query(f, $('csv-group').value)}`, 'text/csv');
    const blob = await res.blob();
    const disposition = res.headers.get('Content-Disposition') || '';
    const m = /filename="([^"]+)"/.exec(disposition);
    const name = m ? m[1] : `samverkan-statistik-${f.from}-${f.to}.csv`;
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    notice(`Filen ${name} är nedladdad.`);
  } catch (e) {
    if (e.status !== 401) showProblem(problemOf(e));
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------------------------------------
// Start

function init() {
  const t = today();
  $('f-to').value = t;
  $('f-from').value = monthStart(t, 11);
  $('signin-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const token = $('token').value.trim();
    if (!token) {
      $('token').setAttribute('aria-invalid', 'true');
      showProblem({ title: 'Token saknas', detail: 'Klistra in en token först.' });
      return;
    }
    $('token').removeAttribute('aria-invalid');
    signIn(token);
  });
  $('sign-out').addEventListener('click', () => { signOut(); notice('Du är utloggad.'); });
  $('filters').addEventListener('submit', (ev) => { ev.preventDefault(); notice(''); load(); });
  $('csv-download').addEventListener('click', downloadCsv);

  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved);
  else showSignIn();
  document.body.dataset.ready = 'true';
}

init();
