// What a reader would see wrong on a rendered page, measured by the browser itself. Evaluated
// in the page by browser_test.cpp (through cdp.mjs) as `(this function)(options)`; returns
// {texts, svg_texts, problems: ["clipped: ...", "overlap: ...", ...]}.
//
//  - SVG text (getBoundingClientRect of each <text>, so transforms and scaling count): inside
//    its <svg> box ("clipped"), never over another text ("overlap"), and a message label
//    between the lifelines of its two parties ("column too narrow": data-from/data-to on
//    g.msg, data-party on the lifelines).
//  - HTML text (the client rects of each text node, line by line): inside every ancestor that
//    hides overflow ("clipped"), never over other text ("overlap"); a table cell as wide as
//    its content ("column too narrow"); the page no wider than the window ("page too wide").
(function layoutProblems(options) {
  'use strict';
  options = options || {};
  const slack = 0.75;  // px: anti-aliasing and rounding, not a visible defect
  const problems = [];
  const say = (text) => { if (problems.length < 200) problems.push(text); };
  const name = (text) => JSON.stringify(text.length > 60 ? text.slice(0, 57) + '...' : text);
  const overlaps = (a, b) =>
    Math.min(a.right, b.right) - Math.max(a.left, b.left) > slack &&
    Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > slack;
  const inside = (r, box) => r.left >= box.left - slack && r.right <= box.right + slack &&
                             r.top >= box.top - slack && r.bottom <= box.bottom + slack;

  // Pairwise, after a sort by top: only boxes whose vertical ranges meet are compared.
  function checkOverlaps(boxes, where) {
    boxes.sort((a, b) => a.rect.top - b.rect.top);
    for (let i = 0; i < boxes.length; ++i) {
      for (let j = i + 1; j < boxes.length && boxes[j].rect.top < boxes[i].rect.bottom - slack; ++j) {
        if (boxes[i].owner !== boxes[j].owner && overlaps(boxes[i].rect, boxes[j].rect)) {
          say(`overlap (${where}): ${name(boxes[i].text)} and ${name(boxes[j].text)}`);
        }
      }
    }
  }

  let svgTexts = 0;
  for (const svg of document.querySelectorAll('svg')) {
    if (svg.parentElement && svg.parentElement.closest('svg')) continue;
    const box = svg.getBoundingClientRect();
    const where = svg.id || (document.title || 'svg');
    const boxes = [];
    for (const text of svg.querySelectorAll('text')) {
      const content = text.textContent.trim();
      const rect = text.getBoundingClientRect();
      if (!content || rect.width === 0) continue;
      ++svgTexts;
      if (!inside(rect, box)) {
        say(`clipped (${where}): ${name(content)} at ${Math.round(rect.left - box.left)},${Math.round(rect.top - box.top)} ` +
            `width ${Math.round(rect.width)} outside the ${Math.round(box.width)}x${Math.round(box.height)} drawing`);
      }
      boxes.push({ rect, text: content, owner: text });
    }
    checkOverlaps(boxes, where);
    const lifeline = {};
    for (const line of svg.querySelectorAll('[data-party]')) {
      lifeline[line.getAttribute('data-party')] = line.getBoundingClientRect();
    }
    for (const msg of svg.querySelectorAll('.msg[data-from]')) {
      const from = lifeline[msg.getAttribute('data-from')];
      const to = lifeline[msg.getAttribute('data-to')];
      if (!from || !to || msg.classList.contains('note')) continue;
      let left = Math.min(from.left, to.left);
      let right = Math.max(from.right, to.right);
      if (from === to) {  // to itself: the label goes right, up to the next lifeline
        const next = lifeline[String(Number(msg.getAttribute('data-from')) + 1)];
        right = next ? next.left : box.right;
      }
      for (const label of msg.querySelectorAll('text.label')) {
        const rect = label.getBoundingClientRect();
        if (rect.left < left - slack || rect.right > right + slack) {
          say(`column too narrow (${where}): ${name(label.textContent)} is ${Math.round(rect.width)} px wide, ` +
              `its lifelines ${Math.round(right - left)} px apart`);
        }
      }
    }
  }

  const boxes = [];
  let texts = 0;
  const walker = document.createTreeWalker(document.body || document.documentElement, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || !node.textContent.trim() || parent.closest('svg, script, style, noscript, template')) continue;
    if (getComputedStyle(parent).visibility !== 'visible') continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0 && r.height > 0);
    if (rects.length === 0) continue;
    ++texts;
    const clippers = [];
    for (let e = parent; e && e !== document.documentElement; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (/hidden|clip/.test(style.overflowX + style.overflowY)) clippers.push(e);
    }
    for (const rect of rects) {
      if (rect.left < -slack) say(`clipped: ${name(node.textContent.trim())} starts left of the page`);
      for (const clipper of clippers) {
        if (!inside(rect, clipper.getBoundingClientRect())) {
          say(`clipped: ${name(node.textContent.trim())} overflows its <${clipper.tagName.toLowerCase()}>`);
        }
      }
      boxes.push({ rect, text: node.textContent.trim(), owner: node });
    }
  }
  checkOverlaps(boxes, 'page');
  for (const cell of document.querySelectorAll('td, th')) {
    if (cell.scrollWidth > cell.clientWidth + 1) {
      say(`column too narrow: cell ${name(cell.textContent.trim())} needs ${cell.scrollWidth} px, has ${cell.clientWidth}`);
    }
  }
  if (options.page_fits !== false && document.documentElement.scrollWidth > window.innerWidth + 1) {
    say(`page too wide: ${document.documentElement.scrollWidth} px in a ${window.innerWidth} px window`);
  }
  return { texts, svg_texts: svgTexts, problems };
})
