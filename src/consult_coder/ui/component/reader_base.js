// The transcript reader, part 1 of 4: state and pure helpers (offsets, tracks, word edges).
// The four files are joined in order into one module by __init__.py: reader_base.js,
// reader_caret.js, reader_panel.js, reader.js (which holds the component itself).

const STATE = new Map(); // per component key: what must survive a re-render (open palette, queue, …)
const WORD = /[\p{L}\p{N}\p{M}_'’-]/u;
const COLOUR = /^#[0-9a-fA-F]{6}$/;
const TRACK_PX = 4; // height of one stacked underline, including its gap
const KEY_SELECT_MS = 600; // a keyboard selection opens the palette once it has rested this long

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function colourOf(code) {
  return code && COLOUR.test(code.colour || "") ? code.colour : "#888888";
}

// Code points, not UTF-16 units: Python offsets count code points of the stored text.
function cpLen(s) {
  return Array.from(s).length;
}

function stateFor(key) {
  if (!STATE.has(key)) {
    STATE.set(key, { lastRev: null, busy: false, timer: null, queue: [], pending: null, filter: "",
                     focus: 0, panelAt: null, keyHandler: null, lastJump: null, hitKey: null, hit: 0,
                     mouseDown: false, shiftDown: false, selTimer: null, selHandler: null,
                     upHandler: null });
  }
  return STATE.get(key);
}

// Each coding gets a track (its underline depth) so an overlapping coding keeps its own line.
function assignTracks(codings) {
  const ends = [];
  const track = new Map();
  const sorted = [...codings].sort((a, b) => a.start - b.start || b.end - a.end || a.id - b.id);
  for (const c of sorted) {
    let t = ends.findIndex((end) => end <= c.start);
    if (t < 0) { t = ends.length; ends.push(0); }
    ends[t] = c.end;
    track.set(c.id, t);
  }
  return { track, count: ends.length };
}

function spanTextOf(cps, start, end, max = 90) {
  const s = cps.slice(start, end).join("");
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

function trimSpan(cps, start, end) {
  while (start < end && /\s/u.test(cps[start])) start++;
  while (end > start && /\s/u.test(cps[end - 1])) end--;
  return [start, end];
}

const isWord = (ch) => ch !== undefined && WORD.test(ch);

function moveEdge(cps, start, end, how) {
  let i;
  switch (how) {
    case "grow-start":
      i = start;
      while (i > 0 && !isWord(cps[i - 1])) i--;
      while (i > 0 && isWord(cps[i - 1])) i--;
      return [i, end];
    case "grow-end":
      i = end;
      while (i < cps.length && !isWord(cps[i])) i++;
      while (i < cps.length && isWord(cps[i])) i++;
      return [start, i];
    case "shrink-start":
      i = start;
      while (i < end && isWord(cps[i])) i++;
      while (i < end && !isWord(cps[i])) i++;
      return i < end ? [i, end] : [start, end];
    case "shrink-end":
      i = end;
      while (i > start && isWord(cps[i - 1])) i--;
      while (i > start && !isWord(cps[i - 1])) i--;
      return i > start ? [start, i] : [start, end];
    default:
      return [start, end];
  }
}

// Map one boundary of a DOM Range to a code-point offset of the stored text.
function boundaryOffset(node, offset, segs, isEnd) {
  const seg = node.nodeType === Node.TEXT_NODE ? node.parentElement : null;
  if (seg && seg.classList.contains("ccr-seg")) {
    return Number(seg.dataset.start) + cpLen(node.data.slice(0, offset));
  }
  // The boundary sits between elements (a speaker label, a turn edge): take the nearest text.
  const probe = document.createRange();
  probe.setStart(node, offset);
  if (!isEnd) {
    for (const s of segs) {
      if (probe.comparePoint(s.firstChild || s, 0) >= 0) return Number(s.dataset.start);
    }
    return null;
  }
  for (let k = segs.length - 1; k >= 0; k--) {
    const s = segs[k];
    const t = s.firstChild || s;
    if (probe.comparePoint(t, t.nodeType === Node.TEXT_NODE ? t.data.length : 0) <= 0) {
      return Number(s.dataset.end);
    }
  }
  return null;
}

function segmentBounds(turn, spans) {
  const cuts = new Set([turn.start, turn.end]);
  const add = (v) => { if (v > turn.start && v < turn.end) cuts.add(v); };
  for (const c of spans) { if (c) { add(c.start); add(c.end); } }
  return [...cuts].sort((a, b) => a - b);
}

// Index of the hit holding the segment [a, b), or -1. Hits are sorted and do not overlap.
function hitAt(hits, a, b) {
  let lo = 0;
  let hi = hits.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (hits[mid].end <= a) lo = mid + 1;
    else if (hits[mid].start > a) hi = mid - 1;
    else return hits[mid].end >= b ? mid : -1;
  }
  return -1;
}

