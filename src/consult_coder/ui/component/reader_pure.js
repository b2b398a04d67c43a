// The transcript reader's pure helpers: offsets, stacked underlines, word edges, hit testing. No DOM
// and no state, so tests load this file alone on a bare page (tests/browser/test_reader_pure.py).
// __init__.py joins it first with the DOM wiring: reader_base.js, reader_caret.js, reader_panel.js,
// reader_palette.js, reader_suggest.js and reader.js (which holds the component itself).

const WORD = /[\p{L}\p{N}\p{M}_'’-]/u;
const COLOUR = /^#[0-9a-fA-F]{6}$/;
const GREY = "#888888";

// ---- code points <-> UTF-16 units. Python offsets count code points of the stored text; a DOM text
// node counts UTF-16 units, which differ after any character outside the Basic Multilingual Plane.

function cpLen(s) {
  return Array.from(s).length;
}

// Code points in the first ``units`` UTF-16 units of ``s`` (a DOM offset -> a stored offset).
function unitsToCodePoints(s, units) {
  return cpLen(s.slice(0, units));
}

// UTF-16 units in the first ``count`` code points of ``s`` (a stored offset -> a DOM offset).
function codePointsToUnits(s, count) {
  return Array.from(s).slice(0, Math.max(0, count)).join("").length;
}

// ---- codes and codings

function colourOf(code) {
  return code && COLOUR.test(code.colour || "") ? code.colour : GREY;
}

// Each coding gets a track (its underline depth) so an overlapping coding keeps its own line. Returns
// {track: Map(coding id -> track), count: tracks needed}.
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

// The codings that cover the whole segment [a, b), by track (top line first).
function codingsOver(codings, track, a, b) {
  return codings.filter((c) => c.start <= a && c.end >= b).sort((x, y) => track.get(x.id) - track.get(y.id));
}

// The codings under one offset (a click), in codebook order.
function codingsAt(codings, codeOrder, offset) {
  return codings.filter((c) => c.start <= offset && offset < c.end)
    .sort((a, b) => (codeOrder.get(a.code_id) ?? 0) - (codeOrder.get(b.code_id) ?? 0) || a.id - b.id);
}

// ---- text of a passage, and moving its edges. ``cps`` is the text as an array of code points.

function spanTextOf(cps, start, end, max = 90) {
  const s = cps.slice(start, end).join("");
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

// Drop whitespace at either edge, as a mouse selection often includes it.
function trimSpan(cps, start, end) {
  while (start < end && /\s/u.test(cps[start])) start++;
  while (end > start && /\s/u.test(cps[end - 1])) end--;
  return [start, end];
}

const isWord = (ch) => ch !== undefined && WORD.test(ch);

// Move one edge of [start, end) by a word: "grow-start", "grow-end", "shrink-start", "shrink-end".
// Shrinking never empties the passage.
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

// ---- cutting a turn into segments, and finding what a segment belongs to

// Where a turn is cut so that every span (coding, hit, pending selection, jump) starts and ends on a
// segment edge: sorted offsets from the turn's start to its end.
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
