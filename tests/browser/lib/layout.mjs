// WCAG 1.4.10 Reflow and 1.4.4 Resize text, measured in the page.
//
// Reflow: at 320 CSS px wide nothing may need horizontal scrolling.
// Zoom 200 %: a 1280 px window at 200 % lays out as a 640 CSS px viewport, so the page is laid out
// at 640 px; nothing may need horizontal scrolling, and no element that hides its overflow may cut
// off its text.

/** Problems at the current viewport width (empty when none). */
export async function layoutProblems(page, { clipping }) {
  return page.evaluate((checkClipping) => {
    const out = [];
    const vw = document.documentElement.clientWidth;
    const width = window.innerWidth;
    const sw = document.documentElement.scrollWidth;
    if (sw > width) {
      // Name the elements that stick out, to find the culprit quickly.
      // The outermost elements whose box reaches past the viewport's right edge; text hidden
      // for sight counts too (an absolutely positioned one can widen the page).
      const wide = [];
      for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.right > vw + 1) {
          const parentOut = el.parentElement && el.parentElement.getBoundingClientRect().right > vw + 1;
          const hidden = srOnly(el) ? ' (hidden for sight)' : '';
          if (!parentOut || hidden) wide.push(`${describe(el)}${hidden} (right edge ${Math.round(r.right)}px)`);
        }
        if (wide.length >= 5) break;
      }
      out.push(`horizontal scrolling: the page is ${sw}px wide in a ${width}px viewport; sticking out: ${wide.join('; ') || 'unknown'}`);
    }
    if (checkClipping) {
      for (const el of document.body.querySelectorAll('*')) {
        if (el.closest('.visually-hidden, .default-submit') || srOnly(el)) continue;
        if (/^(INPUT|SELECT|TEXTAREA|OPTION|SCRIPT|STYLE|svg)$/i.test(el.tagName)) continue;
        const cs = getComputedStyle(el);
        if (cs.display === 'none' || cs.visibility === 'hidden') continue;
        const hides = (o) => o === 'hidden' || o === 'clip';
        const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()) ||
          el.innerText?.trim();
        if (!text) continue;
        if (hides(cs.overflowX) && el.scrollWidth > el.clientWidth + 1) {
          out.push(`text cut off horizontally: ${describe(el)} (${el.scrollWidth}px of text in ${el.clientWidth}px)`);
        }
        if (hides(cs.overflowY) && el.scrollHeight > el.clientHeight + 1) {
          out.push(`text cut off vertically: ${describe(el)} (${el.scrollHeight}px of text in ${el.clientHeight}px)`);
        }
        if (cs.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1) {
          out.push(`text truncated with an ellipsis: ${describe(el)}`);
        }
      }
    }
    return out;

    // Text hidden for sight on purpose (the skip link until it is focused): a 1 px box that clips.
    function srOnly(el) {
      for (let e = el; e && e !== document.body; e = e.parentElement) {
        const r = e.getBoundingClientRect();
        const cs = getComputedStyle(e);
        if (r.width <= 1 && r.height <= 1 && (cs.overflow !== 'visible' || cs.clipPath !== 'none' || cs.clip !== 'auto')) return true;
      }
      return false;
    }

    function describe(el) {
      let s = el.tagName.toLowerCase();
      if (el.id) s += `#${el.id}`;
      if (el.classList.length) s += `.${[...el.classList].join('.')}`;
      const t = (el.innerText || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 40);
      return t ? `${s} "${t}"` : s;
    }
  }, clipping);
}

/**
 * Checks reflow at 320 px and 200 % zoom (640 px), then puts the viewport back.
 * Returns a list of problems, each prefixed with the label.
 */
export async function layoutChecks(page, label) {
  const original = page.viewportSize();
  const problems = [];
  try {
    for (const [width, name, clipping] of [[320, 'reflow at 320 px', false], [640, 'zoom 200 % (640 px)', true]]) {
      await page.setViewportSize({ width, height: 800 });
      for (const p of await layoutProblems(page, { clipping })) problems.push(`[${label}] ${page.url()}: ${name}: ${p}`);
    }
  } finally {
    if (original) await page.setViewportSize(original);
  }
  return problems;
}
