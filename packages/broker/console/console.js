// Cairn's web console: one module, no dependencies, no build step. It reads the broker's HTTP
// API (the same routes documented at /openapi.json) and redraws the current view every
// REFRESH_MS (`?refresh=MS` in the page's address changes it). Views: #/topics,
// #/topics/<name>, #/groups, #/groups/<id>. The record browser follows its partition: each
// refresh reads again from the chosen start, so new records appear as they are produced.

const REFRESH_MS_DEFAULT = 2000;
const REFRESH_MS_MIN = 100;
const REFRESH_MS = Math.max(
  REFRESH_MS_MIN,
  Number(new URLSearchParams(location.search).get('refresh')) || REFRESH_MS_DEFAULT,
);
/** Samples kept per topic for the produce-rate sparkline. */
const RATE_SAMPLES_MAX = 30;
/** Records shown by the browser at once. */
const BROWSE_RECORDS_MAX = 100;

const view = document.getElementById('view');
const statusBadge = document.getElementById('status');
document.getElementById('refresh-seconds').textContent = String(REFRESH_MS / 1000);

// ---- the HTTP API ---------------------------------------------------------------------------

async function api(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.message ?? `${response.status} ${response.statusText}`);
  }
  return body;
}

const enc = encodeURIComponent;
const listTopics = () => api('/topics').then((body) => body.topics);
const describeTopic = (topic) => api(`/topics/${enc(topic)}`);
const listGroups = () => api('/groups').then((body) => body.groups);
const describeGroup = (group) => api(`/groups/${enc(group)}`);
const groupOffsets = (group) => api(`/groups/${enc(group)}/offsets`);
function readRecords(topic, partition, from) {
  const query = new URLSearchParams({ maxRecords: String(BROWSE_RECORDS_MAX), format: 'json' });
  if (from.timestamp !== undefined) query.set('timestamp', String(from.timestamp));
  else query.set('offset', String(from.offset));
  return api(`/topics/${enc(topic)}/partitions/${partition}/records?${query}`);
}

// ---- small DOM helpers ------------------------------------------------------------------------

/** h('td', { class: 'num' }, 'text', childNode) */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function table(headings, rows, emptyText) {
  if (rows.length === 0) return h('p', { class: 'empty' }, emptyText);
  return h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headings.map(([label, cls]) => h('th', { class: cls }, label)),
      ),
    ),
    h('tbody', {}, rows),
  );
}

const numberFormat = new Intl.NumberFormat('en');
const num = (n) => (n === null || n === undefined ? '–' : numberFormat.format(n));

function bytes(n) {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function duration(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

function sparkline(values) {
  const width = 80;
  const height = 18;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  if (values.length < 2) return svg;
  const max = Math.max(1, ...values);
  const step = width / (RATE_SAMPLES_MAX - 1);
  const points = values.map(
    (v, i) => `${(i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`,
  );
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('points', points.join(' '));
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', 'currentColor');
  line.setAttribute('stroke-width', '1.5');
  svg.append(line);
  return svg;
}

// ---- produce rates: derived from log end offsets between refreshes --------------------------

/** topic, or `topic/partition` -> { lastTotal, lastAt, rates: number[] } */
const rateHistory = new Map();

function recordRate(key, totalEndOffset, now) {
  const entry = rateHistory.get(key) ?? { lastTotal: totalEndOffset, lastAt: now, rates: [] };
  if (now > entry.lastAt) {
    const rate = Math.max(0, ((totalEndOffset - entry.lastTotal) * 1000) / (now - entry.lastAt));
    entry.rates.push(rate);
    if (entry.rates.length > RATE_SAMPLES_MAX) entry.rates.shift();
  }
  entry.lastTotal = totalEndOffset;
  entry.lastAt = now;
  rateHistory.set(key, entry);
  return entry;
}

/** The latest produce rate (records/s) and its sparkline, for a table cell. */
function rateCell(entry) {
  return h('td', { class: 'num rate' }, `${num(Math.round(entry.rates.at(-1) ?? 0))}/s `, [
    sparkline(entry.rates),
  ]);
}

const sum = (values) => values.reduce((a, b) => a + b, 0);

// ---- views ------------------------------------------------------------------------------------

async function topicsView() {
  const topics = await listTopics();
  const described = await Promise.all(topics.map((t) => describeTopic(t.name)));
  const now = Date.now();
  const rows = described.map((topic) => {
    const partitions = topic.partitions;
    const records = sum(partitions.map((p) => p.logEndOffset - p.logStartOffset));
    const rate = recordRate(topic.name, sum(partitions.map((p) => p.logEndOffset)), now);
    return h(
      'tr',
      {
        class: 'clickable',
        'data-topic': topic.name,
        onclick: () => go(`#/topics/${enc(topic.name)}`),
      },
      h('td', {}, h('a', { href: `#/topics/${enc(topic.name)}` }, topic.name)),
      h('td', { class: 'num' }, partitions.length),
      h('td', { class: 'num' }, num(records)),
      h('td', { class: 'num' }, bytes(sum(partitions.map((p) => p.sizeBytes ?? 0)))),
      rateCell(rate),
    );
  });
  return [
    h('h2', {}, 'Topics', h('small', {}, `${described.length}`)),
    table(
      [
        ['Topic'],
        ['Partitions', 'num'],
        ['Records', 'num'],
        ['Size', 'num'],
        ['Produce rate', 'num'],
      ],
      rows,
      'No topics yet. Produce to one with any Kafka client, or POST /topics/<name>/records.',
    ),
  ];
}

/** The record browser's form state survives refreshes of the topic view. */
const browser = {
  topic: null,
  partition: 0,
  mode: 'offset',
  offset: 0,
  time: '',
  result: null,
  error: null,
};

async function topicView(name) {
  const topic = await describeTopic(name);
  const now = Date.now();
  if (browser.topic !== name) {
    Object.assign(browser, {
      topic: name,
      partition: 0,
      mode: 'offset',
      offset: 0,
      time: '',
      result: null,
      error: null,
    });
  }
  const partitionRows = topic.partitions.map((p) =>
    h(
      'tr',
      {},
      h('td', { class: 'num' }, p.partition),
      h('td', { class: 'num' }, num(p.logStartOffset)),
      h('td', { class: 'num' }, num(p.logEndOffset)),
      h('td', { class: 'num' }, num(p.logEndOffset - p.logStartOffset)),
      h('td', { class: 'num' }, bytes(p.sizeBytes)),
      rateCell(recordRate(`${name}/${p.partition}`, p.logEndOffset, now)),
    ),
  );
  // The browser follows its partition: read again from the same start on every refresh.
  if (browser.result !== null) await readBrowsed(topic);
  // Configs set on the topic first; the defaults after them.
  const sorted = [...(topic.configs ?? [])].sort(
    (a, b) => Number(a.isDefault) - Number(b.isDefault),
  );
  const overrides = sorted.filter((config) => !config.isDefault).length;
  const configs = sorted.map((config) =>
    h(
      'tr',
      {},
      h('td', {}, config.name),
      h('td', {}, config.value),
      h('td', {}, h('span', { class: 'pill' }, config.source)),
    ),
  );
  return [
    h('p', {}, h('a', { href: '#/topics' }, '← all topics')),
    h('h2', {}, name, h('small', {}, `${topic.partitions.length} partitions`)),
    table(
      [
        ['Partition', 'num'],
        ['Log start', 'num'],
        ['Log end', 'num'],
        ['Records', 'num'],
        ['Size', 'num'],
        ['Produce rate', 'num'],
      ],
      partitionRows,
      'No partitions.',
    ),
    h('h2', {}, 'Records'),
    browserForm(topic),
    browserResult(topic),
    h(
      'details',
      {},
      h('summary', {}, `Configs (${overrides} set on the topic)`),
      table([['Name'], ['Value'], ['Source']], configs, 'No configs.'),
    ),
  ];
}

function browserForm(topic) {
  const partitionSelect = h(
    'select',
    {
      name: 'partition',
      onchange: (e) => {
        browser.partition = Number(e.target.value);
      },
    },
    topic.partitions.map((p) =>
      h(
        'option',
        { value: p.partition, selected: p.partition === browser.partition },
        `partition ${p.partition}`,
      ),
    ),
  );
  const modeSelect = h(
    'select',
    {
      name: 'mode',
      onchange: (e) => {
        browser.mode = e.target.value;
        refresh();
      },
    },
    h('option', { value: 'offset', selected: browser.mode === 'offset' }, 'from offset'),
    h('option', { value: 'time', selected: browser.mode === 'time' }, 'from time'),
  );
  const fromInput =
    browser.mode === 'offset'
      ? h('input', {
          name: 'offset',
          type: 'number',
          min: 0,
          value: browser.offset,
          oninput: (e) => {
            browser.offset = Number(e.target.value);
          },
        })
      : h('input', {
          name: 'time',
          type: 'datetime-local',
          step: 1,
          value: browser.time,
          oninput: (e) => {
            browser.time = e.target.value;
          },
        });
  return h(
    'form',
    {
      class: 'browse',
      onsubmit: async (e) => {
        e.preventDefault();
        await readBrowsed(topic);
        refresh();
      },
    },
    h('label', {}, 'Partition', partitionSelect),
    h('label', {}, 'Start', modeSelect),
    h('label', {}, browser.mode === 'offset' ? 'Offset' : 'Time', fromInput),
    h('button', { type: 'submit' }, 'Show records'),
  );
}

/**
 * Reads the browser's partition from its start (an offset, clamped to the partition's log
 * start so retention does not make it an error, or a time) into `browser.result`.
 */
async function readBrowsed(topic) {
  const logStartOffset = topic.partitions[browser.partition]?.logStartOffset ?? 0;
  const from =
    browser.mode === 'offset'
      ? { offset: Math.max(logStartOffset, browser.offset || 0) }
      : { timestamp: browser.time ? new Date(browser.time).getTime() : 0 };
  try {
    browser.result = await readRecords(browser.topic, browser.partition, from);
    browser.error = null;
  } catch (error) {
    browser.result = null;
    browser.error = error.message;
  }
}

function pretty(record) {
  if (record.value === null || record.value === undefined) return 'null';
  if (record.format === 'json') return JSON.stringify(record.value, null, 2);
  return String(record.value);
}

function browserResult(topic) {
  if (browser.error) return h('p', { class: 'error' }, browser.error);
  if (!browser.result)
    return h('p', { class: 'empty' }, 'Pick a partition and a start, then "Show records".');
  const rows = browser.result.records.map((r) =>
    h(
      'tr',
      { class: 'record' },
      h('td', { class: 'num' }, r.offset),
      h('td', {}, new Date(r.timestamp).toISOString()),
      h('td', {}, r.key ?? h('span', { class: 'pill' }, 'null')),
      h(
        'td',
        {},
        h('pre', { class: 'value' }, pretty(r)),
        r.headers.length > 0
          ? h(
              'div',
              { class: 'headers' },
              r.headers.map((x) => `${x.key}=${x.value ?? 'null'}`).join('  '),
            )
          : null,
      ),
    ),
  );
  return h(
    'div',
    {},
    table(
      [['Offset', 'num'], ['Timestamp'], ['Key'], ['Value / headers']],
      rows,
      'No records from there.',
    ),
    h(
      'p',
      { class: 'empty' },
      `partition ${browser.partition} of ${topic.partitions.length} · next offset ` +
        `${num(browser.result.nextOffset)} · high watermark ` +
        `${num(browser.result.highWatermark)} · following new records`,
    ),
  );
}

async function groupsView() {
  const groups = await listGroups();
  const withLag = await Promise.all(
    groups.map(async (g) => {
      const [description, offsets] = await Promise.all([
        describeGroup(g.groupId).catch(() => null),
        groupOffsets(g.groupId).catch(() => null),
      ]);
      const partitions = offsets?.partitions ?? [];
      return {
        ...g,
        memberCount: description?.members.length ?? null,
        lag: sum(partitions.map((p) => p.lag ?? 0)),
        timeLagMs: Math.max(0, ...partitions.map((p) => p.timeLagMs ?? 0)),
      };
    }),
  );
  const rows = withLag.map((g) =>
    h(
      'tr',
      {
        class: 'clickable',
        'data-group': g.groupId,
        onclick: () => go(`#/groups/${enc(g.groupId)}`),
      },
      h('td', {}, h('a', { href: `#/groups/${enc(g.groupId)}` }, g.groupId)),
      h('td', {}, g.state ?? '–'),
      h('td', { class: 'num' }, num(g.memberCount)),
      h('td', { class: g.lag > 1000 ? 'num lag-high' : 'num' }, num(g.lag)),
      h('td', { class: 'num' }, duration(g.timeLagMs)),
    ),
  );
  return [
    h('h2', {}, 'Consumer groups', h('small', {}, `${groups.length}`)),
    table(
      [['Group'], ['State'], ['Members', 'num'], ['Lag (records)', 'num'], ['Max time lag', 'num']],
      rows,
      'No consumer groups yet.',
    ),
  ];
}

async function groupView(groupId) {
  const [group, offsets] = await Promise.all([describeGroup(groupId), groupOffsets(groupId)]);
  const memberRows = (group.members ?? []).map((m) =>
    h(
      'tr',
      {},
      h('td', {}, m.memberId),
      h('td', {}, m.clientId ?? ''),
      h('td', {}, m.clientHost ?? ''),
      h(
        'td',
        {},
        (m.assignment ?? []).map((a) => `${a.topic} [${a.partitions.join(', ')}]`).join('; '),
      ),
    ),
  );
  const offsetRows = (offsets.partitions ?? []).map((p) =>
    h(
      'tr',
      { 'data-partition': `${p.topic}/${p.partition}` },
      h('td', {}, p.topic),
      h('td', { class: 'num' }, p.partition),
      h('td', { class: 'num' }, num(p.committedOffset)),
      h('td', { class: 'num' }, num(p.logEndOffset)),
      h('td', { class: p.lag > 1000 ? 'num lag-high' : 'num' }, num(p.lag)),
      h('td', { class: 'num' }, duration(p.timeLagMs)),
    ),
  );
  return [
    h('p', {}, h('a', { href: '#/groups' }, '← all groups')),
    h('h2', {}, groupId, h('small', {}, `${group.state ?? ''} · ${group.protocol ?? ''}`)),
    h('h2', {}, 'Members'),
    table(
      [['Member'], ['Client'], ['Host'], ['Assignment']],
      memberRows,
      'No members (the group is empty).',
    ),
    h('h2', {}, 'Committed offsets and lag'),
    table(
      [
        ['Topic'],
        ['Partition', 'num'],
        ['Committed', 'num'],
        ['Log end', 'num'],
        ['Lag', 'num'],
        ['Time lag', 'num'],
      ],
      offsetRows,
      'No committed offsets.',
    ),
  ];
}

// ---- routing and refresh --------------------------------------------------------------------

function route() {
  const [, section = 'topics', name] = location.hash.split('/');
  const decoded = name === undefined ? undefined : decodeURIComponent(name);
  for (const link of document.querySelectorAll('[data-nav]')) {
    link.classList.toggle('active', link.dataset.nav === section);
  }
  if (section === 'groups') return decoded ? () => groupView(decoded) : groupsView;
  return decoded ? () => topicView(decoded) : topicsView;
}

function go(hash) {
  location.hash = hash;
}

let refreshing = false;
async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    const nodes = await route()();
    // Keep focus and typed input in the record browser's form across redraws.
    const focusedName = document.activeElement?.getAttribute?.('name');
    view.replaceChildren(...nodes);
    if (focusedName) view.querySelector(`[name="${focusedName}"]`)?.focus();
    statusBadge.dataset.state = 'live';
    statusBadge.textContent = `live · ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    statusBadge.dataset.state = 'down';
    statusBadge.textContent = error.message;
  } finally {
    refreshing = false;
  }
}

window.addEventListener('hashchange', refresh);
refresh();
setInterval(refresh, REFRESH_MS);
